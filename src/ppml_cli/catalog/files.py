"""Which catalog files a run reads: the bundled one, PPML_CATALOG, --catalog.

Kept apart from :mod:`ppml_cli.catalog.parse` so that a run served from the cache
never imports the YAML loader.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from ppml_cli.errors import CatalogError, Problem

ENV_VAR = "PPML_CATALOG"

#: The largest catalog file read (64 MiB, several hundred thousand entries); larger ones are refused.
MAX_CATALOG_BYTES = 64 * 1024 * 1024


class UnreadableCatalog(Exception):
    """A catalog path that cannot be read as a catalog: missing, not a regular file, too large."""


def read_catalog(path: Path, limit: int | None = None, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of one catalog file, read once.

    Only regular files are read: a FIFO would block forever and a device such
    as ``/dev/zero`` never ends, so both are refused before any byte is read
    (the open itself does not block, even on a FIFO without a writer). A file
    larger than ``limit`` is refused too. Without ``follow_symlinks`` a symbolic
    link is refused as well (``ppml add --to`` reads the file it will replace).
    """
    limit = MAX_CATALOG_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableCatalog("file not found") from None
    except OSError as error:
        raise UnreadableCatalog(f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise UnreadableCatalog(f"cannot read: {what} (a catalog must be a regular YAML file)")
        if info.st_size > limit:
            raise UnreadableCatalog(f"cannot read: larger than {_size(limit)} ({info.st_size} bytes)")
        chunks = []
        size = 0
        while size <= limit:  # the file may grow while it is read
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnreadableCatalog(f"cannot read: larger than {_size(limit)}")
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableCatalog(f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)


def _size(count: int) -> str:
    mib = 1024 * 1024
    return f"{count // mib} MiB" if count >= mib and count % mib == 0 else f"{count} bytes"


def bundled_catalog_path() -> Path:
    """The catalog shipped in the wheel, or the checkout's ``data/`` when run from source.

    An installed wheel is a plain directory, where ``importlib.resources.files``
    is this package's own folder; checking that folder first spares every run
    the import of importlib.resources (and of tempfile and shutil behind it),
    which is asked only when neither file exists (an unusual install layout).
    """
    here = Path(__file__).parents[1]  # the ppml_cli package
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
        raise CatalogError([Problem(file="<command line>", message="--no-bundled needs at least one --catalog PATH")])
    return paths
