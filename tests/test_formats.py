"""Every output command speaks table, json, jsonl, csv, yaml and markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from .conftest import Run

COMMANDS = [
    ["search", "federated"],
    ["list", "--phase", "training"],
    ["show", "opacus"],
    ["tree"],
    ["export"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "yaml", "markdown"])
def test_every_command_supports_every_format(run: Run, command: list[str], fmt: str) -> None:
    result = run(*command, "-o", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    assert "\x1b[" not in result.stdout  # not a terminal: no escape codes


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_json_flag_is_shorthand(run: Run, command: list[str]) -> None:
    assert run(*command, "--json").stdout == run(*command, "-o", "json").stdout


def test_entry_contract_fields(run_json: Callable[..., Any]) -> None:
    for entry in run_json("list"):
        assert {"id", "kind", "name", "url", "phases", "techniques", "description"} <= set(entry)
        assert isinstance(entry["phases"], list)
        assert isinstance(entry["techniques"], list)
        assert entry["url"] is None or entry["url"].startswith("https://")


def test_ids_are_unique_across_kinds(run_json: Callable[..., Any]) -> None:
    ids = [e["id"] for e in run_json("list")]
    assert len(ids) == len(set(ids))


def test_jsonl_is_one_entry_per_line(run: Run, run_json: Callable[..., Any]) -> None:
    lines = run("list", "--kind", "tool", "-o", "jsonl").stdout.splitlines()
    parsed = [json.loads(line) for line in lines]
    assert len(parsed) == len(run_json("list", "--kind", "tool")) > 40
    assert all(p["kind"] == "tool" for p in parsed)


def test_csv_has_a_header_and_a_row_per_entry(run: Run, run_json: Callable[..., Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(run("list", "--kind", "tool", "-o", "csv").stdout)))
    assert len(rows) == len(run_json("list", "--kind", "tool")) > 40
    opacus = next(r for r in rows if r["id"] == "opacus")
    assert opacus["license"] == "Apache-2.0"
    assert opacus["techniques"] == "dp-training; privacy-budget"


def test_yaml_round_trips_to_the_json(run: Run) -> None:
    as_yaml = yaml.safe_load(run("show", "flower", "-o", "yaml").stdout)
    as_json = json.loads(run("show", "flower", "-o", "json").stdout)
    assert as_yaml == as_json


def test_markdown_list_is_a_table_with_links(run: Run) -> None:
    out = run("list", "--kind", "tool", "--technique", "federated-learning", "-o", "markdown").stdout
    assert out.startswith("| Name | Kind | Id |")
    assert "[Flower](https://github.com/flwrlabs/flower)" in out


def test_export_json_has_schema_version_and_a_list_per_kind(run_json: Callable[..., Any]) -> None:
    data = run_json("export")
    assert data["schema_version"] == 1
    for key in ("phases", "techniques", "tools", "references", "tutorials", "threats"):
        assert isinstance(data[key], list) and data[key], key
    assert {e["kind"] for e in data["tools"]} == {"tool"}


def test_export_jsonl_holds_every_entry(run: Run, run_json: Callable[..., Any]) -> None:
    lines = run("export", "-o", "jsonl").stdout.splitlines()
    assert len(lines) == len(run_json("list"))


def test_tree_json_nests_techniques_with_counts(run_json: Callable[..., Any]) -> None:
    tree = run_json("tree")
    assert [p["id"] for p in tree] == ["collection", "processing", "training", "deployment", "governance", "evaluation"]
    training = tree[2]
    assert [t["id"] for t in training["techniques"]] == [
        "dp-training",
        "federated-learning",
        "machine-unlearning",
        "llm-privacy",
    ]
    fl = training["techniques"][1]
    assert fl["counts"]["tools"] == len(run_json("list", "--technique", "FL", "--kind", "tool"))
    assert training["counts"]["techniques"] == 4


def test_tree_table_shows_phases_and_techniques(run: Run) -> None:
    out = run("tree").stdout
    assert "Model Training" in out and "Federated Learning" in out and "Machine Unlearning" in out


def test_export_markdown_is_deterministic_and_holds_every_seed_link(run: Run) -> None:
    from .conftest import seed_links

    first = run("export", "-o", "markdown").stdout
    assert first == run("export", "-o", "markdown").stdout
    assert "## 1. Data Collection" in first
    assert "### 3.2 Federated Learning" in first
    current = {u for u in seed_links() if u in first}
    assert len(current) > 80  # the rest moved: their new address is in the list instead
