"""Repository metadata kept between runs (written by ``refresh``, read by show, list and compare)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ppml_cli.model import Entry
from ppml_cli.store import data_dir, locked, read_json, trusted_dir, untrusted_reason, write_json

FILE = "github.json"
WHAT = "refreshed data"  # how messages name it
SCHEMA = 1


def path() -> Path:
    """Where the data lives; OSError when there is no data directory (no home, say)."""
    return data_dir() / FILE


def load() -> dict[str, dict[str, Any]]:
    """Slug ('owner/repo') -> record; empty when nothing was refreshed or the file is unreadable.

    Every record is checked against :data:`FIELDS` as it is read: one that
    does not fit (edited by hand, written by another program) is left out, as
    if that repository had not been refreshed, instead of failing a later sort.
    """
    try:
        target = path()
    except OSError:
        return {}
    if trusted_dir(target.parent, create=False, what=WHAT) is None:
        return {}  # never refreshed, or a directory other users can write to
    data = read_json(target)
    if not data or data.get("schema_version") != SCHEMA or not isinstance(data.get("repos"), dict):
        return {}
    out = {}
    for slug, record in data["repos"].items():
        checked = checked_record(record)
        if isinstance(checked, dict):
            out[slug] = checked
    return out


def save(records: Mapping[str, dict[str, Any]]) -> None:
    """Replace the stored data (OSError when it cannot be written)."""
    write_json(path(), {"schema_version": SCHEMA, "repos": dict(records)})


def merge_save(updates: Mapping[str, dict[str, Any]]) -> None:
    """Store ``updates`` over the current data, under a lock.

    The file is read again inside the lock, so two ``refresh`` runs at once
    both keep what they fetched instead of the last one overwriting the other.
    """
    target = path()
    if trusted_dir(target.parent, create=True, what=WHAT) is None:
        reason = untrusted_reason(target.parent) or "it cannot be created"
        raise OSError(f"not writing to {target.parent}: {reason}")
    with locked(target):
        current = load()
        current.update(updates)
        save(current)


# ------------------------------------------------------------------ schema

_SLUG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_TEXT = 1000  # no field of a repository's record is longer than this


class _Bad(Exception):
    pass


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad(f"expected a whole number, got {_kind(value)}")
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"expected text, got {_kind(value)}")
    if len(value) > _MAX_TEXT:
        raise _Bad(f"longer than {_MAX_TEXT} characters")
    return _SURROGATE.sub("\ufffd", value)  # a lone surrogate (valid JSON, invalid UTF-8) becomes U+FFFD


def _time(value: Any) -> str | None:
    """An ISO 8601 time that is a real one: ``9999-99-99T99:99:99Z`` has the shape but no such day exists."""
    text = _text(value)
    if text is None:
        return None
    if not _TIME.match(text):
        raise _Bad(f"expected an ISO 8601 time, got {text[:40]!r}")
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"not a real date and time: {text[:40]!r}") from None
    return text


def _slug(value: Any) -> str:
    text = _text(value)
    if text is None or not _SLUG.match(text):
        raise _Bad(f"expected 'owner/name', got {_kind(value)}")
    return text


def _url(value: Any) -> str | None:
    text = _text(value)
    if text is not None and not text.startswith(("https://", "http://")):
        raise _Bad(f"expected an http(s) URL, got {text[:40]!r}")
    return text


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {_kind(value)}")
    return value


def _release(value: Any) -> dict[str, str | None] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad(f"expected an object, got {_kind(value)}")
    return {"tag": _text(value.get("tag")), "published_at": _time(value.get("published_at"))}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


#: The schema of a stored record: field -> check (returns the value to keep, raises on a bad one).
FIELDS: dict[str, Any] = {
    "full_name": _slug,
    "html_url": _url,
    "stars": _count,
    "forks": _count,
    "open_issues": _count,
    "pushed_at": _time,
    "archived": _flag,
    "license": _text,
    "default_branch": _text,
    "etag": _text,
    "fetched_at": _time,
    "checked_at": _time,
    "latest_release": _release,
    "release_etag": _text,
}
#: Fields a record may lack (an older file, or a release not asked for yet).
OPTIONAL = frozenset({"latest_release", "release_etag", "fetched_at", "checked_at"})


def checked_record(record: Any) -> dict[str, Any] | str:
    """``record`` as it may be stored (known fields, checked, lone surrogates replaced), or what is wrong."""
    if not isinstance(record, dict):
        return f"expected an object, got {_kind(record)}"
    out: dict[str, Any] = {}
    for field, check in FIELDS.items():
        if field not in record:
            if field in OPTIONAL:
                continue
            return f"{field}: missing"
        try:
            out[field] = check(record[field])
        except _Bad as error:
            return f"{field}: {error}"
    return out


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
