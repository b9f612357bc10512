"""What both network clients share: one bounded request, one retry loop, error names.

Kept free of any particular service so that the link checker and the GitHub
client fail, wait and retry the same way. Every request goes through
:func:`request`, which bounds it twice: a total deadline (connecting, the
headers and the body together, so a server that trickles one byte at a time
cannot hold a run open) and a cap on the bytes of body read (decoded, so a
compressed bomb is stopped too). :func:`retrying` is the one retry loop.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import random
import socket
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx

#: The most body a request reads unless told otherwise: API answers are a few kilobytes.
MAX_BODY = 2 * 1024 * 1024


class Reply(NamedTuple):
    """A complete answer: status, headers and the (capped) body read."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str


class DeadlineExceeded(httpx.TimeoutException):
    """The whole request (connect, headers and body) took longer than its deadline."""


class ResponseTooLarge(httpx.HTTPError):
    """The body of an answer was larger than the cap on what a request reads."""


class RedirectRefused(httpx.HTTPError):
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
            return Reply(response.status_code, response.headers, body, str(response.url))

    try:
        if sys.version_info >= (3, 11):  # a deadline on this task: no extra task per request
            async with asyncio.timeout(deadline):
                return await exchange()
        return await asyncio.wait_for(exchange(), deadline)
    except asyncio.TimeoutError:
        raise DeadlineExceeded(f"no complete answer within {deadline:g}s") from None


#: What a retry policy says about an answer: ``None`` to keep it, or seconds to wait before asking again.
Decide = Callable[[Reply, int], float | None]


async def retrying(
    send: Callable[[], Awaitable[Reply]],
    *,
    retries: int,
    decide: Decide,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> tuple[Reply, int]:
    """Send until an answer is kept or ``retries`` run out; (last answer, attempts made).

    Transient failures (timeouts, connection trouble) are retried with
    backoff; an answer is retried when ``decide(reply, attempt)`` gives a
    wait. ``decide`` may raise to stop everything (a far rate-limit reset).
    Other failures propagate at once.
    """
    attempt = 0
    while True:
        try:
            reply = await send()
        except httpx.HTTPError as error:
            if is_transient(error) and attempt < retries:
                await sleep(backoff(attempt))
                attempt += 1
                continue
            raise
        wait = decide(reply, attempt)
        if wait is None or attempt >= retries:
            return reply, attempt + 1
        await sleep(wait)
        attempt += 1


#: Statuses worth retrying: the server may answer differently in a moment.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


def classify(error: BaseException) -> str:
    """A short, stable description of a failed request: timeout, DNS, TLS, refused, ..."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, (ResponseTooLarge, RedirectRefused)):
        return str(error)
    if isinstance(error, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return f"invalid URL: {error}"
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text or "certificate" in text:
        return "TLS error"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "DNS failure"
    if "temporary failure in name resolution" in text or "no address associated" in text:
        return "DNS failure"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return "connection refused"
    if isinstance(error, httpx.ConnectError):
        return "connection failed"
    if isinstance(error, httpx.RemoteProtocolError):
        return "protocol error"
    return type(error).__name__


def is_transient(error: BaseException) -> bool:
    """Connection trouble and timeouts may pass; bad URLs, DNS and TLS failures will not."""
    kind = classify(error)
    return kind in ("timeout", "connection refused", "connection failed", "protocol error")


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if any."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff(attempt: int, *, base: float = 0.5, cap: float = 8.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: a random wait up to base * 2**attempt, capped."""
    return (rng or random).uniform(0, min(cap, base * 2**attempt))


# ---------------------------------------------------------- where a redirect may lead


def address_class(address: str) -> str:
    """``public``, ``private``, ``loopback`` or ``link-local``; raises ValueError for a host name."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "private"
    return "public"


async def host_classes(url: str) -> frozenset[str]:
    """The address classes a URL's host stands for (a name is resolved); empty when unknown."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        return frozenset({address_class(host)})
    except ValueError:
        pass
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        return frozenset()  # the request itself will name the failure
    return frozenset(address_class(str(info[4][0])) for info in infos)


async def refused_redirect(source: str, target: str) -> str | None:
    """Why a redirect from ``source`` to ``target`` must not be followed, or None.

    A redirect may lead to a non-public address (loopback, private or
    link-local, such as a cloud metadata service at 169.254.169.254) only from
    an address of the same class: a public page cannot send the checker into
    the local network, and nothing but a link-local page into link-local space.
    """
    inside = await host_classes(target) - {"public"}
    if not inside:
        return None
    entered = inside - await host_classes(source)
    if not entered:
        return None
    return f"redirect to a {'/'.join(sorted(entered))} address refused (--allow-private follows it)"
