"""`ppml show`: every field of one entry and what it links to; unknown names exit 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Run


@pytest.mark.parametrize("name", ["opacus", "Opacus", "OPACUS", "Opacus Accounting", "pytorch opacus"])
def test_ids_names_and_aliases_resolve_case_insensitively(run_json: Callable[..., Any], name: str) -> None:
    assert run_json("show", name)["id"] == "opacus"


def test_show_json_is_the_entry_plus_related(run_json: Callable[..., Any]) -> None:
    data = run_json("show", "opacus")
    assert data["kind"] == "tool"
    assert data["url"] == "https://github.com/meta-pytorch/opacus"
    assert data["former_urls"] == ["https://github.com/pytorch/opacus"]
    assert data["license"] == "Apache-2.0"
    assert data["package"] == "opacus"
    related = data["related"]
    assert {t["id"] for t in related["techniques"]} == {"dp-training", "privacy-budget"}
    assert {"training", "governance"} == {p["id"] for p in related["phases"]}
    assert "abadi2016dpsgd" in {r["id"] for r in related["references"]}
    assert [t["id"] for t in related["tutorials"]] == ["opacus-tutorials"]
    assert set(related["tutorials"][0]) == {"id", "name", "url"}


def test_a_technique_links_to_its_tools_references_and_threats(run_json: Callable[..., Any]) -> None:
    related = run_json("show", "FL")["related"]
    assert {"flower", "nvflare", "tensorflow-federated"} <= {t["id"] for t in related["tools"]}
    assert "mcmahan2017fedavg" in {r["id"] for r in related["references"]}
    assert "threats" not in related  # federated learning alone mitigates nothing (gradient inversion)
    assert "data-reconstruction" in {t["id"] for t in run_json("show", "dp-training")["related"]["threats"]}


def test_a_threat_lists_mitigations_and_auditors(run_json: Callable[..., Any]) -> None:
    data = run_json("show", "MIA")
    assert data["nist_id"] == "NISTAML.033"
    strengths = {m["id"]: m["strength"] for m in data["mitigated_by"]}
    assert strengths["dp-training"] == "strong"
    assert "federated-learning" not in strengths  # FL alone does not stop membership inference
    assert {"ml-privacy-meter", "lira"} <= {t["id"] for t in data["audited_by"]}


def test_show_table_prints_fields_and_related(run: Run) -> None:
    result = run("show", "opacus")
    assert result.exit_code == 0
    for text in (
        "Opacus",
        "Apache-2.0",
        "pip install opacus",
        "Techniques",
        "Differentially Private Training",
        "Tutorials",
        "opacus-tutorials",
        "meta-pytorch/opacus",
    ):
        assert text in result.stdout, text


def test_unknown_entry_exits_1_with_suggestions(run: Run) -> None:
    result = run("show", "opcaus")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no entry named 'opcaus'" in result.stderr
    assert "did you mean: opacus" in result.stderr


def test_unknown_entry_without_any_close_match(run: Run) -> None:
    result = run("show", "qqqqqqqq")
    assert result.exit_code == 1
    assert "ppml search" in result.stderr
