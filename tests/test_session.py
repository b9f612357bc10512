"""The per-run Session: catalog paths resolved once, data loaded lazily and once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ppml_cli.catalog import files as catalog_files
from ppml_cli.errors import CatalogError
from ppml_cli.session import Session

EXTRA = """
tools:
  - id: house-tool
    name: House Tool
    url: https://example.org/house-tool
    description: A tool only the session test knows.
    techniques: [dp-training]
    license: MIT
    language: Python
"""


def test_the_environment_comes_first_then_each_catalog_option(tmp_path: Path) -> None:
    env = {catalog_files.ENV_VAR: os.pathsep.join(["a.yaml", "b.yaml"])}
    session = Session.from_options(["c.yaml"], False, environ=env)
    assert session.extra == [Path("a.yaml"), Path("b.yaml"), Path("c.yaml")]
    assert session.catalog_files()[1:] == session.extra
    assert session.catalog_files([Path("d.yaml")])[-1] == Path("d.yaml")
    assert Session.from_options(["c.yaml"], True, environ={}).catalog_files() == [Path("c.yaml")]


def test_no_bundled_and_no_file_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError) as raised:
        Session.from_options(None, True, environ={}).catalog_files()
    assert "--no-bundled" in raised.value.problems[0].message


def test_an_uncached_load_resolves_the_paths_once(
    monkeypatch: pytest.MonkeyPatch, write_catalog: Callable[[str], Path]
) -> None:
    calls: list[Any] = []
    real = catalog_files.catalog_paths

    def counting(*args: Any, **kwargs: Any) -> list[Path]:
        calls.append(args)
        return real(*args, **kwargs)

    import ppml_cli.catalog.loading
    import ppml_cli.catalog.parse

    for module in (catalog_files, ppml_cli.catalog.loading, ppml_cli.catalog.parse):
        monkeypatch.setattr(module, "catalog_paths", counting)
    session = Session([write_catalog(EXTRA)])
    index = session.index
    assert "house-tool" in {e.id for e in index.entries}
    assert session.index is index  # loaded once
    assert len(calls) == 1


def test_the_search_index_and_repositories_are_loaded_once(write_catalog: Callable[[str], Path]) -> None:
    session = Session([write_catalog(EXTRA)])
    search = session.search_index
    assert session.search_index is search
    assert [h.entry.id for h in search.search("house tool", limit=1)] == ["house-tool"]
    assert session.repositories == {}  # nothing refreshed in a clean environment
    assert session.repositories is session.repositories
