"""The link checker's HTTP/1.1 client: it asks for a status line and headers, and reads nothing more.

A link check needs an answer's status and two of its headers (Location,
Retry-After), never its body, so this client is small: one request per
connection at a time on asyncio streams, kept-alive connections reused per
origin, no body ever read. It replaces httpx for ``ppml links`` because
httpx costs about 0.15 s of imports and 1.5 ms of CPU per request, which on a
busy machine is what separated ppml from lychee (see the README's figures).

Every exchange is bounded: a total deadline over connecting, the TLS
handshake and the head (so a server that trickles bytes is a timeout), and a
cap of :data:`MAX_HEAD` bytes on the status line and headers together,
informational (1xx) answers included (so endless headers are a protocol
error). A HEAD answer has no body and its connection goes back to the pool
when the server keeps it alive; a GET's connection is closed after its head,
unread. TLS trusts what httpx trusts: ``SSL_CERT_FILE``, else
``SSL_CERT_DIR``, else certifi's bundle, with host names checked.

Failures are :class:`ProbeError`, named as :func:`ppml_cli.net.policy.classify`
reports them (``timeout``, ``DNS failure``, ``TLS error``, ``connection
refused``, ``connection failed``, ``protocol error``, ``invalid URL: ...``),
so the shared retry loop treats them as it treats httpx's.
"""

from __future__ import annotations

import asyncio
import errno
import re
import socket
import ssl
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import SplitResult, quote, urlsplit

from ppml_cli.model import Record
from ppml_cli.net.policy import NetworkFailure, OutOfFiles, out_of_files, pause, trusted_context

#: The most bytes of status line and headers read for one request, informational answers included.
MAX_HEAD = 64 * 1024

#: Opens a connection: (host, port, TLS context or None) -> streams. Tests point it at loopback servers.
Connect = Callable[[str, int, ssl.SSLContext | None], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]

_STATUS_LINE = re.compile(r"HTTP/([0-9])\.([0-9]) ([0-9]{3})(?:[ \t][^\x00-\x08\x0a-\x1f\x7f]*)?")
_FIELD = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_SAFE = "!$&'()*+,;=:%"
_PATH_SAFE = "!$&'()*+,;=:@/[]%"
_QUERY_SAFE = _PATH_SAFE + "?"


class ProbeError(NetworkFailure):
    """A request that failed; the message is its name (``timeout``, ``DNS failure``, ...)."""


class Answer(Record):
    """The head of an answer: status and headers (names in lower case, repeated fields joined by ", ")."""

    status: int
    headers: dict[str, str]


class Target(Record):
    """Where a URL's request goes and what it says."""

    origin: str  # scheme://netloc in lower case: the key of the connection pool
    tls: bool
    host: str  # to connect to: IDNA-encoded, IPv6 without brackets
    port: int
    authority: str  # the Host header
    path: str  # the request target: path and query, percent-encoded


def origin(url: str) -> str:
    """``scheme://netloc`` in lower case: whose connections a URL uses (a URL that cannot be split is its own).

    The connection pools are keyed by it, here and in the link checker, which
    tells the prober when an origin has no more work.
    """
    try:
        return _origin(urlsplit(url))
    except ValueError:
        return url


def _origin(parts: SplitResult) -> str:
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def target(url: str) -> Target:
    """Split a URL into what a request needs; :class:`ProbeError` ("invalid URL: ...") when it cannot be asked."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") and parts.netloc:
            raise ProbeError(f"invalid URL: Request URL has an unsupported protocol '{scheme}://'.")
        if scheme not in ("http", "https") or not parts.hostname:
            raise ProbeError("invalid URL: Request URL is missing an 'http://' or 'https://' protocol.")
        try:
            port = parts.port
        except ValueError:
            raise ProbeError(f"invalid URL: Invalid port: {parts.netloc.rpartition(':')[2]!r}") from None
    except ValueError as error:  # an unbalanced IPv6 bracket, say
        raise ProbeError(f"invalid URL: {error}") from None
    tls = scheme == "https"
    host = _ascii_host(parts.hostname)
    default = 443 if tls else 80
    shown = f"[{host}]" if ":" in host else host
    authority = shown if port in (None, default) else f"{shown}:{port}"
    path = _encoded(_without_dot_segments(parts.path or "/"), _PATH_SAFE)
    if parts.query or url.endswith("?"):
        path += "?" + _encoded(parts.query, _QUERY_SAFE)
    return Target(
        origin=_origin(parts),
        tls=tls,
        host=host,
        port=port or default,
        authority=authority,
        path=path,
    )


def _ascii_host(host: str) -> str:
    """The host as it is looked up and named in the Host header: IDNA for a non-ASCII name, odd bytes escaped."""
    if host.isascii():
        return quote(host, safe=_HOST_SAFE)  # a space or a control character cannot enter the request
    import idna  # IDNA 2008, as httpx encodes names; only for the rare non-ASCII host

    try:
        return idna.encode(host).decode("ascii")
    except idna.IDNAError:
        raise ProbeError(f"invalid URL: Invalid IDNA hostname: {host!r}") from None


def _encoded(text: str, safe: str) -> str:
    """Percent-encode what may not appear as is; escapes already there are kept, a lone % is encoded."""
    return quote(_LONE_PERCENT.sub("%25", text), safe=safe)


def _without_dot_segments(path: str) -> str:
    """``/a/./b/../c`` -> ``/a/c`` (RFC 3986, 5.2.4), as httpx normalises a path before asking."""
    if "." not in path:
        return path
    segments = path.split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    out: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if segments[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


def tls_context() -> ssl.SSLContext:
    """A verifying TLS context that trusts what httpx trusts by default, offering only HTTP/1.1."""
    context = trusted_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


async def open_connection(
    host: str, port: int, tls: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP (and TLS) connection, trying each address the name resolves to (250 ms apart)."""
    return await asyncio.open_connection(
        host, port, ssl=tls, server_hostname=host if tls else None, limit=MAX_HEAD, happy_eyeballs_delay=0.25
    )


def connection_budget() -> int:
    """How many connections may be open at once: most of the process's open-file limit, never all of it.

    The rest is left for what else a run opens (name lookups, the certificate
    store, the cache file); if the limit is reached anyway, the prober waits
    for its own connections to close (see :meth:`Prober.ask`).
    """
    try:
        import resource
    except ImportError:  # Windows: no per-process limit on sockets worth guessing at
        return 1024
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return 4096
    return max(4, min(4096, soft - max(64, soft // 4)))


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class _Stale(Exception):
    """A kept-alive connection turned out closed, or holding stray bytes, before its answer: ask on a new one."""


class _OutOfFiles(Exception):
    """The process may open no more files: ppml's own limit, never a verdict on the URL."""


#: How long, in all, a client holding no connection waits for files to be freed before giving up.
STARVED_FOR = 5.0


class Prober:
    """Asks HEAD or GET of URLs and returns their heads; keeps idle connections per origin.

    Open connections (in use and idle) are bounded by one budget for the
    whole client, below the process's open-file limit: a new connection
    first closes the least recently used idle one when the budget is spent,
    and waits for one to close when none is idle. Should the system refuse a
    file all the same (``EMFILE``, ``ENFILE``), the request waits and is
    asked again, outside its deadline: running out of files is ppml's own
    limit, never a broken link. The caller limits how many requests run at
    once, calls :meth:`forget` when an origin has no more work and
    :meth:`close` at the end.
    """

    def __init__(
        self,
        user_agent: str,
        connect: Connect | None = None,
        *,
        budget: int | None = None,
        sleep: Callable[[float], Awaitable[object]] = pause,
    ) -> None:
        self.connect = connect or open_connection
        #: idle connections by origin, oldest first; the least recently used origin first
        self.idle: dict[str, list[_Connection]] = {}
        fixed = ("Accept: */*", "Accept-Encoding: gzip, deflate", "Connection: keep-alive", f"User-Agent: {user_agent}")
        self.headers = "".join(f"{line}\r\n" for line in fixed) + "\r\n"
        self._tls: ssl.SSLContext | None = None
        self.budget = budget if budget is not None else connection_budget()
        self.open = 0  # connections open or being opened: in use and idle
        self.most_open = 0  # the most ever open at once (tests read it)
        self._waiters: list[asyncio.Future[None]] = []
        self._sleep = sleep

    async def ask(self, method: str, url: str, deadline: float) -> Answer:
        """One request, its head read within ``deadline`` seconds (connecting included)."""
        where = target(url)
        request = f"{method} {where.path} HTTP/1.1\r\nHost: {where.authority}\r\n{self.headers}".encode()
        starved = 0.0
        while True:
            connection = self._take_idle(where.origin)
            if connection is None:
                # a place for a new connection, before the deadline starts: waiting for one is not the server's time
                if self.open >= self.budget and not self._evict():
                    await self._released()  # a connection closed or went idle: look again
                    continue
                self.open += 1
                self.most_open = max(self.most_open, self.open)
            try:
                if sys.version_info >= (3, 11):
                    async with asyncio.timeout(deadline):
                        return await self._exchange(where, method, request, connection)
                return await asyncio.wait_for(self._exchange(where, method, request, connection), deadline)
            except asyncio.TimeoutError:
                raise ProbeError("timeout") from None
            except _OutOfFiles:
                starved = await self._out_of_files(starved)

    # ------------------------------------------------------- the connection budget

    def _take_idle(self, origin: str) -> _Connection | None:
        """A kept-alive connection to ``origin`` that is still fit to ask on, or None."""
        pool = self.idle.get(origin)
        while pool:
            reader, writer = pool.pop()
            if not pool:
                del self.idle[origin]
            # closed by the server, or holding bytes nobody asked for (a HEAD's body, a second answer):
            # what it would read next is not the answer to the next request
            if reader.at_eof() or writer.is_closing() or getattr(reader, "_buffer", None):
                self._close(writer)
                pool = self.idle.get(origin)
                continue
            return reader, writer
        return None

    def _keep(self, origin: str, connection: _Connection) -> None:
        pool = self.idle.pop(origin, None) or []  # re-inserted: the most recently used origin goes last
        pool.append(connection)
        self.idle[origin] = pool
        self._wake()  # a request waiting for a place may take this one, or close it for its own

    def _evict(self) -> bool:
        """Close the least recently used idle connection; False when none is idle."""
        for origin, pool in self.idle.items():
            _, writer = pool.pop(0)
            if not pool:
                del self.idle[origin]
            self._close(writer)
            return True
        return False

    def _close(self, writer: asyncio.StreamWriter | None) -> None:
        """Close a counted connection (or, given None, give back a reserved place) and wake one waiter."""
        if writer is not None:
            _shut(writer)
        self.open -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                break

    async def _released(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # woken, then cancelled: pass the turn on
                self._wake()
            raise

    async def _out_of_files(self, starved: float) -> float:
        """The system refused a file: hold no more than is open now, and wait for one of ours to close.

        Returns how long the client has waited while holding nothing; past
        :data:`STARVED_FOR` the run stops with :class:`OutOfFiles` (the
        checker's own limit, reported once, never as a link's failure).
        """
        self.budget = max(1, min(self.budget, self.open))
        if self._evict():
            return starved
        if self.open > 0:
            await self._released()
            return starved
        if starved >= STARVED_FOR:
            raise OutOfFiles()
        await self._sleep(0.1)
        return starved + 0.1

    # ------------------------------------------------------------- one exchange

    async def _exchange(self, where: Target, method: str, request: bytes, connection: _Connection | None) -> Answer:
        """Ask on ``connection`` (kept alive) or a new one; holds one place of the budget throughout."""
        if connection is not None:
            try:
                return await self._over(*connection, where, method, request, reused=True)
            except _Stale:
                pass  # its place in the budget goes to the new connection
        try:
            reader, writer = await self._open(where)
        except BaseException:
            self._close(None)
            raise
        return await self._over(reader, writer, where, method, request, reused=False)

    async def _open(self, where: Target) -> _Connection:
        try:
            if where.tls and self._tls is None:
                self._tls = tls_context()
            return await self.connect(where.host, where.port, self._tls if where.tls else None)
        except socket.gaierror:
            raise ProbeError("DNS failure") from None
        except (ssl.SSLError, ssl.CertificateError):
            raise ProbeError("TLS error") from None
        except ConnectionRefusedError:
            raise ProbeError("connection refused") from None
        except OSError as error:
            if out_of_files(error):
                raise _OutOfFiles from None
            raise ProbeError(_connect_failure(error)) from None

    async def _over(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        where: Target,
        method: str,
        request: bytes,
        *,
        reused: bool,
    ) -> Answer:
        keep = stale = False
        try:
            try:
                writer.write(request)
                await writer.drain()
            except (ssl.SSLError, ssl.CertificateError):
                raise ProbeError("TLS error") from None
            except OSError:
                if reused:
                    raise _Stale from None
                raise ProbeError("WriteError") from None
            answer, keep = await _read_head(reader, reused=reused)
            keep = keep and method == "HEAD"
            return answer
        except _Stale:
            stale = True
            raise
        finally:
            if keep:
                self._keep(where.origin, (reader, writer))
            elif stale:
                _shut(writer)  # uncounted: its place passes to the connection asked on next
            else:
                self._close(writer)

    async def forget(self, origin: str) -> None:
        """Close the idle connections to an origin that has no more work."""
        for _, writer in self.idle.pop(origin, ()):
            self._close(writer)

    async def close(self) -> None:
        for origin in list(self.idle):
            await self.forget(origin)


def _shut(writer: asyncio.StreamWriter) -> None:
    """Close at once: nothing more is read, and a TLS goodbye is not worth waiting for."""
    writer.transport.abort()


def _connect_failure(error: OSError) -> str:
    # a name with several addresses fails with one OSError naming each attempt's error number
    numbers = re.findall(r"\[Errno (\d+)\]", str(error))
    if numbers and all(int(n) == errno.ECONNREFUSED for n in numbers):
        return "connection refused"
    if "ssl" in str(error).lower() or "certificate" in str(error).lower():
        return "TLS error"
    return "connection failed"


async def _read_head(reader: asyncio.StreamReader, *, reused: bool) -> tuple[Answer, bool]:
    """(the final answer's head, whether the connection may be used again), within MAX_HEAD bytes."""
    buffer = b""
    received = 0
    searched = 0
    while True:
        found = _BLANK_LINE.search(buffer, max(0, searched - 3))
        if found is None:
            searched = len(buffer)
            if received >= MAX_HEAD:
                raise ProbeError("protocol error")  # headers without end
            try:
                chunk = await reader.read(MAX_HEAD - received)
            except (ssl.SSLError, ssl.CertificateError):
                raise ProbeError("TLS error") from None
            except OSError:
                if reused:  # no answer began on the kept-alive connection: it was dead
                    raise _Stale from None
                raise ProbeError("ReadError") from None
            if not chunk:
                if reused:
                    raise _Stale
                raise ProbeError("protocol error")  # the server closed before the head was complete
            received += len(chunk)
            buffer += chunk
            continue
        head, buffer = buffer[: found.start()], buffer[found.end() :]
        searched = 0
        try:
            answer, keep = _parse_head(head)
        except ProbeError:
            if reused:  # bytes the server sent while the connection waited (a body on a HEAD, say)
                raise _Stale from None
            raise
        reused = False  # a valid head came: what follows is this connection's answer
        if answer.status == 101:
            return answer, False  # the connection now speaks another protocol: never ask on it again
        if 100 <= answer.status < 200:
            continue  # informational: the real answer follows
        return answer, keep and not buffer


def _parse_head(head: bytes) -> tuple[Answer, bool]:
    try:  # as httpx decodes headers: UTF-8 (ASCII included) when it fits, else Latin-1
        text = head.decode()
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    lines = text.split("\n")
    status = _STATUS_LINE.fullmatch(lines[0].rstrip("\r"))
    if status is None:
        raise ProbeError("protocol error")
    headers: dict[str, str] = {}
    name = ""
    for raw in lines[1:]:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t") and name:  # an obsolete folded continuation of the field before
            headers[name] += " " + line.strip(" \t")
            continue
        field = _FIELD.fullmatch(line)
        if field is None:
            raise ProbeError("protocol error")
        name, value = field.group(1).lower(), field.group(2)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    connection = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    version = (int(status.group(1)), int(status.group(2)))
    keep = "keep-alive" in connection if version < (1, 1) else "close" not in connection
    return Answer(status=int(status.group(3)), headers=headers), keep
