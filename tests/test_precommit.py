"""The pre-commit hooks: each hook's entry, run as pre-commit runs it, on good and bad catalogs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import MINIMAL

HOOKS_FILE = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
HOOKS: dict[str, dict[str, Any]] = {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))}
BIN = Path(sys.executable).parent

EXTENSION = """
tools:
  - id: extra-tool
    name: Extra Tool
    url: https://example.org/extra-tool
    description: A tool that extends the bundled catalog.
    techniques: [dp-training]
    license: MIT
"""
BROKEN = """
tools:
  - id: Broken Tool
    name: Broken
    url: http://example.org/broken
    description: short
    techniques: [no-such-technique]
"""


def run_hook(hook_id: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """What pre-commit does: the entry (from the installed environment), the hook's args, then the files."""
    hook = HOOKS[hook_id]
    argv = [*shlex.split(hook["entry"]), *hook.get("args", []), *map(str, files)]
    env = {k: v for k, v in os.environ.items() if k != "PPML_CATALOG"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_hooks_file_declares_python_hooks_with_the_documented_ids() -> None:
    assert set(HOOKS) == {"ppml-validate", "ppml-validate-standalone"}
    for hook in HOOKS.values():
        assert hook["language"] == "python" and hook["entry"].startswith("ppml ")
        assert hook.get("pass_filenames", True)


@pytest.mark.parametrize(
    ("name", "matched"),
    [("catalog.yaml", True), ("data/catalog.yml", True), ("our-catalog.yaml", True), (".github/ci.yaml", False)],
)
def test_the_hooks_pick_catalog_files(name: str, matched: bool) -> None:
    for hook in HOOKS.values():
        assert bool(re.search(hook["files"], name)) is matched


def test_validate_hook_passes_a_good_extension_and_fails_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "our-catalog.yaml"
    good.write_text(EXTENSION, encoding="utf-8")
    result = run_hook("ppml-validate", good)
    assert result.returncode == 0, result.stdout + result.stderr

    bad = tmp_path / "bad-catalog.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    result = run_hook("ppml-validate", good, bad)
    assert result.returncode == 2
    assert f"{bad}:3: Broken Tool: id: error: ids are lower-case kebab-case" in result.stdout
    assert "no-such-technique" in result.stdout
    assert str(good) not in result.stdout  # the good file has no problem to report


def test_standalone_hook_checks_a_catalog_without_the_bundled_one(tmp_path: Path) -> None:
    alone = tmp_path / "catalog.yaml"
    alone.write_text(MINIMAL, encoding="utf-8")
    result = run_hook("ppml-validate-standalone", alone)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 file(s)" in result.stdout

    # an extension that relies on the bundled catalog's ids fails on its own
    extension = tmp_path / "extra-catalog.yaml"
    extension.write_text(EXTENSION.replace("dp-training", "federated-learning"), encoding="utf-8")
    result = run_hook("ppml-validate-standalone", alone, extension)
    assert result.returncode == 2
    assert "federated-learning" in result.stdout
