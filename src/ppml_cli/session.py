"""One run's settings, resolved once, and what it loads, loaded once and only when asked.

The root callback builds a :class:`Session` from ``--catalog``, ``--no-bundled``
and ``PPML_CATALOG``; shell completion builds the same from the parsed root
options. Nothing below it reads the environment for catalog paths again. The
index, the search index and the refreshed repository data are loaded on first
use, so a command pays only for what it touches (and the imports stay lazy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ppml_cli.catalog.loading import CatalogRead
    from ppml_cli.index import Index
    from ppml_cli.search import SearchIndex


class Session:
    """The catalog files a run reads, and its lazily loaded data."""

    def __init__(self, extra: Sequence[Path] = (), bundled: bool = True) -> None:
        self.extra = list(extra)
        self.bundled = bundled
        self._paths: list[Path] | None = None
        self._read: CatalogRead | None = None
        self._replacements_told = False
        self._index: Index | None = None
        self._search_index: SearchIndex | None = None
        self._repositories: dict[str, dict[str, Any]] | None = None

    @classmethod
    def from_options(
        cls, catalog: Iterable[str | Path] | None, no_bundled: bool, environ: Mapping[str, str] | None = None
    ) -> Session:
        """The session the global options ask for: PPML_CATALOG's files, then each --catalog."""
        from ppml_cli.catalog.files import paths_from_env

        return cls([*paths_from_env(environ), *(Path(p) for p in catalog or [])], bundled=not no_bundled)

    def catalog_files(self, more: Sequence[Path] = ()) -> list[Path]:
        """The files to merge, in order (later ones win), with ``more`` after the run's own.

        Raises :class:`~ppml_cli.errors.CatalogError` when there is none (``--no-bundled`` alone).
        """
        from ppml_cli.catalog.files import catalog_paths

        if more:
            return catalog_paths([*self.extra, *more], bundled=self.bundled)
        if self._paths is None:
            self._paths = catalog_paths(self.extra, bundled=self.bundled)
        return self._paths

    def _catalog_read(self) -> CatalogRead:
        """The run's catalog files, read once: the index and the search index both come from these bytes."""
        if self._read is None:
            from ppml_cli.catalog.loading import read_files

            self._read = read_files(self.catalog_files())
        return self._read

    @property
    def index(self) -> Index:
        """The merged catalog's index (from the cache when the files are unchanged)."""
        if self._index is None:
            from ppml_cli.catalog.loading import load_index

            self._index = load_index(read=self._catalog_read(), notify_replaced=False)
            self._tell_replacements(self._index.catalog.replaced)
        return self._index

    @property
    def search_index(self) -> SearchIndex:
        """The search index of the catalog, cached beside its index.

        When everything is cached and the index is not loaded yet, a search
        reads only the entries it shows (see
        :func:`~ppml_cli.catalog.loading.open_search_index`).
        """
        if self._search_index is None:
            from ppml_cli.catalog.loading import load_search_index, open_search_index

            search = open_search_index(self._catalog_read(), lambda: self.index) if self._index is None else None
            if search is None:
                search = load_search_index(self.index)
            self._tell_replacements(search.replaced)
            self._search_index = search
        return self._search_index

    def _tell_replacements(self, replaced: Sequence[tuple[str, str, str]]) -> None:
        """Say once per run which entries a later catalog file replaced, whichever load tells first."""
        if not self._replacements_told:
            from ppml_cli.catalog.loading import replacement_notes
            from ppml_cli.store import notify

            self._replacements_told = True
            for message in replacement_notes(replaced):
                notify(message)

    @property
    def repositories(self) -> dict[str, dict[str, Any]]:
        """Refreshed repository metadata by slug (empty until ``ppml refresh`` ran)."""
        if self._repositories is None:
            from ppml_cli.store import repodata

            self._repositories = repodata.load()
        return self._repositories
