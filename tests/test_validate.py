"""`ppml validate`: one broken catalog per rule, each reported as file:line: entry: field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run

TOOL = """
tools:
  - id: toy
    name: Toy
    url: https://example.org/toy
    description: A toy tool for the tests.
    techniques: [dp-training]
    license: MIT
"""

REFERENCE = """
references:
  - id: ref
    name: A Paper
    url: https://arxiv.org/abs/1607.00133
    authors: [Ada Lovelace]
    year: 2016
    arxiv: "1607.00133"
    description: A paper for the tests.
    techniques: [dp-training]
"""

# rule -> (catalog text, line, entry, field, severity, message fragment)
RULES = {
    "https-url": (TOOL.replace("https://example.org/toy", "http://example.org/toy"), 4, "toy", "url", "error", "https"),
    "malformed-url": (
        TOOL.replace("url: https://example.org/toy", "url: https://nohost"),
        4,
        "toy",
        "url",
        "error",
        "not a valid URL",
    ),
    "duplicate-url": (
        TOOL.replace("https://example.org/toy", "https://github.com/meta-pytorch/opacus"),
        4,
        "toy",
        "url",
        "error",
        "already used by 'opacus'",
    ),
    "year-range": (REFERENCE.replace("year: 2016", "year: 1066"), 6, "ref", "year", "error", "outside"),
    "future-year": (REFERENCE.replace("year: 2016", "year: 3024"), 6, "ref", "year", "error", "outside"),
    "spdx": (TOOL.replace("license: MIT", "license: Apache2"), 7, "toy", "license", "error", "not a known SPDX id"),
    "arxiv-format": (
        REFERENCE.replace('arxiv: "1607.00133"', "arxiv: arXiv:1607"),
        7,
        "ref",
        "arxiv",
        "error",
        "not an arXiv id",
    ),
    "arxiv-mismatch": (
        REFERENCE.replace('arxiv: "1607.00133"', 'arxiv: "1701.00001"'),
        7,
        "ref",
        "arxiv",
        "error",
        "does not match",
    ),
    "description-short": (
        TOOL.replace("A toy tool for the tests.", "Toy."),
        5,
        "toy",
        "description",
        "warning",
        "too short",
    ),
    "description-punctuation": (
        TOOL.replace("A toy tool for the tests.", "A toy tool for the tests"),
        5,
        "toy",
        "description",
        "warning",
        "full stop",
    ),
    "description-capital": (
        TOOL.replace("A toy tool for the tests.", "a toy tool for the tests."),
        5,
        "toy",
        "description",
        "warning",
        "capital",
    ),
    "tool-without-technique": (
        TOOL.replace("techniques: [dp-training]", "techniques: []"),
        6,
        "toy",
        "techniques",
        "error",
        "at least one technique",
    ),
    "superseded-by-itself": (
        TOOL.replace("license: MIT", "license: MIT\n    status: deprecated\n    superseded_by: toy"),
        9,
        "toy",
        "superseded_by",
        "error",
        "cannot supersede itself",
    ),
    "superseded-but-active": (
        TOOL.replace("license: MIT", "license: MIT\n    status: active\n    superseded_by: opacus"),
        9,
        "toy",
        "superseded_by",
        "error",
        "should be deprecated or legacy",
    ),
    "superseded-by-non-tool": (
        TOOL.replace("license: MIT", "license: MIT\n    status: deprecated\n    superseded_by: dp-training"),
        9,
        "toy",
        "superseded_by",
        "error",
        "unknown tool id 'dp-training'",
    ),
    "unverified-unknown-field": (
        TOOL.replace("license: MIT", "license: MIT\n    unverified: [colour]"),
        8,
        "toy",
        "unverified",
        "error",
        "not a field",
    ),
    "reference-without-authors": (
        REFERENCE.replace("    authors: [Ada Lovelace]\n", ""),
        2,
        "ref",
        "authors",
        "warning",
        "give the authors",
    ),
    "technique-without-phase": (
        "techniques:\n  - id: lonely\n    name: Lonely\n    description: A technique with no phase at all.\n",
        2,
        "lonely",
        "phase",
        "error",
        "missing required field",
    ),
    "dangling-reference": (
        TOOL.replace("[dp-training]", "[dp-trainin]"),
        6,
        "toy",
        "techniques",
        "error",
        "unknown technique id",
    ),
    "duplicate-id": (
        TOOL + TOOL.replace("tools:\n", "").replace("example.org/toy", "example.org/toy2"),
        9,
        "toy",
        "id",
        "error",
        "duplicate id",
    ),
}


@pytest.mark.parametrize("rule", RULES, ids=list(RULES))
def test_each_rule_reports_a_located_problem(run: Run, write_catalog: Callable[..., Path], rule: str) -> None:
    text, line, entry, field, severity, fragment = RULES[rule]
    path = write_catalog(text)
    result = run("validate", str(path), "-o", "json")
    report = json.loads(result.stdout)
    matching = [p for p in report["problems"] if p["field"] == field and fragment in p["message"]]
    assert matching, report["problems"]
    problem = matching[0]
    assert (problem["file"], problem["line"], problem["entry"], problem["severity"]) == (
        str(path),
        line,
        entry,
        severity,
    )
    assert result.exit_code == (2 if report["errors"] else 0)


def test_text_format_is_file_line_entry_field_severity_message(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog(TOOL.replace("license: MIT", "license: Apache2"))
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:7: toy: license: error: 'Apache2' is not a known SPDX id" in result.stdout
    assert "1 error(s)" in result.stdout


def test_warnings_alone_exit_0(run: Run, write_catalog: Callable[..., Path]) -> None:
    result = run("validate", str(write_catalog(TOOL.replace("A toy tool for the tests.", "Toy."))))
    assert result.exit_code == 0
    assert "warning: too short" in result.stdout


def test_the_bundled_catalog_is_clean(run: Run) -> None:
    result = run("validate", "-o", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert report["problems"] == []
    assert report["entries"] > 130


def test_a_clean_overlay_passes(run: Run, write_catalog: Callable[..., Path]) -> None:
    result = run("validate", str(write_catalog(TOOL)))
    assert result.exit_code == 0, result.stdout
    assert "0 error(s), 0 warning(s)" in result.stdout


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "yaml", "markdown"])
def test_validate_speaks_every_format(run: Run, write_catalog: Callable[..., Path], fmt: str) -> None:
    result = run("validate", str(write_catalog(TOOL.replace("license: MIT", "license: Apache2"))), "-o", fmt)
    assert result.exit_code == 2
    assert "Apache2" in result.stdout
