"""Fresh virtual environments with pinned requirements, and programs run in them.

Shared by ``ppml evaluate`` and the quickstart proofs (``pytest -m quickstarts``):
one way to make an environment (uv when it is installed, pip otherwise), with a
download cache the caller owns, and bounded by timeouts. Core: never prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Prints every installed distribution and its version as one JSON object.
INSTALLED = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)


class EnvironmentFailure(Exception):
    """An environment could not be made: the installer's last words are in ``detail``."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def clean_environment() -> dict[str, str]:
    """This process's environment without Python, virtualenv, uv or pip settings that would leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "UV_", "PIP_"))}
    env["PIP_NO_CACHE_DIR"] = "1"  # prove against the index, not a cache of an earlier run
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def uv() -> list[str] | None:
    """uv, as a command, when it is installed (it ships with the test extras)."""
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    return [found] if found else None


def make_environment(
    venv: Path,
    requires: tuple[str, ...],
    cache: Path,
    *,
    find_links: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
    excludes: tuple[str, ...] = (),
    constraints: tuple[str, ...] = (),
    timeout: float = 900,
) -> str:
    """A fresh virtual environment with ``requires`` installed from the index; returns its python.

    ``excludes`` are distributions left out of the resolution even when a requirement depends
    on them (uv's ``--excludes``; pip has no such option); ``constraints`` pin versions of
    whatever gets installed without asking for it (``torch==2.13.0``). Raises :class:`EnvironmentFailure`
    when the installer fails or runs out of time.
    """
    env = {**clean_environment(), **(extra_env or {})}
    links = [arg for link in find_links for arg in ("--find-links", link)]
    pinned: list[str] = []
    if constraints:
        venv.parent.mkdir(parents=True, exist_ok=True)
        (venv.parent / f"{venv.name}-constraints.txt").write_text("\n".join(constraints) + "\n", encoding="utf-8")
        pinned = ["--constraint", str(venv.parent / f"{venv.name}-constraints.txt")]
    installer = uv()
    if excludes and installer is None:
        raise EnvironmentFailure(f"leaving {', '.join(excludes)} out of the install needs uv (pip install uv)")
    try:
        if installer is not None:
            env["UV_CACHE_DIR"] = str(cache)
            subprocess.run([*installer, "venv", "--quiet", "--python", sys.executable, str(venv)], env=env, check=True)
            python = str(venv / "bin" / "python")
            left_out: list[str] = []
            if excludes:
                (venv / "excludes.txt").write_text("\n".join(excludes) + "\n", encoding="utf-8")
                left_out = ["--excludes", str(venv / "excludes.txt")]
            command = [
                *installer,
                "pip",
                "install",
                "--quiet",
                "--python",
                python,
                *links,
                *pinned,
                *left_out,
                *requires,
            ]
        else:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            python = str(venv / "bin" / "python")
            command = [python, "-m", "pip", "install", "--quiet", *links, *pinned, *requires]
        install = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EnvironmentFailure(f"installing took longer than {timeout:.0f} s") from None
    except (OSError, subprocess.CalledProcessError) as error:
        raise EnvironmentFailure(f"could not create a virtual environment: {error}") from None
    if install.returncode != 0:
        raise EnvironmentFailure("the install failed", install.stderr[-3000:])
    return python


def installed_versions(python: str) -> dict[str, str]:
    """Every distribution installed for ``python``, by normalized name."""
    listed = subprocess.run(
        [python, "-c", INSTALLED], env=clean_environment(), capture_output=True, text=True, check=True
    )
    return {normalized(name): version for name, version in json.loads(listed.stdout).items()}


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them (jax_privacy == jax-privacy)."""
    return re.sub(r"[-_.]+", "-", name).lower()
