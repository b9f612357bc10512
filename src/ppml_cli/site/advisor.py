"""The advisor page's data: the recommend questions as a form, and the engine's plan for every answer.

The questions come from the advice rules, never from a list here: each question
the rules declare (:data:`~ppml_cli.recommend.rules.QUESTIONS`) with answers of
its own (not answers drawn from the catalog, such as frameworks or threats,
which are too many to enumerate) is a candidate, in the rules' order, except
that questions which matter only after some answer (how parties split the data)
or which the plan derives when unsaid (the unit of privacy) come after the rest.
A single-answer question offers its answers plus "not said"; a several-answer
question every subset of its answers; a yes/no question its two answers. The
form takes candidates in order while the number of combinations stays within
:data:`MAX_COMBINATIONS`; a question that would exceed it is left to the CLI
(the page names it), and later, smaller ones may still fit. Every combination
is then planned by the same engine ``ppml recommend`` runs, at build time.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ppml_cli.index import Index
from ppml_cli.model import Record
from ppml_cli.recommend.engine import Situation, answer_labels, recommend
from ppml_cli.recommend.rules import SPECS, Advice, Question

#: At most this many plans are computed (2 to 5 ms each here: the build stays under 10 s) and shipped.
MAX_COMBINATIONS = 1000
#: What separates questions, and a several-answer question's values, in a combination's key.
KEY_SEPARATOR = "|"
VALUE_SEPARATOR = "+"
#: The answer a yes/no question's true value has (the engine's own convention for ``when``).
YES = "yes"


class FormQuestion(Record):
    """One question of the form, and how its answers are offered."""

    id: str
    option: str
    prompt: str
    #: "one" (a choice or not said), "many" (any subset), or "flag" (yes or no).
    mode: str
    answers: tuple[tuple[str, str], ...]

    def choices(self) -> list[str]:
        """Every value this question can contribute to a key, the "not said" one first."""
        values = [value for value, _ in self.answers]
        if self.mode == "flag":
            return sorted(values, key=lambda v: v == YES)
        if self.mode == "one":
            return ["", *values]
        subsets = itertools.chain.from_iterable(itertools.combinations(values, n) for n in range(len(values) + 1))
        return [VALUE_SEPARATOR.join(subset) for subset in subsets]

    def label(self, value: str) -> str:
        return next((label for v, label in self.answers if v == value), "")

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "option": self.option,
            "prompt": self.prompt,
            "mode": self.mode,
            "answers": [{"value": v, "label": label} for v, label in self.answers],
        }


class AdvisorData(Record):
    """The form, the questions left to the CLI, and every combination's plan (interned)."""

    questions: tuple[FormQuestion, ...]
    left_out: tuple[tuple[str, str], ...]  # (option, prompt) of questions the form does not ask
    plans: dict[str, dict[str, Any]]  # combination key -> the plan's JSON data, as `recommend -o json`

    def to_data(self) -> dict[str, Any]:
        """The page's data: a pool of distinct values, and each plan as indices into it."""
        pool: list[Any] = []
        seen: dict[str, int] = {}

        def intern(value: Any) -> int:
            text = json.dumps(value, sort_keys=False, ensure_ascii=False)
            if text not in seen:
                seen[text] = len(pool)
                pool.append(value)
            return seen[text]

        plans: dict[str, dict[str, Any]] = {}
        for key, plan in self.plans.items():
            plans[key] = {
                name: [intern(item) for item in value] if isinstance(value, list) else intern(value)
                for name, value in plan.items()
            }
        distinct: dict[str, int] = {}  # plans the same for several combinations are shipped once
        by_key: dict[str, int] = {}
        for key, shape in plans.items():
            by_key[key] = distinct.setdefault(json.dumps(shape, sort_keys=True), len(distinct))
        return {
            "questions": [q.to_data() for q in self.questions],
            "left_out": [{"option": o, "prompt": p} for o, p in self.left_out],
            "separators": {"key": KEY_SEPARATOR, "value": VALUE_SEPARATOR},
            "pool": pool,
            "plans": [json.loads(text) for text in distinct],
            "keys": by_key,
        }


def form_questions(index: Index, advice: Advice) -> tuple[list[FormQuestion], list[Question]]:
    """The questions the form asks, in the rules' order, and those it leaves to the CLI."""
    asked: list[FormQuestion] = []
    left: list[Question] = []
    combinations = 1
    for question in sorted((q for q in advice.questions if q.id in SPECS), key=_conditional):
        labels = answer_labels(index, advice, question.id)
        if question.answers_from or not labels:
            left.append(question)
            continue
        form = FormQuestion(
            id=question.id,
            option=question.option,
            prompt=question.prompt,
            mode=_mode(question),
            answers=tuple(labels.items()),
        )
        size = len(form.choices())
        if combinations * size > MAX_COMBINATIONS:
            left.append(question)
            continue
        combinations *= size
        asked.append(form)
    return asked, left


def _conditional(question: Question) -> bool:
    """Whether a question matters only after another answer, or is derived when unsaid (sorts last)."""
    spec = SPECS[question.id]
    return bool(spec.asked_after) or spec.derived


def _mode(question: Question) -> str:
    if question.flag:
        return "flag"
    return "many" if question.multiple else "one"


def combinations(questions: Sequence[FormQuestion]) -> Iterator[tuple[str, ...]]:
    """Every combination of the form's answers, as one value per question."""
    return itertools.product(*(q.choices() for q in questions))


def situation_for(questions: Sequence[FormQuestion], values: Sequence[str]) -> Situation:
    """The situation a combination of answers says, as ``recommend`` with those options would get it."""
    said: dict[str, Any] = {}
    for question, value in zip(questions, values, strict=True):
        if question.mode == "flag":
            said[question.id] = value == YES
        elif question.mode == "many":
            said[question.id] = [v for v in value.split(VALUE_SEPARATOR) if v]
        elif value:
            said[question.id] = value
    return Situation.of(**said)


def key_for(values: Sequence[str]) -> str:
    return KEY_SEPARATOR.join(values)


def advisor_data(
    index: Index,
    advice: Advice,
    repositories: Mapping[str, Any] | None = None,
    plan_of: Callable[[Situation], dict[str, Any]] | None = None,
) -> AdvisorData:
    """The form and the engine's plan for each of its combinations."""
    asked, left = form_questions(index, advice)

    def engine(situation: Situation) -> dict[str, Any]:
        return recommend(index, advice, situation, dict(repositories or {})).to_data()

    plan = plan_of or engine
    plans = {key_for(values): plan(situation_for(asked, values)) for values in combinations(asked)}
    return AdvisorData(questions=tuple(asked), left_out=tuple((q.option, q.prompt) for q in left), plans=plans)


def expand(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """One plan back from the page's interned data (what the page's script does), for tests."""
    shape = data["plans"][data["keys"][key]]
    pool = data["pool"]
    return {name: [pool[i] for i in value] if isinstance(value, list) else pool[value] for name, value in shape.items()}
