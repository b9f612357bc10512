"""The advice rules are data: validate checks them, PPML_ADVICE extends them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ppml_cli.recommend.rules import advice_paths, bundled_advice_path, check_advice, load_advice, read_advice

from .conftest import Run, modules_imported

Write = Callable[..., Path]


def validate_with(run: Run, path: Path) -> tuple[int, list[dict[str, object]]]:
    result = run("validate", "-o", "json", env={"PPML_ADVICE": str(path)})
    return result.exit_code, json.loads(result.stdout)["problems"]


def test_the_bundled_rules_are_valid_and_checked(run: Run) -> None:
    data = json.loads(run("validate", "-o", "json").stdout)
    assert str(bundled_advice_path()) in data["files"]
    assert data["errors"] == 0


def test_the_bundled_rules_cite_only_catalog_references() -> None:
    from ppml_cli.catalog.loading import load_index

    problems: list[object] = []
    advice = read_advice(advice_paths({}), problems)  # type: ignore[arg-type]
    assert problems == []
    assert advice.epsilon and all(g.sources for g in advice.epsilon)
    assert check_advice(advice, load_index().entries, advice_paths({})) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            """
            questions:
              - id: deploy
                answers:
                  - value: on-device
                    label: phones
                    recommend: [{technique: quantum-privacy, reason: Imaginary.}]
            """,
            "unknown technique id 'quantum-privacy'",
        ),
        (
            """
            questions:
              - id: data
                answers:
                  - value: video
                    label: video frames
                    threats: [mind-reading]
            """,
            "unknown threat id 'mind-reading'",
        ),
        (
            """
            questions:
              - id: sensitivity
                default: extreme
            """,
            "'extreme' is not one of its answers",
        ),
        (
            """
            epsilon:
              guidance:
                - sensitivity: high
                  guidance: Use an epsilon of 3 and you are safe.
            """,
            "states a number without sources",
        ),
        (
            """
            questions:
              - id: data
                answers:
                  - value: video
                    label: video at 30 frames per second
            """,
            "states a number without sources",
        ),
        (
            """
            epsilon:
              guidance:
                - sensitivity: high
                  guidance: Use the textbook's advice.
                  sources: [no-such-paper]
            """,
            "unknown reference id 'no-such-paper'",
        ),
        (
            """
            questions:
              - id: deploy
                answers:
                  - value: on-device
                    label: phones
                    recommend: [{technique: dp-training, reason: Noise., when: {deploy: [moon]}}]
            """,
            "'moon' is not an answer of deploy",
        ),
        (
            """
            questions:
              - id: budget
                prompt: How much can you spend?
                answers: [{value: lots, label: plenty}]
            """,
            "the engine asks only: protect, threats, deploy",
        ),
        (
            """
            questions:
              - id: data
                answers:
                  - {value: video, label: frames}
                  - {value: video, label: clips}
            """,
            "the answer 'video' is given twice",
        ),
        (
            """
            questions:
              - id: data
                answers:
                  - value: video
                    label: frames
                    tools: [{tool: opacus, for: [video-dp], reason: Trains on frames.}]
            """,
            "unknown technique id 'video-dp'",
        ),
    ],
)
def test_validate_reports_broken_rules(run: Run, write_catalog: Write, text: str, message: str) -> None:
    code, problems = validate_with(run, write_catalog(text, "advice.yaml"))
    assert code == 2
    assert any(message in str(p["message"]) for p in problems), problems


def test_a_sourced_number_is_accepted(run: Run, write_catalog: Write) -> None:
    path = write_catalog(
        """
        epsilon:
          guidance:
            - sensitivity: high
              guidance: The textbook's chapter 3 explains the Laplace mechanism.
              sources: [dwork2014foundations]
        """,
        "advice.yaml",
    )
    code, problems = validate_with(run, path)
    assert code == 0, problems


def test_an_override_adds_an_answer_the_command_then_accepts(run: Run, write_catalog: Write) -> None:
    path = write_catalog(
        """
        questions:
          - id: data
            answers:
              - value: video
                label: video frames
                not_covered: [The catalog has no video-specific tool.]
        """,
        "advice.yaml",
    )
    env = {"PPML_ADVICE": str(path)}
    result = run("recommend", "--data", "video", "--no-input", "-o", "json", env=env)
    assert result.exit_code == 0, result.stderr
    assert "The catalog has no video-specific tool." in json.loads(result.stdout)["not_covered"]
    still = run("recommend", "--data", "images", "--no-input", "-o", "json", env=env)
    assert still.exit_code == 0, "the bundled answers remain"


def test_a_missing_rules_file_is_a_clear_error(run: Run, tmp_path: Path) -> None:
    result = run("recommend", "--no-input", env={"PPML_ADVICE": str(tmp_path / "nowhere.yaml")})
    assert result.exit_code == 2
    assert "cannot read advice file" in result.stderr


def test_a_broken_rules_file_is_a_clear_error(run: Run, write_catalog: Write) -> None:
    path = write_catalog("questions: [oops\n", "advice.yaml")
    result = run("recommend", "--no-input", env={"PPML_ADVICE": str(path)})
    assert result.exit_code == 2
    assert "YAML syntax" in result.stderr
    assert "invalid advice rules: 1 error" in result.stderr
    assert "Traceback" not in result.output


def test_parsed_rules_are_cached_until_a_file_changes(monkeypatch: pytest.MonkeyPatch, write_catalog: Write) -> None:
    from ppml_cli.recommend import rules

    path = write_catalog("limits: {references: 2}\n", "advice.yaml")
    first = rules.load_advice([bundled_advice_path(), path])
    assert first.limit("references", 6) == 2

    def no_parsing(*_: object) -> None:
        raise AssertionError("parsed again")

    with monkeypatch.context() as patched:  # undoes only this, not the fixtures' cache directory
        patched.setattr(rules, "read_advice", no_parsing)
        assert rules.load_advice([bundled_advice_path(), path]) == first
    path.write_text("limits: {references: 3}\n# a longer file\n", encoding="utf-8")
    assert rules.load_advice([bundled_advice_path(), path]).limit("references", 6) == 3


def test_a_warm_json_plan_imports_no_yaml_network_or_rich(tmp_path: Path) -> None:
    """Like a warm search: the cached catalog and rules spare the YAML parser, Rich and httpx."""
    argv = ["recommend", "--deploy", "on-device", "--framework", "tensorflow", "-o", "json"]
    warm = modules_imported(argv, tmp_path / "cache", warm=True, unset=("PPML_ADVICE",))
    assert warm.returncode == 0, warm.stderr
    loaded = warm.modules
    assert "ppml_cli.recommend.engine" in loaded  # the probe saw the run
    assert not {"yaml", "httpx", "rich", "rapidfuzz", "ppml_cli.catalog.parse", "ppml_cli.net"} & loaded


def test_each_option_help_names_the_answers_its_question_accepts() -> None:
    """The help of an option lists its answers; the rules and QUESTIONS must not drift apart."""
    from ppml_cli.recommend.rules import QUESTIONS

    advice = load_advice()
    for spec in QUESTIONS:
        question = advice.question(spec.id)
        assert question is not None, spec.id
        if spec.flag or spec.answers_from:
            continue
        for answer in question.answers:
            if answer.value != "none":
                assert answer.value in spec.help, (spec.id, answer.value)
