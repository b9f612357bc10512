"""Prove every quickstart program at its stated level (``pytest -m quickstarts``; needs the package index).

- ``ran``: a fresh virtual environment per program, an install of exactly the
  manifest's ``requires`` from the package index, then the program runs and its
  output is checked against what it should print. The installer is uv when it is
  there (the test extras bring it; pip otherwise), with a download cache that lives
  in this run's temporary directory only: programs of one run share downloads,
  nothing is kept between runs.
- ``api-checked``: ``pip download --no-deps`` of the wheels at the versions in
  ``verified_with``, then :mod:`tests.apicheck` resolves every module, class,
  function and keyword argument the program uses in their source.

Each test prints the versions it proved (``-s`` shows them), so a run's log is
the evidence behind ``verified_with``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from ppml_cli import venvs
from ppml_cli.quickstart import read_program
from ppml_cli.quickstart.manifest import API_CHECKED, QUICKSTARTS, RAN, Quickstart
from ppml_cli.venvs import INSTALLED, normalized
from ppml_cli.venvs import clean_environment as pip_environment

from .apicheck import Library, check_program

pytestmark = pytest.mark.quickstarts

#: What each program that runs must print (regular expressions, all must match).
EXPECTED: dict[str, list[str]] = {
    "diffprivlib": [
        r"mean age: true \d+\.\d+, DP \d+\.\d+",
        r"accuracy: DP model \d+\.\d%",
        r"spent: epsilon 2\.5 of 3",
    ],
    "opendp": [
        r"count: true 1000, DP \d+",
        r"sum of ages: true 53340, DP -?\d+",
        r"median age: true 54, DP \d\d",
        r"engineering\s+true\s+391, DP\s+-?\d+",
        r"other\s+true\s+0, DP\s+-?\d+",
        r"privacy budget spent: epsilon 1\.00 over 4 queries",
    ],
    "pipelinedp": [r"Mon\s+\d+\s+\d+\s+-?\d+", r"Sun\s+\d+\s+\d+\s+-?\d+"],
    "tenseal": [
        r"scored 114 encrypted patients",
        r"largest difference from the clear score: \d\.\de-0[4-9]",
        r"decisions equal to the clear model's: 11[34]/114",
    ],
    "opacus": [
        r"with BatchNorm: ModuleValidator reports [1-9]\d* problems, e\.g\. BatchNorm cannot support",
        r"with GroupNorm: ModuleValidator reports 0 problems",
        r"epoch 8: .*epsilon spent (2\.9\d|3\.00)",
        r"test accuracy [6-9]\d\.\d% on 297 held-out digits",
    ],
    "smartnoise-sdk": [
        r"5000 synthetic rows from MST at \(epsilon=1\.0, delta=1e-6\)",
        r"other\s+0\.000\s+0\.0\d\d",
        r"total variation distance of the condition marginal: 0\.0\d\d",
    ],
    "anonymeter": [r"leaky copy\s+linkability risk 0\.\d\d", r"independent sample\s+linkability risk 0\.0\d"],
    "adversarial-robustness-toolbox": [
        r"random forest \(overfits\)\s+train acc 1\.00.*attack accuracy 0\.[6-9]\d",
        r"logistic regression\s+train acc 0\.\d\d.*advantage -?0\.\d\d",
    ],
    "dp-accounting": [
        r"epsilon at delta=1e-05: RDP 1\.\d+, PLD 0\.9\d+",
        r"noise multiplier for epsilon=3 \(RDP\): 0\.7\d+",
    ],
    "pydp": [r"count:\s+true 10000, DP \d+", r"median: true 35\.00, DP \d+\.\d\d"],
    "jax-privacy": [
        r"noise multiplier 1\.\d\d for 100 steps",
        r"training accuracy \d+\.\d% at \(epsilon=(1\.9\d|2\.00)",
    ],
    "tensorflow-privacy": [
        r"training accuracy after 5 epochs: \d+\.\d%",
        r"Epsilon assuming Poisson sampling \(\*\):\s+\d+\.\d+",
    ],
    "flower": [
        r"round 5: accuracy of the global model on the clients' data 0\.[89]\d\d",
        r"global weights, scaled",
        r"client-level DP: epsilon 5\.38 at delta 1e-05 after 5 rounds",
    ],
    "presidio": [r"anonymized: Patient \S+ \(<EMAIL>\).*\*{14} 1111", r"decrypted:  Patient Jane Doe \(<EMAIL>\)"],
    "pycanon": [r"raw table\s+k-anonymity\s+1,", r"generalised table\s+k-anonymity\s+\d\d, l-diversity [34]"],
    "prv-accountant": [r"after\s+2343 steps: epsilon 0\.9\d\d \(bounds 0\.9\d\d to 0\.9\d\d\)"],
    "sdmetrics": [
        r"leaky copy\s+DCR overfitting protection 0\.[01]\d",
        r"independent sample\s+DCR overfitting protection 0\.[89]\d",
    ],
}


def by_level(level: str) -> list[Quickstart]:
    return [q for q in QUICKSTARTS if q.verified == level]


@pytest.fixture(scope="session")
def run_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A download cache for this run only (deleted with pytest's temporary directories)."""
    return tmp_path_factory.mktemp("installer-cache")


#: A directory of local wheels: on this project's machines it holds a CPU build of PyTorch.
LOCAL_WHEELS = Path("/opt/wheels")


def local_torch() -> str | None:
    """The version of the local CPU PyTorch wheel, when the machine has one.

    PyPI's Linux PyTorch wheels are CUDA builds of several GB; programs that need
    torch (directly, or through opacus or smartnoise-synth) run on the local CPU
    build instead. The constraint applies only where torch is installed at all.
    """
    torch = sorted(LOCAL_WHEELS.glob("torch-*.whl")) if LOCAL_WHEELS.is_dir() else []
    return torch[-1].name.split("-")[1].partition("+")[0] if torch else None


def make_environment(venv: Path, requires: tuple[str, ...], cache: Path) -> str:
    """A fresh virtual environment with ``requires`` installed from the index; returns its python."""
    version = local_torch()
    try:
        return venvs.make_environment(
            venv,
            requires,
            cache,
            find_links=(str(LOCAL_WHEELS),) if version else (),
            constraints=(f"torch=={version}",) if version else (),
        )
    except venvs.EnvironmentFailure as failure:
        raise AssertionError(f"{failure}: {failure.detail}") from None


def test_every_program_has_a_proof() -> None:
    assert set(EXPECTED) >= {q.tool for q in by_level(RAN)}, "every program that runs says what it must print"
    assert all(q.check_packages for q in by_level(API_CHECKED))


@pytest.mark.parametrize("quickstart", by_level(RAN), ids=lambda q: q.tool)
def test_program_runs_in_a_fresh_environment(quickstart: Quickstart, tmp_path: Path, run_cache: Path) -> None:
    python = make_environment(tmp_path / "venv", quickstart.requires, run_cache)
    env = pip_environment()
    program = tmp_path / "start.py"
    program.write_text(read_program(quickstart), encoding="utf-8")
    # A generous bound, not a benchmark: it only stops a hung program from holding CI.
    result = subprocess.run([python, str(program)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    for pattern in EXPECTED[quickstart.tool]:
        assert re.search(pattern, result.stdout), (pattern, result.stdout)
    listed = subprocess.run([python, "-c", INSTALLED], env=env, capture_output=True, text=True, check=True)
    versions = {normalized(name): version for name, version in json.loads(listed.stdout).items()}
    main = Requirement(quickstart.requires[0])
    assert main.specifier.contains(versions[normalized(main.name)], prereleases=True)
    proven = {name: versions.get(normalized(name), "?") for name, _ in quickstart.verified_with}
    print(f"\n{quickstart.tool}: ran with {proven}")


@pytest.mark.parametrize("quickstart", by_level(API_CHECKED), ids=lambda q: q.tool)
def test_program_uses_only_what_the_pinned_wheels_define(quickstart: Quickstart, tmp_path: Path) -> None:
    versions = dict(quickstart.verified_with)
    roots = []
    for distribution in quickstart.check_packages:
        wheels = tmp_path / "wheels" / distribution
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(wheels),
                f"{distribution}=={versions[distribution]}",
            ],
            env=pip_environment(),
            check=True,
            capture_output=True,
        )
        (wheel,) = wheels.glob("*.whl")
        root = tmp_path / "source" / distribution
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(root)
        roots.append(root)
    report = check_program(read_program(quickstart), Library(roots))
    assert not report.failures, report.failures
    imported = [line for line in report.checked if line.startswith(("import ", "from "))]
    calls = [line for line in report.checked if "(" in line]
    assert imported, "the program's imports of the library were resolved"
    assert len(calls) >= 2, report.checked
    print(f"\n{quickstart.tool}: api-checked against {versions}: {len(report.checked)} uses resolved")
    for line in report.unverified:
        print(f"  unverified: {line}")
