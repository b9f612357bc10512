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
    assert {"tensorflow-federated", "pysyft", "fate", "flower", "fedml", "nvflare", "openfl", "substra"} <= ids(entries)


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
    assert "opacus" not in result.stdout.split()  # ids are listed; Opacus may appear in a description


def test_sort_by_year_puts_newest_first(run_json: Callable[..., Any]) -> None:
    years = [e["year"] for e in run_json("list", "--kind", "reference", "--sort", "year") if e["year"]]
    assert years == sorted(years, reverse=True)


def test_limit(run_json: Callable[..., Any]) -> None:
    assert len(run_json("list", "--limit", "3")) == 3


# ------------------------------------------------------------ tool attributes and years


def test_framework_filter(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--framework", "PyTorch")
    assert {"opacus", "crypten", "ctgan", "fastdp"} <= ids(entries)
    assert all(e["kind"] == "tool" and "pytorch" in e["frameworks"] for e in entries)
    assert "tensorflow-privacy" not in ids(entries)


def test_license_and_open_source_filters(run_json: Callable[..., Any]) -> None:
    busl = run_json("list", "--license", "busl-1.1")
    assert ids(busl) == {"ctgan", "sdv", "copulas"}
    closed = run_json("list", "--not-open-source")
    # ydata-sdk: what pip installs since 2.0 is proprietary, whatever the GitHub client's MIT licence says
    assert ids(closed) == {"ctgan", "sdv", "copulas", "gretel-synthetics", "ydata-sdk"}
    assert all(e["open_source"] for e in run_json("list", "--open-source"))


def test_status_filter(run_json: Callable[..., Any]) -> None:
    deprecated = run_json("list", "--status", "deprecated")
    assert ids(deprecated) == {"ydata-synthetic", "smartnoise-core"}
    assert all(e["superseded_by"] for e in deprecated)


def test_language_filter_matches_one_of_several_languages(run_json: Callable[..., Any]) -> None:
    assert {"opendp", "smartnoise-core"} <= ids(run_json("list", "--language", "rust"))


def test_year_range_keeps_only_dated_entries_in_range(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--year-from", "2019", "--year-to", "2020")
    assert entries
    assert all(2019 <= e["year"] <= 2020 for e in entries)
    assert {"ghorbani2019datashapley", "chen2020features"} <= ids(entries)


def test_inverted_year_range_is_a_usage_error(run: Run) -> None:
    result = run("list", "--year-from", "2024", "--year-to", "2020")
    assert result.exit_code == 2
    assert "--year-from 2024 is after --year-to 2020" in result.stderr


def test_threat_filter_keeps_curated_mitigations_only(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--threat", "MIA", "--kind", "technique,tool")
    assert {"dp-training", "local-differential-privacy", "opacus", "tensorflow-privacy"} <= ids(entries)
    assert "federated-learning" not in ids(entries)  # strength none
    assert "flower" not in ids(entries)
    assert "ml-privacy-meter" not in ids(entries)  # it measures the risk: see --audits


def test_threat_filter_does_not_inherit_from_techniques(run_json: Callable[..., Any]) -> None:
    tools = ids(run_json("list", "--threat", "membership-inference", "--kind", "tool"))
    assert not {"scikit-learn", "shap", "imbalanced-learn", "data-shapley", "ctgan"} & tools
    assert {"opacus", "jax-privacy", "diffprivlib"} <= tools


def test_audits_filter_keeps_tools_that_measure_a_threat(run_json: Callable[..., Any]) -> None:
    entries = run_json("list", "--audits", "membership-inference")
    assert {"ml-privacy-meter", "lira", "adversarial-robustness-toolbox"} <= ids(entries)
    assert all(e["kind"] == "tool" and "membership-inference" in e["audits"] for e in entries)
    assert "opacus" not in ids(entries)


def test_audits_filter_rejects_unknown_threats(run: Run) -> None:
    result = run("list", "--audits", "phishing")
    assert result.exit_code == 2
    assert "invalid value for --audits" in result.stderr


def test_attribute_filters_combine_with_search(run_json: Callable[..., Any]) -> None:
    hits = run_json("search", "privacy", "--framework", "tensorflow", "--status", "low-activity")
    assert hits and all(h["status"] == "low-activity" and "tensorflow" in h["frameworks"] for h in hits)


def test_search_sort_by_year(run_json: Callable[..., Any]) -> None:
    hits = run_json("search", "membership inference", "--kind", "reference", "--sort", "year")
    years = [h["year"] for h in hits]
    assert years == sorted(years, reverse=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--framework", "caffe"], "invalid value for --framework: 'caffe'"),
        (["--license", "apache2"], "did you mean 'Apache-2.0'?"),
        (["--status", "alive"], "invalid value for --status: 'alive'"),
        (["--sort", "popularity"], "invalid value for --sort: 'popularity'"),
    ],
)
def test_attribute_values_are_validated(run: Run, args: list[str], message: str) -> None:
    result = run("list", *args)
    assert result.exit_code == 2
    assert message in result.stderr
