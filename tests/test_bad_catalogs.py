"""A broken catalog exits 2 with file, line, entry and field: never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import MINIMAL, Run

GOOD_TOOL = """
tools:
  - id: toy
    name: Toy
    description: A toy.
    techniques: [dp-training]
"""

CASES = {
    "yaml-syntax": (
        "tools:\n  - id: toy\n    name: [unclosed\n",
        [":4:", "YAML syntax", "flow sequence at line 3"],
    ),
    "top-level-not-mapping": ("- just\n- a list\n", [":1:", "top level must be a mapping"]),
    "unknown-section": ("gadgets:\n  - id: x\n", [":1:", "gadgets", "unknown section"]),
    "section-not-list": ("tools: {id: toy}\n", [":1:", "tools", "must be a list"]),
    "wrong-type": (
        GOOD_TOOL.replace("name: Toy", "name: [not, a, string]"),
        [":3:", "toy", "name", "expected a non-empty string"],
    ),
    "wrong-list-type": (
        GOOD_TOOL.replace("techniques: [dp-training]", "techniques: dp-training"),
        [":5:", "toy", "techniques", "expected a list"],
    ),
    "missing-field": (
        GOOD_TOOL.replace("    description: A toy.\n", ""),
        [":2:", "toy", "description", "missing required field"],
    ),
    "duplicate-id": (
        GOOD_TOOL + "  - id: toy\n    name: Toy again\n    description: Again.\n    techniques: [dp-training]\n",
        [":6:", "toy", "id", "duplicate id (first defined at line 2)"],
    ),
    "unknown-technique": (
        GOOD_TOOL.replace("[dp-training]", "[dp-trainnig]"),
        [":5:", "toy", "techniques", "unknown technique id 'dp-trainnig'", "did you mean 'dp-training'"],
    ),
    "unknown-phase": (
        "techniques:\n  - id: t2\n    name: T2\n    phase: trainng\n    description: x.\n",
        [":4:", "t2", "phase", "unknown phase id 'trainng'"],
    ),
    "unknown-field": (
        GOOD_TOOL.replace("name: Toy", "name: Toy\n    licence: MIT"),
        [":4:", "toy", "licence", "unknown field for a tool", "did you mean 'license'"],
    ),
    "bad-enum": (
        GOOD_TOOL.replace("name: Toy", "name: Toy\n    status: alive"),
        [":4:", "toy", "status", "'alive' is not one of: active"],
    ),
    "bad-id": (
        GOOD_TOOL.replace("id: toy", "id: Toy_Tool"),
        [":2:", "Toy_Tool", "id", "kebab-case"],
    ),
    "derived-field": (
        GOOD_TOOL.replace("name: Toy", "name: Toy\n    phases: [training]"),
        [":4:", "toy", "phases", "computed by ppml"],
    ),
    "bad-year": (
        "references:\n  - id: r\n    name: R\n    description: x.\n    year: soon\n    techniques: [dp-training]\n",
        [":5:", "r", "year", "expected an integer"],
    ),
    "bad-superseded-by": (
        GOOD_TOOL.replace("name: Toy", "name: Toy\n    superseded_by: nothing"),
        [":4:", "toy", "superseded_by", "unknown tool id 'nothing'"],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_broken_catalog_is_reported_precisely(run: Run, write_catalog: Callable[..., Path], case: str) -> None:
    text, expected = CASES[case]
    path = write_catalog(text)
    result = run("--catalog", str(path), "list")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    for fragment in expected:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "invalid catalog" in result.stderr


def test_missing_catalog_file(run: Run, tmp_path: Path) -> None:
    result = run("--catalog", str(tmp_path / "nope.yaml"), "list")
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr and "file not found" in result.stderr


def test_not_utf8(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"tools:\n  - id: caf\xe9\n")
    result = run("--catalog", str(path), "list")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_unsafe_yaml_tags_are_refused(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog("tools: !!python/object/apply:os.system ['echo pwned']\n")
    result = run("--catalog", str(path), "list")
    assert result.exit_code == 2
    assert "pwned" not in result.stdout
    assert "YAML" in result.stderr


def test_no_bundled_without_catalog_is_a_usage_error(run: Run) -> None:
    result = run("--no-bundled", "list")
    assert result.exit_code == 2
    assert "--no-bundled needs at least one --catalog" in result.stderr


def test_every_error_is_reported_at_once(run: Run, write_catalog: Callable[..., Path]) -> None:
    text = GOOD_TOOL.replace("name: Toy", "name: 3").replace("[dp-training]", "[nope]")
    result = run("--catalog", str(write_catalog(text)), "list")
    assert "name" in result.stderr and "unknown technique id 'nope'" in result.stderr
    assert "2 errors" in result.stderr


def test_minimal_catalog_alone_is_valid(run: Run, write_catalog: Callable[..., Path]) -> None:
    result = run("--no-bundled", "--catalog", str(write_catalog(MINIMAL)), "list", "-o", "json")
    assert result.exit_code == 0, result.stderr
