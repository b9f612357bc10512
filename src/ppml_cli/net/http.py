"""One bounded request through httpx, for the GitHub, PyPI, arXiv and Crossref clients.

Kept free of any particular service so that every httpx-based client fails,
waits and retries the same way as the link checker's own client: the retry
loop, error names and the redirect rule live in :mod:`ppml_cli.net.policy`
(which imports no httpx; importing this module teaches it httpx's errors). Every httpx request goes
through :func:`request`, which bounds it twice: a total deadline (connecting, the
headers and the body together, so a server that trickles one byte at a time
cannot hold a run open) and a cap on the bytes of body read (decoded, so a
compressed bomb is stopped too).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urljoin

import httpx

from ppml_cli.model import Record
from ppml_cli.net.policy import MAX_REDIRECTS, REDIRECTS, NetworkFailure, recognise_httpx, refused_redirect

recognise_httpx(httpx)

#: The most body a request reads unless told otherwise: API answers are a few kilobytes.
MAX_BODY = 2 * 1024 * 1024


class Reply(Record):
    """A complete answer: status, headers and the (capped) body read."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str


class DeadlineExceeded(httpx.TimeoutException):
    """The whole request (connect, headers and body) took longer than its deadline."""


class ResponseTooLarge(httpx.HTTPError, NetworkFailure):
    """The body of an answer was larger than the cap on what a request reads."""


class RedirectRefused(httpx.HTTPError, NetworkFailure):
    """A redirect into the local network that is not followed (see :func:`refused_redirect`)."""


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    deadline: float,
    max_body: int = MAX_BODY,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """One request, finished within ``deadline`` seconds, reading at most ``max_body`` bytes of body.

    ``max_body=0`` reads no body at all: a link check needs only the status
    line and headers. A GET's connection is then closed unread; a HEAD answer
    has no body, so its connection goes back to the pool for the next request.
    """

    async def exchange() -> Reply:
        async with client.stream(method, url, headers=headers) as response:
            body = b""
            if method == "HEAD":
                await response.aread()  # nothing to read: the connection goes back to the pool
            elif max_body > 0:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_body:
                        raise ResponseTooLarge(f"answer larger than {max_body} bytes")
                    chunks.append(chunk)
                body = b"".join(chunks)
            return Reply(status=response.status_code, headers=response.headers, body=body, url=str(response.url))

    try:
        if sys.version_info >= (3, 11):  # a deadline on this task: no extra task per request
            async with asyncio.timeout(deadline):
                return await exchange()
        return await asyncio.wait_for(exchange(), deadline)
    except asyncio.TimeoutError:
        raise DeadlineExceeded(f"no complete answer within {deadline:g}s") from None


#: What a retry policy says about an answer: ``None`` to keep it, or seconds to wait before asking again.
Decide = Callable[[Reply, int], float | None]


async def follow(ask: Callable[[str], Awaitable[Reply]], url: str, *, max_redirects: int = MAX_REDIRECTS) -> Reply:
    """``ask(url)``, following redirects by hand: the one rule of every httpx-based client.

    Each hop is checked by :func:`ppml_cli.net.policy.refused_redirect`
    before it is asked (a public answer cannot send a client into the local
    network, a cloud metadata address above all), and ``ask`` is called anew
    for it, so whatever a request sends (a token) is decided per origin.
    The clients' httpx sessions never follow redirects themselves.
    """
    for _ in range(max_redirects + 1):
        reply = await ask(url)
        location = reply.headers.get("location")
        if reply.status not in REDIRECTS or not location:
            return reply
        target = urljoin(url, location)
        refusal = await refused_redirect(url, target)
        if refusal is not None:
            raise RedirectRefused(refusal)
        url = target
    raise httpx.TooManyRedirects(f"more than {max_redirects} redirects")
