"""Tool facts re-verified for issue 11: the audit's corrections and the new tools' licences and packages.

Each value here was read from what a user installs (the package's METADATA) or from the
repository (its LICENSE and history); see the tool's ``license_source`` and
``last_activity_source``. A change to one of these facts must come with new evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ppml_cli.catalog.licenses import is_open_source
from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index
from ppml_cli.model import Kind, Status, Tool

CATALOG = load_catalog()
INDEX = Index(CATALOG)
TOOLS: dict[str, Tool] = {e.id: e for e in CATALOG.entries if isinstance(e, Tool)}


def tool(tool_id: str) -> Tool:
    return TOOLS[tool_id]


def text(entry: Tool) -> str:
    return " ".join((entry.description, *entry.pros, *entry.cons, *entry.notes, *entry.corrections))


# --------------------------------------------------------------------------- the audit's tool rows

#: Every tool row of the 2026-11 audit's error table carries a correction that names the audit.
AUDITED = [
    "ydata-sdk",
    "ydata-synthetic",
    "gretel-synthetics",
    "pysyft",
    "tensorflow-privacy",
    "copulas",
    "ctgan",
    "smartnoise-core",
    "pipelinedp",
    "jax-privacy",
]


@pytest.mark.parametrize("tool_id", AUDITED)
def test_each_audited_tool_records_its_correction(tool_id: str) -> None:
    assert any("2026-11 audit" in c for c in tool(tool_id).corrections)


def test_ydata_sdk_is_proprietary_as_installed() -> None:
    sdk = tool("ydata-sdk")
    assert sdk.license == "LicenseRef-YData-Package-Production-License"
    assert is_open_source(sdk.license) is False
    assert "Production License Agreement" in (sdk.license_source or "")
    assert sdk.last_activity == "2026-02-27"


def test_ydata_synthetic_is_renamed_fg_data_synthetic() -> None:
    old, new = tool("ydata-synthetic"), tool("fg-data-synthetic")
    assert old.status is Status.DEPRECATED
    assert old.superseded_by == "fg-data-synthetic"
    assert old.last_activity == "2026-04-23"
    assert "2.0.1" in (old.last_activity_source or "")
    assert new.package == "fg-data-synthetic" and new.license == "MIT"


def test_gretel_synthetics_no_longer_claims_an_lstm_or_dp() -> None:
    gretel = tool("gretel-synthetics")
    assert "LSTM" not in gretel.description
    assert "neither with differential privacy" in gretel.description
    assert any("37e2614" in c for c in gretel.corrections)


def test_pysyft_is_active_with_the_0_10_release() -> None:
    syft = tool("pysyft")
    assert syft.status is Status.ACTIVE
    assert syft.last_activity == "2026-08-26"
    assert syft.license == "Apache-2.0"


def test_tensorflow_privacy_cons_follow_the_installed_metadata() -> None:
    cons = " ".join(tool("tensorflow-privacy").cons)
    assert "2.15" not in cons
    assert "below 3.12" in cons


def test_copulas_does_not_need_scikit_learn() -> None:
    assert "sklearn" not in tool("copulas").frameworks


def test_ctgan_cons_state_the_busl_grant() -> None:
    cons = " ".join(tool("ctgan").cons)
    assert "not open source for production use" not in cons
    assert "additional use grant" in cons and "synthetic data creation service" in cons
    assert is_open_source(tool("ctgan").license) is False


def test_smartnoise_core_last_activity_is_its_deprecation_release() -> None:
    assert tool("smartnoise-core").last_activity == "2023-03-13"


def test_pipelinedp_and_jax_privacy_frameworks() -> None:
    assert {"spark", "beam"} <= set(tool("pipelinedp").frameworks)
    assert {"jax", "keras"} <= set(tool("jax-privacy").frameworks)


def test_tensorflow_federated_says_what_pip_installs() -> None:
    assert any("0.87.0" in n and "never published" in n for n in tool("tensorflow-federated").notes)


# --------------------------------------------------------------------------- re-verification of every tool


@pytest.mark.parametrize("tool_id", sorted(TOOLS))
def test_every_tool_says_where_its_licence_and_activity_come_from(tool_id: str) -> None:
    entry = tool(tool_id)
    assert entry.license, tool_id
    assert entry.license_source, tool_id
    assert entry.last_activity and entry.last_activity_source, tool_id


def test_the_catalog_has_at_least_sixty_tools() -> None:
    assert len(TOOLS) >= 60


# --------------------------------------------------------------------------- new tools (issue 11)

#: id: (licence, package, status) as verified against METADATA and the repository copy.
NEW_TOOLS: dict[str, tuple[str, str | None, Status]] = {
    "concrete-ml": ("BSD-3-Clause-Clear", "concrete-ml", Status.LOW_ACTIVITY),
    "openfhe": ("BSD-2-Clause", "openfhe", Status.ACTIVE),
    "openfl": ("Apache-2.0", "openfl", Status.LOW_ACTIVITY),
    "substra": ("Apache-2.0", "substra", Status.LOW_ACTIVITY),
    "fed-biomed": ("Apache-2.0", "fedbiomed", Status.ACTIVE),
    "presidio": ("MIT", "presidio-analyzer", Status.ACTIVE),
    "carbyne-stack": ("Apache-2.0", None, Status.LOW_ACTIVITY),
    "dp-wizard": ("MIT", "dp-wizard", Status.ACTIVE),
    "arx": ("Apache-2.0", None, Status.LOW_ACTIVITY),
    "dp-transformers": ("MIT", "dp-transformers", Status.LEGACY),
    "scrubadub": ("Apache-2.0", "scrubadub", Status.LEGACY),
    "fedscale": ("Apache-2.0", "fedscale", Status.LEGACY),
    "gramine": ("LGPL-3.0-or-later", None, Status.LOW_ACTIVITY),
    "occlum": ("BSD-3-Clause", None, Status.LOW_ACTIVITY),
    "open-enclave": ("MIT", None, Status.ACTIVE),
    "intel-sgx-sdk": ("BSD-3-Clause", None, Status.LOW_ACTIVITY),
    "secretflow": ("Apache-2.0", "secretflow", Status.LOW_ACTIVITY),
    "pyfhel": ("Apache-2.0", "pyfhel", Status.LOW_ACTIVITY),
    "llm-guard": ("MIT", "llm-guard", Status.LOW_ACTIVITY),
    "pycanon": ("Apache-2.0", "pycanon", Status.ACTIVE),
    "anjana": ("Apache-2.0", "anjana", Status.ACTIVE),
    "prv-accountant": ("MIT", "prv-accountant", Status.LEGACY),
    "text-dedup": ("Apache-2.0", "text-dedup", Status.ACTIVE),
    "open-unlearning": ("MIT", None, Status.ACTIVE),
    "llm-pbe": ("MIT", None, Status.LOW_ACTIVITY),
    "private-transformers": ("Apache-2.0", None, Status.LEGACY),
    "analysing-pii-leakage": ("MIT", None, Status.LEGACY),
    "fg-data-synthetic": ("MIT", "fg-data-synthetic", Status.LOW_ACTIVITY),
    "sisa-unlearning": ("MIT", None, Status.LEGACY),
    "mimir": ("MIT", None, Status.LOW_ACTIVITY),
    "nemo-curator": ("Apache-2.0", "nemo-curator", Status.ACTIVE),
    "datatrove": ("Apache-2.0", "datatrove", Status.ACTIVE),
    "nvtrust": ("Apache-2.0", "nv-attestation-sdk", Status.ACTIVE),
}


@pytest.mark.parametrize("tool_id", sorted(NEW_TOOLS))
def test_new_tool_facts(tool_id: str) -> None:
    licence, package, status = NEW_TOOLS[tool_id]
    entry = tool(tool_id)
    assert (entry.license, entry.package, entry.status) == (licence, package, status)


def test_concrete_ml_says_commercial_use_needs_a_patent_licence() -> None:
    cons = " ".join(tool("concrete-ml").cons)
    assert "patent licence" in cons and "commercial use" in cons


def test_scrubadub_licence_follows_its_license_file_not_the_metadata_field() -> None:
    # METADATA's License field says MIT, its classifier and LICENSE file say Apache-2.0.
    source = tool("scrubadub").license_source or ""
    assert "LICENSE" in source and "MIT" in source


@pytest.mark.parametrize(
    ("technique", "expected"),
    [
        ("trusted-execution", {"gramine", "occlum", "open-enclave", "intel-sgx-sdk"}),
        ("de-identification", {"presidio", "arx", "scrubadub", "pycanon", "anjana"}),
        ("machine-unlearning", {"open-unlearning", "sisa-unlearning"}),
        ("llm-privacy", {"dp-transformers", "text-dedup", "private-transformers"}),
        ("private-inference", {"concrete-ml", "openfhe", "pyfhel"}),
        ("federated-learning", {"openfl", "substra", "fed-biomed", "fedscale", "secretflow"}),
    ],
)
def test_new_tools_are_listed_under_their_techniques(
    run_json: Callable[..., Any], technique: str, expected: set[str]
) -> None:
    listed = {e["id"] for e in run_json("list", "--kind", "tool", "--technique", technique)}
    assert expected <= listed


@pytest.mark.parametrize(
    ("query", "tool_id"),
    [
        ("presidio", "presidio"),
        ("Concrete ML", "concrete-ml"),
        ("OpenFHE", "openfhe"),
        ("Carbyne Stack", "carbyne-stack"),
        ("DP Wizard", "dp-wizard"),
        ("ARX", "arx"),
        ("Gramine", "gramine"),
        ("fedbiomed", "fed-biomed"),
    ],
)
def test_new_tools_are_found_by_search_and_shown(run_json: Callable[..., Any], query: str, tool_id: str) -> None:
    hits = run_json("search", query, "--kind", "tool")
    assert hits and hits[0]["id"] == tool_id
    shown = run_json("show", tool_id)
    assert shown["license"] == NEW_TOOLS[tool_id][0]
    assert shown["license_source"]


def test_new_audit_tools_measure_llm_threats() -> None:
    auditors = {t.id for t in INDEX.auditors_of("training-data-extraction")}
    assert {"llm-pbe", "analysing-pii-leakage", "mimir"} <= auditors


def test_no_tool_alias_collides_with_a_technique_name() -> None:
    technique_labels = {label.casefold() for e in INDEX.of_kind(Kind.TECHNIQUE) for label in (e.name, *e.aliases)}
    clashes = {(t.id, a) for t in TOOLS.values() for a in t.aliases if a.casefold() in technique_labels}
    assert clashes == set()


#: Papers added for the new tools (issue 11), each naming the tool that implements it.
TOOL_PAPERS = {
    "albadawi2022openfhe": "openfhe",
    "foley2022openfl": "openfl",
    "fedbiomed2023": "fed-biomed",
    "prasser2020arx": "arx",
    "sainzpardo2022pycanon": "pycanon",
    "tsai2017graphenesgx": "gramine",
    "shen2020occlum": "occlum",
    "gopi2021numerical": "prv-accountant",
    "li2024llmpbe": "llm-pbe",
    "maini2024tofu": "open-unlearning",
    "dorna2025openunlearning": "open-unlearning",
    "lai2022fedscale": "fedscale",
    "duan2024mimir": "mimir",
}


@pytest.mark.parametrize(("reference_id", "tool_id"), sorted(TOOL_PAPERS.items()))
def test_new_tool_papers_name_their_tool(run_json: Callable[..., Any], reference_id: str, tool_id: str) -> None:
    shown = run_json("show", reference_id)
    assert tool_id in shown["tools"]
    assert shown["year"] and shown["url"].startswith("https://")


def test_the_upstream_sites_carbyne_stack_link_is_kept() -> None:
    assert "https://carbynestack.io/" in tool("carbyne-stack").former_urls


def test_nemo_curator_no_longer_claims_pii_redaction() -> None:
    # The 1.4.0 wheel ships deduplication stages but no PII module (0.x had nemo_curator/pii).
    curator = tool("nemo-curator")
    assert "de-identification" not in curator.techniques
    assert any("PII" in n and "1.4.0" in n for n in curator.notes)


@pytest.mark.parametrize(
    ("tool_id", "threat"),
    [
        ("fed-biomed", "data-reconstruction"),
        ("openfl", "data-reconstruction"),
        ("secretflow", "data-reconstruction"),
        ("gramine", "data-reconstruction"),
        ("occlum", "model-extraction"),
        ("presidio", "data-extraction"),
        ("arx", "data-reconstruction"),
        ("text-dedup", "training-data-extraction"),
        ("nemo-curator", "training-data-extraction"),
    ],
)
def test_new_tools_curated_mitigations_are_listed_under_their_threat(
    run_json: Callable[..., Any], tool_id: str, threat: str
) -> None:
    listed = {e["id"] for e in run_json("list", "--kind", "tool", "--threat", threat)}
    assert tool_id in listed


def test_federated_tools_mitigate_reconstruction_only_with_their_protections_on() -> None:
    (mitigation,) = [m for m in tool("fed-biomed").mitigates if m.threat == "data-reconstruction"]
    assert mitigation.condition and "secure aggregation" in mitigation.condition


@pytest.mark.parametrize("tool_id", ["concrete-ml", "openfhe", "pyfhel", "carbyne-stack", "substra"])
def test_tools_without_a_curated_mitigation(tool_id: str) -> None:
    # HE libraries hide the client's query, which no NIST privacy threat covers; Carbyne Stack's README says its
    # protocols are used insecurely; Substra ships no secure aggregation or DP of its own.
    assert tool(tool_id).mitigates == ()


@pytest.mark.parametrize(
    ("tutorial_id", "tool_id"),
    [
        ("concrete-ml-examples", "concrete-ml"),
        ("openfhe-python-examples", "openfhe"),
        ("openfl-tutorials", "openfl"),
        ("fedbiomed-tutorials", "fed-biomed"),
        ("presidio-samples", "presidio"),
    ],
)
def test_new_tools_have_their_tutorials(run_json: Callable[..., Any], tutorial_id: str, tool_id: str) -> None:
    shown = run_json("show", tutorial_id)
    assert shown["kind"] == "tutorial" and tool_id in shown["tools"]


def test_facts_verified_after_the_first_pass_are_no_longer_marked() -> None:
    # ydata-sdk: METADATA requires no deep learning framework; Carbyne Stack: Amphora (Java) and Ephemeral (Go) copies.
    assert "frameworks" not in tool("ydata-sdk").unverified
    assert "language" not in tool("carbyne-stack").unverified
    # SecretFlow's 1.14.0b0 wheel has no neural-network package: JAX (SPU) only.
    assert set(tool("secretflow").frameworks) == {"agnostic", "jax"}
