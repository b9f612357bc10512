"""`ppml list`: filters by kind, phase, technique and threat, combinable, validated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Run


def ids(entries: list[dict[str, Any]]) -> set[str]:
    return {e["id"] for e in entries}


def test_phase_filter_gives_that_phase_of_every_kind(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--phase", "training")
    kinds = {e["kind"] for e in entries}
    assert {"technique", "tool", "reference", "tutorial"} <= kinds
    assert all("training" in e["phases"] for e in entries)
    assert {"dp-training", "federated-learning", "opacus", "flower", "abadi2016dpsgd", "opacus-tutorials"} <= ids(
        entries
    )
    # and leaves the rest out
    assert not {"ctgan", "tenseal", "private-inference", "sdv-tutorials"} & ids(entries)


@pytest.mark.parametrize("value", ["training", "TRAINING", "Model Training", "model-training", "train"])
def test_phase_accepts_id_name_or_alias_in_any_case(run_json: Callable[..., Any], value: str) -> None:
    assert ids(run_json("list", "--phase", value)) == ids(run_json("list", "--phase", "training"))


def test_technique_filter_includes_the_technique_and_its_users(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--technique", "DP-SGD")
    assert "dp-training" in ids(entries)
    assert {"opacus", "tensorflow-privacy", "jax-privacy", "fastdp", "abadi2016dpsgd"} <= ids(entries)
    assert all(e["id"] == "dp-training" or "dp-training" in e["techniques"] for e in entries)
    assert "flower" not in ids(entries)


def test_filters_combine(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--phase", "training", "--kind", "tool", "--technique", "fl")
    assert ids(entries) == {"tensorflow-federated", "pysyft", "fate", "flower", "fedml", "nvflare"}


def test_repeated_and_comma_separated_values_are_alternatives(run_json: Callable[..., Any]) -> None:
    both = run_json("list", "-k", "tool", "-p", "collection,deployment")
    assert {"ctgan", "tenseal"} <= ids(both)
    assert ids(both) == ids(run_json("list", "-k", "tool", "-p", "collection", "-p", "deployment"))


def test_kind_accepts_plural(run_json: Callable[..., Any]) -> None:
    assert ids(run_json("list", "--kind", "tools")) == ids(run_json("list", "--kind", "tool"))


@pytest.mark.parametrize(
    ("option", "value", "listed"),
    [
        ("--phase", "trainig", "collection, processing, training"),
        ("--technique", "blockchain", "data-minimization"),
        ("--kind", "paper", "technique, tool, reference"),
        ("--threat", "phishing", "membership-inference"),
    ],
)
def test_unknown_filter_value_is_a_usage_error_listing_valid_values(
    run: Run, option: str, value: str, listed: str
) -> None:
    result = run("list", option, value)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"invalid value for {option}: {value!r}" in result.stderr
    assert listed in result.stderr


def test_typo_in_filter_value_gets_a_suggestion(run: Run) -> None:
    assert "did you mean 'training'?" in run("list", "--phase", "trainig").stderr


def test_empty_result_is_success_with_empty_json(run: Run) -> None:
    result = run("list", "--phase", "evaluation", "--kind", "tutorial", "--technique", "utility-metrics", "-o", "json")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"


def test_empty_result_on_table_says_so_on_stderr(run: Run) -> None:
    result = run("list", "--kind", "tutorial", "--technique", "utility-metrics")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no results" in result.stderr


def test_table_shows_names_ids_and_kinds(run: Run) -> None:
    result = run("list", "--kind", "tool", "--technique", "federated-learning")
    assert result.exit_code == 0
    for text in ("Flower", "flower", "NVFlare", "tool"):
        assert text in result.stdout
    assert "Opacus" not in result.stdout


def test_sort_by_year_puts_newest_first(run_json: Callable[..., Any]) -> None:
    years = [e["year"] for e in run_json("list", "--kind", "reference", "--sort", "year") if e["year"]]
    assert years == sorted(years, reverse=True)


def test_limit(run_json: Callable[..., Any]) -> None:
    assert len(run_json("list", "--limit", "3")) == 3
