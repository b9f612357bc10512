"""Connections per origin, kept while that origin has work: what a link check asks through.

A session (ppml's own :class:`ppml_cli.net.probe.Prober`, or httpx when a
proxy is configured, :mod:`ppml_cli.net.link_proxy`) asks for heads;
:class:`Pools` tells it when an origin has no more work, so its idle
connections close.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Protocol

from ppml_cli.net.probe import origin as origin_of


class Head(Protocol):
    """What a link check reads of an answer: its status and headers."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class Session(Protocol):
    """Asks for heads, keeping connections per origin until told an origin has no more work."""

    async def ask(self, method: str, url: str, deadline: float) -> Head: ...

    async def forget(self, origin: str) -> None: ...

    async def close(self) -> None: ...


class Pools:
    """Connections per origin, open only while that origin has work.

    An origin is counted: one reference for each URL that starts there and
    is not finished, one for each request in flight; its idle connections
    close when that reaches zero, so a long run keeps only the hosts it is
    working on open. The per-host limit bounds how many connections one
    origin holds.
    """

    def __init__(self, session: Session) -> None:
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
