"""How ``ppml evaluate`` shows results at a terminal: a table per family and a compact chart.

Every value shown is the mean of its repetitions with the 95% interval; results
that could not be measured say why. Text from results is escaped like catalog text.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from ppml_cli.evaluate import EvaluationReport
from ppml_cli.render import Format, writes

if TYPE_CHECKING:
    from rich.table import Table

    from ppml_cli.evaluate.records import Measurement

BARS = " ▁▂▃▄▅▆▇█"


def figure(measurement: Measurement) -> str:
    """mean ± half the 95% interval, in 4 significant digits."""
    ci = measurement.interval
    if ci is None:
        return f"{measurement.mean:.4g}"
    return f"{measurement.mean:.4g} ± {(ci[1] - ci[0]) / 2:.2g}"


def spark(values: list[float]) -> str:
    """A one-line chart of a curve (min to max of its own values)."""
    finite = [v for v in values if v == v]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    return "".join(BARS[1 + round((v - low) / span * (len(BARS) - 2))] if v == v else " " for v in values)


@writes(Format.TABLE, EvaluationReport)
def write_evaluations(report: EvaluationReport, out: IO[str]) -> None:
    from rich.table import Table

    from ppml_cli.evaluate.families import FAMILIES
    from ppml_cli.render.human import console_for, text

    console = console_for(out)
    order = {f.id: n for n, f in enumerate(FAMILIES)}
    titles = {f.id: f.title for f in FAMILIES}
    families = sorted({e.family for e in report.evaluations}, key=lambda f: order.get(f, 99))
    if not families:
        console.print(text("no results", "dim"))
    for family_id in families:
        view = Table(title=text(titles.get(family_id, family_id), "bold"), header_style="bold", title_justify="left")
        for column in ("Tool", "Metric", "Setting", "Mean ± 95%", "Curve over epsilon"):
            view.add_column(column, overflow="fold")
        for evaluation in (e for e in report.evaluations if e.family == family_id):
            label = evaluation.tool + (" (quick)" if evaluation.quick else "")
            if evaluation.status != "ok":
                view.add_row(
                    text(label, "bold"),
                    text(evaluation.status, "yellow"),
                    text(evaluation.reason or ""),
                    text(""),
                    text(""),
                )
                continue
            curves: dict[tuple[str, tuple[tuple[str, object], ...]], list[float]] = {}
            for m in evaluation.measurements:
                rest = tuple((k, v) for k, v in m.setting if k != "epsilon")
                curves.setdefault((m.metric, rest), []).append(m.mean)
            for m in evaluation.measurements:
                rest = tuple((k, v) for k, v in m.setting if k != "epsilon")
                curve = curves[(m.metric, rest)]
                view.add_row(
                    text(label, "bold"),
                    text(m.metric),
                    text(m.setting_text()),
                    text(figure(m)),
                    text(spark(curve) if len(curve) > 1 else ""),
                )
                label = ""
        console.print(view)
    if report.checked and not report.mismatches:
        console.print(text("every result reproduces the shipped one", "green"))
    if report.saved_to:
        console.print(text(f"saved to {report.saved_to}", "dim"))


def measured_table(measured: tuple[dict[str, Any], ...]) -> Table:
    """``show``'s table of figures measured by ``ppml evaluate``, with their setting and provenance."""
    from rich.table import Table

    from ppml_cli.render.human import text

    view = Table(title="Measured here (ppml evaluate)", title_justify="left", header_style="bold")
    for column in ("Tool", "Family", "Result", "Setting", "Versions, date"):
        view.add_column(column, overflow="fold")
    for item in measured:
        versions = ", ".join(f"{k} {v}" for k, v in dict(item.get("versions") or {}).items())
        if item["status"] == "ok":
            result = text("\n".join(item["figures"]), "bold")
        else:
            result = text(f"{item['status']}: {item['reason']}", "yellow")
        view.add_row(
            text(item["tool"]),
            text(item["title"]),
            result,
            text(f"{item['setting']}; {item['reps']} reps"),
            text(f"{versions}; {str(item.get('date') or '')[:10]}\n{item.get('command') or ''}", "dim"),
        )
    return view


@writes(Format.MARKDOWN, EvaluationReport)
def write_markdown(report: EvaluationReport, out: IO[str]) -> None:
    """Per family and metric, a table: a row per tool (and setting), a column per epsilon;
    each cell the mean ± half the 95% interval. Failures and skips are listed with their reason."""
    from ppml_cli.evaluate.families import FAMILIES
    from ppml_cli.render.machine import md

    for fam in FAMILIES:
        results = [e for e in report.evaluations if e.family == fam.id]
        if not results:
            continue
        out.write(f"#### {md(fam.title)}\n\n")
        for metric in fam.metrics:
            cells: dict[tuple[str, str], dict[str, str]] = {}
            columns: list[str] = []
            for result in (e for e in results if e.status == "ok"):
                for m in (x for x in result.measurements if x.metric == metric):
                    setting = dict(m.setting)
                    column = (
                        "value"
                        if "epsilon" not in setting
                        else f"ε {setting['epsilon']}"
                        if setting["epsilon"] is not None
                        else "no DP"
                    )
                    rest = ", ".join(f"{k} {v}" for k, v in m.setting if k != "epsilon")
                    label = result.tool + (" (quick)" if result.quick else "")
                    cells.setdefault((label, rest), {})[column] = figure(m)
                    if column not in columns:
                        columns.append(column)
            if not cells:
                continue
            columns.sort(key=lambda c: (c != "no DP", float(c[2:]) if c.startswith("ε ") else 0.0))
            out.write(f"`{metric}`\n\n| tool | setting | " + " | ".join(columns) + " |\n")
            out.write("|---|---|" + "---|" * len(columns) + "\n")
            for (tool, rest), row in cells.items():
                out.write(f"| {md(tool)} | {md(rest) or '-'} | " + " | ".join(row.get(c, "") for c in columns) + " |\n")
            out.write("\n")
        for result in (e for e in results if e.status != "ok"):
            date = str(result.info.get("date") or "")[:10]
            out.write(f"- {md(result.tool)}: {result.status} ({date}): {md(result.reason or '')}\n")
        if any(e.status != "ok" for e in results):
            out.write("\n")
