"""One bounded GET for the services ``ppml add`` reads (PyPI, arXiv, Crossref).

A thin synchronous face over :func:`ppml_cli.net.http.request`, the one
request every ppml client makes: a total deadline (connect, headers and body
together) and a cap on the body read. Failures become :class:`FetchError`
with a short reason, and whether they mean "offline" or "rate limited", so
the drafting code can say which source failed and why.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from typing import Any

import httpx

from ppml_cli import __version__, jsonsafe
from ppml_cli.net.http import MAX_BODY, Reply, ResponseTooLarge, follow, request
from ppml_cli.net.policy import classify, retry_after, trusted_context

DEFAULT_DEADLINE = 20.0


class FetchError(Exception):
    """A read that failed; ``reason`` is short and stable (connection refused, timeout, HTTP 500, ...)."""

    def __init__(self, url: str, reason: str, *, unreachable: bool = False, rate_limited: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        #: The service could not be asked (offline, refused, timed out) or refused to answer now.
        self.unreachable = unreachable or rate_limited
        self.rate_limited = rate_limited


def get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    deadline: float = DEFAULT_DEADLINE,
    max_body: int = MAX_BODY,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Reply:
    """GET ``url`` within ``deadline`` seconds in all, reading at most ``max_body`` bytes; redirects followed
    by hand (:func:`ppml_cli.net.http.follow`), never into the local network from outside it.

    Raises :class:`FetchError` for a failed connection, a timeout, an oversized
    body and a rate-limit answer (429, or 403/503 with Retry-After); any other
    status is returned for the caller to judge.
    """

    async def once() -> Reply:
        async with httpx.AsyncClient(
            follow_redirects=False,  # followed by hand, under the rule every client follows
            transport=transport,
            verify=trusted_context(),
            headers={"User-Agent": f"ppml/{__version__}", **(headers or {})},
        ) as client:

            async def hop(where: str) -> Reply:
                return await request(client, "GET", where, deadline=deadline, max_body=max_body)

            if sys.version_info >= (3, 11):  # one deadline over every hop
                async with asyncio.timeout(deadline):
                    return await follow(hop, url)
            return await asyncio.wait_for(follow(hop, url), deadline)

    try:
        reply = asyncio.run(once())
    except asyncio.TimeoutError:
        raise FetchError(url, "timeout", unreachable=True) from None
    except ResponseTooLarge as error:
        raise FetchError(url, str(error)) from None
    except httpx.HTTPError as error:
        reason = classify(error)
        unreachable = reason in ("timeout", "DNS failure", "connection refused", "connection failed")
        raise FetchError(url, reason, unreachable=unreachable) from None
    if reply.status == 429 or (reply.status in (403, 503) and "retry-after" in reply.headers):
        wait = retry_after(reply.headers)
        later = f"; retry in {wait:.0f} s" if wait is not None else ""
        raise FetchError(url, f"rate limited (HTTP {reply.status}){later}", rate_limited=True)
    return reply


def api_base(env_var: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """A service's base URL: ``env_var`` when set (tests point it at a loopback server), else ``default``."""
    return (environ if environ is not None else os.environ).get(env_var, default).rstrip("/")


def get_json(
    url: str, *, headers: Mapping[str, str] | None = None, deadline: float = DEFAULT_DEADLINE, max_body: int = MAX_BODY
) -> Any | None:
    """The JSON document at ``url``, or None on 404; :class:`FetchError` for any other failure."""
    reply = get(url, headers=headers, deadline=deadline, max_body=max_body)
    if reply.status == 404:
        return None
    if reply.status != 200:
        raise FetchError(reply.url, f"HTTP {reply.status}")
    try:
        return jsonsafe.loads(reply.body)  # bounded nesting, lone surrogates replaced
    except jsonsafe.UntrustedJSONError as error:
        raise FetchError(reply.url, str(error)) from None
