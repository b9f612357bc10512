"""Ask the recommend questions one at a time at a terminal (the CLI side of ``ppml recommend``).

The questions, their answers and defaults come from the advice rules; this
module only talks to the person: prompts and the list of valid answers go to
stderr, so stdout carries nothing but the plan (``ppml recommend -o markdown >
plan.md`` asks, then writes the file). Ctrl-C or end of input leaves with 130.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from ppml_cli.errors import EXIT_INTERRUPTED
from ppml_cli.index import Index
from ppml_cli.model import Kind
from ppml_cli.recommend.engine import Situation, answer_labels
from ppml_cli.recommend.rules import Advice, Question

Ask = Callable[[str, str], str]


def can_ask(no_input: bool) -> bool:
    """Prompt only when told nothing else and a person is at the terminal (clig.dev)."""
    return not no_input and sys.stdin.isatty() and sys.stderr.isatty()


def _prompt(text: str, default: str) -> str:
    try:
        return str(typer.prompt(text, default=default, err=True))
    except typer.Abort:
        typer.echo("", err=True)
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def interview(index: Index, advice: Advice, ask: Ask = _prompt) -> Situation:
    """A situation built from the answers; an invalid answer is asked again."""
    answers: dict[str, object] = {}
    typer.echo("A few questions about your situation (Enter keeps the [default]; Ctrl-C leaves).", err=True)
    for question in advice.questions:
        labels = answer_labels(index, advice, question.id)
        valid = list(labels)
        if not valid:
            continue
        _show(question, labels)
        default = question.default if question.default in valid else valid[0]
        while True:
            raw = ask(f"{question.prompt} [{question.option}]", default)
            chosen = _match(raw, valid, question.multiple)
            if chosen is not None:
                break
            typer.echo(f"  not one of: {', '.join(valid)}", err=True)
        answers[question.id] = chosen
    typer.echo("", err=True)
    return Situation(
        protect=_many(answers.get("protect")),
        # the threats question's own answers ("none") are not threats
        threats=[v for v in _many(answers.get("threats")) if index.lookup(v, [Kind.THREAT]) is not None],
        deploy=_one(answers.get("deploy")),
        data=_one(answers.get("data")),
        framework=_one(answers.get("framework")),
        sensitivity=_one(answers.get("sensitivity")),
        open_source=_one(answers.get("open_source")) == "yes",
    )


def _show(question: Question, labels: dict[str, str]) -> None:
    typer.echo("", err=True)
    if all(labels.values()):
        width = max(len(v) for v in labels)
        for value, label in labels.items():
            typer.echo(f"  {value.ljust(width)}  {label}", err=True)
    else:  # values that explain themselves (framework names)
        typer.echo(f"  one of: {', '.join(labels)}", err=True)
    if question.multiple:
        typer.echo("  (several allowed, separated by commas)", err=True)


def _match(raw: str, valid: list[str], multiple: bool) -> list[str] | None:
    by_key = {v.casefold(): v for v in valid}
    parts = [p.strip().casefold() for p in raw.split(",")] if multiple else [raw.strip().casefold()]
    parts = [p for p in parts if p]
    if not parts or any(p not in by_key for p in parts):
        return None
    return list(dict.fromkeys(by_key[p] for p in parts))


def _one(value: object) -> str | None:
    return value[0] if isinstance(value, list) and value else None


def _many(value: object) -> list[str]:
    return list(value) if isinstance(value, list) else []
