"""Check that links still work: the run over every URL, concurrent and polite, with a results cache.

Where the parts live: the URLs as given (:mod:`~ppml_cli.net.link_list`),
one URL's check with its retries and redirects (:mod:`~ppml_cli.net.link_check`),
the cache of working links (:mod:`~ppml_cli.net.link_cache`), connections per
origin (:mod:`~ppml_cli.net.link_pools`), and httpx for when a proxy is
configured (:mod:`~ppml_cli.net.link_proxy`). Requests go through ppml's own
small HTTP/1.1 client (:mod:`ppml_cli.net.probe`), which reads only an
answer's head, and which keeps its open connections under the process's
open-file limit: a link is never reported broken for the checker's own limits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from itertools import islice
from typing import TYPE_CHECKING

from ppml_cli.errors import PpmlError
from ppml_cli.model import replace
from ppml_cli.net.link_cache import load_cached, store_results
from ppml_cli.net.link_check import USER_AGENT, Limits, LinkOptions, LinkResult, check_url
from ppml_cli.net.link_pools import Pools, Session
from ppml_cli.net.link_proxy import HttpxSession, proxy_configured
from ppml_cli.net.policy import classify
from ppml_cli.net.probe import Connect, Prober

if TYPE_CHECKING:
    import httpx


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
    session: Session = HttpxSession(options, transport) if through_httpx else Prober(USER_AGENT, connect)
    limits = Limits(options.network.concurrency, options.per_host)
    pools = Pools(session)
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

        await asyncio.gather(*(checker() for _ in range(min(len(targets), max(LIVE, 8 * options.network.concurrency)))))
        return [r for r in results if r is not None]
    finally:
        await pools.close()


#: Checks under way at once, at least: many more than requests in flight, so that checks waiting
#: for a busy host, a backoff or a Retry-After do not starve the others; not all of a long list
#: at once, so that 100,000 URLs do not mean 100,000 live tasks for the garbage collector to walk.
LIVE = 256


#: Hosts taken in turn at once, at most: enough to keep every host of a sorted list busy, few enough
#: that each keeps its kept-alive connection until it comes round again (all of 2,000 hosts in turn
#: would each need a new connection every time, the open-file budget being far below 2,000).
HOSTS_IN_TURN = 128


def _by_turns(hosts: Sequence[str], window: int = HOSTS_IN_TURN) -> list[int]:
    """Indexes of ``hosts`` taking one per host in turn (in order within a host), among at most
    ``window`` hosts at once (the next host joins when one is done): a list sorted by host still
    starts on many hosts at once, and a list over thousands of hosts still reuses connections."""
    queues: dict[str, deque[int]] = {}
    for index, host in enumerate(hosts):
        queues.setdefault(host, deque()).append(index)
    waiting = iter(queues.values())
    order: list[int] = []
    turn = deque(islice(waiting, window))
    while turn:
        queue = turn.popleft()
        order.append(queue.popleft())
        if queue:
            turn.append(queue)
        else:
            joining = next(waiting, None)  # a host is done: the next one joins the turn
            if joining is not None:
                turn.append(joining)
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
