"""`ppml evaluate`: the statistics, the runner (against fake programs in this interpreter), the
tamper check of the shipped results, their reproduction check, and how they are shown.

Everything here is offline and fast: the "fresh environment" is this test's own Python, and
the programs are a few lines written by the tests. Real runs are `pytest -m evaluations`.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ppml_cli.cli import app
from ppml_cli.evaluate import EvaluationReport, headline, records, stats
from ppml_cli.evaluate.families import FAMILIES, PROGRAMS, RESOURCE_METRICS, Program, family, programs_of
from ppml_cli.evaluate.records import Evaluation, Measurement, check_file, compare_runs
from ppml_cli.evaluate.runner import program_source, run_program
from ppml_cli.venvs import EnvironmentFailure

PROGRAMS_DIR = Path(__file__).resolve().parents[1] / "src" / "ppml_cli" / "evaluate" / "programs"


class TestStatistics:
    """Mean and 95% interval, as a textbook computes them."""

    def test_interval_of_five_values_uses_students_t(self) -> None:
        low, high = stats.interval([1.0, 2.0, 3.0, 4.0, 5.0]) or (0, 0)
        # s = 1.5811, t(4) = 2.776: half width 2.776 * 1.5811 / sqrt(5) = 1.963
        assert (round(low, 3), round(high, 3)) == (1.037, 4.963)

    def test_one_value_has_no_interval(self) -> None:
        assert stats.interval([0.5]) is None
        assert stats.prediction_interval([0.5]) is None

    def test_prediction_interval_is_wider_than_the_mean_interval(self) -> None:
        values = [0.9, 1.1, 1.0, 0.95, 1.05]
        ci, pi = stats.interval(values), stats.prediction_interval(values)
        assert ci and pi and pi[0] < ci[0] and pi[1] > ci[1]

    @pytest.mark.parametrize(("df", "t"), [(1, 12.706), (9, 2.262), (30, 2.042), (200, 1.96)])
    def test_t_quantiles(self, df: int, t: float) -> None:
        assert stats.t975(df) == t

    def test_computed_t_quantiles_match_the_table_and_textbook_values(self) -> None:
        assert [round(stats.t_quantile(0.95, df), 3) for df in range(1, 31)] == list(stats.T975)
        # two-sided 99% (t at 0.995): 63.657 for 1 df, 4.604 for 4, 2.750 for 30
        assert [round(stats.t_quantile(0.99, df), 3) for df in (1, 4, 30)] == [63.657, 4.604, 2.75]

    def test_a_higher_level_widens_the_prediction_interval(self) -> None:
        values = [0.8, 0.82, 0.81, 0.79, 0.8]
        low95, high95 = stats.prediction_interval(values) or (0, 0)
        low, high = stats.prediction_interval(values, 0.995) or (0, 0)
        # s = 0.0114, t(0.995 two-sided, 4 df) = 5.598: half width 5.598 * 0.0114 * sqrt(1.2) = 0.0699
        assert (round(low, 3), round(high, 3)) == (0.734, 0.874)
        assert low < low95 and high > high95


class TestDeclarations:
    """One program and one line per tool; families agree with their programs."""

    def test_every_declared_program_exists_and_uses_the_kit(self) -> None:
        for program in PROGRAMS:
            if program.skip:
                continue
            code = program_source(program.program)
            assert "from evalkit import" in code, program.program

    def test_every_program_file_is_declared(self) -> None:
        declared = {p.program for p in PROGRAMS} | {"evalkit.py", "plot.py"}
        assert {p.name for p in PROGRAMS_DIR.glob("*.py")} <= declared

    def test_every_tool_is_in_the_catalog(self) -> None:
        catalog = yaml.safe_load((PROGRAMS_DIR.parents[3] / "data" / "catalog.yaml").read_text(encoding="utf-8"))
        tools = {t["id"] for t in catalog["tools"]}
        assert {p.tool for p in PROGRAMS} <= tools

    def test_every_family_is_measured_by_some_program(self) -> None:
        for fam in FAMILIES:
            assert programs_of(fam.id), fam.id

    def test_a_family_measured_by_another_shares_its_grid(self) -> None:
        attack = family("empirical-privacy")
        assert attack.measured_by == "dp-training"
        assert attack.epsilons == family("dp-training").epsilons


def fake_program(tmp_path: Path, code: str, **overrides: Any) -> tuple[Program, Any]:
    """A declared program whose source is ``code``, run by this interpreter instead of a fresh venv."""
    settings: dict[str, Any] = {
        "family": "dp-training",
        "tool": "diffprivlib",
        "program": "fake.py",
        "requires": ("x",),
        "seeded": True,
    }
    settings.update(overrides)
    program = Program(**settings)
    sources = {"fake.py": code, "evalkit.py": program_source("evalkit.py")}

    def run(**kwargs: Any) -> tuple[Evaluation, ...]:
        workdir = tmp_path / "work"
        workdir.mkdir(exist_ok=True)
        return run_program(
            program,
            workdir,
            tmp_path / "cache",
            quick=True,
            reps=None,
            command="ppml evaluate diffprivlib --quick",
            now=lambda: datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc),
            python_for=kwargs.get("python_for", lambda *a, **k: sys.executable),
            source=sources.__getitem__,
        )

    return program, run


TRAINING = """
from evalkit import EPSILONS, REPS, emit
for epsilon in [None, *EPSILONS]:
    emit("accuracy", [0.9 - 0.01 * r for r in range(REPS)], epsilon=epsilon)
    emit("attack_auc", [0.55] * REPS, epsilon=epsilon)
    emit("train_seconds", [1.5] * REPS, epsilon=epsilon)
"""


class TestRunner:
    """What a program prints becomes results for every family it feeds; failures become findings."""

    def test_a_training_program_feeds_training_and_attack_families(self, tmp_path: Path) -> None:
        _, run = fake_program(tmp_path, TRAINING)
        results = {e.family: e for e in run()}
        assert set(results) == {"dp-training", "empirical-privacy"}
        training = results["dp-training"]
        assert training.status == "ok"
        assert {m.metric for m in training.measurements} == {"accuracy", "train_seconds"}
        assert {m.metric for m in results["empirical-privacy"].measurements} == {"attack_auc"}
        settings = [dict(m.setting) for m in training.measurements if m.metric == "accuracy"]
        assert settings == [{"epsilon": None}, {"epsilon": 1.0}]  # the quick grid, and the non-private model

    def test_provenance_names_how_to_reproduce(self, tmp_path: Path) -> None:
        _, run = fake_program(tmp_path, TRAINING)
        info = run()[0].info
        assert info["command"] == "ppml evaluate diffprivlib --quick"
        assert info["date"] == "2026-12-05T08:00:00Z"
        assert info["seed"] == 0 and info["reps"] == 1 and info["epsilons"] == [1.0]
        assert info["seeded"] is True and info["requires"] == ["x"]
        assert info["python"].count(".") == 2 and info["cpu"]
        assert len(info["program_sha256"]) == 64

    def test_a_program_that_fails_to_import_is_a_finding_with_its_reason(self, tmp_path: Path) -> None:
        code = "raise ModuleNotFoundError(\"No module named 'torch.onnx._internal.registration'\")\n"
        _, run = fake_program(tmp_path, code, family="encrypted-inference", tool="crypten")
        (result,) = run()
        assert result.status == "failed"
        assert result.reason == (
            "the program failed: ModuleNotFoundError: No module named 'torch.onnx._internal.registration'"
        )
        assert result.info["date"] == "2026-12-05T08:00:00Z"

    def test_an_install_that_fails_is_a_finding(self, tmp_path: Path) -> None:
        def refuse(*args: Any, **kwargs: Any) -> str:
            raise EnvironmentFailure("the install failed", "ERROR: No matching distribution found for crypten==9\n")

        _, run = fake_program(tmp_path, TRAINING, family="encrypted-inference", tool="crypten")
        (result,) = run(python_for=refuse)
        assert result.status == "failed"
        assert (
            result.reason == "install failed: the install failed (ERROR: No matching distribution found for crypten==9)"
        )

    def test_a_skipped_program_says_why_and_runs_nothing(self, tmp_path: Path) -> None:
        def never(*args: Any, **kwargs: Any) -> str:
            raise AssertionError("nothing is installed for a skipped program")

        _, run = fake_program(
            tmp_path, TRAINING, family="encrypted-inference", tool="concrete-ml", skip="pins torch 2.3.1"
        )
        (result,) = run(python_for=never)
        assert (result.status, result.reason) == ("skipped", "pins torch 2.3.1")

    def test_output_that_is_not_a_measurement_fails_the_run(self, tmp_path: Path) -> None:
        _, run = fake_program(tmp_path, "print('hello')\n", family="accountants", tool="dp-accounting")
        (result,) = run()
        assert (result.status, result.reason) == ("failed", "the program printed no measurement")


def evaluation(
    values: tuple[float, ...] = (0.8, 0.82, 0.81, 0.79, 0.8),
    *,
    quick: bool = False,
    seeded: bool = True,
    tool: str = "diffprivlib",
) -> Evaluation:
    return Evaluation(
        family="dp-training",
        tool=tool,
        quick=quick,
        status="ok",
        provenance=(
            ("date", "2026-12-05T08:00:00Z"),
            ("seeded", seeded),
            ("reps", len(values)),
            ("versions", {"diffprivlib": "0.6.6"}),
            ("command", "ppml evaluate diffprivlib"),
        ),
        measurements=(
            Measurement(metric="accuracy", setting=(("epsilon", 1.0),), values=values),
            Measurement(metric="train_seconds", setting=(("epsilon", 1.0),), values=tuple(v * 3 for v in values)),
        ),
    )


class TestTamperCheck:
    """A number no run produced is refused: summaries are recomputed, the digest must match."""

    def saved(self, tmp_path: Path) -> Path:
        path = tmp_path / "evaluations.yaml"
        records.save((evaluation(), evaluation((0.8,), quick=True)), path)
        return path

    def test_a_saved_file_checks_clean_and_loads_back(self, tmp_path: Path) -> None:
        path = self.saved(tmp_path)
        assert check_file(path) == []
        assert records.load(path) == (evaluation(), evaluation((0.8,), quick=True))

    def edit(self, path: Path, change: Any) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data["evaluations"][0])
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def test_an_edited_mean_is_caught(self, tmp_path: Path) -> None:
        path = self.saved(tmp_path)
        self.edit(path, lambda e: e["measurements"][0].update(mean=0.95))
        (problem,) = check_file(path)
        assert problem.entry == "dp-training/diffprivlib"
        assert "accuracy at epsilon 1.0: mean 0.95 is not what its values give (0.804)" in problem.message

    def test_an_edited_raw_value_is_caught_by_the_digest(self, tmp_path: Path) -> None:
        path = self.saved(tmp_path)

        def better(e: dict[str, Any]) -> None:
            m = e["measurements"][0]
            m["values"] = [0.9] * 5
            m["mean"], m["ci95"] = 0.9, [0.9, 0.9]  # a careful forger updates the summaries too

        self.edit(path, better)
        (problem,) = check_file(path)
        assert problem.field == "digest" and "changed after its run" in problem.message

    def test_an_edited_version_is_caught_by_the_digest(self, tmp_path: Path) -> None:
        path = self.saved(tmp_path)
        self.edit(path, lambda e: e["provenance"]["versions"].update(diffprivlib="9.9"))
        assert [p.field for p in check_file(path)] == ["digest"]

    def test_a_seeded_quick_run_must_repeat_the_full_runs_first_repetition(self, tmp_path: Path) -> None:
        path = tmp_path / "evaluations.yaml"
        records.save((evaluation(), evaluation((0.81,), quick=True)), path)  # sealed, but 0.81 is not 0.8
        (problem,) = check_file(path)
        assert problem.entry == "dp-training/diffprivlib (quick)"
        assert problem.message == (
            "accuracy at epsilon 1.0: the seeded quick run gave 0.81, the full run's first repetition (same seed) 0.8"
        )

    def test_unseeded_quick_runs_need_not_repeat_the_full_run(self, tmp_path: Path) -> None:
        path = tmp_path / "evaluations.yaml"
        records.save((evaluation(seeded=False), evaluation((0.81,), quick=True, seeded=False)), path)
        assert check_file(path) == []

    def test_a_tampered_result_is_not_shown(self, tmp_path: Path) -> None:
        path = self.saved(tmp_path)
        self.edit(path, lambda e: e["measurements"][0]["values"].__setitem__(0, 0.99))
        assert records.load(path) == (evaluation((0.8,), quick=True),)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda e: e.update(family="nope"), "unknown family"),
            (lambda e: e.update(tool="opendp"), "no program measures this tool in this family"),
            (lambda e: e.update(status="great"), "status must be one of ok, failed, skipped"),
        ],
    )
    def test_unknown_names_are_refused(self, tmp_path: Path, change: Any, message: str) -> None:
        path = self.saved(tmp_path)
        self.edit(path, change)
        assert [p.message for p in check_file(path)] == [message]

    def test_validate_refuses_a_tampered_shipped_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = self.saved(tmp_path)
        self.edit(path, lambda e: e["measurements"][0].update(mean=0.95))
        monkeypatch.setattr(records, "bundled_path", lambda: path)
        result = CliRunner().invoke(app, ["validate", "-o", "json"])
        assert result.exit_code == 2
        problems = json.loads(result.stdout)["problems"]
        assert [p["entry"] for p in problems] == ["dp-training/diffprivlib"]
        assert str(path) in json.loads(result.stdout)["files"]


class TestReproduction:
    """CI's quick re-run must give the shipped quick numbers (seeded), or fall in the full run's range."""

    def test_a_seeded_rerun_must_match_exactly(self) -> None:
        shipped = (evaluation((0.8,), quick=True),)
        assert compare_runs(evaluation((0.8,), quick=True), shipped) == []
        (problem,) = compare_runs(evaluation((0.81,), quick=True), shipped)
        assert (
            problem
            == "dp-training/diffprivlib: accuracy at epsilon 1.0: [0.81] differs from the shipped [0.8] (seeded)"
        )

    def test_resource_metrics_are_not_compared(self) -> None:
        assert "train_seconds" in RESOURCE_METRICS
        shipped = (evaluation((0.8,), quick=True),)
        rerun = evaluation((0.8,), quick=True)
        slower = Evaluation(
            **{
                **{f: getattr(rerun, f) for f in rerun.__fields__},
                "measurements": (
                    rerun.measurements[0],
                    Measurement(metric="train_seconds", setting=(("epsilon", 1.0),), values=(99.0,)),
                ),
            }
        )
        assert compare_runs(slower, shipped) == []

    def test_an_unseeded_rerun_must_fall_in_the_full_runs_range(self) -> None:
        shipped = (evaluation(seeded=False), evaluation((0.8,), quick=True, seeded=False))
        assert compare_runs(evaluation((0.83,), quick=True, seeded=False), shipped) == []
        (problem,) = compare_runs(evaluation((0.95,), quick=True, seeded=False), shipped)
        assert "outside the full run's 95% range" in problem

    def test_the_range_is_family_wise_over_the_values_compared(self) -> None:
        def at(values: dict[float, float], quick: bool) -> Evaluation:
            base = evaluation(quick=quick, seeded=False)
            spread = (0.8, 0.82, 0.81, 0.79, 0.8)
            measurements = tuple(
                Measurement(metric="accuracy", setting=(("epsilon", e),), values=(v,) if quick else spread)
                for e, v in values.items()
            )
            return Evaluation(**{**{f: getattr(base, f) for f in base.__fields__}, "measurements": measurements})

        ten = {float(e): 0.8 for e in range(1, 11)}
        shipped = (at(ten, quick=False), at(ten, quick=True))
        # 0.845 is outside one value's 95% range (0.769 to 0.839), inside each of ten values' 99.5% range
        assert compare_runs(at({**ten, 1.0: 0.845}, quick=True), shipped) == []
        (problem,) = compare_runs(at({1.0: 0.845}, quick=True), shipped)
        assert "0.7693 to 0.8387 (family-wise over 1 values)" in problem
        (problem,) = compare_runs(at({**ten, 1.0: 0.9}, quick=True), shipped)
        assert "accuracy at epsilon 1.0: [0.9] outside the full run's 95% range 0.7341 to 0.8739" in problem

    def test_an_unseeded_value_that_never_varied_is_not_compared(self) -> None:
        # ten zeros (a risk Anonymeter found no attack for) say little about the eleventh draw
        shipped = (evaluation((0.0,) * 10, seeded=False), evaluation((0.0,), quick=True, seeded=False))
        assert compare_runs(evaluation((0.01,), quick=True, seeded=False), shipped) == []
        # a seeded program must still repeat it exactly
        shipped = (evaluation((0.0,) * 10), evaluation((0.0,), quick=True))
        (problem,) = compare_runs(evaluation((0.01,), quick=True), shipped)
        assert problem.endswith("[0.01] differs from the shipped [0.0] (seeded)")

    def test_a_status_change_is_a_mismatch(self) -> None:
        failed = Evaluation(
            family="dp-training", tool="diffprivlib", quick=True, status="failed", reason="boom", provenance=()
        )
        (problem,) = compare_runs(failed, (evaluation((0.8,), quick=True),))
        assert problem.startswith("dp-training/diffprivlib: status failed (boom), shipped ok")


class TestShown:
    """Results in a table with their interval, as JSON with everything, and beside sourced figures."""

    @pytest.fixture
    def shipped(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        path = tmp_path / "evaluations.yaml"
        crashed = Evaluation(
            family="encrypted-inference",
            tool="crypten",
            quick=False,
            status="failed",
            reason="[red]import failed",
            provenance=(("date", "2026-12-05T08:00:00Z"), ("reps", 5)),
        )
        records.save((evaluation(), crashed), path)
        monkeypatch.setattr(records, "bundled_path", lambda: path)
        monkeypatch.setenv("COLUMNS", "200")
        return path

    def test_the_table_shows_mean_and_interval_and_escapes_reasons(self, shipped: Path) -> None:
        result = CliRunner().invoke(app, ["evaluate", "--shipped"])
        assert result.exit_code == 0, result.output
        assert "0.804 ± 0.014" in result.stdout  # s = 0.0114, t(4) = 2.776: half width 0.0141
        assert "[red]import failed" in result.stdout  # shown as text, not markup

    def test_json_carries_raw_values_and_digest(self, shipped: Path) -> None:
        result = CliRunner().invoke(app, ["evaluate", "--shipped", "--family", "dp-training", "-o", "json"])
        (item,) = json.loads(result.stdout)
        assert item["measurements"][0]["values"] == [0.8, 0.82, 0.81, 0.79, 0.8]
        assert item["digest"].startswith("sha256:")

    def test_csv_is_refused_before_any_work(self, shipped: Path) -> None:
        result = CliRunner().invoke(app, ["evaluate", "--all", "-o", "csv"])
        assert result.exit_code == 2
        assert "choose one of: table, json, yaml, markdown" in result.output

    def test_nothing_to_evaluate_is_a_usage_error(self, shipped: Path) -> None:
        result = CliRunner().invoke(app, ["evaluate"])
        assert result.exit_code == 2 and "--family FAMILY or --all" in result.output

    def test_markdown_has_a_column_per_epsilon_and_lists_failures(self, shipped: Path) -> None:
        result = CliRunner().invoke(app, ["evaluate", "--shipped", "-o", "markdown"])
        assert "| tool | setting | ε 1.0 |" in result.stdout
        assert "| diffprivlib | - | 0.804 ± 0.014 |" in result.stdout
        assert "- crypten: failed (2026-12-05): \\[red\\]import failed" in result.stdout

    def test_show_labels_figures_as_measured_here(self, shipped: Path) -> None:
        data = json.loads(CliRunner().invoke(app, ["show", "diffprivlib", "-o", "json"]).stdout)
        (measured,) = data["measured_here"]
        assert measured["label"] == "measured here"
        assert measured["figures"] == ["accuracy 0.804 ± 0.014 (epsilon 1.0)"]
        assert measured["versions"] == {"diffprivlib": "0.6.6"}
        table = CliRunner().invoke(app, ["show", "diffprivlib"]).stdout
        assert "Measured here (ppml evaluate)" in table and "accuracy 0.804 ± 0.014" in table

    def test_show_says_why_a_tool_was_not_measured(self, shipped: Path) -> None:
        data = json.loads(CliRunner().invoke(app, ["show", "crypten", "-o", "json"]).stdout)
        assert data["measured_here"][0]["status"] == "failed"
        assert data["measured_here"][0]["date"] == "2026-12-05T08:00:00Z"

    def test_show_technique_lists_its_familys_results(self, shipped: Path) -> None:
        data = json.loads(CliRunner().invoke(app, ["show", "dp-training", "-o", "json"]).stdout)
        assert [m["tool"] for m in data["measured_here"]] == ["diffprivlib"]

    def test_compare_has_a_measured_here_row(self, shipped: Path) -> None:
        table = CliRunner().invoke(app, ["compare", "diffprivlib", "crypten"]).stdout
        assert "measured here" in table
        assert "DP training of a classifier: accuracy 0.804" in table

    def test_headline_keeps_epsilon_one_and_the_non_private_model(self) -> None:
        run = Evaluation(
            family="dp-training",
            tool="opacus",
            quick=False,
            status="ok",
            provenance=(),
            measurements=tuple(
                Measurement(metric="accuracy", setting=(("epsilon", e),), values=(0.5,)) for e in (None, 0.5, 1.0, 8.0)
            ),
        )
        assert headline(run) == ["accuracy 0.5 (epsilon none)", "accuracy 0.5 (epsilon 1.0)"]

    def test_the_report_is_json_ready(self) -> None:
        report = EvaluationReport(evaluations=(evaluation(),))
        assert json.loads(json.dumps(report.to_data()))[0]["tool"] == "diffprivlib"
