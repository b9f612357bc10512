"""``--plot DIR``: the privacy-utility and attack curves as PNG files, drawn by matplotlib.

matplotlib is not a dependency of ppml: it is installed into a fresh environment
(the same machinery as the evaluations), which runs ``programs/plot.py`` on the
results written as JSON. Core: returns the files written, never prints.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from ppml_cli.errors import OutputFileError
from ppml_cli.evaluate.records import Evaluation
from ppml_cli.venvs import EnvironmentFailure, clean_environment, make_environment

MATPLOTLIB = ("matplotlib>=3.8,<4",)
#: The files the plotting program draws (when the results hold their family).
FIGURES = ("privacy-utility.png", "attack.png", "aggregates.png", "accountants.png")


def draw(evaluations: tuple[Evaluation, ...], directory: Path, *, cache: Path | None = None) -> list[Path]:
    from importlib import resources

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputFileError(
            f"cannot write into {directory}: {error.strerror}", hint="choose another --plot DIR"
        ) from None
    with tempfile.TemporaryDirectory(prefix="ppml-plot-") as scratch:
        work = Path(scratch)
        try:
            python = make_environment(work / "venv", MATPLOTLIB, cache or work / "cache", timeout=600)
        except EnvironmentFailure as failure:
            raise OutputFileError(
                f"could not install matplotlib to plot: {failure}", hint="check the package index"
            ) from None
        (work / "results.json").write_text(json.dumps([e.sealed() for e in evaluations]), encoding="utf-8")
        program = (resources.files(__package__) / "programs" / "plot.py").read_text(encoding="utf-8")
        (work / "plot.py").write_text(program, encoding="utf-8")
        done = subprocess.run(
            [python, "plot.py", "results.json", str(directory.resolve())],
            cwd=work,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise OutputFileError(
                "plotting failed", hint=done.stderr.strip().splitlines()[-1][:300] if done.stderr.strip() else None
            )
    return [directory / name for name in FIGURES if (directory / name).is_file()]
