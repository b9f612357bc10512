"""Open the catalog for a run: from the cache when the files are unchanged, else from YAML."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ppml_cli import cache
from ppml_cli.index import Index
from ppml_cli.sources import catalog_paths

if TYPE_CHECKING:
    from ppml_cli.search import SearchIndex


def load_index(extra: Sequence[Path] = (), *, bundled: bool = True) -> Index:
    """The merged catalog's index; an invalid catalog raises and is never cached."""
    paths = catalog_paths(extra, bundled=bundled)
    key = cache.fingerprint(paths)

    def build() -> Index:
        from ppml_cli.catalog import load_catalog

        return Index(load_catalog(extra, bundled=bundled))

    index = cache.cached(key, "index", build, Index)
    index.cache_key = key
    return index


def load_search_index(index: Index) -> SearchIndex:
    """The search index for ``index``, cached beside it."""
    from ppml_cli.search import SearchIndex

    search = cache.cached(index.cache_key, "search", lambda: SearchIndex(index), SearchIndex)
    search.attach(index)
    return search
