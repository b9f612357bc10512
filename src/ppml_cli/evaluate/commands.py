"""What ``ppml evaluate`` does with its options: run, save, check, plot or show what is shipped.

The CLI hands in its progress bar and its note function; nothing here prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ppml_cli.errors import InvalidValueError
from ppml_cli.evaluate import EvaluationReport, records, run_evaluations
from ppml_cli.model import Record


class Request(Record):
    tool: str | None = None
    family: str | None = None
    run_all: bool = False
    quick: bool = False
    reps: int | None = None
    save: bool = False
    check: bool = False
    plot: Path | None = None
    shipped: bool = False
    find_links: tuple[str, ...] = ()
    data_file: Path | None = None


@contextlib.contextmanager
def _no_progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    yield lambda: None


def execute(
    request: Request,
    *,
    progress: Callable[[int, str], AbstractContextManager[Callable[[], None]]] = _no_progress,
    note: Callable[[str], None] = lambda message: None,
    announce: Callable[[str], None] | None = None,
    run: Callable[..., Any] = run_evaluations,
) -> EvaluationReport:
    from ppml_cli.evaluate.runner import selected_programs

    if request.shipped:
        shipped = records.load(request.data_file)
        chosen = tuple(
            e
            for e in shipped
            if (request.tool in (None, e.tool)) and (request.family in (None, e.family)) and e.quick == request.quick
        )
        if request.plot is not None:
            _plot(chosen, request.plot, note)
        return EvaluationReport(evaluations=chosen)
    if not (request.tool or request.family or request.run_all):
        raise InvalidValueError(
            "say what to evaluate", hint="ppml evaluate TOOL, --family FAMILY or --all (--shipped shows results)"
        )
    if request.save and request.reps is not None and not request.quick and request.reps < 5:
        raise InvalidValueError("a saved full run needs at least 5 repetitions", hint="drop --reps, or use --quick")
    if request.tool or request.family:
        total = len(selected_programs(request.tool, request.family)) if _known(request) else 1
    else:
        total = len(selected_programs(None, None))
    with progress(total, "evaluating") as advance:

        def step(label: str) -> None:
            if announce is not None:
                announce(f"evaluating {label}")
            advance()

        evaluations = run(
            request.tool,
            request.family,
            quick=request.quick,
            reps=request.reps,
            find_links=request.find_links,
            advance=step,
        )
    mismatches: list[str] = []
    if request.check:
        shipped = records.load(request.data_file)
        for evaluation in evaluations:
            mismatches += records.compare_runs(evaluation, shipped)
    saved = None
    if request.save:
        saved = str(records.save(evaluations, request.data_file))
    if request.plot is not None:
        _plot(evaluations, request.plot, note)
    return EvaluationReport(
        evaluations=evaluations, saved_to=saved, mismatches=tuple(mismatches), checked=request.check
    )


def _plot(evaluations: tuple[records.Evaluation, ...], directory: Path, note: Callable[[str], None]) -> None:
    from ppml_cli.evaluate.plots import draw

    for path in draw(evaluations, directory):
        note(f"wrote {path}")


def _known(request: Request) -> bool:
    from ppml_cli.evaluate.families import FAMILIES, PROGRAMS

    return (request.family is None or request.family in {f.id for f in FAMILIES}) and (
        request.tool is None or request.tool in {p.tool for p in PROGRAMS}
    )
