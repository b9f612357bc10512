"""Any combination of valid options gives a valid plan, never a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppml_cli.catalog.loading import load_index
from ppml_cli.model import Kind, Tool
from ppml_cli.recommend.engine import Situation, recommend, valid_answers
from ppml_cli.recommend.rules import SPECS, load_advice

from .conftest import Run

INDEX = load_index()
ADVICE = load_advice()
TOOLS = {t.id: t for t in INDEX.of_kind(Kind.TOOL) if isinstance(t, Tool)}
THREATS = [t.id for t in INDEX.of_kind(Kind.THREAT)]
UNMAINTAINED = {"legacy", "deprecated"}


def answers(question: str) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(valid_answers(INDEX, ADVICE, question))


situations = st.builds(
    Situation.of,
    protect=st.lists(st.sampled_from(valid_answers(INDEX, ADVICE, "protect")), max_size=3),
    threats=st.lists(st.sampled_from(THREATS), max_size=3),
    deploy=answers("deploy"),
    data=answers("data"),
    framework=answers("framework"),
    sensitivity=answers("sensitivity"),
    partition=answers("partition"),
    parties=answers("parties"),
    regulation=st.lists(st.sampled_from(valid_answers(INDEX, ADVICE, "regulation")), max_size=2),
    unit=answers("unit"),
    open_source=st.booleans(),
)


def check(data: dict[str, Any]) -> None:
    json.dumps(data)
    techniques = [t["id"] for t in data["techniques"]]
    assert len(techniques) == len(set(techniques))
    assert all(INDEX.by_id[t].kind is Kind.TECHNIQUE for t in techniques)
    tools = [t["id"] for t in data["tools"]]
    assert len(tools) == len(set(tools))
    for tool in data["tools"]:
        assert set(tool["techniques"]) <= set(techniques) and tool["techniques"]
        assert tool["why"]
        if tool["status"] == "deprecated":
            assert tool["successor"] in TOOLS
        if data["inputs"]["open_source"]:
            assert tool["open_source"] is not False
        framework = data["inputs"]["framework"]
        if framework and TOOLS[tool["id"]].frameworks:
            assert framework in TOOLS[tool["id"]].frameworks or "agnostic" in TOOLS[tool["id"]].frameworks
    for technique in techniques:  # never a legacy or deprecated tool above a maintained one
        statuses = [t["status"] for t in data["tools"] if technique in t["techniques"]]
        seen_unmaintained = False
        for status in statuses:
            if status in UNMAINTAINED:
                seen_unmaintained = True
            assert not (seen_unmaintained and status not in UNMAINTAINED), (technique, statuses)
    if data["epsilon"] is not None:
        assert data["epsilon"]["guidance"]
        assert all(INDEX.by_id[s].kind is Kind.REFERENCE for s in data["epsilon"]["sources"])
    assert all(INDEX.by_id[r].kind is Kind.REFERENCE for r in data["references"])
    assert all(isinstance(n, str) and n for n in data["not_covered"])


@settings(max_examples=150, deadline=None)
@given(situations)
def test_any_valid_situation_gives_a_valid_plan(situation: Situation) -> None:
    first = recommend(INDEX, ADVICE, situation).to_data()
    check(first)
    assert recommend(INDEX, ADVICE, situation).to_data() == first


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(situations, st.sampled_from(["table", "json", "markdown", "yaml"]))
def test_any_valid_options_through_the_cli(run: Run, situation: Situation, fmt: str) -> None:
    args = ["recommend", "--no-input", "-o", fmt]
    for question_id, values in situation.answers:  # every question's option, as the interview prints it
        option = SPECS[question_id].option
        args += [option] if SPECS[question_id].flag else [a for value in values for a in (option, value)]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    if fmt == "json":
        check(json.loads(result.stdout))
