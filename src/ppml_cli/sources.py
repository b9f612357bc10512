"""Which catalog files a run reads: the bundled one, PPML_CATALOG, --catalog.

Kept apart from :mod:`ppml_cli.catalog` so that a run served from the cache
never imports the YAML loader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ppml_cli.errors import CatalogError, Problem

ENV_VAR = "PPML_CATALOG"


def bundled_catalog_path() -> Path:
    """The catalog shipped in the wheel, or the checkout's ``data/`` when run from source.

    An installed wheel is a plain directory, where ``importlib.resources.files``
    is this package's own folder; checking that folder first spares every run
    the import of importlib.resources (and of tempfile and shutil behind it),
    which is asked only when neither file exists (an unusual install layout).
    """
    here = Path(__file__).parent
    packaged = here / "data" / "catalog.yaml"
    if packaged.is_file():
        return packaged
    source_tree = here.parents[1] / "data" / "catalog.yaml"
    if source_tree.is_file():
        return source_tree
    from importlib.resources import files

    return Path(str(files("ppml_cli") / "data" / "catalog.yaml"))


def paths_from_env(environ: Mapping[str, str] | None = None) -> list[Path]:
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def catalog_paths(extra: Sequence[Path] = (), *, bundled: bool = True) -> list[Path]:
    """The files to merge, in order; later ones win."""
    paths = ([bundled_catalog_path()] if bundled else []) + list(extra)
    if not paths:
        raise CatalogError(
            [Problem("<command line>", None, None, None, "--no-bundled needs at least one --catalog PATH")]
        )
    return paths
