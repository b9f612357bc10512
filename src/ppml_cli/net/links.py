"""Check that links still work: concurrent, polite, with retries and a results cache.

Each URL is asked with HEAD first and with GET when a server refuses HEAD.
Redirects are followed by hand, up to a limit, so that every hop is seen: a
permanent one (301, 308) means the catalog should be updated, a URL seen twice
means a loop. Transient failures (connection trouble, timeouts, 429 and 5xx)
are retried with exponential backoff and jitter; 429 and 503 honour
Retry-After up to a cap. A global limit and a per-host limit keep one slow
host from stalling the run and keep any one site from being hammered.

Working links are remembered in the user cache directory for a while, so a
rerun only asks again what is stale; broken ones are always asked again.

Requests go through ppml's own small HTTP/1.1 client (:mod:`ppml_cli.net.probe`),
which reads only an answer's head; when a proxy is configured they go through
httpx instead, which honours it (and ``NO_PROXY``) as it always did.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from ppml_cli import __version__
from ppml_cli.errors import PpmlError
from ppml_cli.model import Record, replace
from ppml_cli.net import policy
from ppml_cli.net.policy import (
    ALLOW_PRIVATE_HINT,
    TRANSIENT_STATUSES,
    OutOfFiles,
    backoff,
    classify,
    out_of_files,
    pause,
    refused_redirect,
    request_errors,
    retry_after,
    retrying,
    trusted_context,
)
from ppml_cli.net.probe import STARVED_FOR, Connect, Prober, connection_budget
from ppml_cli.net.probe import origin as origin_of
from ppml_cli.store import read_json, write_json

if TYPE_CHECKING:
    import httpx

#: Statuses that some servers give to HEAD but not to GET.
HEAD_REFUSED = frozenset({400, 403, 405, 501})
PERMANENT_REDIRECTS = frozenset({301, 308})
USER_AGENT = (
    f"ppml/{__version__} link checker (+https://github.com/Privacy-Engineering-CMU/Awesome-ML-Privacy-Mitigations)"
)
CACHE_FILE = "links.json"


class LinkOptions(Record):
    concurrency: int = 16
    per_host: int = 4
    timeout: float = 10.0
    retries: int = 2
    max_redirects: int = 10
    max_wait: float = 30.0  # longest Retry-After honoured, in seconds
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


def parse_accept(values: Iterable[str]) -> frozenset[int]:
    """'403,429' or '200-299' (repeatable) -> the set of accepted statuses."""
    codes: set[int] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            low, _, high = part.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise ValueError(f"not a status code or range: {part!r}")
            codes.update(range(int(low), int(high or low) + 1))
    return frozenset(codes)


def read_url_lines(lines: Iterable[str]) -> list[str]:
    """URLs from a file or standard input: one per line; blanks and # comments ignored."""
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return list(dict.fromkeys(out))


def select(urls: Sequence[str], exclude: Sequence[str]) -> tuple[list[str], list[str]]:
    """(URLs to check, URLs excluded by any of the regular expressions)."""
    patterns = [re.compile(p) for p in exclude]
    kept: list[str] = []
    dropped: list[str] = []
    for url in urls:
        (dropped if any(p.search(url) for p in patterns) else kept).append(url)
    return kept, dropped


# ------------------------------------------------------------------ cache


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


# ---------------------------------------------------------------- checking


class _Limits:
    """A global limit and one limit per host, both held while a request is in flight."""

    def __init__(self, total: int, per_host: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))


class _Head(Protocol):
    """What a link check reads of an answer: its status and headers."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class _Session(Protocol):
    """Asks for heads, keeping connections per origin until told an origin has no more work."""

    async def ask(self, method: str, url: str, deadline: float) -> _Head: ...

    async def forget(self, origin: str) -> None: ...

    async def close(self) -> None: ...


async def check_url(
    pools: _Pools, url: str, options: LinkOptions, limits: _Limits, ids: tuple[str, ...] = ()
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

    def decide(reply: _Head, attempt: int) -> float | None:
        if reply.status not in TRANSIENT_STATUSES:
            return None
        wait = retry_after(reply.headers) if reply.status in (429, 503) else None
        if wait is not None and wait > options.max_wait:
            return None  # not worth waiting for: reported below
        return wait if wait is not None else backoff(attempt)

    async def ask(how: str) -> _Head:
        host = pools.origin(current).partition("://")[2]  # http and https of one host share its limit

        async def send() -> _Head:
            nonlocal attempts
            attempts += 1
            # the host's slot first: a task waiting for a busy host must not hold a global one
            async with limits.per_host[host], limits.total:
                pools.hold(current)
                try:
                    return await pools.session.ask(how, current, options.timeout)
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
        if wait is not None and wait > options.max_wait:
            message = f"HTTP {status}; Retry-After {wait:.0f}s is over the {options.max_wait:.0f}s cap"
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


class _Pools:
    """Connections per origin, open only while that origin has work.

    An origin is counted: one reference for each URL that starts there and
    is not finished, one for each request in flight; its idle connections
    close when that reaches zero, so a long run keeps only the hosts it is
    working on open. The per-host limit bounds how many connections one
    origin holds.
    """

    def __init__(self, session: _Session) -> None:
        self.session = session
        self.references: defaultdict[str, int] = defaultdict(int)
        self._origins: dict[str, str] = {}  # each URL is split once, not at every step of its check

    def origin(self, url: str) -> str:
        known = self._origins.get(url)
        if known is None:
            known = self._origins[url] = origin_of(url)
        return known

    def expect(self, url: str) -> None:
        """A URL will start at this origin: keep its connections until that check is released."""
        self.references[self.origin(url)] += 1

    def hold(self, url: str) -> None:
        self.references[self.origin(url)] += 1

    async def release(self, url: str) -> None:
        key = self.origin(url)
        self.references[key] -= 1
        if self.references[key] <= 0:
            del self.references[key]
            await self.session.forget(key)

    async def close(self) -> None:
        await self.session.close()


class _Httpx:
    """The link checker through httpx, as before its own client: used when a proxy is configured.

    One small connection pool per origin (at most ``per_host`` connections),
    so connections are reused and each pick is cheap; httpx honours the
    proxy settings of the environment. The verified TLS context is built
    once, and only if some URL uses https. Pools are bounded as the own
    client's connections are: past the budget, the least recently used idle
    pool is closed, and a refused file (EMFILE) closes idle pools and waits,
    never a verdict.
    """

    def __init__(self, options: LinkOptions, transport: httpx.AsyncBaseTransport | None) -> None:
        self.options = options
        self.transport = transport
        self.clients: dict[str, httpx.AsyncClient] = {}  # least recently used first
        self.busy: defaultdict[str, int] = defaultdict(int)  # requests in flight per origin
        self.most_pools = max(1, connection_budget() // options.per_host)
        self._tls: ssl.SSLContext | None = None

    def _context(self, scheme: str) -> ssl.SSLContext:
        if scheme != "https":  # never used for plain http: skip loading the certificate store
            return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if self._tls is None:
            self._tls = trusted_context()
        return self._tls

    async def _client(self, url: str) -> httpx.AsyncClient:
        import httpx

        key = origin_of(url)
        client = self.clients.pop(key, None)
        if client is None:
            await self._close_idle(len(self.clients) + 1 - self.most_pools)
            size = self.options.per_host
            client = httpx.AsyncClient(
                timeout=self.options.timeout,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                verify=self._context(urlsplit(url).scheme),
                transport=self.transport,
            )
        self.clients[key] = client  # now the most recently used
        return client

    async def _close_idle(self, count: int) -> int:
        """Close up to ``count`` pools with no request in flight, least recently used first."""
        idle = [key for key in self.clients if not self.busy.get(key)][: max(0, count)]
        for key in idle:
            await self.clients.pop(key).aclose()
        return len(idle)

    async def ask(self, method: str, url: str, deadline: float) -> _Head:
        from ppml_cli.net.http import request

        key = origin_of(url)
        starved = 0.0
        while True:
            client = await self._client(url)
            self.busy[key] += 1
            try:
                return await request(client, method, url, deadline=deadline, max_body=0)
            except Exception as error:
                if not any(out_of_files(e) for e in _chain(error)):
                    raise
            finally:
                self.busy[key] -= 1
            # the system refused a file: ppml's own limit, so wait for files to be freed and ask again
            if not await self._close_idle(len(self.clients)):
                if starved >= STARVED_FOR:
                    raise OutOfFiles()
                await pause(0.1)
                starved += 0.1

    async def forget(self, origin: str) -> None:
        client = self.clients.pop(origin, None)
        if client is not None:
            await client.aclose()

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()
        self.clients.clear()


def _chain(error: BaseException) -> list[BaseException]:
    """An error and its causes."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def proxy_configured() -> bool:
    """Whether httpx would send a request through a proxy: HTTP(S)_PROXY or ALL_PROXY, or the system's.

    Only the environment is read on Linux and other Unixes (cheaply, without
    importing urllib.request unless some ``*_proxy`` variable is set); on
    macOS and Windows the system settings count too, as they do for httpx.
    """
    if sys.platform not in ("darwin", "win32") and not any(k.lower().endswith("_proxy") for k in os.environ):
        return False
    from urllib.request import getproxies

    proxies = getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


async def check_all(
    targets: Sequence[tuple[str, tuple[str, ...]]],
    options: LinkOptions,
    on_result: Callable[[LinkResult], None] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    connect: Connect | None = None,
) -> list[LinkResult]:
    """Check every (url, ids) target concurrently; results in the order of ``targets``.

    ppml's own client asks, unless a proxy is configured (or ``transport`` is
    given): then httpx does, honouring the proxy. ``connect`` replaces how
    the own client opens connections (tests point it at loopback servers).
    """
    through_httpx = transport is not None or proxy_configured()
    session: _Session = _Httpx(options, transport) if through_httpx else Prober(USER_AGENT, connect)
    limits = _Limits(options.concurrency, options.per_host)
    pools = _Pools(session)
    for url, _ in targets:
        pools.expect(url)
    try:

        async def one(url: str, ids: tuple[str, ...]) -> LinkResult:
            try:
                outcome = await check_url(pools, url, options, limits, ids)
            except PpmlError:
                raise  # the checker's own trouble (no files, no certificates): the run stops, no link is judged
            except Exception as error:  # one odd URL must not end the whole run
                outcome = LinkResult(
                    url=url, ok=False, status=None, final_url=None, error=classify(error), elapsed_ms=0, ids=ids
                )
            finally:
                await pools.release(url)
            if on_result is not None:
                on_result(outcome)
            return outcome

        results: list[LinkResult | None] = [None] * len(targets)
        turns = iter(_by_turns([pools.origin(url).partition("://")[2] for url, _ in targets]))

        async def checker() -> None:
            for index in turns:  # shared: each checker takes the next URL not yet started
                results[index] = await one(*targets[index])

        await asyncio.gather(*(checker() for _ in range(min(len(targets), max(LIVE, 8 * options.concurrency)))))
        return [r for r in results if r is not None]
    finally:
        await pools.close()


#: Checks under way at once, at least: many more than requests in flight, so that checks waiting
#: for a busy host, a backoff or a Retry-After do not starve the others; not all of a long list
#: at once, so that 100,000 URLs do not mean 100,000 live tasks for the garbage collector to walk.
LIVE = 256


def _by_turns(hosts: Sequence[str]) -> list[int]:
    """Indexes of ``hosts`` taking one per host in turn (in order within a host): a list sorted by
    host still starts on every host at once."""
    queues: dict[str, deque[int]] = {}
    for index, host in enumerate(hosts):
        queues.setdefault(host, deque()).append(index)
    order: list[int] = []
    turn = deque(queues.values())
    while turn:
        queue = turn.popleft()
        order.append(queue.popleft())
        if queue:
            turn.append(queue)
    return order


def check_links(
    targets: Sequence[tuple[str, tuple[str, ...]]],
    options: LinkOptions,
    on_result: Callable[[LinkResult], None] | None = None,
) -> list[LinkResult]:
    """The synchronous entry point: cached results for fresh links, the network for the rest."""
    from ppml_cli.store import cache_dir, cache_enabled, trusted_dir

    use_cache = options.use_cache and cache_enabled() and trusted_dir(cache_dir(), create=True) is not None
    cached = load_cached((u for u, _ in targets), options.ttl) if use_cache else {}
    to_check = [(u, ids) for u, ids in targets if u not in cached]
    for url, ids in targets:
        if url in cached and on_result is not None:
            on_result(replace(cached[url], ids=ids))
    checked = asyncio.run(check_all(to_check, options, on_result)) if to_check else []
    if use_cache:
        store_results(checked, options.ttl)
    by_url = {r.url: r for r in checked}
    return [by_url[u] if u in by_url else replace(cached[u], ids=ids) for u, ids in targets]
