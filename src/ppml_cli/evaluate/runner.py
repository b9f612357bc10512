"""Run evaluation programs in fresh virtual environments and turn what they print into results.

Each program gets its own environment (:mod:`ppml_cli.venvs`: pinned requirements,
uv or pip, a download cache for the run), a settings file with its family's grid,
seed and repetitions, and a time limit. What it prints on stdout (one JSON line per
measurement) becomes :class:`~ppml_cli.evaluate.records.Measurement` records; an
install or a run that fails becomes a result with the reason, itself a finding.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ppml_cli.evaluate.families import Program, families_fed_by, family
from ppml_cli.evaluate.records import Evaluation, Measurement
from ppml_cli.venvs import EnvironmentFailure, clean_environment, installed_versions, make_environment, normalized

#: Distributions worth naming in provenance beside the requirements, when installed.
KEY_DEPENDENCIES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "torch",
    "jax",
    "tensorflow",
    "opacus",
    "sdmetrics",
    "anonymeter",
)


def program_source(name: str) -> str:
    from importlib import resources

    return (resources.files(__package__) / "programs" / name).read_text(encoding="utf-8")


def settings_for(program: Program, *, quick: bool, reps: int | None) -> dict[str, Any]:
    own = family(program.family)
    return {
        "epsilons": list(own.quick_epsilons if quick else own.epsilons),
        "reps": reps if reps is not None else (own.quick_reps if quick else own.reps),
        "seed": own.seed,
        "delta": own.delta,
    }


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def last_line(text: str) -> str:
    """The meaningful line of an error output: an installer's cause, else an exception's message."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if line.startswith("cause:"):
            return line.removeprefix("cause:").strip()[:400]
    for line in reversed(lines):
        if not line.startswith(("warnings.warn", "File ", "^", "~")):
            return line[:400]
    return "no output"


def run_program(
    program: Program,
    workdir: Path,
    cache: Path,
    *,
    quick: bool,
    reps: int | None,
    command: str,
    find_links: tuple[str, ...] = (),
    install_timeout: float = 1200,
    run_timeout: float = 2400,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    python_for: Callable[..., str] = make_environment,
    source: Callable[[str], str] = program_source,
) -> tuple[Evaluation, ...]:
    """Install and run one program; its results for every family it feeds (failures included)."""
    settings = settings_for(program, quick=quick, reps=reps)
    code, kit = source(program.program) if not program.skip else "", source("evalkit.py")
    provenance: dict[str, Any] = {
        "date": now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "requires": list(program.requires),
        "excludes": list(program.excludes),
        "seed": settings["seed"],
        "reps": settings["reps"],
        "epsilons": settings["epsilons"],
        "delta": settings["delta"],
        "seeded": program.seeded,
        "program_sha256": hashlib.sha256((code + kit).encode()).hexdigest(),
    }

    def results(
        status: str, measurements: tuple[Measurement, ...] = (), reason: str | None = None
    ) -> tuple[Evaluation, ...]:
        out = []
        for fed in families_fed_by(program):
            mine = tuple(m for m in measurements if m.metric in fed.metrics)
            if status == "ok" and not mine:
                continue
            out.append(
                Evaluation(
                    family=fed.id,
                    tool=program.tool,
                    quick=quick,
                    status=status,
                    reason=reason,
                    provenance=tuple(provenance.items()),
                    measurements=mine,
                )
            )
        return tuple(out)

    if program.skip:
        return results("skipped", reason=program.skip)
    if program.quick_only and not quick:
        return results("skipped", reason=program.quick_only)
    env = dict(program.env)
    installing = now()
    try:
        python = python_for(
            workdir / "venv",
            program.requires,
            cache,
            find_links=find_links,
            extra_env=env,
            excludes=program.excludes,
            timeout=install_timeout,
        )
    except EnvironmentFailure as failure:
        return results(
            "failed",
            reason=f"install failed: {failure} ({last_line(failure.detail)})"
            if failure.detail
            else f"install failed: {failure}",
        )
    provenance["install_seconds"] = round((now() - installing).total_seconds(), 1)
    versions = installed_versions(python)
    wanted = [
        normalized(r.split(";")[0].split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip())
        for r in program.requires
    ]
    provenance["versions"] = {
        name: versions[name] for name in dict.fromkeys([*wanted, *KEY_DEPENDENCIES]) if name in versions
    }
    (workdir / program.program).write_text(code, encoding="utf-8")
    (workdir / "evalkit.py").write_text(kit, encoding="utf-8")
    (workdir / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    started = now()
    try:
        done = subprocess.run(
            [python, program.program, "settings.json"],
            cwd=workdir,
            env={**clean_environment(), **env},
            capture_output=True,
            text=True,
            timeout=run_timeout,
        )
    except subprocess.TimeoutExpired:
        return results("failed", reason=f"the program ran longer than {run_timeout:.0f} s")
    provenance["run_seconds"] = round((now() - started).total_seconds(), 1)
    if done.returncode != 0:
        return results("failed", reason=f"the program failed: {last_line(done.stderr)}")
    try:
        # a library may print on stdout too (smartnoise-synth prints a number): only measurement lines count
        lines = [line for line in done.stdout.splitlines() if line.startswith('{"metric"')]
        measurements = tuple(parse_line(line) for line in lines)
    except (ValueError, KeyError, TypeError) as error:
        return results("failed", reason=f"the program printed something that is not a measurement: {error}")
    if not measurements:
        return results("failed", reason="the program printed no measurement")
    return results("ok", measurements)


def parse_line(line: str) -> Measurement:
    data = json.loads(line)
    values = tuple(float(v) for v in data["values"])
    if not values:
        raise ValueError("no values")
    return Measurement(
        metric=str(data["metric"]), setting=tuple(dict(data.get("setting") or {}).items()), values=values
    )


def selected_programs(tool: str | None, family_id: str | None) -> tuple[Program, ...]:
    from ppml_cli.evaluate.families import PROGRAMS, programs_of

    chosen = programs_of(family_id) if family_id is not None else PROGRAMS
    if tool is not None:
        chosen = tuple(p for p in chosen if p.tool == tool)
    return chosen


def reproduce_command(
    tool: str | None, family_id: str | None, *, quick: bool, reps: int | None, find_links: tuple[str, ...]
) -> str:
    parts = ["ppml", "evaluate"]
    if tool:
        parts.append(tool)
    if family_id:
        parts += ["--family", family_id]
    if not tool and not family_id:
        parts.append("--all")
    if quick:
        parts.append("--quick")
    if reps is not None:
        parts += ["--reps", str(reps)]
    for link in find_links:
        parts += ["--find-links", link]
    return " ".join(parts)
