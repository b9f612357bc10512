"""Measured evaluations (``data/evaluations.yaml``, written by ``ppml evaluate --save``) on tool pages.

The results are read through :mod:`ppml_cli.evaluate` (``records.load`` leaves out any
result whose digest or derived figures do not match, and ``shown`` keeps the full runs),
so the site shows exactly what ``ppml show TOOL`` calls "measured here". Each result is
one block: the family and its setting, versions, date and the command that reproduces it
as facts; every measurement (metric, setting, mean, 95% interval) as a table row; and,
where the family's headline metric was measured over an epsilon grid, a chart of that
metric against epsilon drawn at build time as SVG (no script). The file is data: all of
it is escaped by the templates like catalog text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ppml_cli.evaluate.records import Evaluation as Measured
from ppml_cli.model import Record

#: The chart's drawing area, in SVG user units.
WIDTH, HEIGHT, MARGIN = 360, 200, 40
MAX_RECORDS_PER_TOOL = 50
MAX_POINTS = 200


class Chart(Record):
    """A line chart of one series, laid out for SVG."""

    x_label: str
    y_label: str
    points: tuple[tuple[float, float], ...]  # data values
    path: str  # SVG polyline points, in user units
    dots: tuple[tuple[float, float], ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    width: int = WIDTH
    height: int = HEIGHT
    margin: int = MARGIN


class Evaluation(Record):
    """One evaluation record as the page shows it."""

    title: str
    facts: tuple[tuple[str, str], ...]
    chart: Chart | None = None
    rows: tuple[tuple[str, ...], ...] = ()
    columns: tuple[str, ...] = ()


def load_evaluations(path: Path | None = None) -> dict[str, list[Evaluation]]:
    """Shown evaluations by tool id; an absent or unreadable file means none (the site does not depend on it)."""
    import yaml

    from ppml_cli.evaluate import records, shown

    try:
        found = shown(records.load(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return {}
    return evaluations_from(found)


def evaluations_from(results: Sequence[Measured]) -> dict[str, list[Evaluation]]:
    """The site's view of measured results, by tool id, in the order given."""
    out: dict[str, list[Evaluation]] = {}
    for result in results:
        found = out.setdefault(result.tool, [])
        if len(found) < MAX_RECORDS_PER_TOOL:
            found.append(_evaluation(result))
    return out


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _evaluation(result: Measured) -> Evaluation:
    from ppml_cli.evaluate import families

    known = {f.id: f for f in families.FAMILIES}
    family = known.get(result.family)
    info = result.info
    facts: list[tuple[str, str]] = [("family", family.title if family else result.family)]
    if family is not None:
        facts.append(("setting", family.setting))
    facts.append(("status", result.status))
    if result.reason:
        facts.append(("why", result.reason))
    for key in ("reps", "seed", "versions", "python", "date", "command"):
        if info.get(key) not in (None, "", {}, []):
            facts.append((key, _text(info[key])))
    columns = ("metric", "setting", "mean", "95% interval")
    rows = []
    for measurement in result.measurements[:MAX_POINTS]:
        interval = measurement.interval
        shown_interval = "" if interval is None else f"{interval[0]:.4g} to {interval[1]:.4g}"
        rows.append((measurement.metric, measurement.setting_text(), f"{measurement.mean:.4g}", shown_interval))
    title = f"{family.title if family else result.family}{' (quick run)' if result.quick else ''}"
    headline = family.metrics[0] if family and family.metrics else None
    return Evaluation(
        title=title, facts=tuple(facts), chart=_headline_chart(result, headline), rows=tuple(rows), columns=columns
    )


def _headline_chart(result: Measured, metric: str | None) -> Chart | None:
    """The headline metric against epsilon, for the first setting it was measured in besides epsilon."""
    groups: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = {}
    for measurement in result.measurements:
        setting = dict(measurement.setting)
        epsilon = _number(setting.pop("epsilon", None))
        if measurement.metric != metric or epsilon is None:
            continue
        groups.setdefault(tuple(sorted(setting.items(), key=lambda kv: kv[0])), []).append(
            {"epsilon": epsilon, metric: measurement.mean}
        )
    points = next(iter(groups.values()), [])
    if metric is None or not _numbers(points, metric):
        return None
    return _chart(points, "epsilon", metric)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _numbers(points: Sequence[Mapping[str, Any]], key: str) -> bool:
    return len(points) >= 2 and all(_number(p.get(key)) is not None for p in points)


def _ticks(low: float, high: float) -> list[float]:
    if high == low:
        return [low]
    return [low + (high - low) * i / 4 for i in range(5)]


def _label(value: float) -> str:
    return f"{value:.3g}"


def _chart(points: Sequence[Mapping[str, Any]], x_key: str, y_key: str) -> Chart:
    data = sorted((float(p[x_key]), float(p[y_key])) for p in points)
    xs, ys = [x for x, _ in data], [y for _, y in data]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def sx(x: float) -> float:
        return MARGIN + (x - x0) / ((x1 - x0) or 1) * (WIDTH - 2 * MARGIN)

    def sy(y: float) -> float:
        return HEIGHT - MARGIN - (y - y0) / ((y1 - y0) or 1) * (HEIGHT - 2 * MARGIN)

    dots = tuple((round(sx(x), 1), round(sy(y), 1)) for x, y in data)
    return Chart(
        x_label=x_key,
        y_label=y_key,
        points=tuple(data),
        path=" ".join(f"{x},{y}" for x, y in dots),
        dots=dots,
        x_ticks=tuple((round(sx(t), 1), _label(t)) for t in _ticks(x0, x1)),
        y_ticks=tuple((round(sy(t), 1), _label(t)) for t in _ticks(y0, y1)),
    )
