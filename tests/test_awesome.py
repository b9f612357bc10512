"""The generated awesome list: every entry kept, every address linked once, text escaped.

awesome-lint itself runs in CI (.ci/run); these tests pin the properties it checks
that can be checked without Node, and the escaping it does not check.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_cli.model import Kind
from ppml_cli.textsafe import markdown_text

from .conftest import Run

LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)")


def _links(markdown: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in LINK.finditer(markdown)]


@pytest.fixture(scope="module")
def exported() -> str:
    from typer.testing import CliRunner

    from ppml_cli.cli import app

    result = CliRunner().invoke(app, ["export", "-o", "markdown"], env={"PPML_CATALOG": ""})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_heading_carries_the_badge_and_the_list_ends_with_contributing(exported: str) -> None:
    lines = exported.splitlines()
    assert lines[0] == "# Awesome ML Privacy Mitigation [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"
    assert "## Contents" in lines
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[-1] == "## Contributing"
    assert not any(h.lower() in ("## license", "## licence") for h in headings)  # awesome-lint forbids one


def test_every_address_is_linked_once(exported: str) -> None:
    outside = [url for _, url in _links(exported) if not url.startswith("#")]
    counts = Counter(url.split("://", 1)[-1].removeprefix("www.").rstrip("/").casefold() for url in outside)
    assert [url for url, n in counts.items() if n > 1] == []


def test_every_entry_is_kept_and_each_linked_entry_links_once(exported: str) -> None:
    from ppml_cli.catalog.loading import load_index

    index = load_index([], bundled=True)
    linked = Counter(url for _, url in _links(exported))
    for kind in (Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL, Kind.THREAT):
        for entry in index.of_kind(kind):
            assert markdown_text(entry.name) in exported, entry.id
            if entry.url:
                assert linked[entry.url] == 1, entry.id


def test_contents_match_the_headings(exported: str) -> None:
    contents = re.findall(r"^ *- \[([^\]]+)\]\(#([^)]+)\)$", exported, flags=re.MULTILINE)
    headings = re.findall(r"^#{2,3} (\d.*)$", exported, flags=re.MULTILINE)
    assert [text for text, _ in contents] == headings
    for text, anchor in contents:
        plain = html.unescape(re.sub(r"\\(.)", r"\1", text))  # what GitHub shows, and slugs
        assert anchor == "".join(c for c in plain.lower() if c.isalnum() or c in " -_").replace(" ", "-")


def test_a_technique_names_its_tools_and_points_to_their_home(exported: str) -> None:
    section = exported.split("### 3.1 Differentially Private Training", 1)[1].split("\n### ", 1)[0]
    assert "- Opacus (in 7.1 Differential Privacy)" in section
    assert "](https://github.com/meta-pytorch/opacus)" not in section
    home = exported.split("### 7.1 Differential Privacy", 1)[1].split("\n### ", 1)[0]
    assert "- [Opacus](https://github.com/meta-pytorch/opacus) - DP-SGD training for PyTorch" in home


def test_a_reference_of_several_techniques_is_linked_under_the_first(exported: str) -> None:
    # Shokri et al. is filed under data minimisation (1.1) among others: linked there, named elsewhere.
    first = exported.split("### 1.1 ", 1)[1].split("\n### ", 1)[0]
    assert "[Membership Inference Attacks Against Machine Learning Models (Shokri et al., 2017)](" in first
    later = exported.split("### 6.1 ", 1)[1].split("\n### ", 1)[0]
    assert "- Membership Inference Attacks Against Machine Learning Models (Shokri et al., 2017) (in 1.1" in later


def test_list_items_end_with_punctuation(exported: str) -> None:
    for line in exported.splitlines():
        if line.startswith("- [") and "](#" not in line and " - " in line:
            assert line.rstrip()[-1] in ".!?…", line


HOSTILE = """
techniques:
  - id: odd-technique
    name: "Odd_name & <b>bold</b>"
    phase: training
    description: A technique whose name needs escaping.
tools:
  - id: hostile
    name: "<script>alert(1)</script> [x](javascript:alert(2))"
    url: "javascript:alert(3)"
    description: "# not a heading &amp; <img src=x onerror=alert(4)> **bold** https://evil.example"
    techniques: [dp-training]
  - id: twin
    name: Twin
    url: https://github.com/meta-pytorch/opacus/
    description: Shares Opacus's address.
    techniques: [dp-training]
    categories: [differential-privacy]
"""


def test_hostile_text_is_inert_and_only_web_links_are_made(run: Run, write_catalog: Callable[..., Path]) -> None:
    out = run("--catalog", str(write_catalog(HOSTILE)), "export", "-o", "markdown").stdout
    assert "javascript:" not in "".join(url for _, url in _links(out))
    assert "<script" not in out and "<img" not in out  # angle brackets are entities
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:alert(2))" in out
    assert "\\# not a heading &amp;amp; &lt;img" in out  # an entity in the text shows as typed
    assert "- Twin - Shares Opacus's address." in out  # the address is linked once, by Opacus
    assert out.count("github.com/meta-pytorch/opacus)") == 1
    # The technique is the last of the training phase (3.), whatever number the bundled catalog gives it.
    heading = re.search(r"^### (3\.\d+) Odd\\_name &amp; &lt;b&gt;bold&lt;/b&gt;$", out, re.MULTILINE)
    assert heading, out
    number = heading.group(1)
    anchor = number.replace(".", "")
    assert f"  - [{number} Odd\\_name &amp; &lt;b&gt;bold&lt;/b&gt;](#{anchor}-odd_name--bboldb)" in out


def test_the_export_is_deterministic(run: Run) -> None:
    assert run("export", "-o", "markdown").stdout == run("export", "-o", "markdown").stdout


# ------------------------------------------------------- any catalog, core level

_names = st.text(min_size=1, max_size=30).filter(str.strip)
_urls = st.sampled_from(["https://a.example/x", "https://a.example/x/", "https://www.a.example/x", "https://b.example"])


@settings(deadline=None)
@given(
    tools=st.lists(
        st.tuples(_names, st.none() | _urls, st.lists(st.sampled_from(["t1", "t2"]), min_size=1, unique=True)),
        max_size=6,
    ),
    categories=st.lists(
        st.lists(st.sampled_from(["differential-privacy", "odd category", "x"]), unique=True), max_size=6
    ),
    references=st.lists(
        st.tuples(_names, st.none() | _urls, st.lists(st.sampled_from(["t1", "t2", "t9"]))), max_size=4
    ),
)
def test_any_catalog_links_each_address_once_and_names_every_entry(
    tools: list[tuple[str, str | None, list[str]]],
    categories: list[list[str]],
    references: list[tuple[str, str | None, list[str]]],
) -> None:
    from ppml_cli.model import Phase, Reference, Technique, Tool
    from ppml_cli.render.awesome import awesome_markdown
    from ppml_cli.results import CatalogDump

    entries: list[Any] = [
        Phase(id="p", name="Phase & <One>", description="The phase.", order=1),
        Technique(id="t1", name="T_one", description="First.", phase="p", phases=("p",)),
        Technique(id="t2", name="T [two]", description="Second.", phase="p", phases=("p",)),
    ]
    for i, (name, url, techniques) in enumerate(tools):
        cats = tuple(categories[i]) if i < len(categories) else ()
        entries.append(
            Tool(
                id=f"tool{i}", name=name, description="A tool.", url=url, techniques=tuple(techniques), categories=cats
            )
        )
    for i, (name, url, techniques) in enumerate(references):
        entries.append(
            Reference(id=f"ref{i}", name=name, description="A paper.", url=url, techniques=tuple(techniques))
        )
    out = "\n".join(awesome_markdown(CatalogDump(entries=tuple(entries))))

    targets = [url for _, url in _links(out) if not url.startswith("#")]
    keys = [u.split("://", 1)[-1].removeprefix("www.").rstrip("/") for u in targets]
    assert len(keys) == len(set(keys))
    for entry in entries[3:]:
        assert markdown_text(entry.name) in out
    contents = re.findall(r"^ *- \[([^\]]*(?:\\\][^\]]*)*)\]\(#([^)]+)\)$", out, flags=re.MULTILINE)
    headings = re.findall(r"^#{2,3} (\d.*)$", out, flags=re.MULTILINE)
    assert [text for text, _ in contents] == headings
    assert len({anchor for _, anchor in contents}) == len(contents)
    assert out == "\n".join(awesome_markdown(CatalogDump(entries=tuple(entries))))
