"""What both network clients share: error classification, backoff, Retry-After.

Kept free of any particular service so that the link checker and the GitHub
client fail, wait and retry the same way.
"""

from __future__ import annotations

import email.utils
import random
import ssl
import time
from collections.abc import Mapping

import httpx

#: Statuses worth retrying: the server may answer differently in a moment.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


def classify(error: BaseException) -> str:
    """A short, stable description of a failed request: timeout, DNS, TLS, refused, ..."""
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
