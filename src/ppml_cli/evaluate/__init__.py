"""``ppml evaluate``: measured, reproducible evaluations of catalog tools, re-run on today's versions.

- :mod:`~ppml_cli.evaluate.families`: the families (same data, model, grid, seeds
  and repetitions for every tool of one) and one line per tool's program;
- :mod:`~ppml_cli.evaluate.runner`: a fresh environment per program, its run, its provenance;
- :mod:`~ppml_cli.evaluate.records`: results, the shipped data file, its checks;
- :mod:`~ppml_cli.evaluate.stats`: mean and 95% interval.

Core: returns results and raises :mod:`ppml_cli.errors` exceptions; never prints.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ppml_cli.errors import EXIT_OK, EXIT_USAGE, InvalidValueError
from ppml_cli.evaluate.records import Evaluation
from ppml_cli.model import Record

__all__ = ["Evaluation", "EvaluationReport", "evaluations_for", "run_evaluations"]


class EvaluationReport(Record):
    """The answer of ``evaluate``: results of this run, or those shipped."""

    evaluations: tuple[Evaluation, ...]
    saved_to: str | None = None
    #: With --check: each result of this run that does not reproduce the shipped one, and why.
    mismatches: tuple[str, ...] = ()
    checked: bool = False

    @property
    def entries(self) -> tuple[Any, ...]:
        return ()

    def to_data(self) -> list[dict[str, Any]]:
        return [e.sealed() for e in self.evaluations]

    @property
    def notes(self) -> tuple[str, ...]:
        """Said on stderr in every format: each result that does not reproduce the shipped one."""
        return tuple(f"does not reproduce: {line}" for line in self.mismatches)

    @property
    def exit_code(self) -> int:
        """2 when --check found a result that does not reproduce (CI's quick re-run fails on it)."""
        return EXIT_USAGE if self.mismatches else EXIT_OK


def run_evaluations(
    tool: str | None,
    family_id: str | None,
    *,
    quick: bool,
    reps: int | None,
    find_links: tuple[str, ...] = (),
    cache: Path | None = None,
    advance: Callable[[str], None] = lambda label: None,
) -> tuple[Evaluation, ...]:
    """Run the selected programs, one fresh environment each; ``advance`` is called as each starts."""
    from ppml_cli.evaluate.families import FAMILIES, PROGRAMS
    from ppml_cli.evaluate.runner import reproduce_command, run_program, selected_programs

    if family_id is not None and family_id not in {f.id for f in FAMILIES}:
        raise InvalidValueError(f"no family {family_id!r}", hint="families: " + ", ".join(f.id for f in FAMILIES))
    if tool is not None and tool not in {p.tool for p in PROGRAMS}:
        raise InvalidValueError(
            f"no evaluation program for {tool!r}", hint="tools: " + ", ".join(sorted({p.tool for p in PROGRAMS}))
        )
    if reps is not None and not 1 <= reps <= 100:
        raise InvalidValueError("--reps must be from 1 to 100")
    chosen = selected_programs(tool, family_id)
    if not chosen:
        raise InvalidValueError(f"{tool} has no program in family {family_id}")
    command = reproduce_command(tool, family_id, quick=quick, reps=reps, find_links=find_links)
    # a family's run also keeps the results of the families measured by the same programs
    wanted = {family_id} | {f.id for f in FAMILIES if f.measured_by == family_id} if family_id else None
    out: list[Evaluation] = []
    with tempfile.TemporaryDirectory(prefix="ppml-evaluate-") as scratch:
        run_cache = cache or Path(scratch) / "cache"
        for number, program in enumerate(chosen):
            advance(f"{program.family}/{program.tool}")
            workdir = Path(scratch) / f"{number}-{program.tool}"
            workdir.mkdir()
            for evaluation in run_program(
                program, workdir, run_cache, quick=quick, reps=reps, command=command, find_links=find_links
            ):
                if wanted is None or evaluation.family in wanted:
                    out.append(evaluation)
    return tuple(out)


def shown(evaluations: tuple[Evaluation, ...]) -> tuple[Evaluation, ...]:
    """The results worth showing: full runs, and a quick run where its full run measured nothing."""
    measured = {(e.family, e.tool) for e in evaluations if not e.quick and e.status == "ok"}
    full = {(e.family, e.tool) for e in evaluations if not e.quick}
    return tuple(
        e
        for e in evaluations
        if not e.quick or ((e.family, e.tool) not in measured and (e.family, e.tool) in full and e.status == "ok")
    )


def evaluations_for(tool_id: str, *, path: Path | None = None) -> tuple[Evaluation, ...]:
    """The shipped results of one tool: full runs (and quick ones where the full run could not measure)."""
    from ppml_cli.evaluate import records

    return shown(tuple(e for e in records.load(path) if e.tool == tool_id))


def evaluations_for_technique(technique_id: str, *, path: Path | None = None) -> tuple[Evaluation, ...]:
    """The shipped full-run results of the families that measure a technique."""
    from ppml_cli.evaluate import records
    from ppml_cli.evaluate.families import FAMILIES

    ids = {f.id for f in FAMILIES if f.technique == technique_id}
    return shown(tuple(e for e in records.load(path) if e.family in ids))


def headline(evaluation: Evaluation) -> list[str]:
    """The figures worth a line on a detail page: the family's first metric, at epsilon 1 and
    without DP where there is an epsilon grid, else at every setting. Mean ± half the 95% interval."""
    from ppml_cli.evaluate.families import family

    metric = next(
        (m for m in family(evaluation.family).metrics if any(x.metric == m for x in evaluation.measurements)), None
    )
    chosen = [m for m in evaluation.measurements if m.metric == metric]
    if any(dict(m.setting).get("epsilon") is not None for m in chosen):
        chosen = [m for m in chosen if dict(m.setting).get("epsilon") in (None, 1.0)]
    out = []
    for m in chosen:
        ci = m.interval
        value = f"{m.mean:.4g}" + ("" if ci is None else f" ± {(ci[1] - ci[0]) / 2:.2g}")
        out.append(f"{m.metric} {value} ({m.setting_text()})")
    return out


def measured_here(evaluations: tuple[Evaluation, ...]) -> list[dict[str, Any]]:
    """JSON-ready summaries of shipped results for ``show`` and ``compare``, labelled as measured here."""
    from ppml_cli.evaluate.families import family

    out = []
    for evaluation in evaluations:
        info = evaluation.info
        own = family(evaluation.family)
        out.append(
            {
                "label": "measured here",
                "tool": evaluation.tool,
                "family": evaluation.family,
                "title": own.title,
                "status": evaluation.status,
                "reason": evaluation.reason,
                "figures": headline(evaluation) if evaluation.status == "ok" else [],
                "setting": own.setting,
                "reps": info.get("reps"),
                "quick": evaluation.quick,
                "versions": info.get("versions", {}),
                "date": info.get("date"),
                "command": info.get("command"),
            }
        )
    return out


def measured_line(summary: dict[str, Any]) -> str:
    """One line for a table cell: the family, its figures or why there are none, the date."""
    date = str(summary.get("date") or "")[:10]
    if summary["status"] != "ok":
        return f"{summary['title']}: {summary['status']}, {summary['reason']} ({date})"
    return f"{summary['title']}: " + "; ".join(summary["figures"]) + f" ({summary['reps']} reps, {date})"
