"""Working links remembered in the user cache directory for a while (``--ttl``), so a rerun asks only what is stale.

Broken links are never remembered: they are always asked again. A record
that does not have the expected shape, or was checked "in the future", is
ignored; a cache that cannot be written is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ppml_cli.net.link_check import LinkResult
from ppml_cli.store import read_json, write_json

CACHE_FILE = "links.json"


def _cache_path() -> Path:
    from ppml_cli.store import cache_dir

    return cache_dir() / CACHE_FILE


def load_cached(urls: Iterable[str], ttl: float, now: float | None = None) -> dict[str, LinkResult]:
    """Working links checked less than ``ttl`` seconds ago; a record that does not fit is ignored."""
    stored = read_json(_cache_path()) or {}
    now = time.time() if now is None else now
    fresh: dict[str, LinkResult] = {}
    for url in urls:
        result = _cached_result(url, stored.get(url), ttl, now)
        if result is not None:
            fresh[url] = result
    return fresh


def _is_fresh(record: Any, ttl: float, now: float) -> bool:
    """Checked within ``ttl``: a time in the future (a clock set back, an edited file) is not fresh."""
    if not isinstance(record, dict):
        return False
    checked = record.get("checked_at")
    if isinstance(checked, bool) or not isinstance(checked, (int, float)) or checked != checked:  # NaN
        return False
    return 0 <= now - checked <= ttl


def _cached_result(url: str, record: Any, ttl: float, now: float) -> LinkResult | None:
    if not _is_fresh(record, ttl, now):
        return None
    status = record.get("status")
    final_url = record.get("final_url")
    method = record.get("method", "HEAD")
    redirects = record.get("redirects", [])
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        return None
    if (final_url is not None and not isinstance(final_url, str)) or method not in ("HEAD", "GET"):
        return None
    if not isinstance(redirects, list) or not all(
        isinstance(r, list)
        and len(r) == 2
        and isinstance(r[0], int)
        and not isinstance(r[0], bool)
        and isinstance(r[1], str)
        for r in redirects
    ):
        return None
    return LinkResult(
        url=url,
        ok=True,
        status=status,
        final_url=final_url,
        error=None,
        elapsed_ms=0,
        redirects=tuple((r[0], r[1]) for r in redirects),
        method=method,
        cached=True,
    )


def store_results(results: Iterable[LinkResult], ttl: float, now: float | None = None) -> None:
    """Remember working links; forget expired and now-broken ones. A cache that cannot be written is skipped."""
    path = _cache_path()
    now = time.time() if now is None else now
    stored = {url: record for url, record in (read_json(path) or {}).items() if _is_fresh(record, ttl, now)}
    for result in results:
        if result.cached:
            continue
        if result.ok:
            stored[result.url] = {
                "checked_at": now,
                "status": result.status,
                "final_url": result.final_url,
                "redirects": [list(r) for r in result.redirects],
                "method": result.method,
            }
        else:
            stored.pop(result.url, None)
    try:
        write_json(path, stored)
    except (OSError, ValueError):
        return
