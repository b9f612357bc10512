"""Evaluation results as records, their provenance, and the shipped data file.

Every result keeps its raw values, one per repetition; the mean and the 95%
interval beside them are derived, and ``check_file`` recomputes them. A digest
seals each result (its values, settings and provenance): a number edited by hand
without re-running no longer matches it. The quick results CI re-runs are
compared value by value (:func:`compare_runs`).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from ppml_cli.errors import Problem
from ppml_cli.evaluate import stats
from ppml_cli.model import Record

SCHEMA = 1
#: How closely a seeded program repeats itself: 5 significant digits. Same seed, same numbers, but
#: XLA's and BLAS's float reductions are not bit-for-bit the same across processes (JAX differed at 1e-6).
SEEDED_TOLERANCE = 1e-5
STATUSES = ("ok", "failed", "skipped")


class Measurement(Record):
    """One metric at one setting: a value per repetition."""

    metric: str
    setting: tuple[tuple[str, Any], ...]
    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return stats.mean(self.values)

    @property
    def interval(self) -> tuple[float, float] | None:
        return stats.interval(self.values)

    def setting_text(self) -> str:
        return ", ".join(f"{k} {'none' if v is None else v}" for k, v in self.setting) or "-"

    def to_data(self) -> dict[str, Any]:
        ci = self.interval
        return {
            "metric": self.metric,
            "setting": dict(self.setting),
            "values": list(self.values),
            "mean": stats.rounded(self.mean),
            "ci95": None if ci is None else [stats.rounded(ci[0]), stats.rounded(ci[1])],
        }


class Evaluation(Record):
    """One tool in one family, one run: measurements, or why there are none, and how it was obtained."""

    family: str
    tool: str
    quick: bool
    status: str  # ok, failed or skipped
    provenance: tuple[tuple[str, Any], ...]
    measurements: tuple[Measurement, ...] = ()
    reason: str | None = None

    @property
    def info(self) -> dict[str, Any]:
        return dict(self.provenance)

    def sealed(self) -> dict[str, Any]:
        """The JSON-ready result with its digest."""
        data = self._unsealed()
        data["digest"] = digest(data)
        return data

    def _unsealed(self) -> dict[str, Any]:
        data: dict[str, Any] = {"family": self.family, "tool": self.tool, "quick": self.quick, "status": self.status}
        if self.reason is not None:
            data["reason"] = self.reason
        data["provenance"] = dict(self.provenance)
        data["measurements"] = [m.to_data() for m in self.measurements]
        return data

    def key(self) -> tuple[str, str, bool]:
        return (self.family, self.tool, self.quick)


def digest(data: dict[str, Any]) -> str:
    """sha256 of the result's canonical JSON, the digest field itself left out."""
    body = {k: v for k, v in data.items() if k != "digest"}
    return "sha256:" + hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def from_data(data: dict[str, Any]) -> Evaluation:
    return Evaluation(
        family=str(data["family"]),
        tool=str(data["tool"]),
        quick=bool(data["quick"]),
        status=str(data["status"]),
        reason=data.get("reason"),
        provenance=tuple(dict(data.get("provenance") or {}).items()),
        measurements=tuple(
            Measurement(
                metric=str(m["metric"]),
                setting=tuple(dict(m.get("setting") or {}).items()),
                values=tuple(float(v) for v in m["values"]),
            )
            for m in data.get("measurements") or ()
        ),
    )


# --------------------------------------------------------------------- the file


def bundled_path() -> Path:
    """The evaluations shipped in the wheel, or the checkout's ``data/`` when run from source."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "data" / "evaluations.yaml"
    if packaged.is_file():
        return packaged
    return here.parents[1] / "data" / "evaluations.yaml"


def read_file(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return _items(path.read_text(encoding="utf-8"))


def _items(text: str) -> list[dict[str, Any]]:
    from ppml_cli.catalog.parse import load_yaml

    loaded = load_yaml(text, "evaluations") or {}
    items = loaded.get("evaluations") if isinstance(loaded, dict) else None
    return list(items) if isinstance(items, list) else []


class Checked(Record):
    """The results of one evaluations file that pass their checks: what the cache keeps."""

    evaluations: tuple[Evaluation, ...]


def load(path: Path | None = None) -> tuple[Evaluation, ...]:
    """The shipped evaluations that pass their checks (a tampered one is left out, and `validate` names it).

    Parsing the file and re-deriving every figure costs about 0.1 s, which ``show`` and ``compare``
    would pay on every run; the checked results are cached like the catalog (keyed by the file's
    bytes and this module's code), so a warm run only unpickles them.
    """
    from ppml_cli.store import cache

    target = path or bundled_path()
    try:
        content = target.read_bytes()
    except OSError:
        return ()

    def build() -> Checked:
        found = [item for item in _items(content.decode("utf-8")) if isinstance(item, dict)]
        return Checked(evaluations=tuple(from_data(item) for item in found if not check_item(item, "-")))

    return cache.cached(cache.fingerprint([target], [content]), "evaluations", build, Checked).evaluations


HEADER = (
    "# Measured evaluations of catalog tools, written by `ppml evaluate --save`; do not edit by hand.\n"
    "# Each result keeps its raw values (one per repetition); mean and ci95 are derived from them and the\n"
    "# digest seals the result: `ppml validate` recomputes both and refuses a result that does not match.\n"
)


def save(evaluations: tuple[Evaluation, ...], path: Path | None = None) -> Path:
    """Merge ``evaluations`` into the file: each replaces the result of the same family, tool and mode."""
    import yaml

    from ppml_cli.store import write_atomic

    target = path or bundled_path()
    kept = {}
    for item in read_file(target):
        if isinstance(item, dict):
            kept[(item.get("family"), item.get("tool"), bool(item.get("quick")))] = item
    for evaluation in evaluations:
        kept[evaluation.key()] = evaluation.sealed()
    ordered = [kept[k] for k in sorted(kept, key=lambda k: (str(k[0]), str(k[1]), k[2]))]
    text = HEADER + yaml.safe_dump(
        {"schema": SCHEMA, "evaluations": ordered}, sort_keys=False, allow_unicode=True, width=120
    )
    write_atomic(target, text.encode("utf-8"), private=False, mode=0o644)
    return target


# --------------------------------------------------------------------- checks


def check_file(path: Path | None = None, *, known_tools: set[str] | None = None) -> list[Problem]:
    """Every problem of the evaluations file: shape, known families and tools, summaries, digests.

    ``known_tools``, when given, are the catalog's tool ids: every tool a program measures must be one.
    """
    import yaml

    from ppml_cli.catalog.parse import load_yaml
    from ppml_cli.errors import CatalogError

    target = path or bundled_path()
    if not target.is_file():
        return []
    try:
        # libyaml where it is installed, as the catalog is read: the pure-Python reader took 1.4 s here
        loaded = load_yaml(target.read_text(encoding="utf-8"), str(target))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return [Problem(file=str(target), message=f"not valid YAML: {error}")]
    except CatalogError as error:
        return list(error.problems)
    if (
        not isinstance(loaded, dict)
        or loaded.get("schema") != SCHEMA
        or not isinstance(loaded.get("evaluations"), list)
    ):
        return [
            Problem(file=str(target), message=f"expected a mapping with schema: {SCHEMA} and a list of evaluations")
        ]
    problems: list[Problem] = []
    for item in loaded["evaluations"]:
        problems += check_item(item, str(target))
    if not problems:
        problems += check_seeded_pairs(tuple(from_data(item) for item in loaded["evaluations"]), str(target))
    if known_tools is not None:
        from ppml_cli.evaluate.families import PROGRAMS

        for tool in sorted({p.tool for p in PROGRAMS} - known_tools):
            problems.append(
                Problem(
                    file=str(target),
                    entry=tool,
                    message="an evaluation program measures a tool the catalog does not have",
                )
            )
    return problems


def check_item(item: Any, file: str) -> list[Problem]:
    from ppml_cli.evaluate.families import FAMILIES, PROGRAMS

    if not isinstance(item, dict):
        return [Problem(file=file, message="an evaluation must be a mapping")]
    name = f"{item.get('family')}/{item.get('tool')}" + (" (quick)" if item.get("quick") else "")

    def problem(message: str, field: str | None = None) -> Problem:
        return Problem(file=file, entry=name, field=field, message=message)

    if item.get("family") not in {f.id for f in FAMILIES}:
        return [problem("unknown family", "family")]
    if (item.get("tool"), item.get("family")) not in {(p.tool, p.family) for p in PROGRAMS} | {
        (p.tool, f.id) for f in FAMILIES for p in PROGRAMS if f.measured_by == p.family
    }:
        return [problem("no program measures this tool in this family", "tool")]
    if item.get("status") not in STATUSES:
        return [problem(f"status must be one of {', '.join(STATUSES)}", "status")]
    try:
        evaluation = from_data(item)
    except (KeyError, TypeError, ValueError) as error:
        return [problem(f"malformed: {error}")]
    problems = []
    for stored, measurement in zip(item.get("measurements") or (), evaluation.measurements, strict=False):
        derived = measurement.to_data()
        if not all(math.isfinite(v) for v in measurement.values) and measurement.metric != "peak_mib":
            problems.append(problem(f"{measurement.metric}: a value is not finite", "measurements"))
        for field in ("mean", "ci95"):
            if not _same(stored.get(field), derived[field]):
                problems.append(
                    problem(
                        f"{measurement.metric} at {measurement.setting_text()}: {field} {stored.get(field)} is not"
                        f" what its values give ({derived[field]})",
                        "measurements",
                    )
                )
    if item.get("digest") != digest(evaluation._unsealed()):
        problems.append(problem("digest does not match: the result was changed after its run", "digest"))
    return problems


def check_seeded_pairs(evaluations: tuple[Evaluation, ...], file: str) -> list[Problem]:
    """A seeded program's quick run repeats its full run's first repetition (same seed, same setting):
    the two must agree, so a quick result edited by hand (digest recomputed or not) is caught too."""
    from ppml_cli.evaluate.families import RESOURCE_METRICS

    full = {(e.family, e.tool): e for e in evaluations if not e.quick and e.status == "ok"}
    problems = []
    for quick in (e for e in evaluations if e.quick and e.status == "ok" and e.info.get("seeded")):
        reference = full.get((quick.family, quick.tool))
        if reference is None or quick.info.get("seed") != reference.info.get("seed"):
            continue
        firsts = {(m.metric, m.setting): m.values[0] for m in reference.measurements}
        for m in quick.measurements:
            first = firsts.get((m.metric, m.setting))
            if m.metric in RESOURCE_METRICS or first is None:
                continue
            if not math.isclose(m.values[0], first, rel_tol=SEEDED_TOLERANCE, abs_tol=1e-12):
                problems.append(
                    Problem(
                        file=file,
                        entry=f"{quick.family}/{quick.tool} (quick)",
                        field="measurements",
                        message=(
                            f"{m.metric} at {m.setting_text()}: the seeded quick run gave {m.values[0]}, the full run's"
                            f" first repetition (same seed) {first}"
                        ),
                    )
                )
    return problems


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-12)
    return bool(a == b)


# --------------------------------------------------------------------- reproduction


def compare_runs(new: Evaluation, shipped: tuple[Evaluation, ...]) -> list[str]:
    """Why ``new`` does not reproduce the shipped result of the same family, tool and mode.

    Seeded programs must give the same values (to SEEDED_TOLERANCE, relative); unseeded ones must fall in the
    prediction interval of the shipped full run at the same setting. The intervals are family-wise 95%
    (Bonferroni): with k values compared, each interval is at 1 - 0.05/k, so a run of ten noisy metrics is
    not refused one time in three by chance alone. Where an unseeded full run's n values were all equal,
    no interval exists: n equal draws only bound the chance of another value below 1 - 0.05^(1/n) (26% for
    n = 10; Anonymeter's risks are 0 nine times in ten, then 0.01), so such values are not compared.
    Resource metrics (time, memory) depend on the machine and are not compared.
    """
    from ppml_cli.evaluate.families import RESOURCE_METRICS

    same = [e for e in shipped if e.key() == new.key()]
    if not same:
        return [f"{new.family}/{new.tool}: nothing shipped to compare with"]
    old = same[0]
    name = f"{new.family}/{new.tool}"
    if old.status != new.status:
        return [f"{name}: status {new.status} ({new.reason}), shipped {old.status} ({old.reason})"]
    seeded = bool(new.info.get("seeded"))
    full = next((e for e in shipped if (e.family, e.tool, e.quick) == (new.family, new.tool, False)), None)
    reference = {(m.metric, m.setting): m for m in (full.measurements if full else ())}
    before = {(m.metric, m.setting): m for m in old.measurements}
    problems = []

    def varied(m: Measurement) -> bool:
        spread = reference.get((m.metric, m.setting))
        return spread is not None and stats.stdev(spread.values) > 0

    compared = sum(len(m.values) for m in new.measurements if m.metric not in RESOURCE_METRICS and varied(m))
    level = 1 - 0.05 / max(compared, 1)
    for m in new.measurements:
        if m.metric in RESOURCE_METRICS:
            continue
        label = f"{name}: {m.metric} at {m.setting_text()}"
        previous = before.get((m.metric, m.setting))
        if previous is None:
            problems.append(f"{label}: not in the shipped result")
        elif seeded:
            if len(previous.values) != len(m.values) or not all(
                math.isclose(a, b, rel_tol=SEEDED_TOLERANCE, abs_tol=1e-12)
                for a, b in zip(previous.values, m.values, strict=True)
            ):
                problems.append(f"{label}: {list(m.values)} differs from the shipped {list(previous.values)} (seeded)")
        else:
            spread = reference.get((m.metric, m.setting))
            bounds = stats.prediction_interval(spread.values, level) if spread and varied(m) else None
            if bounds is None:
                continue
            low, high = bounds
            if not all(low - 1e-9 <= v <= high + 1e-9 for v in m.values):
                problems.append(
                    f"{label}: {list(m.values)} outside the full run's 95% range {low:.4g} to {high:.4g}"
                    f" (family-wise over {compared} values)"
                )
    return problems
