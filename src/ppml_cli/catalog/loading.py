"""Open the catalog for a run: from the cache when the files are unchanged, else from YAML.

A run reads each catalog file once (:func:`read_files`); the cache key is a
hash of those bytes, so whatever is loaded under it (the index, the search
index, each entry alone) describes exactly what was read. A warm search opens
the search index and only the entries it shows (:func:`open_search_index`),
never the whole catalog: at 8,680 extra entries, unpickling every entry was a
sixth of a warm search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from ppml_cli.catalog.files import UnreadableCatalog, catalog_paths, read_catalog
from ppml_cli.index import Index
from ppml_cli.model import Entry, Record
from ppml_cli.store import cache, cache_enabled, notify

if TYPE_CHECKING:
    from ppml_cli.search import SearchIndex

try:  # the C unpickler itself, as the cache uses it
    from _pickle import loads as _unpickle
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from pickle import loads as _unpickle


class CatalogRead(Record):
    """The catalog files of a run, their bytes as read once, and the cache key of those bytes."""

    paths: Sequence[Path]
    #: None when some file cannot be read (the loader reads again and reports each problem).
    contents: list[bytes] | None
    key: str | None


def read_files(paths: Sequence[Path]) -> CatalogRead:
    try:
        contents: list[bytes] | None = [read_catalog(path) for path in paths]
    except UnreadableCatalog:
        contents = None
    key = cache.fingerprint(paths, contents) if contents is not None else None
    return CatalogRead(paths=paths, contents=contents, key=key)


def load_index(
    extra: Sequence[Path] = (),
    *,
    bundled: bool = True,
    paths: Sequence[Path] | None = None,
    read: CatalogRead | None = None,
    notify_replaced: bool = True,
) -> Index:
    """The merged catalog's index; an invalid catalog raises and is never cached.

    On a miss the catalog is parsed from the very bytes the key was made of,
    so the index (and what is cached under its key) always matches what was
    read. ``read``, when given, is the run's own read of its files (the
    session's); otherwise ``paths`` (or ``extra`` and ``bundled``) are read here.
    """
    if read is None:
        read = read_files(catalog_paths(extra, bundled=bundled) if paths is None else paths)

    def build() -> Index:
        from ppml_cli.catalog.parse import load_catalog

        return Index(load_catalog(paths=read.paths, contents=read.contents))

    index = cache.cached(read.key, "index", build, Index)
    index.cache_key = read.key
    if notify_replaced:
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
    """The search index for ``index``, cached beside it under the same key (with each entry alone)."""
    from ppml_cli.search import SearchIndex

    key = index.cache_key
    search = cache.cached(key, "search", lambda: SearchIndex(index), SearchIndex)
    search.attach(index)
    if key is not None and cache_enabled() and not cache.has(key, "entries"):  # for the next warm searches
        import pickle

        entries = [pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL) for entry in index.entries]
        cache.store_blobs(key, "entries", entries)
    return search


def open_search_index(read: CatalogRead, load_index: Callable[[], Index]) -> SearchIndex | None:
    """The cached search index of ``read`` over lazily read entries, or None when not all is cached.

    Only the entries a search reads (its candidates' names, its hits) are
    unpickled, each checked alone; the whole index is loaded by
    ``load_index`` only when the search needs it (a filter, a damaged entry).
    """
    from ppml_cli.search import SearchIndex

    if read.key is None or not cache_enabled():
        return None
    search = cache.load(read.key, "search")
    if not isinstance(search, SearchIndex):
        return None
    blobs = cache.open_blobs(read.key, "entries")
    if blobs is None or len(blobs) != search.size:
        return None
    search.attach_lazily(LazyEntries(blobs, lambda: load_index().entries), load_index)
    return search


class LazyEntries(Sequence[Entry]):
    """The catalog's entries by number, each unpickled when first asked for.

    Should any entry fail its check, all of them are taken from ``load_all``
    (the whole index, parsed again if need be) from then on.
    """

    def __init__(self, blobs: cache.Blobs, load_all: Callable[[], Sequence[Entry]]) -> None:
        self._blobs = blobs
        self._load_all = load_all
        self._all: Sequence[Entry] | None = None
        self._made: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, number: int) -> Entry: ...

    @overload
    def __getitem__(self, number: slice) -> Sequence[Entry]: ...

    def __getitem__(self, number: int | slice) -> Entry | Sequence[Entry]:
        if isinstance(number, slice):
            return [self[n] for n in range(*number.indices(len(self)))]
        if self._all is not None:
            return self._all[number]
        if number < 0:
            number += len(self)
        if not 0 <= number < len(self):
            raise IndexError(number)
        entry = self._made.get(number)
        if entry is None:
            try:
                made = _unpickle(self._blobs.get(number))  # noqa: S301 - its own tag was checked
            except Exception:  # damaged (and removed) or of another shape: take them all from the index
                self._all = self._load_all()
                return self._all[number]
            if not isinstance(made, Entry):
                self._all = self._load_all()
                return self._all[number]
            entry = self._made[number] = made
        return entry
