"""Dynamic shell completion: entry ids and names, filter values and recommend's answers.

Completion runs on every Tab press, so it reads the same cache as a warm run
and never prints: a broken catalog simply completes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import typer  # Typer evaluates the callbacks' annotations to find the Context parameter

if TYPE_CHECKING:
    from ppml_cli.index import Index
    from ppml_cli.model import Kind

MAX_ITEMS = 60


def _index(ctx: typer.Context) -> Index | None:
    from ppml_cli.errors import PpmlError
    from ppml_cli.session import Session

    root = ctx.find_root()
    # completion parses without running the root callback: build the session it would have built
    session = (
        root.obj
        if isinstance(root.obj, Session)
        else Session.from_options(root.params.get("catalog"), bool(root.params.get("no_bundled")))
    )
    try:
        return session.index
    except (PpmlError, OSError):
        return None


def _matching(pairs: Iterable[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    prefix = incomplete.casefold()
    starts = [(value, help_) for value, help_ in pairs if value.casefold().startswith(prefix)]
    contains = [(value, help_) for value, help_ in pairs if prefix and prefix in help_.casefold()]
    seen: dict[str, str] = {}
    for value, help_ in starts + contains:
        seen.setdefault(value, help_)
    from ppml_cli.textsafe import one_line

    # the shell shows both, and they are catalog text: no escape sequence or override reaches the terminal
    return [(one_line(value), one_line(help_)) for value, help_ in list(seen.items())[:MAX_ITEMS]]


def entries(*kinds: Kind) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """A completion callback for entry ids (of some kinds), with names as help."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        index = _index(ctx)
        if index is None:
            return []
        pool = [e for e in index.entries if not kinds or e.kind in kinds]
        return _matching([(e.id, f"{e.kind.value}: {e.name}") for e in pool], incomplete)

    return complete


def kind_values(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from ppml_cli.model import Kind

    return _matching([(k.value, f"{k.value} entries") for k in Kind], incomplete)


def attribute(name: str) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """A completion callback for the values a tool attribute takes in the catalog."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        index = _index(ctx)
        if index is None:
            return []
        return _matching([(value, name) for value in index.vocabulary(name)], incomplete)

    return complete


def advice(question_id: str) -> Callable[[str], list[tuple[str, str]]]:
    """A completion callback for a recommend option: the answers the advice rules give its question."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        from ppml_cli.errors import PpmlError
        from ppml_cli.recommend.rules import load_advice

        try:
            question = load_advice().question(question_id)
        except PpmlError:
            return []
        answers = question.answers if question else ()
        return [(a.value, a.label) for a in answers if a.value.startswith(incomplete)]

    return complete


def styles(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    options = [("bibtex", "BibTeX entries"), ("apa", "APA 7 references"), ("markdown", "a Markdown list")]
    return _matching(options, incomplete)
