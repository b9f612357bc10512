"""The bundled catalog holds the whole seed list, deduplicated and cross-referenced."""

from __future__ import annotations

from collections import Counter

import pytest

from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index
from ppml_cli.model import Kind, Reference, Technique, Tool, Tutorial

from .conftest import seed_links

CATALOG = load_catalog()
INDEX = Index(CATALOG)

SEED_TECHNIQUES = {
    "data-minimization": "collection",
    "synthetic-data": "collection",
    "local-differential-privacy": "processing",
    "secure-multi-party-computation": "processing",
    "dp-training": "training",
    "federated-learning": "training",
    "private-inference": "deployment",
    "model-protection": "deployment",
    "privacy-budget": "governance",
    "privacy-impact-evaluation": "governance",
    "privacy-metrics": "evaluation",
    "utility-metrics": "evaluation",
}

#: Techniques beyond the seed list's subsections (issue 11: what practitioners ask about today).
ADDED_TECHNIQUES = {
    "de-identification": "collection",
    "trusted-execution": "processing",
    "machine-unlearning": "training",
    "llm-privacy": "training",
    "output-guardrails": "deployment",
    "on-device-inference": "deployment",
    "dp-statistics": "processing",
}


def test_the_seed_has_104_links() -> None:
    assert len(seed_links()) == 104


@pytest.mark.parametrize("url", seed_links())
def test_every_seed_link_is_in_the_catalog_exactly_once(url: str) -> None:
    holders = [e.id for e in CATALOG.entries if url in e.all_urls]
    assert len(holders) == 1, f"{url} is held by {holders}"


def test_no_url_is_used_twice() -> None:
    counts = Counter(u for e in CATALOG.entries for u in e.all_urls)
    assert [u for u, n in counts.items() if n > 1] == []


def test_phases_are_the_six_lifecycle_stages_in_order() -> None:
    phases = INDEX.of_kind(Kind.PHASE)
    assert [p.id for p in phases] == ["collection", "processing", "training", "deployment", "governance", "evaluation"]


@pytest.mark.parametrize(("technique", "phase"), SEED_TECHNIQUES.items())
def test_one_technique_per_seed_subsection(technique: str, phase: str) -> None:
    entry = INDEX.by_id[technique]
    assert isinstance(entry, Technique)
    assert entry.phase == phase
    assert entry.phases == (phase,)
    assert len(entry.description) > 60


def test_techniques_are_the_seed_subsections_and_the_added_topics() -> None:
    assert {t.id for t in INDEX.of_kind(Kind.TECHNIQUE)} == set(SEED_TECHNIQUES) | set(ADDED_TECHNIQUES)
    for technique, phase in ADDED_TECHNIQUES.items():
        entry = INDEX.by_id[technique]
        assert isinstance(entry, Technique)
        assert entry.phase == phase
        assert entry.when_to_use and entry.costs and entry.mitigates


@pytest.mark.parametrize(
    ("alias", "technique"),
    [
        ("LDP", "local-differential-privacy"),
        ("SMPC", "secure-multi-party-computation"),
        ("MPC", "secure-multi-party-computation"),
        ("DP-SGD", "dp-training"),
        ("FL", "federated-learning"),
        ("HE", "private-inference"),
    ],
)
def test_technique_aliases_resolve(alias: str, technique: str) -> None:
    assert INDEX.get(alias, [Kind.TECHNIQUE]).id == technique


def test_opacus_is_one_tool_with_every_seed_role() -> None:
    opacus = [t for t in INDEX.of_kind(Kind.TOOL) if "opacus" in (t.url or "") + " ".join(t.former_urls)]
    assert [t.id for t in opacus] == ["opacus"]
    tool = opacus[0]
    assert isinstance(tool, Tool)
    assert {"dp-training", "privacy-budget"} <= set(tool.techniques)
    assert "Opacus Accounting" in tool.aliases
    assert tool.former_urls == ("https://github.com/pytorch/opacus",)


def test_tensorflow_privacy_is_one_tool_under_its_four_seed_labels() -> None:
    holders = [e for e in CATALOG.entries if "https://github.com/tensorflow/privacy" in e.all_urls]
    assert [e.id for e in holders] == ["tensorflow-privacy"]
    for label in (
        "TensorFlow Privacy Accountant",
        "TensorFlow Privacy Attacks",
        "Privacy-Preserving Machine Learning in TF",
    ):
        assert INDEX.get(label).id == "tensorflow-privacy"


def test_diffprivlib_and_the_ibm_library_are_one_entry() -> None:
    assert INDEX.get("Diffprivlib").id == INDEX.get("IBM Differential Privacy Library").id == "diffprivlib"


def test_section_7_becomes_tool_categories() -> None:
    by_category = {
        "differential-privacy": {
            "pydp",
            "opacus",
            "tensorflow-privacy",
            "diffprivlib",
            "tumult-analytics",
            "smartnoise-core",
        },
        "federated-learning": {"tensorflow-federated", "flower", "pysyft", "fate", "fedml", "nvflare"},
        "secure-computation": {"tenseal", "microsoft-seal", "crypten", "mp-spdz", "tf-encrypted"},
        "synthetic-data": {"sdv", "gretel-synthetics", "ctgan", "ydata-synthetic"},
        "privacy-evaluation": {"ml-privacy-meter", "adversarial-robustness-toolbox", "tensorflow-privacy"},
    }
    for category, expected in by_category.items():
        have = {t.id for t in INDEX.of_kind(Kind.TOOL) if isinstance(t, Tool) and category in t.categories}
        assert expected <= have, category


def test_every_tutorial_is_linked_to_a_tool() -> None:
    tutorials = INDEX.of_kind(Kind.TUTORIAL)
    assert len(tutorials) >= 21  # the seed's 21, plus tutorials added since
    for tutorial in tutorials:
        assert isinstance(tutorial, Tutorial)
        assert tutorial.tools, tutorial.id
        assert all(isinstance(INDEX.by_id[t], Tool) for t in tutorial.tools)


def test_references_carry_authors_year_and_summary() -> None:
    for ref in INDEX.of_kind(Kind.REFERENCE):
        assert isinstance(ref, Reference)
        assert ref.url and ref.url.startswith("https://"), ref.id
        assert ref.description, ref.id
        assert ref.authors or "authors" in ref.unverified, ref.id
        assert ref.year or ref.type == "web", ref.id
        assert ref.techniques, ref.id


def test_the_nist_taxonomy_is_a_reference() -> None:
    nist = INDEX.get("NIST AML taxonomy")
    assert isinstance(nist, Reference)
    assert nist.year == 2025
    assert nist.url == "https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.100-2e2025.pdf"


def test_duplicate_seed_references_are_one_entry() -> None:
    shokri = [r for r in INDEX.of_kind(Kind.REFERENCE) if r.url == "https://arxiv.org/abs/1610.05820"]
    assert len(shokri) == 1
    assert {"data-minimization", "model-protection"} <= set(shokri[0].techniques)
    assert INDEX.get("Renyi Differential Privacy").id == INDEX.get("Rényi Differential Privacy").id


def test_every_tool_has_a_technique_and_every_technique_a_tool_or_reference() -> None:
    for tool in INDEX.of_kind(Kind.TOOL):
        assert tool.techniques, tool.id
    for technique in INDEX.of_kind(Kind.TECHNIQUE):
        users = INDEX.users_of(technique.id)
        assert users, technique.id


def test_the_bundled_catalog_is_where_importlib_resources_finds_it() -> None:
    from importlib.resources import files

    from ppml_cli.catalog.files import bundled_catalog_path

    resource = files("ppml_cli") / "data" / "catalog.yaml"
    path = bundled_catalog_path()
    if resource.is_file():  # an installed wheel
        assert path.read_bytes() == resource.read_bytes()
    assert path.is_file()
