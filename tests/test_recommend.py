"""ppml recommend: scenarios that read like the README, through the real CLI and the engine."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppml_cli.catalog.loading import load_index
from ppml_cli.model import Kind, Tool
from ppml_cli.recommend.engine import Situation, recommend
from ppml_cli.recommend.plan import Plan
from ppml_cli.recommend.rules import load_advice

from .conftest import Run

Plan_ = Callable[..., dict[str, Any]]


@pytest.fixture
def plan(run: Run) -> Plan_:
    """Run ``ppml recommend ARGS --no-input -o json`` and return the parsed plan."""

    def invoke(*args: str) -> dict[str, Any]:
        result = run("recommend", *args, "--no-input", "-o", "json")
        assert result.exit_code == 0, result.stderr
        data: dict[str, Any] = json.loads(result.stdout)
        return data

    return invoke


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


INDEX = load_index()
ONLY_DP = Path(__file__).parent / "data" / "only_dp_catalog.yaml"
TOOLS = {t.id: t for t in INDEX.of_kind(Kind.TOOL) if isinstance(t, Tool)}
REFERENCES = {r.id for r in INDEX.of_kind(Kind.REFERENCE)}


class TestScenarios:
    """The situations of the issue, answered best first."""

    def test_hospital_images_on_pytorch_on_a_trusted_server(self, plan: Plan_) -> None:
        data = plan("--deploy", "trusted-server", "--data", "images", "--framework", "pytorch", "--sensitivity", "high")
        assert data["techniques"][0]["id"] == "dp-training"
        assert data["techniques"][0]["strength"] == "strong"
        assert "privacy-budget" in ids(data["techniques"])
        assert data["tools"][0]["id"] == "opacus"
        assert data["tools"][0]["install"] == "pip install opacus"
        assert all("pytorch" in t["frameworks"] or "agnostic" in t["frameworks"] for t in data["tools"])
        assert data["epsilon"] is not None and data["epsilon"]["sensitivity"] == "high"
        assert data["epsilon"]["sources"] and set(data["epsilon"]["sources"]) <= REFERENCES
        assert "ponomareva2023dpfy" in data["epsilon"]["sources"], "How to DP-fy ML"
        assert "ponomareva2023dpfy" in data["references"]
        assert any("membership-inference" in step["threats"] for step in data["audit"])
        auditors = [step["id"] for step in data["audit"] if "membership-inference" in step["threats"]]
        assert set(auditors) & {"ml-privacy-meter", "adversarial-robustness-toolbox"}
        assert not {"anonymeter", "llm-pbe"} & set(ids(data["audit"])), "no data-release or LLM audit for a classifier"

    def test_on_device_tensorflow_gets_federated_learning_with_secure_aggregation_and_dp(self, plan: Plan_) -> None:
        data = plan("--deploy", "on-device", "--framework", "tensorflow")
        techniques = ids(data["techniques"])
        assert {"federated-learning", "secure-multi-party-computation", "dp-training"} <= set(techniques)
        why = {t["id"]: t["why"] for t in data["techniques"]}
        assert "Secure aggregation" in why["secure-multi-party-computation"]
        assert "federated averaging" in why["dp-training"]
        fl_only = [t["id"] for t in data["tools"] if t["techniques"] == ["federated-learning"]]
        assert fl_only and fl_only[0] in ("tensorflow-federated", "flower")
        assert all("tensorflow" in t["frameworks"] or "agnostic" in t["frameworks"] for t in data["tools"])
        assert set(data["references"]) >= {"mcmahan2018dplm", "xu2023gboard", "bonawitz2017secagg"}

    def test_encrypted_inference_for_a_tabular_model_on_an_untrusted_cloud(self, plan: Plan_) -> None:
        data = plan("--protect", "inference-data", "--deploy", "untrusted-server", "--data", "tabular")
        assert data["techniques"][0]["id"] == "private-inference"
        assert "dp-training" not in ids(data["techniques"])
        he_tools = ids(data["tools"])[:2]
        assert set(he_tools) & {"concrete-ml", "tenseal"}, he_tools
        assert data["epsilon"] is None

    def test_several_institutions_training_together(self, plan: Plan_) -> None:
        data = plan("--deploy", "multi-party", "--framework", "pytorch", "--sensitivity", "high")
        techniques = ids(data["techniques"])
        assert {"federated-learning", "secure-multi-party-computation", "dp-training"} <= set(techniques)
        assert data["techniques"][0]["id"] == "federated-learning", "the architecture first, its protections after"
        fl_tools = [t["id"] for t in data["tools"] if "federated-learning" in t["techniques"]]
        assert fl_tools[0] in ("fed-biomed", "nvflare", "flower"), "a framework built for institutions first"
        assert all("pytorch" in t["frameworks"] or "agnostic" in t["frameworks"] for t in data["tools"])
        assert data["epsilon"]["sensitivity"] == "high"

    def test_publishing_a_tabular_dataset(self, plan: Plan_) -> None:
        data = plan("--deploy", "public-release", "--data", "tabular")
        assert ids(data["techniques"])[:2] == ["dp-statistics", "privacy-budget"], "DP statistics, accounted"
        assert "synthetic-data" in ids(data["techniques"])
        synthetic = [t for t in data["tools"] if "synthetic-data" in t["techniques"]]
        assert synthetic[0]["id"] in ("smartnoise-sdk", "synthcity"), "a DP synthesizer first"
        assert data["audit"][0]["id"] == "anonymeter"
        assert "synthetic" in data["audit"][0]["why"]
        assert "dp-training" in ids(data["ruled_out"]), "DP comes through the synthesizer, not model training"
        budget = [t["id"] for t in data["tools"] if "privacy-budget" in t["techniques"]]
        assert "opendp" in budget, "DP statistics for a release, with the budget accounted"
        assert data["epsilon"] is not None
        assert "private-inference" not in ids(data["techniques"])

    def test_a_jax_team(self, plan: Plan_) -> None:
        data = plan("--framework", "jax")
        assert data["tools"][0]["id"] == "jax-privacy"
        assert all("jax" in t["frameworks"] or "agnostic" in t["frameworks"] for t in data["tools"])

    def test_a_threat_alone(self, plan: Plan_) -> None:
        data = plan("--threat", "membership-inference")
        assert ids(data["threats"]) == ["membership-inference"]
        assert data["techniques"][0]["id"] == "dp-training"
        assert data["techniques"][0]["mitigates"][0]["strength"] == "strong"
        assert data["audit"] and all("membership-inference" in step["threats"] for step in data["audit"])

    def test_nothing_said_plans_for_the_default_threats(self, plan: Plan_) -> None:
        data = plan()
        assert data["inputs"]["deploy"] is None and data["inputs"]["framework"] is None
        assert ids(data["threats"]) == ["data-reconstruction", "membership-inference"]
        assert all("default" in t["why"] for t in data["threats"])
        assert data["techniques"][0]["id"] == "dp-training"

    def test_a_threat_by_alias(self, plan: Plan_) -> None:
        assert ids(plan("--threat", "MIA")["threats"]) == ["membership-inference"]

    def test_a_generative_model_threat_says_what_is_not_covered(self, plan: Plan_) -> None:
        data = plan("--threat", "prompt-extraction")
        assert data["techniques"][0]["id"] == "output-guardrails"
        assert data["techniques"][0]["strength"] == "weak"
        assert data["epsilon"] is None
        note = next(n for n in data["not_covered"] if n.startswith("Prompt Extraction"))
        assert "bypassed" in note, "the catalog's reason why nothing mitigates it well"

    def test_where_nothing_is_strong_layers_at_other_phases_are_shown(self, plan: Plan_) -> None:
        data = plan("--threat", "data-extraction")
        techniques = ids(data["techniques"])
        assert {"llm-privacy", "output-guardrails"} <= set(techniques), "training-time and output-time layers"
        assert all(t["strength"] == "partial" for t in data["techniques"])

    def test_memorisation_in_generative_models_is_only_partly_mitigated(self, plan: Plan_) -> None:
        data = plan("--threat", "training-data-extraction")
        assert data["techniques"][0]["id"] == "dp-training"
        assert data["techniques"][0]["strength"] == "partial"
        assert any("only partly mitigated" in note for note in data["not_covered"])

    @pytest.mark.parametrize(
        ("data", "says"),
        [
            ("graph", "no graph-specific tool"),
            ("audio", "voice is biometric"),
            ("time-series", "whole person's series"),
        ],
    )
    def test_data_the_catalog_cannot_serve_well_is_said_plainly(self, plan: Plan_, data: str, says: str) -> None:
        assert any(says in note for note in plan("--data", data)["not_covered"])

    def test_untrusted_server_rules_out_central_dp_alone(self, plan: Plan_, run: Run) -> None:
        data = plan("--protect", "training-data", "--deploy", "untrusted-server")
        techniques = ids(data["techniques"])
        assert techniques[0] == "trusted-execution", "what keeps the server from seeing the data comes first"
        assert "local-differential-privacy" in ids(data["ruled_out"]), "local DP is a last resort for training"
        assert "dp-training" in techniques
        why = next(t["why"] for t in data["techniques"] if t["id"] == "dp-training")
        assert "Only together with Secure Multi-Party Computation, Trusted Execution Environments" in why
        # without a partner that keeps the raw data from the server, DP training is ruled out
        result = run("--no-bundled", "--catalog", str(ONLY_DP), "recommend", "--deploy", "untrusted-server", "--json")
        assert result.exit_code == 0, result.stderr
        alone = json.loads(result.stdout)
        assert "dp-training" not in ids(alone["techniques"])
        assert ids(alone["ruled_out"]) == ["dp-training"]
        assert "untrusted server must not be that curator" in alone["ruled_out"][0]["reason"]

    def test_open_source_only_drops_source_available_tools(self, run: Run, write_catalog: Callable[..., Path]) -> None:
        # synthetic data for development (not a release, where only DP synthesizers fit) has
        # source-available tools among its candidates
        path = write_catalog(
            """
            questions:
              - id: deploy
                answers:
                  - value: sandbox
                    label: fake data for developers
                    recommend:
                      - {technique: synthetic-data, reason: Developers work on samples, not records.}
            """,
            "advice.yaml",
        )

        def tools(*args: str) -> list[dict[str, Any]]:
            result = run(
                "recommend", "--deploy", "sandbox", *args, "--no-input", "-o", "json", env={"PPML_ADVICE": str(path)}
            )
            assert result.exit_code == 0, result.stderr
            data: list[dict[str, Any]] = json.loads(result.stdout)["tools"]
            return data

        assert any(t["open_source"] is False for t in tools())
        assert all(t["open_source"] is not False for t in tools("--open-source")) and tools("--open-source")


class TestOptions:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (["--deploy", "untrusted-sever"], "did you mean 'untrusted-server'"),
            (["--deploy", "moon"], "valid values: trusted-server, untrusted-server"),
            (["--data", "imgs"], "did you mean 'images'"),
            (["--protect", "traning-data"], "did you mean 'training-data'"),
            (["--regulation", "gdrp"], "did you mean 'gdpr'"),
            (["--unit", "galaxy"], "valid values: record, device, user, organisation"),
            (["--sensitivity", "extreme"], "valid values: high, medium, low"),
            (["--framework", "pytorh"], "did you mean 'pytorch'"),
            (["--threat", "membership-inferense"], "did you mean 'membership-inference'"),
        ],
    )
    def test_unknown_values_exit_2_naming_the_valid_ones(self, run: Run, args: list[str], expected: str) -> None:
        result = run("recommend", *args, "--no-input")
        assert result.exit_code == 2
        assert expected in result.stderr
        assert result.stdout == ""
        assert "Traceback" not in result.output

    def test_values_ignore_case(self, plan: Plan_) -> None:
        data = plan("--deploy", "On-Device", "--framework", "TensorFlow", "--protect", "TRAINING-DATA")
        assert data["inputs"]["deploy"] == "on-device"
        assert data["inputs"]["framework"] == "tensorflow"
        assert data["inputs"]["protect"] == ["training-data"]

    def test_a_format_that_does_not_fit_exits_2(self, run: Run) -> None:
        result = run("recommend", "--no-input", "-o", "csv")
        assert result.exit_code == 2
        assert "table, json, yaml, markdown" in result.stderr

    def test_identical_input_gives_identical_output(self, run: Run) -> None:
        args = ("recommend", "--deploy", "multi-party", "--data", "tabular", "--no-input", "-o", "json")
        assert run(*args).stdout == run(*args).stdout

    def test_a_catalog_without_the_rules_ids_still_gives_a_plan(
        self, run: Run, write_catalog: Callable[..., Path]
    ) -> None:
        from .conftest import MINIMAL

        path = write_catalog(MINIMAL)
        result = run(
            "--no-bundled", "--catalog", str(path), "recommend", "--deploy", "on-device", "--no-input", "--json"
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["tools"] == []
        assert ids(data["ruled_out"]) == ["dp-training"], "DP on devices needs federated learning, absent here"

    def test_a_pipe_never_prompts(self, run: Run) -> None:
        result = run("recommend", input="trusted-server\n")
        assert result.exit_code == 0
        assert "What must stay private" not in result.output
        assert "PRIVACY PLAN" in result.stdout.upper()


class TestViews:
    ARGS = ("recommend", "--deploy", "trusted-server", "--data", "images", "--framework", "pytorch", "--no-input")

    def test_table_is_a_plan_in_sections(self, run: Run) -> None:
        out = run(*self.ARGS).stdout
        headings = ["TECHNIQUES, BEST FIRST", "TOOLS", "PRIVACY BUDGET (EPSILON)", "AUDIT", "READ NEXT", "NOT COVERED"]
        positions = [out.index(h) for h in headings]
        assert positions == sorted(positions)
        assert "pip install opacus" in out
        assert "\x1b[" not in out

    def test_markdown_is_a_plan_for_a_design_document(self, run: Run) -> None:
        out = run(*self.ARGS, "-o", "markdown").stdout
        assert out.startswith("# Privacy plan\n")
        for heading in ("## 1. Techniques", "## 2. Tools", "## 3. Privacy budget", "## 4. Audit", "## 5. Read next"):
            assert heading in out
        assert "| [Opacus](https://github.com/meta-pytorch/opacus) | active |" in out

    def test_yaml_has_the_json_content(self, run: Run) -> None:
        as_yaml = yaml.safe_load(run(*self.ARGS, "-o", "yaml").stdout)
        as_json = json.loads(run(*self.ARGS, "-o", "json").stdout)
        assert as_yaml == as_json

    def test_json_contract(self, plan: Plan_) -> None:
        data = plan("--deploy", "trusted-server", "--framework", "pytorch")
        assert list(data)[:9] == [
            "schema_version",
            "inputs",
            "threats",
            "techniques",
            "tools",
            "epsilon",
            "audit",
            "references",
            "not_covered",
        ]
        assert data["schema_version"] == 1
        inputs = {"protect", "threats", "deploy", "data", "framework", "sensitivity", "open_source"}
        assert set(data["inputs"]) == inputs | {"partition", "parties", "regulation", "unit"}
        assert data["inputs"]["regulation"] == [] and data["inputs"]["unit"] is None
        assert list(data)[-3:] == ["summary", "privacy_unit", "audit_recipe"], "added at the end"
        assert set(data["privacy_unit"]) == {"value", "why"}
        assert data["summary"]["architecture"].startswith("One trusted organisation")
        assert {"id", "name", "strength", "why"} <= set(data["techniques"][0])
        assert {"id", "name", "url", "install", "status", "license", "why"} <= set(data["tools"][0])
        assert set(data["epsilon"]) >= {"guidance", "sources"}
        assert {"id", "name", "why"} <= set(data["audit"][0])
        assert all(isinstance(r, str) for r in data["references"])
        assert all(isinstance(n, str) for n in data["not_covered"])

    def test_catalog_text_is_escaped_in_every_view(self, run: Run, write_catalog: Callable[[str], Path]) -> None:
        evil = write_catalog(
            """
            tools:
              - id: opacus
                name: "Op|acus *[x](javascript:alert(1))* \\e[31mred"
                url: "javascript:alert(1)"
                description: A tool whose text tries to break out of its cell.
                techniques: [dp-training, privacy-budget]
                license: MIT
                install: "pip install `evil` | tee"
                frameworks: [pytorch]
                status: active
            """
        )
        args = ("--catalog", str(evil), *self.ARGS)
        markdown = run(*args, "-o", "markdown").stdout
        assert not re.search(r"(?<!\\)\]\(javascript:", markdown), "no live javascript: link"
        assert "Op\\|acus \\*\\[x\\](javascript:alert(1))\\*" in markdown
        assert "| ``pip install `evil` \\| tee`` |" in markdown, "a code span that keeps its backticks and the table"
        table = run(*args).stdout
        assert "\x1b" not in table
        assert "Op|acus *[x](javascript:alert(1))* [31mred" in table


class TestEngine:
    """The core, without the CLI."""

    def test_a_plan_is_built_from_the_index_and_the_rules(self) -> None:
        result = recommend(INDEX, load_advice(), Situation.of(deploy="trusted-server"))
        assert isinstance(result, Plan)
        assert result.techniques[0].entry.id == "dp-training"
        assert result.entries[0].id == "dp-training"

    def test_refreshed_stars_break_ties_between_equally_fitting_tools(self) -> None:
        advice = load_advice()
        situation = Situation.of(threats=["membership-inference"])
        plain = [t.entry.id for t in recommend(INDEX, advice, situation).tools]
        assert plain.index("opacus") < plain.index("jax-privacy")
        starred = recommend(INDEX, advice, situation, {"jax-privacy": {"stars": 10_000}, "opacus": {"stars": 10}})
        ids = [t.entry.id for t in starred.tools]
        assert ids.index("jax-privacy") < ids.index("opacus")
        assert starred.tools[ids.index("jax-privacy")].stars == 10_000

    def test_deprecated_tools_appear_only_with_their_successor(self) -> None:
        advice = load_advice()
        for deploy in ("trusted-server", "public-release", "on-device"):
            for framework in (None, "tensorflow", "agnostic"):
                plan = recommend(INDEX, advice, Situation.of(deploy=deploy, framework=framework))
                for tool in plan.tools:
                    if TOOLS[tool.entry.id].status.value == "deprecated":
                        assert tool.successor is not None


def test_a_plan_has_its_formats_beside_every_other_result() -> None:
    from ppml_cli.results import FORMATS

    assert FORMATS["Plan"] == frozenset({"table", "json", "yaml", "markdown"})
