"""The hook for measured evaluations (``data/evaluations.yaml``): shown on tool pages when present.

The site does not depend on the file: without it tool pages simply have no
"Measured here" section. With it, each record that names a tool (``tool: ID``
or ``tools: [ID, ...]``) is shown on that tool's page: its scalar fields as a
table (family, metric, setting, versions, date, command...), and, when it holds
a series of points (a list under ``results``, ``points`` or ``series`` of
mappings with a number to plot against another, such as epsilon against
accuracy), a chart drawn at build time as SVG (no script) beside the same
numbers as a table. A record in another shape is shown as its fields; nothing
in the file is trusted more than catalog text (all of it is escaped).

The reader is the one place to adapt when the evaluation data's schema settles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ppml_cli.model import Record

#: Where series of points may live in a record, in the order looked at.
SERIES_KEYS = ("results", "points", "series")
#: Candidate x and y fields of a point, in order of preference.
X_KEYS = ("epsilon", "x", "eps", "n", "size", "rows")
Y_KEYS = ("mean", "value", "y", "accuracy", "auc", "error", "seconds", "tpr")
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


def bundled_evaluations_path() -> Path:
    """``data/evaluations.yaml`` in the wheel, or in the checkout when run from source."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "data" / "evaluations.yaml"
    return packaged if packaged.is_file() else here.parents[1] / "data" / "evaluations.yaml"


def load_evaluations(path: Path | None = None) -> dict[str, list[Evaluation]]:
    """Evaluations by tool id; an absent or unreadable file means none (the site does not depend on it)."""
    import yaml

    target = path or bundled_evaluations_path()
    if not target.is_file():
        return {}
    try:
        raw = yaml.safe_load(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return evaluations_from(raw)


def evaluations_from(raw: Any) -> dict[str, list[Evaluation]]:
    """Evaluations by tool id from the file's parsed content (a list, or a mapping holding one)."""
    records = raw.get("evaluations", raw.get("results")) if isinstance(raw, Mapping) else raw
    out: dict[str, list[Evaluation]] = {}
    if not isinstance(records, list):
        return out
    for record in records:
        if not isinstance(record, Mapping):
            continue
        tools = record.get("tools", [record.get("tool")])
        for tool in tools if isinstance(tools, list) else []:
            if isinstance(tool, str) and len(out.setdefault(tool, [])) < MAX_RECORDS_PER_TOOL:
                out[tool].append(_evaluation(record))
    return {tool: found for tool, found in out.items() if found}


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _evaluation(record: Mapping[str, Any]) -> Evaluation:
    series_key = next((k for k in SERIES_KEYS if isinstance(record.get(k), list)), None)
    facts = tuple(
        (str(k), _text(v)) for k, v in record.items() if k not in ("tool", "tools", series_key) and v not in (None, "")
    )
    title = _text(record.get("title") or record.get("family") or record.get("metric") or "Evaluation")
    if series_key is None:
        return Evaluation(title=title, facts=facts)
    points = [p for p in record[series_key][:MAX_POINTS] if isinstance(p, Mapping)]
    columns = tuple(dict.fromkeys(str(k) for p in points for k in p))
    rows = tuple(tuple(_text(p.get(c)) for c in columns) for p in points)
    x_key = next((k for k in X_KEYS if _numbers(points, k)), None)
    y_key = next((k for k in Y_KEYS if k != x_key and _numbers(points, k)), None)
    chart = _chart(points, x_key, y_key) if x_key and y_key else None
    return Evaluation(title=title, facts=facts, chart=chart, rows=rows, columns=columns)


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
