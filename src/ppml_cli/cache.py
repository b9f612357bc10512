"""A per-user cache of parsed, validated catalogs, so that most runs never parse YAML.

A run keys the cache by the catalog files it would read (path, size and
modification time), ppml's version and the Python version; a hit skips YAML
parsing, validation and index building. The search index is stored beside it
the first time a search needs one. Entries are written atomically (temporary
file, then rename), in a directory only the user can read and write; a file
that is unreadable, truncated or from another version is ignored and rebuilt.

Pickle is used because it is the fastest way back to the frozen records; the
files live in the user's own cache directory, which is as trusted as the
user's site-packages.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ppml_cli import __version__

try:  # the C unpickler itself: importing the pickle module costs a few ms on every run
    from _pickle import load as _unpickle
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from pickle import load as _unpickle

T = TypeVar("T")

ENV_VAR = "PPML_CACHE_DIR"
DISABLE_VAR = "PPML_NO_CACHE"
FORMAT = 2  # bump when the pickled classes change shape
KEEP = 16  # cache files kept; older ones are removed
PICKLED_MODULES = ("model.py", "records.py", "index.py", "search.py")


def cache_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    if sys.platform.startswith("linux"):  # platformdirs' answer, without its import cost
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ppml"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ppml", appauthor=False))


def enabled() -> bool:
    """Off with PPML_NO_CACHE, or when there is no cache directory to use (no home, say)."""
    if os.environ.get(DISABLE_VAR):
        return False
    try:
        cache_dir()
    except (RuntimeError, KeyError, OSError):
        return False
    return True


def fingerprint(paths: Sequence[Path]) -> str | None:
    """A key for the current content of ``paths``, or None if one cannot be read.

    The key is the full description (stored in each file's header and compared
    on load); its checksum only names the file.
    """
    parts = [f"ppml {__version__}", f"format {FORMAT}", sys.version, *_code_stamps()]
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            return None  # let the loader report the missing file
        parts.append(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return "\n".join(parts)


def _code_stamps() -> list[str]:
    """Size and mtime of the modules whose classes are pickled.

    A cache written by other code (an edited checkout, an upgrade without a
    version bump) then never matches, instead of unpickling into classes of a
    different shape.
    """
    here = Path(__file__).parent
    stamps = []
    for name in PICKLED_MODULES:
        try:
            stat = (here / name).stat()
        except OSError:
            continue
        stamps.append(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return stamps


def _file(key: str, part: str) -> Path:
    digest = zlib.crc32(key.encode()) ^ (zlib.adler32(key.encode()) << 32)
    return cache_dir() / f"{digest:016x}.{part}.pickle"


def load(key: str, part: str) -> object | None:
    path = _file(key, part)
    try:
        with path.open("rb") as handle:
            header = _unpickle(handle)  # noqa: S301 - our own file in the user's cache dir
            if header != (FORMAT, __version__, key, part):
                return None
            return _unpickle(handle)  # type: ignore[no-any-return]  # noqa: S301
    except OSError:  # missing, or the directory is unusable
        return None
    except Exception:  # any damage to the file means "rebuild it"
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def store(key: str, part: str, value: object) -> None:
    """Write atomically; a cache that cannot be written is not an error."""
    import pickle
    import tempfile

    target = _file(key, part)
    directory = target.parent
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((FORMAT, __version__, key, part), handle, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            Path(temp).replace(target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _prune(directory)
    except (OSError, pickle.PicklingError, RecursionError):
        return


def _prune(directory: Path) -> None:
    files = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


def cached(key: str | None, part: str, build: Callable[[], T], kind: type[T]) -> T:
    """The cached value of ``part`` for ``key``, built and stored on a miss."""
    if key is not None and enabled():
        value = load(key, part)
        if isinstance(value, kind):
            return value
    value = build()
    if key is not None and enabled():
        store(key, part, value)
    return value
