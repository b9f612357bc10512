"""Extra catalogs merge over the bundled one: same id replaces, new ids add."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from .conftest import MINIMAL, Run

OVERLAY = """
tools:
  - id: opacus
    name: Opacus (patched)
    url: https://example.org/opacus
    description: Replaced by an overlay.
    techniques: [dp-training]
  - id: brand-new-tool
    name: Brand New Tool
    url: https://example.org/new
    description: Added by an overlay.
    techniques: [federated-learning]
"""


def test_overlay_replaces_and_adds(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog(OVERLAY)
    opacus = json.loads(run("--catalog", str(path), "show", "opacus", "-o", "json").stdout)
    assert opacus["name"] == "Opacus (patched)"
    assert opacus["techniques"] == ["dp-training"]
    new = json.loads(run("--catalog", str(path), "show", "brand new tool", "-o", "json").stdout)
    assert new["phases"] == ["training"]
    everything = json.loads(run("--catalog", str(path), "list", "-o", "json").stdout)
    assert sum(1 for e in everything if e["id"] == "opacus") == 1


def test_later_catalogs_win(run: Run, write_catalog: Callable[..., Path]) -> None:
    first = write_catalog(OVERLAY)
    second = write_catalog(OVERLAY.replace("Opacus (patched)", "Opacus (second)"))
    out = run("--catalog", str(first), "--catalog", str(second), "show", "opacus", "-o", "json").stdout
    assert json.loads(out)["name"] == "Opacus (second)"


def test_environment_variable_adds_catalogs(run: Run, write_catalog: Callable[..., Path]) -> None:
    first = write_catalog(OVERLAY)
    second = write_catalog("tools:\n  - id: env-tool\n    name: Env Tool\n    description: x.\n    techniques: [fl]\n")
    env = {"PPML_CATALOG": os.pathsep.join([str(first), str(second)])}
    result = run("show", "env-tool", "-o", "json", env=env)
    assert result.exit_code == 2  # 'fl' is an alias, not an id: cross-references use ids
    assert "unknown technique id 'fl'" in result.stderr
    second.write_text(
        "tools:\n  - id: env-tool\n    name: Env Tool\n    description: x.\n    techniques: [federated-learning]\n"
    )
    assert json.loads(run("show", "env-tool", "-o", "json", env=env).stdout)["id"] == "env-tool"
    assert json.loads(run("show", "opacus", "-o", "json", env=env).stdout)["name"] == "Opacus (patched)"


def test_no_bundled_uses_only_the_given_files(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog(MINIMAL)
    entries = json.loads(run("--no-bundled", "--catalog", str(path), "list", "-o", "json").stdout)
    assert [e["id"] for e in entries] == ["training", "dp-training", "toy"]
    assert run("--no-bundled", "--catalog", str(path), "show", "opacus").exit_code == 1
