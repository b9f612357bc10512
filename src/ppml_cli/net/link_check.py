"""One URL's check: HEAD first, GET when a server refuses HEAD, redirects followed by hand, retries.

Redirects are followed one hop at a time, so that every hop is seen: a
permanent one (301, 308) means the catalog should be updated, a URL seen
twice means a loop, and a hop into the local network is refused (the rule
of :func:`ppml_cli.net.policy.refused_redirect`) unless ``--allow-private``.
Transient failures (connection trouble, timeouts, 429 and 5xx) are retried
with exponential backoff and jitter; 429 and 503 honour Retry-After up to a
cap. A global limit and a per-host limit keep one slow host from stalling
the run and keep any one site from being hammered.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any
from urllib.parse import urljoin

from ppml_cli import __version__
from ppml_cli.model import Record
from ppml_cli.net import policy
from ppml_cli.net.link_pools import Head, Pools
from ppml_cli.net.policy import (
    ALLOW_PRIVATE_HINT,
    TRANSIENT_STATUSES,
    backoff,
    classify,
    refused_redirect,
    request_errors,
    retry_after,
    retrying,
)
from ppml_cli.netsettings import LINKS, NetworkSettings

#: Statuses that some servers give to HEAD but not to GET.
HEAD_REFUSED = frozenset({400, 403, 405, 501})
PERMANENT_REDIRECTS = frozenset({301, 308})
USER_AGENT = (
    f"ppml/{__version__} link checker (+https://github.com/Privacy-Engineering-CMU/Awesome-ML-Privacy-Mitigations)"
)


class LinkOptions(Record):
    network: NetworkSettings = LINKS  # requests in flight, a request's deadline, the longest Retry-After honoured
    per_host: int = 4
    retries: int = 2
    max_redirects: int = 10
    accept: frozenset[int] = frozenset()
    ttl: float = 24 * 3600.0  # how long a working link stays fresh in the cache
    use_cache: bool = True
    allow_private: bool = False  # follow redirects into loopback, private and link-local addresses


class LinkResult(Record):
    url: str
    ok: bool
    status: int | None
    final_url: str | None
    error: str | None
    elapsed_ms: int
    ids: tuple[str, ...] = ()
    redirects: tuple[tuple[int, str], ...] = ()
    attempts: int = 1
    method: str = "HEAD"
    cached: bool = False

    @property
    def permanent_redirect(self) -> bool:
        """The link works but moved for good: the catalog should use ``final_url``."""
        return any(status in PERMANENT_REDIRECTS for status, _ in self.redirects)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": self.ok,
            "status": self.status,
            "final_url": self.final_url,
            "error": self.error,
            "elapsed_ms": self.elapsed_ms,
            "ids": list(self.ids),
            "permanent_redirect": self.permanent_redirect,
            "redirects": [{"status": s, "location": loc} for s, loc in self.redirects],
            "attempts": self.attempts,
            "method": self.method,
            "cached": self.cached,
        }


class Limits:
    """A global limit and one limit per host, both held while a request is in flight."""

    def __init__(self, total: int, per_host: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))


async def check_url(
    pools: Pools, url: str, options: LinkOptions, limits: Limits, ids: tuple[str, ...] = ()
) -> LinkResult:
    clock = policy.CLOCK
    started = clock.elapsed()
    current, method, attempts = url, "HEAD", 0
    seen = {url}
    redirects: list[tuple[int, str]] = []

    def result(ok: bool, status: int | None, error: str | None) -> LinkResult:
        elapsed = int((clock.elapsed() - started) * 1000)
        final = current if status is not None else None
        return LinkResult(
            url=url,
            ok=ok,
            status=status,
            final_url=final,
            error=error,
            elapsed_ms=elapsed,
            ids=ids,
            redirects=tuple(redirects),
            attempts=attempts,
            method=method,
        )

    def decide(reply: Head, attempt: int) -> float | None:
        if reply.status not in TRANSIENT_STATUSES:
            return None
        wait = retry_after(reply.headers) if reply.status in (429, 503) else None
        if wait is not None and wait > options.network.max_wait:
            return None  # not worth waiting for: reported below
        return wait if wait is not None else backoff(attempt)

    async def ask(how: str) -> Head:
        host = pools.origin(current).partition("://")[2]  # http and https of one host share its limit

        async def send() -> Head:
            nonlocal attempts
            attempts += 1
            # the host's slot first: a task waiting for a busy host must not hold a global one
            async with limits.per_host[host], limits.total:
                pools.hold(current)
                try:
                    return await pools.session.ask(how, current, options.network.timeout)
                finally:
                    await pools.release(current)

        reply, _ = await retrying(send, retries=options.retries, decide=decide)
        return reply

    while True:
        try:
            reply = await ask(method)
            if method == "HEAD" and reply.status in HEAD_REFUSED:
                method = "GET"  # some servers refuse HEAD; ask again properly, not as a retry
                reply = await ask(method)
        except request_errors() as error:
            return result(False, None, classify(error))
        status = reply.status
        wait = retry_after(reply.headers) if status in (429, 503) else None
        if wait is not None and wait > options.network.max_wait:
            message = f"HTTP {status}; Retry-After {wait:.0f}s is over the {options.network.max_wait:.0f}s cap"
            return result(False, status, message)
        location = reply.headers.get("location")
        if 300 <= status < 400 and location:
            target = urljoin(current, location)
            redirects.append((status, target))
            if target in seen:
                current = target
                return result(False, status, "redirect loop")
            if len(redirects) > options.max_redirects:
                return result(False, status, f"more than {options.max_redirects} redirects")
            if not options.allow_private:
                refusal = await refused_redirect(current, target)
                if refusal is not None:
                    return result(False, status, refusal + ALLOW_PRIVATE_HINT)
            seen.add(target)
            current = target
            continue
        ok = 200 <= status < 300 or status in options.accept
        return result(ok, status, None if ok else f"HTTP {status}")
