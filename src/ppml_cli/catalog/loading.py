"""Open the catalog for a run: from the cache when the files are unchanged, else from YAML."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ppml_cli.catalog.files import UnreadableCatalog, catalog_paths, read_catalog
from ppml_cli.index import Index
from ppml_cli.store import cache, notify

if TYPE_CHECKING:
    from ppml_cli.search import SearchIndex


def load_index(extra: Sequence[Path] = (), *, bundled: bool = True, paths: Sequence[Path] | None = None) -> Index:
    """The merged catalog's index; an invalid catalog raises and is never cached.

    Each file is read once: the cache key is a hash of those bytes and, on a
    miss, the catalog is parsed from the same bytes, so the index (and the
    search index cached under its key) always match what was read. ``paths``,
    when given, are the files already resolved (by the run's session).
    """
    if paths is None:
        paths = catalog_paths(extra, bundled=bundled)
    try:
        contents: list[bytes] | None = [read_catalog(path) for path in paths]
    except UnreadableCatalog:
        contents = None  # the loader reads again and reports every file's problem
    key = cache.fingerprint(paths, contents) if contents is not None else None

    def build() -> Index:
        from ppml_cli.catalog.parse import load_catalog

        return Index(load_catalog(paths=paths, contents=contents))

    index = cache.cached(key, "index", build, Index)
    index.cache_key = key
    for message in replacement_notes(index.catalog.replaced):
        notify(message)  # once per run, cached or not
    return index


def replacement_notes(replaced: Sequence[tuple[str, str, str]], shown: int = 5) -> list[str]:
    """One line per pair of files where a later one replaced entries of an earlier one (the bundled catalog)."""
    from ppml_cli.catalog.files import bundled_catalog_path

    bundled = str(bundled_catalog_path())
    groups: dict[tuple[str, str], list[str]] = {}
    for entry_id, old, new in replaced:
        groups.setdefault((old, new), []).append(entry_id)
    notes = []
    for (old, new), ids in groups.items():
        names = ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
        what = "the bundled catalog" if old == bundled else old
        entries = "entry" if len(ids) == 1 else "entries"
        notes.append(f"{new} replaces {len(ids)} {entries} of {what} with the same id: {names}")
    return notes


def load_search_index(index: Index) -> SearchIndex:
    """The search index for ``index``, cached beside it under the same key."""
    from ppml_cli.search import SearchIndex

    search = cache.cached(index.cache_key, "search", lambda: SearchIndex(index), SearchIndex)
    search.attach(index)
    return search
