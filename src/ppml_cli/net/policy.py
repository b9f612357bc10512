"""How every network client fails, waits and retries, without importing any HTTP library.

The link checker's own client (:mod:`ppml_cli.net.probe`) and the httpx-based
clients (:mod:`ppml_cli.net.http`) share this: the one retry loop
(:func:`retrying`), the names of failures (:func:`classify`), backoff and
Retry-After, and the rule for redirects into the local network. Nothing here
imports httpx, so the link checker starts without it; httpx's errors are
recognised once :mod:`ppml_cli.net.http` has loaded httpx and said so
(:func:`recognise_httpx`), which it has whenever such an error can exist.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import random
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ppml_cli.errors import NetworkError

#: Statuses worth retrying: the server may answer differently in a moment.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Failures that may pass if asked again.
TRANSIENT_KINDS = frozenset({"timeout", "connection refused", "connection failed", "protocol error"})

Answer = TypeVar("Answer")


class Clock:
    """The time every network client reads and waits on: one object, so tests replace it once.

    ``elapsed`` measures (a link's ``elapsed_ms``), ``sleep`` waits (backoff,
    Retry-After, rate-limit resets); both go through :data:`CLOCK`, which a
    test swaps for a fake that advances without waiting.
    """

    def elapsed(self) -> float:
        return time.perf_counter()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


#: The clock in use (looked up at each use, so that replacing it takes effect everywhere).
CLOCK = Clock()


async def pause(seconds: float) -> None:
    """Wait on :data:`CLOCK`."""
    await CLOCK.sleep(seconds)


class NetworkFailure(Exception):
    """A failed request that is already named: ``str(error)`` is what :func:`classify` reports."""


class OutOfFiles(NetworkError):
    """The process may open no more files and none of ppml's own connections is left to close.

    The checker's own limit, never a verdict on a link: the run stops with
    one message (exit 3) instead of reporting links broken.
    """

    def __init__(self) -> None:
        super().__init__(
            "too many open files: the system refuses ppml another connection",
            hint="raise the limit (ulimit -n) or lower --concurrency, and run again",
        )


class UnreadableCertificates(NetworkError):
    """The certificates to trust (``SSL_CERT_FILE``) cannot be read: no https request can be made (exit 3)."""


def out_of_files(error: BaseException) -> bool:
    """Whether a failure is the process (or system) running out of file descriptors: EMFILE or ENFILE."""
    if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
        return True
    # several addresses tried: one OSError naming each attempt's error
    text = str(error)
    return f"[Errno {errno.EMFILE}]" in text or f"[Errno {errno.ENFILE}]" in text


def trusted_context() -> ssl.SSLContext:
    """A verifying TLS context trusting what httpx trusts: ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi.

    Every ppml client builds its TLS context here. Certificates that cannot
    be read are one clear error for the whole run
    (:class:`UnreadableCertificates`), not a failure of every https request.
    """
    cafile = os.environ.get("SSL_CERT_FILE")
    try:
        if cafile:
            return ssl.create_default_context(cafile=cafile)
        if os.environ.get("SSL_CERT_DIR"):
            return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
        import certifi

        cafile = certifi.where()
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as error:
        if out_of_files(error):
            raise
        reason = getattr(error, "strerror", None) or str(error)
        raise UnreadableCertificates(
            f"cannot read the certificates to trust from {cafile}: {reason}",
            hint="point SSL_CERT_FILE at a PEM file of CA certificates, or unset it",
        ) from None


_httpx: list[ModuleType] = []  # httpx, once a client built on it is loaded


def recognise_httpx(module: ModuleType) -> None:
    """Name httpx's errors too, and retry its transient ones (called by :mod:`ppml_cli.net.http`)."""
    _httpx[:] = [module]


def request_errors() -> tuple[type[Exception], ...]:
    """The exceptions a failed request raises: ppml's own, and httpx's when httpx is in use."""
    return (NetworkFailure, _httpx[0].HTTPError) if _httpx else (NetworkFailure,)


async def retrying(
    send: Callable[[], Awaitable[Answer]],
    *,
    retries: int,
    decide: Callable[[Answer, int], float | None],
    sleep: Callable[[float], Awaitable[Any]] = pause,
) -> tuple[Answer, int]:
    """Send until an answer is kept or ``retries`` run out; (last answer, attempts made).

    Transient failures (timeouts, connection trouble) are retried with
    backoff; an answer is retried when ``decide(answer, attempt)`` gives a
    wait. ``decide`` may raise to stop everything (a far rate-limit reset).
    Other failures propagate at once.
    """
    attempt = 0
    while True:
        try:
            answer = await send()
        except request_errors() as error:
            if is_transient(error) and attempt < retries:
                await sleep(backoff(attempt))
                attempt += 1
                continue
            raise
        wait = decide(answer, attempt)
        if wait is None or attempt >= retries:
            return answer, attempt + 1
        await sleep(wait)
        attempt += 1


def classify(error: BaseException) -> str:
    """A short, stable description of a failed request: timeout, DNS, TLS, refused, ..."""
    if isinstance(error, NetworkFailure):
        return str(error)
    httpx = _httpx[0] if _httpx else None
    if httpx is not None:
        if isinstance(error, httpx.TimeoutException):
            return "timeout"
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
    if httpx is not None:
        if isinstance(error, httpx.ConnectError):
            return "connection failed"
        if isinstance(error, httpx.RemoteProtocolError):
            return "protocol error"
    return type(error).__name__


def is_transient(error: BaseException) -> bool:
    """Connection trouble and timeouts may pass; bad URLs, DNS and TLS failures will not."""
    return classify(error) in TRANSIENT_KINDS


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if any."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # only for the rare HTTP date: 5 ms of imports

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
    for _ in range(50):  # a lookup refused for want of files is asked again: unknown would let the redirect pass
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            if not out_of_files(error):
                return frozenset()  # the request itself will name the failure
            await pause(0.1)
            continue
        except (ValueError, UnicodeError):
            return frozenset()
        return frozenset(address_class(str(info[4][0])) for info in infos)
    raise OutOfFiles()


#: Answers every ppml client follows, by hand and under :func:`refused_redirect` (never an HTTP library's own rule).
REDIRECTS = frozenset({301, 302, 303, 307, 308})

#: Redirects followed for one request of the API clients (the link checker has ``--max-redirects``' default, 10).
MAX_REDIRECTS = 5

#: What :func:`refused_redirect` adds for the link checker, which can be told to follow anyway.
ALLOW_PRIVATE_HINT = " (--allow-private follows it)"


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
    return f"redirect to a {'/'.join(sorted(entered))} address refused"
