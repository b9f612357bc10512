"""Repository metadata kept between runs (written by ``refresh``, read by show, list and compare)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ppml_cli.model import Entry
from ppml_cli.store import data_dir, read_json, write_json

FILE = "github.json"
SCHEMA = 1


def path() -> Path:
    """Where the data lives; OSError when there is no data directory (no home, say)."""
    return data_dir() / FILE


def load() -> dict[str, dict[str, Any]]:
    """Slug ('owner/repo') -> record; empty when nothing was refreshed or the file is unreadable."""
    try:
        data = read_json(path())
    except OSError:
        return {}
    if not data or data.get("schema_version") != SCHEMA or not isinstance(data.get("repos"), dict):
        return {}
    return {slug: record for slug, record in data["repos"].items() if isinstance(record, dict)}


def save(records: Mapping[str, dict[str, Any]]) -> None:
    write_json(path(), {"schema_version": SCHEMA, "repos": dict(records)})


_REPO_URL = re.compile(r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?(?:[/?#].*)?$")


def repo_of(url: str | None) -> str | None:
    """'owner/repo' (lower-case) for a github.com URL, whatever path follows; None otherwise.

    Here rather than in the GitHub client, so that reading stored data never imports httpx.
    """
    if not url:
        return None
    match = _REPO_URL.match(url)
    return f"{match[1]}/{match[2]}".lower() if match else None


def slug_of(entry: Entry) -> str | None:
    return repo_of(entry.url)


def by_entry(entries: Iterable[Entry], records: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Entry id -> its repository's record, for the entries that have one."""
    if not records:
        return {}
    out = {}
    for entry in entries:
        slug = slug_of(entry)
        if slug and slug in records:
            out[entry.id] = public(records[slug])
    return out


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """What users see of a record: no ETags."""
    return {k: v for k, v in record.items() if not k.endswith("etag")}


def age(timestamp: str | None, now: dt.datetime | None = None) -> str:
    """'today', '1 day ago', '3 days ago' for an ISO timestamp."""
    if not timestamp:
        return "unknown"
    try:
        when = dt.datetime.fromisoformat(timestamp)
    except ValueError:
        return "unknown"
    now = now or dt.datetime.now(dt.timezone.utc)
    days = (now - when).days
    if days <= 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"
