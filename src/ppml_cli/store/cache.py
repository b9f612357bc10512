"""A per-user cache of parsed, validated catalogs, so that most runs never parse YAML.

A run keys the cache by the catalog files it reads (their path and a hash of
the very bytes it read), ppml's version, the Python version and the code of
the pickled classes; a hit skips YAML parsing, validation and index building.
The search index is stored beside it, under the same key, the first time a
search needs one, and so is each entry alone (:class:`Blobs`), so that a warm
search unpickles only the entries it reads: all describe the same read of the
files.

Pickle is the fastest way back to the frozen records, and unpickling can run
code, so a file is only unpickled once it is proven to be ppml's own:

* files live in ``catalogs/`` under the cache directory; both directories must
  belong to the user and be writable by nobody else (otherwise the run goes on
  without the cache and says why once);
* each file carries a keyed BLAKE2b tag (a MAC, like HMAC-SHA256 but a
  fraction of its cost here) over its content, under a random per-user key
  kept beside it (``catalogs/.key``, mode 0600); a file whose tag does not
  verify (corrupt, truncated, planted) is deleted unread;
* a file of entries carries a tag over its header (where each entry ends and
  each entry's own tag); an entry's tag, bound to its place, is checked before
  that entry is unpickled;
* files are written atomically, mode 0600; pruning removes only the oldest
  files of ppml's own name pattern in ppml's own subdirectory.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from ppml_cli import __version__, store

try:  # the C unpickler itself: importing the pickle module costs a few ms on every run
    from _pickle import loads as _unpickle
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from pickle import loads as _unpickle
try:  # hashlib's BLAKE2 and hmac's comparison, without importing hashlib (and OpenSSL) on every run
    from _blake2 import blake2b
    from _operator import _compare_digest as compare_digest
except ImportError:  # pragma: no cover - an interpreter without these C modules
    from hashlib import blake2b
    from hmac import compare_digest  # type: ignore[no-redef]

T = TypeVar("T")

ENV_VAR = store.CACHE_ENV
DISABLE_VAR = store.NO_CACHE_ENV
SUBDIR = "catalogs"
KEY_FILE = ".key"
KEY_BYTES = 32
MAGIC = b"ppml-c5\n"  # bump the digit when the file layout or the pickled classes change shape
TAG_BYTES = 32
KEEP = 24  # cache files kept; older ones are removed
#: What the cache holds: each part, and the modules whose classes it pickles (their stamps are in
#: every key). A part is declared here once; file names, pruning and the stamps follow from it.
PARTS: dict[str, tuple[str, ...]] = {
    "index": ("record.py", "model.py", "index.py"),
    "entries": ("record.py", "model.py"),  # each entry alone, for a search that shows only a few
    "search": ("search/words.py", "search/query.py", "search/index.py"),
    "advice": ("recommend/rules.py",),
    "evaluations": ("record.py", "evaluate/records.py"),
}
PICKLED_MODULES = tuple(module for modules in PARTS.values() for module in modules)
NAME = re.compile(rf"^[0-9a-f]{{16}}\.(?:{'|'.join(PARTS)})\.pickle$")


def content_hash(data: bytes) -> str:
    return blake2b(data, digest_size=20).hexdigest()


def fingerprint(paths: Sequence[Path], contents: Sequence[bytes]) -> str:
    """A key for ``contents``, the bytes just read from ``paths``.

    The key is the full description (bound into each file's tag); its
    checksum only names the file. Hashing what was read, rather than stat
    results taken at another moment, means a file rewritten between two runs
    (or twice within one mtime tick) can never pair one content with the key
    of another.
    """
    parts = [f"ppml {__version__}", MAGIC.decode().strip(), sys.version, *_code_stamps()]
    for path, content in zip(paths, contents, strict=True):
        parts.append(f"{path.absolute()}\0{len(content)}\0{content_hash(content)}")
    return "\n".join(parts)


def _code_stamps() -> list[str]:
    """Size and mtime of the modules whose classes are pickled.

    A cache written by other code (an edited checkout, an upgrade without a
    version bump) then never matches, instead of unpickling into classes of a
    different shape.
    """
    here = Path(__file__).parents[1]  # the ppml_cli package: PARTS names modules relative to it
    stamps = []
    for name in PICKLED_MODULES:
        try:
            info = (here / name).stat()
        except OSError:
            continue
        stamps.append(f"{name}\0{info.st_size}\0{info.st_mtime_ns}")
    return stamps


# ----------------------------------------------------------------- where


def directory(*, create: bool) -> Path | None:
    """The trusted directory of cache files, or None (and a note, once) when there is none."""
    try:
        top = store.cache_dir()
    except OSError:
        return None  # no home directory: run without a cache
    if store.trusted_dir(top, create=create) is None:  # checked before anything is made inside
        return None
    return store.trusted_dir(top / SUBDIR, create=create)


def _file(folder: Path, key: str, part: str) -> Path:
    if part not in PARTS:  # a file pruning would never remove: declare the part in PARTS
        raise ValueError(f"undeclared cache part {part!r}")
    raw = key.encode("utf-8", "surrogatepass")
    return folder / f"{blake2b(raw, digest_size=8).hexdigest()}.{part}.pickle"


def _secret(folder: Path, *, create: bool) -> bytes | None:
    """The per-user key in ``folder``: made on first use, replaced if anyone else could have read it."""
    path = folder / KEY_FILE
    secret = _read_secret(path)
    if secret is not None or not create:
        return secret
    try:
        # a new key never replaces one another run has just made (its files would not verify)
        store.write_atomic(path, os.urandom(KEY_BYTES), replace=os.path.lexists(path))
    except FileExistsError:
        pass
    except OSError:
        return None
    return _read_secret(path)


def _read_secret(path: Path) -> bytes | None:
    """The key in ``path`` if it is a regular file of the right size that only this user can read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        private = stat.S_ISREG(info.st_mode) and not info.st_mode & 0o077
        if private and info.st_uid == getattr(os, "geteuid", lambda: info.st_uid)():
            secret = handle.read(KEY_BYTES + 1)
            if len(secret) == KEY_BYTES:
                return secret
    return None


def _tag(secret: bytes, key: str, part: str, payload: bytes | memoryview) -> bytes:
    mac = blake2b(key=secret, digest_size=TAG_BYTES)
    mac.update(f"{part}\0{key}\0".encode("utf-8", "surrogatepass"))
    mac.update(payload)
    return mac.digest()


# --------------------------------------------------------------- reading


def _read(key: str, part: str) -> tuple[Path, bytes, bytes] | None:
    """The file stored for (``key``, ``part``), its bytes and the secret to check them, or None."""
    folder = directory(create=False)
    if folder is None:
        return None
    secret = _secret(folder, create=False)
    if secret is None:
        return None
    path = _file(folder, key, part)
    try:
        return path, path.read_bytes(), secret
    except OSError:
        return None


def load(key: str, part: str) -> object | None:
    """The value stored for (``key``, ``part``), or None; never unpickles an unauthenticated byte."""
    stored = _read(key, part)
    if stored is None:
        return None
    path, data, secret = stored
    view = memoryview(data)
    head = len(MAGIC) + TAG_BYTES
    tag = bytes(view[len(MAGIC) : head])
    if not data.startswith(MAGIC) or not compare_digest(tag, _tag(secret, key, part, view[head:])):
        _discard(path)  # damaged, from another version, or not ours: never unpickled
        return None
    # Unpickling makes one object after another and frees none in cycles, yet each few hundred
    # allocations start a collection that walks them all again; and once it is done, the next
    # collections would still carry the whole catalog through the generations. So the collector
    # rests while it runs, and in a run of ppml (not a program importing it) what it made is
    # frozen: kept for the run, never walked (the collector's own advice for what lives as long
    # as the process). 38 ms of 180 for a search at 8,680 extra entries.
    try:
        with collector_paused():
            value: object = _unpickle(view[head:])  # noqa: S301 - authenticated above
    except Exception:  # our own file, yet unreadable (classes changed shape): rebuild it
        _discard(path)
        return None
    if store.WHOLE_PROCESS:
        gc.freeze()
    return value


class DamagedCache(Exception):
    """A cache file failed its check after it was opened (it has been removed)."""


#: A file of separately readable values ("blobs"): the magic, a tag over the header, the header
#: (how many, where each ends, each one's own tag), then the values one after another.
BLOBS_MAGIC = b"ppml-b1\n"
BLOB_TAG_BYTES = 16
_COUNT = 8  # bytes of the count; the ends are native unsigned 64-bit integers (the cache never leaves the machine)


def store_blobs(key: str, part: str, blobs: Sequence[bytes]) -> None:
    """Write ``blobs`` as one file whose values can each be checked and read alone; never an error."""
    folder = directory(create=True)
    if folder is None:
        return
    secret = _secret(folder, create=True)
    if secret is None:
        return
    from array import array
    from itertools import accumulate

    ends = array("Q", accumulate(len(blob) for blob in blobs))
    tags = b"".join(_blob_tag(secret, key, part, n, blob) for n, blob in enumerate(blobs))
    header = len(blobs).to_bytes(_COUNT, "little") + ends.tobytes() + tags
    try:
        store.write_atomic(
            _file(folder, key, part), BLOBS_MAGIC + _tag(secret, key, part, header) + header + b"".join(blobs)
        )
    except OSError:
        return
    _prune(folder)


def has(key: str, part: str) -> bool:
    """Whether a file is stored for (``key``, ``part``), unchecked: to skip writing one again."""
    folder = directory(create=False)
    return folder is not None and _file(folder, key, part).is_file()


class Blobs:
    """The values of a blob file, each checked against its own tag when it is read.

    Opening checks the header (where each value ends, each one's tag) against
    the file's tag; a value is then read, and its tag checked, only when asked
    for, so a run that needs 20 values of 9,000 hashes 20.
    """

    def __init__(self, path: Path, data: bytes, secret: bytes, key: str, part: str) -> None:
        self._path, self._data, self._secret, self._key, self._part = path, data, secret, key, part
        head = len(BLOBS_MAGIC) + TAG_BYTES
        count = int.from_bytes(data[head : head + _COUNT], "little")
        if count > len(data):  # more values than bytes: not a header ppml wrote
            raise DamagedCache(path)
        ends_at = head + _COUNT
        tags_at = ends_at + 8 * count
        self._base = tags_at + BLOB_TAG_BYTES * count
        view = memoryview(data)
        if self._base > len(data) or not compare_digest(
            data[len(BLOBS_MAGIC) : head], _tag(secret, key, part, view[head : self._base])
        ):
            raise DamagedCache(path)
        self._ends = view[ends_at:tags_at].cast("Q")
        self._tags = view[tags_at : self._base]
        if count and self._base + self._ends[-1] != len(data):
            raise DamagedCache(path)

    def __len__(self) -> int:
        return len(self._ends)

    def get(self, number: int) -> bytes:
        """Value ``number``, after checking its tag; raises DamagedCache (and removes the file) if it fails."""
        start = self._ends[number - 1] if number else 0
        blob = self._data[self._base + start : self._base + self._ends[number]]
        tag = self._tags[number * BLOB_TAG_BYTES : (number + 1) * BLOB_TAG_BYTES]
        if not compare_digest(tag, _blob_tag(self._secret, self._key, self._part, number, blob)):
            _discard(self._path)
            raise DamagedCache(self._path)
        return blob


def open_blobs(key: str, part: str) -> Blobs | None:
    """The blob file stored for (``key``, ``part``) with its header checked, or None."""
    stored = _read(key, part)
    if stored is None:
        return None
    path, data, secret = stored
    try:
        if not data.startswith(BLOBS_MAGIC):
            raise DamagedCache(path)
        return Blobs(path, data, secret, key, part)
    except (DamagedCache, ValueError, TypeError):
        _discard(path)
        return None


def _blob_tag(secret: bytes, key: str, part: str, number: int, blob: bytes) -> bytes:
    """A value's own tag, bound to its file's key and part and to its place (values cannot be swapped)."""
    mac = blake2b(key=secret, digest_size=BLOB_TAG_BYTES, person=b"ppml-blob")
    mac.update(f"{part}\0{key}\0{number}\0".encode("utf-8", "surrogatepass"))
    mac.update(blob)
    return mac.digest()


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# --------------------------------------------------------------- writing


def store_value(key: str, part: str, value: object) -> None:
    """Write atomically; a cache that cannot be written is not an error."""
    import pickle

    folder = directory(create=True)
    if folder is None:
        return
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return
    secret = _secret(folder, create=True)
    if secret is None:
        return
    try:
        store.write_atomic(_file(folder, key, part), MAGIC + _tag(secret, key, part, payload) + payload)
    except OSError:
        return
    _prune(folder)


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` newest cache files; only files named as ppml names them are touched."""
    found = []
    for path in folder.iterdir():
        if NAME.match(path.name):
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime, path.name))
    for _, name in sorted(found, reverse=True)[KEEP:]:
        _discard(folder / name)


def cached(key: str | None, part: str, build: Callable[[], T], kind: type[T]) -> T:
    """The cached value of ``part`` for ``key``, built and stored on a miss."""
    if key is not None and store.cache_enabled():
        value = load(key, part)
        if isinstance(value, kind):
            return value
    with collector_paused():  # a build, like an unpickling, makes objects and frees none in cycles
        value = build()  # (a first search at 8,680 extra entries: 2.37 s -> 1.57 s)
    if key is not None and store.cache_enabled():
        store_value(key, part, value)
    return value


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for work that builds many objects and frees none in cycles.

    Each few hundred allocations would otherwise start a collection that walks
    every object made so far again; the collector resumes (if it ran before)
    whatever happens inside.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
