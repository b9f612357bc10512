"""Shared fixtures: a CLI runner that keeps stdout and stderr apart, and catalog files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ppml_cli.cli import app

from .httpserver import Server, serving

SEED_LINKS = Path(__file__).parent / "data" / "seed_links.txt"


class ImportedBy:
    """What one run of ``ppml ARGV`` in a fresh interpreter printed, and which modules it had imported."""

    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.returncode = done.returncode
        self.stdout = done.stdout
        output, _, modules = done.stderr.rpartition("\n")
        self.stderr = output
        self.modules = set(modules.split())


def modules_imported(
    argv: list[str], cache: Path, *, stdin: str | None = None, warm: bool = False, unset: tuple[str, ...] = ()
) -> ImportedBy:
    """Run ppml in a new Python and name the modules it imported (on stderr at exit, after a newline).

    ``warm`` runs it once first to fill the cache in ``cache``, so the measured run is a warm one.
    """
    program = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('\\n' + ' '.join(sorted(sys.modules))))\n"
        f"sys.argv = {['ppml', *argv]!r}\n"
        "from ppml_cli.cli import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", *unset)}
    env["PPML_CACHE_DIR"] = str(cache)
    command = [sys.executable, "-c", program]
    if warm:
        subprocess.run(command, input=stdin, env=env, capture_output=True, text=True, check=False, timeout=120)
    done = subprocess.run(command, input=stdin, env=env, capture_output=True, text=True, check=False, timeout=120)
    return ImportedBy(done)


#: Commands whose runs fill every part of the bundled catalog's cache (index, search, advice, evaluations).
WARMING = (["search", "federated"], ["show", "opacus"], ["recommend", "--deploy", "on-device", "-o", "json"])


@pytest.fixture(scope="session")
def _warm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory the bundled catalog's commands have filled, once per session.

    Each test starts from a copy of it instead of an empty directory: reading
    the bundled catalog cold costs 50-130 ms a command, paid again in every
    one of ~1,800 tests. A copy is the same bytes a first run would have
    written under the same sealing key, so what a test sees is a warm cache,
    not a different code path; tests about cold starts and the cache itself
    set their own ``PPML_CACHE_DIR``.
    """
    cache = tmp_path_factory.mktemp("warm") / "ppml"
    env = {"PPML_CACHE_DIR": str(cache), "XDG_CACHE_HOME": str(cache.parent), "PPML_CATALOG": ""}
    for argv in WARMING:
        done = CliRunner().invoke(app, argv, env=env)
        assert done.exit_code == 0, (argv, done.output)
    return cache


@pytest.fixture(autouse=True)
def _clean_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, _warm_cache: Path
) -> Iterator[None]:
    """Tests never see the developer's catalogs, caches or colour settings."""
    monkeypatch.delenv("PPML_CATALOG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    cache = tmp_path_factory.mktemp("cache")
    shutil.copytree(_warm_cache, cache / "ppml")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("PPML_CACHE_DIR", str(cache / "ppml"))
    monkeypatch.setenv("COLUMNS", "120")
    yield
    # monkeypatch.undo() in a test also undoes the lines above: the rest of that test then read and
    # wrote the developer's own cache (CI's held an entries file from its first search)
    from ppml_cli import store

    if store.cache_enabled():  # a test may take the cache away; none may hand it the developer's
        ours = store.cache_dir().is_relative_to(tmp_path_factory.getbasetemp())
        assert ours, "a test undid the fixtures' cache directory: undo only its own patches"


@pytest.fixture
def cold_cache(_clean_env: None) -> None:
    """An empty cache directory, as on a first run (for the tests of the cache and of cold starts)."""
    shutil.rmtree(os.environ["PPML_CACHE_DIR"])


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Invoke the real CLI in-process; ``result.stdout`` holds only the data."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_json(run: Run) -> Callable[..., Any]:
    """Run a command with ``-o json`` and return the parsed stdout."""

    def invoke(*args: str) -> Any:
        result = run(*args, "-o", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return invoke


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[[str], Path]:
    """Write a catalog YAML (dedented) to a temporary file and return its path."""
    counter = iter(range(1000))

    def write(text: str, name: str | None = None) -> Path:
        path = tmp_path / (name or f"catalog{next(counter)}.yaml")
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def seed_links() -> list[str]:
    return [line.strip() for line in SEED_LINKS.read_text().splitlines() if line.startswith("http")]


#: A complete minimal catalog, valid on its own (for --no-bundled tests).
MINIMAL = """
phases:
  - id: training
    name: Model Training
    order: 1
    description: Fitting the model.
techniques:
  - id: dp-training
    name: DP Training
    phase: training
    aliases: [DP-SGD]
    description: Clip and noise gradients.
tools:
  - id: toy
    name: Toy Tool
    url: https://example.org/toy
    description: A tool for tests.
    techniques: [dp-training]
    license: MIT
    status: active
"""


@pytest.fixture(scope="module")
def shared_server() -> Iterator[Server]:
    """One server for the module: stopping one waits for its poll interval (half a second)."""
    with serving() as srv:
        yield srv


@pytest.fixture
def server(shared_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """One fake server playing GitHub, PyPI, arXiv and Crossref, with no routes and an empty log for each test.

    Modules with a server of their own (the link checker's) define their own ``server`` fixture.
    """
    srv = shared_server
    with srv.lock:
        srv.routes.clear()
        srv.log.clear()
        srv.connections.clear()
    for var in ("PPML_GITHUB_API_URL", "PPML_PYPI_URL", "PPML_ARXIV_API_URL", "PPML_CROSSREF_API_URL"):
        monkeypatch.setenv(var, srv.base)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return srv
