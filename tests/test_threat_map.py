"""The curated threat map: honest strengths with their conditions, curated tool relations, sourced
trade-offs, and the audit's corrections of references and tutorials (issue 11)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppml_cli.catalog.files import bundled_catalog_path
from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index, best_strength
from ppml_cli.model import Kind, Reference, Role, Strength, Technique, Threat, Tool, Tutorial

from .conftest import Run

INDEX = Index(load_catalog())


def strength(technique: str, threat: str) -> Strength:
    entry = INDEX.by_id[technique]
    assert isinstance(entry, Technique)
    [found] = [m for m in entry.mitigates if m.threat == threat]
    return found.strength


def mitigation(entry_id: str, threat: str) -> Any:
    entry = INDEX.by_id[entry_id]
    assert isinstance(entry, (Technique, Tool))
    [found] = [m for m in entry.mitigates if m.threat == threat]
    return found


# ----------------------------------------------------------------- strengths the audit disputed


def test_federated_learning_alone_does_not_stop_reconstruction() -> None:
    found = mitigation("federated-learning", "data-reconstruction")
    assert found.strength is Strength.NONE
    assert "gradient inversion" in found.reason
    dlg, inverting = INDEX.by_id["zhu2019dlg"], INDEX.by_id["geiping2020inverting"]
    assert isinstance(dlg, Reference) and dlg.arxiv == "1906.08935"
    assert isinstance(inverting, Reference) and inverting.arxiv == "2003.14053"


def test_dp_does_not_mitigate_property_inference() -> None:
    assert strength("dp-training", "property-inference") is Strength.NONE
    assert strength("local-differential-privacy", "property-inference") is Strength.NONE


def test_data_minimisation_is_weak_against_membership_inference() -> None:
    assert strength("data-minimization", "membership-inference") is Strength.WEAK


@pytest.mark.parametrize(
    ("technique", "threat"),
    [
        ("dp-training", "membership-inference"),
        ("dp-training", "data-reconstruction"),
        ("local-differential-privacy", "membership-inference"),
    ],
)
def test_dp_is_strong_only_under_a_stated_epsilon(technique: str, threat: str) -> None:
    found = mitigation(technique, threat)
    assert found.strength is Strength.STRONG
    assert found.condition and "epsilon" in found.condition


def test_label_only_outputs_are_weak() -> None:
    assert strength("model-protection", "membership-inference") is Strength.WEAK
    assert "label-only" in mitigation("model-protection", "membership-inference").reason.lower()


def test_the_privacy_budget_is_an_enabler_not_a_mitigation() -> None:
    budget = INDEX.by_id["privacy-budget"]
    assert isinstance(budget, Technique) and budget.role is Role.ENABLER
    assert all(m.strength is Strength.NONE for m in budget.mitigates)
    for measurement in ("privacy-impact-evaluation", "privacy-metrics", "utility-metrics"):
        entry = INDEX.by_id[measurement]
        assert isinstance(entry, Technique) and entry.role is Role.MEASUREMENT


@pytest.mark.parametrize("number", range(31, 40))
def test_every_nist_privacy_threat_is_mitigated_or_says_why_not(number: int) -> None:
    nist_id = f"NISTAML.0{number}"
    [threat] = [t for t in INDEX.of_kind(Kind.THREAT) if isinstance(t, Threat) and t.nist_id == nist_id]
    effective = [m for _, m in INDEX.mitigated_by(threat.id) if m.strength in (Strength.STRONG, Strength.PARTIAL)]
    assert effective or (threat.no_known_mitigation and len(threat.no_known_mitigation) > 40), nist_id


def test_the_threats_without_a_good_mitigation_say_so() -> None:
    for threat_id in ("property-inference", "prompt-extraction", "user-interaction-leakage"):
        threat = INDEX.by_id[threat_id]
        assert isinstance(threat, Threat) and threat.no_known_mitigation


# ----------------------------------------------------------------- curated tool relations


def test_tools_do_not_inherit_their_techniques_threats(run_json: Callable[..., Any]) -> None:
    tools = {e["id"] for e in run_json("list", "--threat", "membership-inference", "--kind", "tool")}
    assert not {"scikit-learn", "shap", "imbalanced-learn"} & tools
    assert {"opacus", "tensorflow-privacy", "jax-privacy"} <= tools
    for tool_id in tools:
        tool = INDEX.by_id[tool_id]
        assert isinstance(tool, Tool)
        assert any(m.threat == "membership-inference" and m.strength is not Strength.NONE for m in tool.mitigates)


def test_feature_tools_claim_nothing() -> None:
    for tool_id in ("scikit-learn", "shap", "imbalanced-learn", "data-shapley"):
        tool = INDEX.by_id[tool_id]
        assert isinstance(tool, Tool) and tool.mitigates == ()


def test_show_threat_orders_techniques_tools_then_auditors(run_json: Callable[..., Any]) -> None:
    data = run_json("show", "membership-inference")
    ranks = [Strength(m["strength"]).rank for m in data["mitigated_by"]]
    assert ranks == sorted(ranks) and data["mitigated_by"][0]["id"] in ("dp-statistics", "dp-training")
    strong = [m["id"] for m in data["mitigated_by"] if m["strength"] == "strong"]
    assert "dp-training" in strong
    tools = [(Strength(m["strength"]).rank, INDEX.by_id[m["id"]].status.rank) for m in data["mitigating_tools"]]  # type: ignore[attr-defined]
    assert tools == sorted(tools)
    assert {"opacus", "jax-privacy"} <= {m["id"] for m in data["mitigating_tools"]}
    statuses = [INDEX.by_id[a["id"]].status.rank for a in data["audited_by"]]  # type: ignore[attr-defined]
    assert statuses == sorted(statuses)
    assert {"ml-privacy-meter", "lira"} <= {a["id"] for a in data["audited_by"]}
    assert data["mitigated_by"][0]["condition"]


def test_show_threat_table_reads_in_that_order(run: Run) -> None:
    out = run("show", "membership-inference", env={"COLUMNS": "200"}).stdout
    positions = [out.index(title) for title in ("Mitigating techniques", "Mitigating tools", "Tools that audit it")]
    assert positions == sorted(positions)
    assert out.index("Differentially Private Training") < out.index("Data Minimization")


def test_technique_pages_order_tools_by_strength_then_status(run_json: Callable[..., Any]) -> None:
    tools = run_json("show", "dp-training")["related"]["tools"]
    keys = []
    for link in tools:
        tool = INDEX.by_id[link["id"]]
        assert isinstance(tool, Tool)
        keys.append((best_strength(tool).rank, tool.status.rank))
    assert keys == sorted(keys)


def test_audits_is_its_own_filter(run_json: Callable[..., Any]) -> None:
    auditing = {e["id"] for e in run_json("list", "--audits", "MIA")}
    assert {"ml-privacy-meter", "lira", "adversarial-robustness-toolbox"} <= auditing
    mitigating = {e["id"] for e in run_json("list", "--threat", "MIA", "--kind", "tool")}
    assert "ml-privacy-meter" not in mitigating


# ----------------------------------------------------------------- trade-offs


def test_every_trade_off_cites_a_catalog_reference() -> None:
    figures = [(t, f) for t in INDEX.of_kind(Kind.TECHNIQUE) if isinstance(t, Technique) for f in t.tradeoffs]
    assert len(figures) >= 10
    for technique, figure in figures:
        assert isinstance(INDEX.by_id.get(figure.reference), Reference), (technique.id, figure)
        assert figure.metric and figure.value and figure.setting


def test_dp_training_figures_name_benchmark_and_epsilon(run: Run, run_json: Callable[..., Any]) -> None:
    figures = run_json("show", "dp-training")["tradeoffs"]
    cifar = next(f for f in figures if "CIFAR-10" in f["metric"])
    assert cifar["value"].startswith("81.4%") and "epsilon 8" in cifar["setting"]
    assert cifar["reference"] == "de2022scale"
    out = run("show", "dp-training", env={"COLUMNS": "200"}).stdout
    assert "Trade-offs (sourced figures)" in out and "81.4%" in out


@pytest.mark.parametrize(
    ("technique", "reference"),
    [
        ("federated-learning", "mcmahan2017fedavg"),
        ("private-inference", "giladbachrach2016cryptonets"),
        ("trusted-execution", "zhu2024hopper"),
        ("machine-unlearning", "bourtoule2021sisa"),
        ("llm-privacy", "yu2022dpfinetune"),
    ],
)
def test_overheads_and_costs_are_sourced(technique: str, reference: str) -> None:
    entry = INDEX.by_id[technique]
    assert isinstance(entry, Technique)
    assert reference in {f.reference for f in entry.tradeoffs}


# ----------------------------------------------------------------- coverage


def test_new_topics_are_reachable(run: Run, run_json: Callable[..., Any]) -> None:
    tree = run("tree").stdout
    for name in ("Machine Unlearning", "Trusted Execution Environments", "De-identification"):
        assert name in tree
    for query, expected in (("k-anonymity", "de-identification"), ("confidential computing", "trusted-execution")):
        assert expected in [h["id"] for h in run_json("search", query, "-n", "3")]


@pytest.mark.parametrize("arxiv", ["2303.00654", "1912.03817", "2012.07805", "1906.08935", "2003.14053", "2204.13650"])
def test_the_issues_papers_are_in_the_catalog(arxiv: str) -> None:
    assert any(isinstance(r, Reference) and r.arxiv == arxiv for r in INDEX.of_kind(Kind.REFERENCE))


def test_deployment_epsilons_and_nist_guidance_are_referenced() -> None:
    for reference_id in ("nist-sp-800-226", "desfontaines-real-world-dp", "opendp-registry"):
        assert isinstance(INDEX.by_id.get(reference_id), Reference)


def test_catalog_size_targets() -> None:
    assert len(INDEX.of_kind(Kind.TECHNIQUE)) >= 16


# ----------------------------------------------------------------- audited corrections


def reference(entry_id: str) -> Reference:
    entry = INDEX.by_id[entry_id]
    assert isinstance(entry, Reference)
    return entry


def tutorial(entry_id: str) -> Tutorial:
    entry = INDEX.by_id[entry_id]
    assert isinstance(entry, Tutorial)
    return entry


def test_audited_reference_corrections() -> None:
    winter = reference("winter2024challenges")
    assert winter.authors == ("Marko Miletic", "Murat Sariyar") and "authors" not in winter.unverified
    ldp = reference("xiong2020ldp")
    assert (ldp.arxiv, ldp.authors, ldp.year) == ("1907.11908", ("Björn Bebensee",), 2019)
    assert "https://arxiv.org/abs/2008.03083" in ldp.former_urls and ldp.corrections
    assert reference("lindell2020smpc").year == 2021
    empirical = reference("desfontaines2024empirical")
    assert empirical.url == "https://desfontain.es/blog/bad-ugly-good-maybe.html"
    assert "year" not in empirical.unverified
    assert "Daniel Simmons-Marengo" in reference("desfontaines-useful-results").authors
    assert "2023" in (reference("blancojusticia2022critical").venue or "")
    assert "Bindschaedler" in " ".join(reference("ye2022enhanced").corrections)


def test_audited_tutorial_corrections() -> None:
    assert tutorial("opendp-tutorials").url == "https://docs.opendp.org/en/stable/getting-started/"
    assert "url" not in tutorial("opendp-tutorials").unverified
    assert tutorial("gretel-examples").url == "https://github.com/gretelai/gretel-synthetics/tree/master/examples"
    assert "image, text and tabular" not in tutorial("opacus-tutorials").description
    assert "url" not in tutorial("flower-quickstart-pytorch").unverified


@pytest.mark.parametrize(
    ("entry_id", "field"),
    [
        ("goldsteen2022minimization", "authors"),
        ("sarmin2024synthetic", "authors"),
        ("ye2022enhanced", "venue"),
        ("protect-extend2024", "authors"),
        ("programming-dp-approximate", "authors"),
        ("hsu2014epsilon", "venue"),
        ("wood2018primer", "authors"),
        ("brookings2020dp", "authors"),
        ("rigaki2020survey", "venue"),
        ("kong2023dpauditorium", "venue"),
        ("bagdasaryan2019disparate", "venue"),
    ],
)
def test_fields_the_audit_confirmed_are_no_longer_unverified(entry_id: str, field: str) -> None:
    entry = reference(entry_id)
    assert field not in entry.unverified
    assert getattr(entry, field)


# ----------------------------------------------------------------- both YAML loaders


def test_the_bundled_catalog_reads_the_same_with_both_loaders() -> None:
    text = bundled_catalog_path().read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    assert pure["techniques"]
    if hasattr(yaml, "CSafeLoader"):
        assert yaml.load(text, Loader=yaml.CSafeLoader) == pure


# ----------------------------------------------------------------- validate: one broken catalog per new rule

TECHNIQUE = """
techniques:
  - id: toy-technique
    name: Toy Technique
    phase: training
    description: A technique for the tests of the threat map.
    mitigates:
      - {threat: membership-inference, strength: partial, reason: "A reason for the tests."}
"""

BROKEN = {
    "trade-off without a catalog reference": (
        TECHNIQUE + '    tradeoffs:\n      - {metric: m, value: "1%", setting: s, reference: no-such-paper}\n',
        "tradeoffs",
        "unknown reference id 'no-such-paper'",
    ),
    "trade-off missing its setting": (
        TECHNIQUE + '    tradeoffs:\n      - {metric: m, value: "1%", reference: de2022scale}\n',
        "tradeoffs",
        "trade-off setting: expected a non-empty string",
    ),
    "unknown key in a mitigation": (
        TECHNIQUE.replace('reason: "A reason', 'why: x, reason: "A reason'),
        "mitigates",
        "unknown key(s) why in a mitigation",
    ),
    "unknown strength": (
        TECHNIQUE.replace("strength: partial", "strength: medium"),
        "mitigates",
        "'medium' is not one of: strong, partial, weak, none",
    ),
    "enabler claiming a mitigation": (
        TECHNIQUE.replace("phase: training", "phase: training\n    role: enabler"),
        "mitigates",
        "cannot mitigate 'membership-inference' itself",
    ),
    "threat with no mitigation and no reason": (
        "threats:\n  - id: toy-threat\n    name: Toy Threat\n    description: A threat nobody mitigates at all.\n",
        "id",
        "no technique mitigates this threat",
    ),
    "no known mitigation while a technique claims strong": (
        "threats:\n  - id: membership-inference\n    name: Membership Inference\n"
        "    description: Deciding whether a record was in the training data.\n"
        "    no_known_mitigation: Nothing helps, says this broken file.\n",
        "no_known_mitigation",
        "claims a strong mitigation",
    ),
    "tool mitigating an unknown threat": (
        "tools:\n  - id: toy\n    name: Toy\n    url: https://example.org/toy\n"
        "    description: A toy tool for the tests.\n    techniques: [dp-training]\n"
        "    mitigates:\n      - {threat: phishing, strength: weak, reason: r}\n",
        "mitigates",
        "unknown threat id 'phishing'",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_validate_reports_each_threat_map_rule(run: Run, write_catalog: Callable[..., Path], case: str) -> None:
    text, field, fragment = BROKEN[case]
    result = run("validate", str(write_catalog(text)), "-o", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 2
    assert any(p["field"] == field and fragment in p["message"] for p in report["problems"]), report["problems"]


def test_validate_flags_what_the_pure_loader_cannot_read(run: Run, write_catalog: Callable[..., Path]) -> None:
    text = (
        "references:\n  - id: toy-ref\n    name: A Paper\n    url: https://example.org/paper\n"
        "    former_urls: [https://example.org/forum?id=1]\n    authors: [Ada Lovelace]\n    year: 2016\n"
        "    description: A paper for the tests of the loaders.\n"
    )
    path = write_catalog(text)
    report = json.loads(run("validate", str(path), "-o", "json").stdout)
    [problem] = [p for p in report["problems"] if "pure-Python loader" in p["message"]]
    assert problem["file"] == str(path) and problem["line"] == 5
    quoted = write_catalog(text.replace("[https://example.org/forum?id=1]", '["https://example.org/forum?id=1"]'))
    assert run("validate", str(quoted)).exit_code == 0


def test_weak_is_a_valid_strength(run: Run, write_catalog: Callable[..., Path]) -> None:
    result = run("validate", str(write_catalog(TECHNIQUE.replace("strength: partial", "strength: weak"))))
    assert result.exit_code == 0, result.stdout


# ----------------------------------------------------------------- JSON contract of the new fields


def test_json_carries_the_threat_map_fields(run_json: Callable[..., Any]) -> None:
    technique = run_json("show", "privacy-budget")
    assert technique["role"] == "enabler"
    assert set(technique["tradeoffs"][0]) == {"metric", "value", "setting", "reference"}
    assert set(technique["mitigates"][0]) == {"threat", "strength", "reason", "condition"}
    tool = run_json("show", "opacus")
    assert {"mitigates", "audits", "license_source", "corrections"} <= set(tool)
    assert tool["mitigates"][0]["strength"] == "strong" and "epsilon" in tool["mitigates"][0]["condition"]
    threat = run_json("show", "prompt-extraction")
    assert threat["no_known_mitigation"]
    assert {"id", "name", "url", "strength", "reason", "condition"} <= set(threat["mitigated_by"][0])
    data = run_json("show", "membership-inference")
    assert set(data["mitigating_tools"][0]) == {"id", "name", "url", "strength", "reason", "condition", "status"}
    assert set(data["audited_by"][0]) == {"id", "name", "url", "status"}
    exported = run_json("export")
    assert exported["schema_version"] == 1
    assert all("role" in t and "tradeoffs" in t for t in exported["techniques"])
    assert all("no_known_mitigation" in t for t in exported["threats"])


def test_references_still_follow_their_techniques_threats(run_json: Callable[..., Any]) -> None:
    refs = {e["id"] for e in run_json("list", "--threat", "data-reconstruction", "--kind", "reference")}
    assert "abadi2016dpsgd" in refs  # a DP-SGD paper is reading on reconstruction


def test_every_entry_is_found_by_its_name() -> None:
    from ppml_cli.search import SearchIndex

    search = SearchIndex(INDEX)
    missing = [e.id for e in INDEX.entries if e.id not in [h.entry.id for h in search.search(e.name, limit=10)]]
    assert missing == []


def test_every_tool_and_reference_hangs_under_a_technique_in_the_tree(run_json: Callable[..., Any]) -> None:
    in_tree = {t["id"] for phase in run_json("tree") for t in phase["techniques"]}
    for entry in INDEX.entries:
        if entry.kind in (Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL):
            assert set(entry.techniques) & in_tree, entry.id


def test_a_techniques_figures_sources_are_among_its_references(run_json: Callable[..., Any]) -> None:
    for technique in INDEX.of_kind(Kind.TECHNIQUE):
        assert isinstance(technique, Technique)
        if technique.tradeoffs:
            data = run_json("show", technique.id)
            cited = {f["reference"] for f in data["tradeoffs"]}
            assert cited <= {r["id"] for r in data["related"]["references"]}, technique.id


def test_the_awesome_list_carries_the_threat_map(run: Run) -> None:
    out = run("export", "-o", "markdown").stdout
    dp = out[out.index("Differentially Private Training\n") :]
    dp = dp[: dp.index("**Libraries & Tools**")]
    assert "**Mitigates**" in dp and "Membership Inference (strong, at a small epsilon" in dp
    assert "Property Inference" not in dp.split("**Trade-offs**")[0]  # strength none is not listed as a mitigation
    assert "**Trade-offs**" in dp and "source: de2022scale" in dp
    assert "No known mitigation: Instructions not to reveal the prompt" in out
