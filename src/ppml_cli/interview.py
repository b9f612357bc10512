"""Ask the recommend questions one at a time at a terminal (the CLI side of ``ppml recommend``).

The questions come from :data:`ppml_cli.recommend.rules.QUESTIONS` and their answers and
defaults from the advice rules; this module only talks to the person. Everything it
writes (prompts, the list of valid answers, the equivalent command line at the end) goes
to stderr, so stdout carries nothing but the plan (``ppml recommend -o markdown >
plan.md`` asks, then writes the file). An answer is read with the same resolver as the
options, so the prompt accepts every alias an option does. Text from the rules and the
catalog is cleaned of control characters before it reaches the terminal. Ctrl-C or end
of input leaves with 130.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable

import typer

from ppml_cli.errors import EXIT_INTERRUPTED, PpmlError
from ppml_cli.index import Index
from ppml_cli.recommend.engine import Situation, answer_labels, choose
from ppml_cli.recommend.rules import SPECS, Advice, Question
from ppml_cli.textsafe import clean, one_line

Ask = Callable[[str, str], str]
#: The default shown for a question whose answer the plan derives (the unit of privacy).
DERIVED = "from-situation"


def can_ask(no_input: bool) -> bool:
    """Prompt only when told nothing else and a person is at the terminal (clig.dev)."""
    return not no_input and sys.stdin.isatty() and sys.stderr.isatty()


def say(text: str = "") -> None:
    """One line for the person, on stderr, with control characters removed."""
    typer.echo(clean(text), err=True)


def _prompt(text: str, default: str) -> str:
    """Ask on stderr and read a line from stdin; nothing is written to stdout (click's prompt
    echoes its prompt through ``input``, which writes to stdout)."""
    sys.stderr.write(f"{clean(text)} [{clean(default)}]: ")
    sys.stderr.flush()
    try:
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        line = ""
    if not line:  # end of input or Ctrl-C
        say()
        say("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED)
    return line.strip() or default


def interview(index: Index, advice: Advice, ask: Ask = _prompt) -> Situation:
    """A situation built from the answers; an invalid answer is asked again."""
    answers: dict[str, list[str]] = {}
    say("A few questions about your situation (Enter keeps the [default]; Ctrl-C leaves).")
    for question in advice.questions:
        spec = SPECS.get(question.id)
        if spec is not None and any(not set(answers.get(q, ())) & set(v) for q, v in spec.asked_after):
            continue  # only some situations need it (how parties split the data)
        labels = answer_labels(index, advice, question.id)
        valid = list(labels)
        if not valid:
            continue
        _show(question, labels)
        if spec is not None and spec.derived:
            say(f"  (Enter: {DERIVED}, as the plan derives it from your other answers)")
            default = DERIVED
        else:
            default = question.default if question.default in valid else valid[0]
        while True:
            raw = ask(f"{question.prompt} [{question.option}]", default)
            chosen = [] if raw == DERIVED else _resolve(index, advice, question, raw)
            if chosen is not None:
                break
        if chosen:
            answers[question.id] = chosen
    situation = Situation.of(**{qid: values for qid, values in answers.items() if _meaningful(qid, values, advice)})
    say()
    say("The same plan without questions: " + command_line(situation))
    say()
    return situation


def _meaningful(question_id: str, values: list[str], advice: Advice) -> bool:
    """Whether an answer says more than the default 'nothing' (the threats question's 'none', 'no')."""
    spec = SPECS.get(question_id)
    if spec is not None and spec.flag:
        return values == ["yes"]
    return values not in (["none"], ["any"]) or question_id not in ("threats", "framework", "regulation")


def command_line(situation: Situation) -> str:
    """The ``ppml recommend`` command line that gives the same plan."""
    words = ["ppml", "recommend"]
    for question_id, values in situation.answers:
        spec = SPECS.get(question_id)
        if spec is None:
            continue
        if spec.flag:
            words += [spec.option] if values == ("yes",) else []
        else:
            for value in values:
                words += [spec.option, value]
    return " ".join(shlex.quote(w) for w in words)


def _resolve(index: Index, advice: Advice, question: Question, raw: str) -> list[str] | None:
    """The answer values a typed line means, through the options' own resolver; None after saying why not."""
    parts = [p.strip() for p in raw.split(",")] if question.multiple else [raw.strip()]
    parts = [p for p in parts if p]
    if not parts:
        say("  an answer is needed")
        return None
    chosen = []
    for part in parts:
        try:
            chosen.append(choose(index, advice, question.id, part))
        except PpmlError as error:
            say(f"  {one_line(error.message)}")
            if error.hint:
                say(f"  {one_line(error.hint)}")
            return None
    return list(dict.fromkeys(chosen))


def _show(question: Question, labels: dict[str, str]) -> None:
    say()
    if all(labels.values()):
        width = max(len(clean(v)) for v in labels)
        for value, label in labels.items():
            say(f"  {one_line(value).ljust(width)}  {one_line(label)}")
    else:  # values that explain themselves (framework names)
        say(f"  one of: {', '.join(one_line(v) for v in labels)}")
    if question.multiple:
        say("  (several allowed, separated by commas)")
