"""Output that other programs open: spreadsheets run no formula, browsers run no script, YAML loads back the same."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_cli.render.machine import write_yaml
from ppml_cli.textsafe import markdown_link, markdown_text, markdown_url, spreadsheet_safe

from .conftest import Run

if TYPE_CHECKING:
    from ppml_cli.results import Result

HOSTILE = """
tools:
  - id: formula
    name: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"
    url: https://example.org/formula
    description: "+cmd|' /C calc'!A0"
    aliases: ["@SUM(1+1)", "-2+3", "\\tTAB", "\\rCR"]
    techniques: [dp-training]
  - id: scripted
    name: "<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3))"
    url: "javascript:alert(4)"
    description: "Text with **bold**, a | pipe, `code` and <b>html</b> & an ampersand."
    techniques: [dp-training]
references:
  - id: evil-paper
    name: "A title](javascript:alert(5)) <script>x</script>"
    url: "javascript:alert(6)"
    authors: ["<img src=y onerror=alert(7)>"]
    year: 2020
    venue: "[venue](javascript:alert(8))"
    description: A reference with a hostile title for tests.
    techniques: [dp-training]
"""


@pytest.fixture
def hostile(write_catalog: Callable[..., Path]) -> Path:
    return write_catalog(HOSTILE)


# ---------------------------------------------------------------------- CSV


@pytest.mark.parametrize("command", [["list", "--kind", "tool"], ["export"], ["show", "formula"]], ids=str)
def test_csv_cells_that_look_like_formulas_are_neutralised(run: Run, hostile: Path, command: list[str]) -> None:
    result = run("--catalog", str(hostile), *command, "-o", "csv")
    assert result.exit_code == 0, result.stderr
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    row = rows["formula"]
    assert row["name"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert row["description"] == "'+cmd|' /C calc'!A0"
    assert row["aliases"].startswith("'@SUM(1+1); -2+3;")
    for other in rows.values():
        for cell in other.values():
            assert not cell or cell[0] not in "=+-@\t\r", (other["id"], cell)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b")],
)
def test_spreadsheet_safe(cell: str, safe: str) -> None:
    assert spreadsheet_safe(cell) == safe


def test_numbers_we_write_are_left_alone(run: Run) -> None:
    out = run("tree", "-o", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert all(row["tools"].isdigit() for row in rows)


# ----------------------------------------------------------------- Markdown

SCRIPTS = ("<script", "<img", "](javascript:", "(javascript:alert(4)", "(javascript:alert(6)")


def _assert_inert(markdown: str) -> None:
    """No tag, and no link to a script: escaped brackets (``\\]``) are text, not link syntax."""
    unescaped = markdown.replace("\\[", "").replace("\\]", "")
    for needle in SCRIPTS:
        assert needle not in unescaped, needle


def test_list_markdown_escapes_html_and_drops_script_links(run: Run, hostile: Path) -> None:
    out = run("--catalog", str(hostile), "list", "--kind", "tool", "-o", "markdown").stdout
    _assert_inert(out)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "\\[click\\](javascript:alert(3))" in out  # shown as text, not a link
    assert "\\*\\*bold\\*\\*" in out and "a \\| pipe" in out and "&lt;b&gt;html&lt;/b&gt; &amp;" in out


def test_cite_markdown_escapes_and_links_only_to_the_web(run: Run, hostile: Path) -> None:
    result = run("--catalog", str(hostile), "cite", "evil-paper", "--style", "markdown")
    assert result.exit_code == 0, result.stderr
    _assert_inert(result.stdout)
    assert result.stdout.startswith("- A title\\]") and "&lt;script&gt;" in result.stdout
    good = run("cite", "shokri2017membership", "--style", "markdown").stdout
    assert "](https://arxiv.org/abs/1610.05820)" in good


def test_compare_and_show_markdown_escape(run: Run, hostile: Path) -> None:
    compared = run("--catalog", str(hostile), "compare", "formula", "scripted", "-o", "markdown")
    assert compared.exit_code == 0, compared.stderr
    _assert_inert(compared.stdout)
    shown = run("--catalog", str(hostile), "show", "scripted", "-o", "markdown").stdout
    _assert_inert(shown)


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_markdown_text_never_opens_a_link_or_a_tag(text: str) -> None:
    out = markdown_text(text)
    assert "\n" not in out
    assert "<" not in out and ">" not in out
    # every bracket is escaped, so no [text](target) can form
    unescaped = out.replace("\\\\", "").replace("\\[", "").replace("\\]", "")
    assert "[" not in unescaped and "]" not in unescaped


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("mailto:someone@example.org", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
    ],
)
def test_only_web_and_mail_links(url: str, allowed: bool) -> None:
    assert (markdown_url(url) is not None) is allowed


def test_a_link_target_cannot_close_the_link_early() -> None:
    link = markdown_link("x", "https://example.org/a) [y](javascript:alert(1)")
    assert link == "[x](https://example.org/a%29%20[y]%28javascript:alert%281%29)"


@pytest.mark.parametrize("field", ["url", "former_urls"])
def test_validate_rejects_other_url_schemes(run: Run, write_catalog: Callable[..., Path], field: str) -> None:
    value = '"javascript:alert(1)"' if field == "url" else '["javascript:alert(1)"]'
    url_line = "" if field == "url" else "    url: https://example.org/t\n"
    path = write_catalog(
        "tools:\n  - id: t\n    name: T\n"
        + url_line
        + f"    {field}: {value}\n    description: A tool for a test.\n    techniques: [dp-training]\n"
    )
    result = run("validate", str(path), "-o", "json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert any(p["field"] == field and p["severity"] == "error" for p in problems)


# --------------------------------------------------------------------- YAML


class _Data:
    def __init__(self, data: Any) -> None:
        self.data = data

    def to_data(self) -> Any:
        return self.data


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
@settings(max_examples=400, deadline=None)
def test_yaml_loads_back_to_the_json_data(text: str) -> None:
    data = [{"name": text, "list": [text, "plain"], "n": 1}]
    out = io.StringIO()
    write_yaml(cast("Result", _Data(data)), out)
    assert yaml.safe_load(out.getvalue()) == json.loads(json.dumps(data))


def test_yaml_keeps_a_next_line_character(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog(
        'tools:\n  - id: nel\n    name: "N\\x85E\\u2028L"\n    url: https://example.org/nel\n'
        '    description: "Before\\x85after."\n    techniques: [dp-training]\n'
    )
    as_json = json.loads(run("--catalog", str(path), "show", "nel", "-o", "json").stdout)
    as_yaml = yaml.safe_load(run("--catalog", str(path), "show", "nel", "-o", "yaml").stdout)
    assert as_yaml == as_json
    assert as_yaml["name"] == "N\x85E\u2028L"
