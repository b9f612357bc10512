"""Where ppml keeps files between runs, and how it writes them safely.

Two per-user directories: the cache directory (rebuildable: the parsed
catalog, link-check results) and the data directory (refreshed repository
metadata, which a user may want to keep). This module is the one place that

* finds them (``PPML_CACHE_DIR`` / ``PPML_DATA_DIR``, else the XDG locations
  on Linux and platformdirs' answer elsewhere);
* creates them private (0700) and decides whether one can be trusted: it must
  belong to the current user and be writable by nobody else, or another user
  could plant files in it (:func:`untrusted_reason`);
* writes files atomically and privately (0600): a temporary file in the same
  directory, flushed, then renamed over the target, so a reader sees the old
  file or the new one, never half of either (:func:`write_atomic`); the
  temporary files of a writer killed mid-write are removed by the next write;
* serialises read-modify-write cycles with an advisory lock (:func:`locked`).

What is kept builds on these: :mod:`.cache` (parsed catalogs, search indexes
and advice rules, signed pickles) and :mod:`.repodata` (refreshed repository
metadata, checked against a schema on the way in and out).

Only the standard library's cheapest modules are imported here: a warm run
imports this module and nothing else for its files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: Set by the console entry point (``cli.main``): the process is one run of ppml, so what the
#: cache loads lives as long as the process and may be frozen out of the collector's walks
#: (:func:`ppml_cli.store.cache.load`). A program that imports ppml keeps its collector as it is.
WHOLE_PROCESS = False

CACHE_ENV = "PPML_CACHE_DIR"
DATA_ENV = "PPML_DATA_DIR"
NO_CACHE_ENV = "PPML_NO_CACHE"

#: Every temporary file ppml writes starts with this, followed by the writer's pid.
TEMP_PREFIX = ".ppml-tmp-"
#: A temporary file this old is stale even if its writer's pid is alive again (pid reuse).
STALE_AFTER = 3600.0


# ------------------------------------------------------------------ where


def user_dir(kind: str) -> Path:
    """The cache (``kind="cache"``) or data (``kind="data"``) directory of ppml.

    Raises OSError when there is none to use (no home directory, say).
    """
    env, xdg, fallback = {
        "cache": (CACHE_ENV, "XDG_CACHE_HOME", (".cache",)),
        "data": (DATA_ENV, "XDG_DATA_HOME", (".local", "share")),
    }[kind]
    override = os.environ.get(env)
    if override:
        return Path(override)
    try:
        if sys.platform.startswith("linux"):  # platformdirs' answer, without its import cost
            return Path(os.environ.get(xdg) or Path.home().joinpath(*fallback)) / "ppml"
        import platformdirs

        finder = platformdirs.user_cache_dir if kind == "cache" else platformdirs.user_data_dir
        return Path(finder("ppml", appauthor=False))
    except (RuntimeError, KeyError) as error:  # Path.home() without HOME or a passwd entry
        raise OSError(f"no {kind} directory: {error}") from None


def cache_dir() -> Path:
    return user_dir("cache")


def data_dir() -> Path:
    return user_dir("data")


def cache_enabled() -> bool:
    """Off with PPML_NO_CACHE, or when there is no cache directory to use."""
    if os.environ.get(NO_CACHE_ENV):
        return False
    try:
        cache_dir()
    except OSError:
        return False
    return True


# ------------------------------------------------------------------ trust


def untrusted_reason(directory: Path) -> str | None:
    """Why files in ``directory`` cannot be trusted, or None when they can.

    Trusted means: a directory (not a file, not missing), owned by the user
    running ppml, and writable by neither its group nor others, so that no
    other account can add or replace a file in it. Where the platform has no
    user ids (Windows), per-user profile directories are private by default and
    only the type is checked.
    """
    try:
        info = directory.stat()
    except OSError as error:
        return f"cannot use {directory}: {error.strerror or error}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{directory} is not a directory"
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return None
    if info.st_uid != geteuid():
        return f"{directory} belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{directory} is writable by other users (mode {stat.S_IMODE(info.st_mode):o}; chmod go-w to fix)"
    return None


def trusted_dir(directory: Path, *, create: bool, what: str = "cache") -> Path | None:
    """``directory`` if files in it can be trusted (made 0700 first with ``create``), else None.

    An untrusted directory is reported once per run through :func:`notify`
    ("``what`` not used: why"); one that is missing (without ``create``) or
    cannot be made is just None.
    """
    try:
        if create:
            private_dir(directory)
        elif not directory.is_dir():
            return None
    except OSError:
        return None  # a file in the way, no permission: run without it
    reason = untrusted_reason(directory)
    if reason is not None:
        notify(f"{what} not used: {reason}")
        return None
    return directory


def private_dir(directory: Path) -> Path:
    """Create ``directory`` (and its parents) if needed; the directory itself is made 0700."""
    if not directory.is_dir():
        directory.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    return directory


# ------------------------------------------------------------ messages

_notifier: Callable[[str], None] | None = None
_told: set[str] = set()


def set_notifier(notifier: Callable[[str], None] | None) -> None:
    """Where :func:`notify` sends messages (the CLI's stderr); reset per run."""
    global _notifier
    _notifier = notifier
    _told.clear()


def notify(message: str) -> None:
    """Tell the user ``message`` once per run; the core itself never prints."""
    if message in _told:
        return
    _told.add(message)
    if _notifier is not None:
        _notifier(message)


# ------------------------------------------------------------ writing


def write_atomic(
    path: Path,
    data: bytes,
    *,
    replace: bool = True,
    private: bool = True,
    mode: int = 0o600,
    group: int | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically; the new file gets ``mode`` (owner only by default).

    In ppml's own directories (``private``) the directory is created (0700) when
    missing; a user's file (``private=False``, e.g. a catalog ``ppml add`` appends
    to) is written in its existing directory, which is left as it is, and keeps
    its ``group`` where the user may set it. Raises
    OSError when it cannot be written; the temporary file never outlives a
    failure, and those of writers that were killed are removed here. With
    ``replace=False`` an existing ``path`` is kept and FileExistsError raised (the
    first of two concurrent writers wins).
    """
    directory = private_dir(path.parent) if private else path.parent
    remove_stale_temps(directory)
    temp = directory / f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        if group is not None and hasattr(os, "fchown"):
            with contextlib.suppress(OSError):  # not a member of that group: the directory's group it is
                os.fchown(fd, -1, group)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode != 0o600:  # exactly this mode, whatever the umask
            with contextlib.suppress(OSError):
                temp.chmod(mode)
        if replace:
            temp.replace(path)
        else:
            os.link(temp, path)  # fails if path exists, unlike a rename
            temp.unlink()
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def remove_stale_temps(directory: Path) -> None:
    """Remove ppml's temporary files left by writers that died (``kill -9``, a power cut).

    A temporary file is stale when the process that wrote it no longer runs,
    or when it is older than :data:`STALE_AFTER`. Only names ppml writes are
    ever touched.
    """
    try:
        temps = [path for path in directory.iterdir() if path.name.startswith(TEMP_PREFIX)]
    except OSError:
        return
    now = time.time()
    for temp in temps:
        pid_text = temp.name[len(TEMP_PREFIX) :].partition("-")[0]
        try:
            old = now - temp.lstat().st_mtime > STALE_AFTER
            if old or (pid_text.isdigit() and not _alive(int(pid_text))):
                temp.unlink()
        except OSError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there: trust the age alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


def read_json(path: Path) -> dict[str, Any] | None:
    """The object in ``path``, or None when it is missing, unreadable or not an object."""
    import json

    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as UTF-8 JSON with :func:`write_atomic`.

    Raises OSError when the directory cannot be written, ValueError when the
    data cannot be encoded (a lone surrogate, say): callers validate first.
    """
    import json

    try:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"cannot encode the data as UTF-8: {error.reason}") from None
    write_atomic(path, encoded)


# -------------------------------------------------------------- locking


@contextlib.contextmanager
def locked(path: Path, *, private: bool = True) -> Iterator[None]:
    """Hold an exclusive advisory lock for ``path`` on a lock file beside it.

    Every read-modify-write of ``path`` by ppml happens under it, so two
    concurrent runs merge instead of overwriting each other. In ppml's own
    directories (``private``, created 0700 when missing) the lock is
    ``NAME.lock``; beside a user's file it is the hidden ``.NAME.lock``, in a
    directory left as it is. ``fcntl.flock`` where there is one, else (Windows)
    ``msvcrt.locking`` on the lock file's first byte.

    The lock file is opened without following a symbolic link and without
    blocking, and must be a regular file: a link planted in its place (which
    the open would otherwise follow, creating its target) or a FIFO is an
    OSError naming it.
    """
    lock_file = private_dir(path.parent) / f"{path.name}.lock" if private else path.with_name(f".{path.name}.lock")
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(lock_file, flags | getattr(os, "O_BINARY", 0), 0o600 if private else 0o644)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise OSError(error.errno, f"the lock file {lock_file} is a symbolic link; remove it") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"the lock file {lock_file} is not a regular file; remove it")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined,unused-ignore]
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
