"""The link checker through httpx, which honours the proxy settings: used only when a proxy is configured."""

from __future__ import annotations

import os
import ssl
import sys
from collections import defaultdict
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ppml_cli.net.link_check import USER_AGENT, LinkOptions
from ppml_cli.net.link_pools import Head
from ppml_cli.net.policy import OutOfFiles, out_of_files, pause, trusted_context
from ppml_cli.net.probe import STARVED_FOR, connection_budget
from ppml_cli.net.probe import origin as origin_of

if TYPE_CHECKING:
    import httpx


class HttpxSession:
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
                timeout=self.options.network.timeout,
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

    async def ask(self, method: str, url: str, deadline: float) -> Head:
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
