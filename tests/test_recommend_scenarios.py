"""Expert scenarios for ``ppml recommend``, written from the sources, not from the engine's output.

Each scenario is a situation a practitioner brings and what an expert would sign: the
architecture first, the tools that implement it, what must not appear, the unit of privacy
and the audit. The expectations come from:

* the expert principles with their sources (``shared/research/advice-principles.md``):
  architecture first (Gboard, arXiv 2305.18465; "How to DP-fy ML", arXiv 2303.00654), local DP
  as a last resort for training (Kairouz et al., arXiv 1912.04977), FL alone does not protect
  (Zhu et al. 2019; Geiping et al. 2020), the unit of privacy (NIST SP 800-226; McMahan et al.,
  arXiv 1710.06963), audits fitted to the threat (LiRA; Secret Sharer; Anonymeter), and the law
  (GDPR Art. 17 and 5(1)(c); HIPAA 45 CFR 164.514(b));
* the upstream decision guide's fifteen paths (``shared/research/upstream/decisionTree.json``:
  three sensitivities times four deployments, plus the model, inference and compliance paths),
  taking its architecture and leaving what the principles contradict (it adds local DP on
  devices; principle 2 says secure aggregation with central or distributed DP instead);
* issue 19's situations, and three common ones: genomic summary statistics, a recommender
  system, encrypted inference on medical images.
"""

from __future__ import annotations

from typing import Any

import pytest

from ppml_cli.catalog.loading import load_index
from ppml_cli.model import Record
from ppml_cli.recommend.engine import Situation, recommend
from ppml_cli.recommend.rules import load_advice

INDEX = load_index()
ADVICE = load_advice()

#: Libraries for DP-SGD or DP-FedAvg style training, by their own claim.
DP_TRAINING_LIBRARIES = {"opacus", "tensorflow-privacy", "jax-privacy", "fastdp"}
#: Federated learning frameworks for devices (cross-device) and for organisations (cross-silo).
CROSS_DEVICE_FL = {"flower", "tensorflow-federated"}
CROSS_SILO_FL = {"nvflare", "flower", "fed-biomed"}
#: Secure computation between a few servers: never on phones.
SERVER_MPC = {"mp-spdz", "tf-encrypted", "crypten", "carbyne-stack"}
#: Tabular anonymisers: never for text or images.
TABULAR_ANONYMISERS = {"arx", "anjana", "pycanon"}
HE_LIBRARIES = {"microsoft-seal", "openfhe", "tenseal", "concrete-ml", "pyfhel"}
ON_DEVICE_RUNTIMES = {"litert", "coremltools", "executorch", "onnxruntime"}
DP_STATISTICS = {"opendp", "tumult-analytics", "pipelinedp", "google-differential-privacy", "pydp", "smartnoise-sdk"}


class Scenario(Record):
    """A situation and what an expert expects of its plan."""

    name: str
    situation: dict[str, Any]
    #: The technique that must lead the plan (one of these).
    first: tuple[str, ...]
    #: Techniques that must be in the plan.
    has: tuple[str, ...] = ()
    #: The first tool of the first technique must be one of these (empty: not checked).
    first_tools: frozenset[str] = frozenset()
    #: Techniques and tools that must not appear at all.
    never: frozenset[str] = frozenset()
    unit: str = "record"
    #: Words the audit recipe must hold (any case).
    audit: tuple[str, ...] = ()
    #: The epsilon guidance's sensitivity, or None when the plan must have no budget.
    epsilon: str | None = "any"


def upstream_paths() -> list[Scenario]:
    """The twelve training-data paths of the upstream guide: sensitivity x deployment."""
    out = []
    for sensitivity in ("high", "medium", "low"):
        out += [
            Scenario(
                name=f"upstream: training data, {sensitivity}, client devices",
                situation={"protect": ["training-data"], "sensitivity": sensitivity, "deploy": "on-device"},
                first=("federated-learning",),
                has=("secure-multi-party-computation", "dp-training"),
                first_tools=frozenset(CROSS_DEVICE_FL),
                never=frozenset({"local-differential-privacy", "diffprivlib"} | SERVER_MPC),
                unit="user",
                audit=("gradient inversion",),
                epsilon=sensitivity,
            ),
            Scenario(
                name=f"upstream: training data, {sensitivity}, trusted server",
                situation={"protect": ["training-data"], "sensitivity": sensitivity, "deploy": "trusted-server"},
                first=("dp-training",),
                has=("privacy-budget",),
                first_tools=frozenset(DP_TRAINING_LIBRARIES | {"diffprivlib"}),
                never=frozenset({"local-differential-privacy", "federated-learning"}),
                audit=("membership inference", "LiRA"),
                epsilon=sensitivity,
            ),
            Scenario(
                name=f"upstream: training data, {sensitivity}, untrusted cloud",
                situation={"protect": ["training-data"], "sensitivity": sensitivity, "deploy": "untrusted-server"},
                first=("trusted-execution", "secure-multi-party-computation", "private-inference"),
                has=("dp-training",),
                never=frozenset({"local-differential-privacy"}),
                audit=("membership inference",),
                epsilon=sensitivity,
            ),
            Scenario(
                name=f"upstream: training data, {sensitivity}, several organisations",
                situation={"protect": ["training-data"], "sensitivity": sensitivity, "deploy": "multi-party"},
                first=("federated-learning",),
                has=("secure-multi-party-computation", "dp-training"),
                first_tools=frozenset(CROSS_SILO_FL),
                never=frozenset({"diffprivlib", "local-differential-privacy"}),
                audit=("gradient inversion", "membership inference"),
                epsilon=sensitivity,
            ),
        ]
    return out


OTHER_PATHS = [
    Scenario(
        name="upstream: protecting the model itself",
        situation={"protect": ["model"]},
        first=("model-protection",),
        first_tools=frozenset({"adversarial-robustness-toolbox"}),
        never=frozenset({"local-differential-privacy"}),
        audit=("copy your own model",),
        epsilon=None,
    ),
    Scenario(
        name="upstream: protecting inference data (local inference first, then HE or a TEE)",
        situation={"protect": ["inference-data"]},
        first=("on-device-inference",),
        has=("private-inference", "trusted-execution"),
        first_tools=frozenset(ON_DEVICE_RUNTIMES),
        never=frozenset({"dp-training", "federated-learning"}),
        audit=("leaves the client",),
        epsilon=None,
    ),
    Scenario(
        name="upstream: regulatory compliance (GDPR): erasure and minimisation",
        situation={"regulation": ["gdpr"]},
        first=("machine-unlearning",),
        has=("data-minimization",),
        epsilon="any",
    ),
]

ISSUE_SITUATIONS = [
    Scenario(
        name="on-device keyboard: text on phones, TensorFlow",
        situation={"protect": ["training-data"], "deploy": "on-device", "data": "text", "framework": "tensorflow"},
        first=("federated-learning",),
        has=("secure-multi-party-computation", "dp-training", "llm-privacy"),
        first_tools=frozenset(CROSS_DEVICE_FL),
        never=frozenset({"local-differential-privacy", "diffprivlib"} | SERVER_MPC | TABULAR_ANONYMISERS),
        unit="user",
        audit=("canaries", "extraction"),
    ),
    Scenario(
        name="inference that never leaves the device",
        situation={"protect": ["inference-data"], "deploy": "on-device"},
        first=("on-device-inference",),
        first_tools=frozenset(ON_DEVICE_RUNTIMES),
        never=frozenset(
            {"private-inference", "trusted-execution", "federated-learning", "dp-training", "privacy-budget"}
            | HE_LIBRARIES
            | DP_TRAINING_LIBRARIES
        ),
        unit="record",  # no DP in this plan: the unit is the stated default, not a training unit
        epsilon=None,
    ),
    Scenario(
        name="a consortium with vertically partitioned data (a bank and a retailer)",
        situation={"deploy": "multi-party", "partition": "vertical", "parties": "few"},
        first=("secure-multi-party-computation",),
        has=("federated-learning", "dp-training"),
        first_tools=frozenset({"secretflow", "fate"}),
        never=frozenset({"diffprivlib", "local-differential-privacy"}),
    ),
    Scenario(
        name="a hospital consortium on medical images (the upstream guide's example)",
        situation={"deploy": "multi-party", "data": "images", "sensitivity": "high", "framework": "pytorch"},
        first=("federated-learning",),
        has=("secure-multi-party-computation", "dp-training"),
        first_tools=frozenset(CROSS_SILO_FL),
        never=frozenset({"diffprivlib"} | TABULAR_ANONYMISERS),
        audit=("gradient inversion", "membership inference"),
        epsilon="high",
    ),
    Scenario(
        name="publishing a tabular dataset: DP statistics or DP synthetic data, nothing about models",
        situation={"deploy": "public-release", "data": "tabular"},
        first=("dp-statistics",),
        has=("synthetic-data", "privacy-budget"),
        first_tools=frozenset(DP_STATISTICS),
        never=frozenset(
            {"secure-multi-party-computation", "dp-training", "federated-learning", "model-protection"}
            | {"scikit-learn", "shap", "ctgan", "sdv", "opacus"}
        ),
        unit="user",
        audit=("anonymeter",),
    ),
    Scenario(
        name="LLM fine-tuning on a trusted server",
        situation={"protect": ["training-data"], "deploy": "trusted-server", "data": "text", "framework": "pytorch"},
        first=("dp-training",),
        has=("llm-privacy", "de-identification"),
        first_tools=frozenset(DP_TRAINING_LIBRARIES),
        never=frozenset({"fed-biomed", "local-differential-privacy"} | TABULAR_ANONYMISERS),
        unit="user",
        audit=("canaries", "extraction"),
    ),
    Scenario(
        name="health records under HIPAA",
        situation={"regulation": ["hipaa"], "data": "tabular"},
        first=("de-identification",),
        first_tools=frozenset(TABULAR_ANONYMISERS),
        unit="user",
    ),
    Scenario(
        name="genomic summary statistics published by a biobank",
        situation={"deploy": "public-release", "data": "tabular", "sensitivity": "high"},
        first=("dp-statistics",),
        first_tools=frozenset(DP_STATISTICS),
        never=frozenset({"dp-training", "federated-learning", "local-differential-privacy"}),
        unit="user",
        audit=("accountant",),
        epsilon="high",
    ),
    Scenario(
        name="a recommender system trained on users' interactions, one user as the unit",
        situation={"deploy": "trusted-server", "data": "tabular", "sensitivity": "medium", "unit": "user"},
        first=("dp-training",),
        first_tools=frozenset(DP_TRAINING_LIBRARIES | {"diffprivlib"}),
        never=frozenset({"local-differential-privacy"}),
        unit="user",
        audit=("membership inference",),
        epsilon="medium",
    ),
    Scenario(
        name="encrypted inference on medical images in an untrusted cloud",
        situation={
            "protect": ["inference-data"],
            "deploy": "untrusted-server",
            "data": "images",
            "sensitivity": "high",
        },
        first=("private-inference",),
        has=("trusted-execution",),
        first_tools=frozenset(HE_LIBRARIES),
        never=frozenset({"dp-training", "federated-learning", "local-differential-privacy"}),
        audit=("leaves the client",),
        epsilon=None,
    ),
]

SCENARIOS = upstream_paths() + OTHER_PATHS + ISSUE_SITUATIONS


def test_there_is_one_scenario_per_upstream_path() -> None:
    upstream = [s for s in SCENARIOS if s.name.startswith("upstream:")]
    assert len(upstream) == 15


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_an_expert_would_sign_the_plan(scenario: Scenario) -> None:
    data = recommend(INDEX, ADVICE, Situation.of(**scenario.situation)).to_data()
    techniques = [t["id"] for t in data["techniques"]]
    tools = [t["id"] for t in data["tools"]]
    assert techniques and techniques[0] in scenario.first, techniques
    assert set(scenario.has) <= set(techniques), techniques
    if scenario.first_tools:
        first_tools = [t["id"] for t in data["tools"] if techniques[0] in t["techniques"]]
        assert first_tools and first_tools[0] in scenario.first_tools, first_tools
    shown = set(techniques) | set(tools)
    assert not scenario.never & shown, scenario.never & shown
    assert data["privacy_unit"]["value"] == scenario.unit, data["privacy_unit"]
    assert data["privacy_unit"]["why"]
    recipe = (data["audit_recipe"] or {}).get("recipe", "").casefold()
    for word in scenario.audit:
        assert word.casefold() in recipe, recipe
    if scenario.epsilon is None:
        assert data["epsilon"] is None
    else:
        assert data["epsilon"] is not None and data["epsilon"]["sensitivity"] == scenario.epsilon
    summary = data["summary"]
    assert summary["techniques"][0] == INDEX.by_id[techniques[0]].name, "the summary leads with the same decision"
    assert summary["unit"] == scenario.unit


def test_the_architecture_is_stated_first_for_every_deployment() -> None:
    for deploy, words in (
        ("on-device", "federated"),
        ("multi-party", "organisations"),
        ("trusted-server", "trains centrally"),
        ("untrusted-server", "must never see the data"),
        ("public-release", "never the records"),
    ):
        data = recommend(INDEX, ADVICE, Situation.of(deploy=deploy)).to_data()
        assert words in data["summary"]["architecture"], (deploy, data["summary"]["architecture"])


def test_trade_off_figures_from_another_setting_are_labelled() -> None:
    """CIFAR and ImageNet figures (De et al.) are from central image classification: on a text plan they
    are marked as from another setting; on an image plan on a trusted server they are not."""
    text = recommend(INDEX, ADVICE, Situation.of(deploy="on-device", data="text")).to_data()
    image = recommend(INDEX, ADVICE, Situation.of(deploy="trusted-server", data="images")).to_data()

    def matches(data: dict[str, Any], reference: str) -> set[bool | None]:
        return {x["matches"] for t in data["techniques"] for x in t["tradeoffs"] if x["reference"] == reference}

    assert matches(text, "de2022scale") == {False}
    assert matches(image, "de2022scale") == {True}
    assert matches(text, "mcmahan2017fedavg") == {True}


def test_gdpr_erasure_reaches_unlearning_with_its_condition() -> None:
    data = recommend(INDEX, ADVICE, Situation.of(regulation=["gdpr"], deploy="trusted-server")).to_data()
    unlearning = next(t for t in data["techniques"] if t["id"] == "machine-unlearning")
    assert "Art. 17" in unlearning["why"]
    membership = next(m for m in unlearning["mitigates"] if m["threat"] == "membership-inference")
    assert "earlier model version" in membership["condition"]
    assert "gdpr" in data["references"]


def test_the_named_unit_wins_and_the_strictest_implied_one_otherwise() -> None:
    named = recommend(INDEX, ADVICE, Situation.of(deploy="on-device", unit="organisation")).to_data()
    assert named["privacy_unit"]["value"] == "organisation" and "--unit" in named["privacy_unit"]["why"]
    implied = recommend(INDEX, ADVICE, Situation.of(deploy="multi-party", data="text")).to_data()
    assert implied["privacy_unit"]["value"] == "user", "text makes the person the unit, even across parties"


def test_what_the_law_asks_for_is_never_cut_by_the_plan_limit() -> None:
    """A keyboard on phones under GDPR: the architecture's techniques, the text's, and the law's all stay."""
    situation = Situation.of(deploy="on-device", data="text", regulation=["gdpr"], protect=["training-data"])
    techniques = [t["id"] for t in recommend(INDEX, ADVICE, situation).to_data()["techniques"]]
    assert techniques[0] == "federated-learning"
    assert {"machine-unlearning", "data-minimization", "llm-privacy", "dp-training"} <= set(techniques)
