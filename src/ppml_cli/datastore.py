"""Small JSON files that ppml keeps between runs, written so that a crash never corrupts them.

Refreshed repository metadata lives in the user data directory (it is data a
user may want to keep); link-check results live in the user cache directory
(they can always be rebuilt). Both are written to a temporary file in the same
directory and renamed over the old one, so a reader sees the old file or the
new one, never half of either.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

DATA_ENV = "PPML_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    if sys.platform.startswith("linux"):
        return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "ppml"
    from platformdirs import user_data_dir

    return Path(user_data_dir("ppml", appauthor=False))


def read_json(path: Path) -> dict[str, Any] | None:
    """The object in ``path``, or None when it is missing or unreadable (the caller starts afresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` atomically; raises OSError when the directory cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise
