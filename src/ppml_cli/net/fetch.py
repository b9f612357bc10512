"""One bounded GET: a total deadline and a size cap on every network read.

httpx's timeouts apply to each connect and each read, so a server that trickles
a byte a second never times out, and one that sends gigabytes fills memory.
:func:`get` streams the body, stops at ``max_bytes`` and stops when the whole
request has taken longer than ``deadline`` seconds. :class:`CappedTransport`
does the same for an async client (the GitHub client), so that code written
for httpx gets the same bounds without knowing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import NamedTuple

import httpx

from ppml_cli import __version__
from ppml_cli.net.http import classify, retry_after

DEFAULT_DEADLINE = 20.0
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


class FetchError(Exception):
    """A read that failed; ``reason`` is short and stable (offline, timeout, too large, HTTP 500, ...)."""

    def __init__(self, url: str, reason: str, *, offline: bool = False, rate_limited: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.offline = offline
        self.rate_limited = rate_limited


class TooLarge(FetchError):
    """The body passed the size cap."""


class Reply(NamedTuple):
    status: int
    headers: httpx.Headers
    body: bytes
    url: str


def user_agent() -> str:
    return f"ppml/{__version__} (+ppml add)"


def get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> Reply:
    """GET ``url`` within ``deadline`` seconds in all and ``max_bytes`` of body; redirects followed.

    Raises :class:`FetchError` for a failed connection, a timeout, an oversized
    body and a rate-limit answer (429, or 403/503 with Retry-After); any other
    status is returned for the caller to judge.
    """
    end = time.monotonic() + deadline
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(deadline),
                follow_redirects=True,
                max_redirects=5,
                transport=transport,
                headers={"User-Agent": user_agent(), **(headers or {})},
            ) as client,
            client.stream("GET", url) as response,
        ):
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(url, f"answer too large ({declared} bytes; the limit is {max_bytes})")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(url, f"answer too large (over {max_bytes} bytes)")
                if time.monotonic() > end:
                    raise FetchError(url, f"timeout (no full answer within {deadline:g} s)")
                chunks.append(chunk)
            reply = Reply(response.status_code, response.headers, b"".join(chunks), str(response.url))
    except httpx.HTTPError as error:
        reason = classify(error)
        offline = reason in ("DNS failure", "connection refused", "connection failed")
        raise FetchError(url, reason, offline=offline) from None
    if reply.status == 429 or (reply.status in (403, 503) and "retry-after" in reply.headers):
        wait = retry_after(reply.headers)
        later = f"; retry in {wait:.0f} s" if wait is not None else ""
        raise FetchError(url, f"rate limited (HTTP {reply.status}){later}", rate_limited=True)
    return reply


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, url: str, max_bytes: int, end: float) -> None:
        self.inner, self.url, self.max_bytes, self.end = inner, url, max_bytes, end

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        async for chunk in self.inner:
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge(self.url, f"answer too large (over {self.max_bytes} bytes)")
            if time.monotonic() > self.end:
                raise FetchError(self.url, "timeout (no full answer in time)")
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """An async transport whose answers stop at ``max_bytes`` and at a deadline ``deadline`` s from now."""

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline: float = DEFAULT_DEADLINE,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.max_bytes = max_bytes
        self.end = time.monotonic() + deadline

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await response.aclose()
            raise TooLarge(str(request.url), f"answer too large ({declared} bytes; the limit is {self.max_bytes})")
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, str(request.url), self.max_bytes, self.end),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
