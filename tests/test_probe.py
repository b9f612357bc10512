"""The link checker's own HTTP/1.1 client (net/probe.py), against servers on 127.0.0.1 started here.

It reads an answer's head and nothing more, within a deadline and a size cap,
reuses kept-alive connections, and fails with the names the rest of ppml
uses. Where httpx is still used for links (a proxy is configured), it is
tested at the end.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppml_cli.net.link_check import LinkOptions
from ppml_cli.net.link_proxy import proxy_configured
from ppml_cli.net.links import check_all
from ppml_cli.net.policy import classify, retrying
from ppml_cli.net.probe import MAX_HEAD, Answer, Connect, ProbeError, Prober, target

from .conftest import Run, modules_imported
from .fakeclock import fake_clock, no_real_waits  # noqa: F401 - fixtures by name; no_real_waits is autouse
from .hostile import Behaviour, answer, endless_body, endless_headers, hostile, trickle
from .httpserver import Server, running, serving

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's proxy settings would send these checks through httpx instead."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def ask(*requests: tuple[str, str], deadline: float = 5.0) -> list[Answer | str]:
    """Ask each (method, url) in turn through one client; an answer, or the failure's name."""

    async def go() -> list[Answer | str]:
        prober = Prober("ppml-test")
        out: list[Answer | str] = []
        try:
            for method, url in requests:
                try:
                    out.append(await prober.ask(method, url, deadline))
                except ProbeError as error:
                    out.append(str(error))
        finally:
            await prober.close()
        return out

    return asyncio.run(go())


# ------------------------------------------------------------------ answers


def test_a_head_answer_is_read_and_its_connection_kept_for_the_next_request() -> None:
    with serving() as server:
        urls = [server.route(f"/p{n}", (200, {"X-Thing": f"v{n}"}, b"body")) for n in range(5)]
        answers = ask(*(("HEAD", url) for url in urls))
    assert [a.status for a in answers if isinstance(a, Answer)] == [200] * 5
    assert [a.headers["x-thing"] for a in answers if isinstance(a, Answer)] == [f"v{n}" for n in range(5)]
    assert len(server.connections) == 1
    assert [method for method, _, _ in server.log] == ["HEAD"] * 5
    _, path, headers = server.log[0]
    assert path == "/p0"
    assert headers["Host"] == server.base.removeprefix("http://")
    assert headers["User-Agent"] == "ppml-test"


def test_a_connection_the_server_closes_is_not_used_again() -> None:
    with serving() as server:
        urls = [server.route(f"/c{n}", (200, {"Connection": "close"}, b"")) for n in range(3)]
        answers = ask(*(("HEAD", url) for url in urls))
    assert all(isinstance(a, Answer) and a.status == 200 for a in answers)
    assert len(server.connections) == 3


def test_a_get_is_closed_after_its_head_and_its_body_never_read() -> None:
    with hostile(endless_body()) as base:
        [got] = ask(("GET", base + "/big"), deadline=5)
    assert isinstance(got, Answer) and got.status == 200


def test_a_get_connection_is_never_used_again() -> None:
    # were the GET's connection kept, the next request would read the unread body as its head
    def head_then_body(conn: socket.socket, until: float) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        time.sleep(0.3)  # the head alone first: the client has it before any body arrives
        conn.sendall(b"x" * 100000)
        answer(b"", OK, then_close=False)(conn, until)

    with hostile(head_then_body) as base:
        got, then = ask(("GET", base + "/a"), ("HEAD", base + "/b"))
    assert isinstance(got, Answer) and isinstance(then, Answer)
    assert (got.status, then.status) == (200, 200)


def test_a_kept_alive_connection_that_died_is_replaced_without_a_failure() -> None:
    # each connection answers its first request, then reads the second and hangs up unanswered
    with hostile(answer(OK, b"")) as base:
        first, second = ask(("HEAD", base + "/a"), ("HEAD", base + "/b"))
    assert isinstance(first, Answer) and isinstance(second, Answer)
    assert (first.status, second.status) == (200, 200)


def test_stray_bytes_on_a_kept_alive_connection_do_not_break_the_next_answer() -> None:
    # a HEAD answered with a body that comes late: the connection idles with it unread
    def late_body(conn: socket.socket, until: float) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        time.sleep(0.2)
        conn.sendall(b"ok")
        answer(b"", OK, then_close=False)(conn, until)

    async def go() -> list[int]:
        prober = Prober("ppml-test")
        try:
            first = await prober.ask("HEAD", base + "/a", 5)
            await asyncio.sleep(0.4)  # the stray body arrives while the connection is idle
            second = await prober.ask("HEAD", base + "/b", 5)
        finally:
            await prober.close()
        return [first.status, second.status]

    with hostile(late_body) as base:
        assert asyncio.run(go()) == [200, 200]


def _first_connection_then(first: Behaviour, others: bytes) -> Behaviour:
    """The first connection behaves as ``first``; every later one answers ``others`` to each request."""
    connections: list[socket.socket] = []

    def behave(conn: socket.socket, until: float) -> None:
        connections.append(conn)
        if len(connections) == 1:
            first(conn, until)
        else:
            answer(others, then_close=False)(conn, until)

    return behave


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def test_a_whole_answer_sent_late_after_a_head_is_not_the_next_urls_answer() -> None:
    # a HEAD answered, then (while the connection idles) bytes that look like a second complete answer;
    # the next URL on that connection would get no answer at all, but would read those bytes as its 200
    def answered_twice(conn: socket.socket, until: float) -> None:
        conn.sendall(OK)
        time.sleep(0.1)
        conn.sendall(OK)
        while time.monotonic() < until and _read_one_head(conn):
            pass  # asked again: never answered

    async def go() -> list[int]:
        prober = Prober("ppml-test")
        try:
            first = await prober.ask("HEAD", base + "/a", 5)
            await asyncio.sleep(0.3)  # the second answer arrives while the connection is idle
            second = await prober.ask("HEAD", base + "/b", 5)
        finally:
            await prober.close()
        return [first.status, second.status]

    with hostile(_first_connection_then(answered_twice, NOT_FOUND)) as base:
        assert asyncio.run(go()) == [200, 404]


def test_a_connection_is_never_reused_after_switching_protocols() -> None:
    switched = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    # after a 101 the connection speaks another protocol: whatever it sends is not an HTTP answer
    with hostile(_first_connection_then(answer(switched, OK, then_close=False), NOT_FOUND)) as base:
        first, second = ask(("HEAD", base + "/ws"), ("HEAD", base + "/next"))
    assert isinstance(first, Answer) and first.status == 101
    assert isinstance(second, Answer) and second.status == 404


def _read_one_head(conn: socket.socket) -> bool:
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            return False
        head += data
    return True


def test_informational_answers_are_skipped() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    with hostile(answer(early + b"HTTP/1.1 204 No Content\r\n\r\n")) as base:
        [got] = ask(("HEAD", base + "/"))
    assert isinstance(got, Answer) and got.status == 204


@pytest.mark.parametrize(
    ("raw", "status", "headers"),
    [
        (b"HTTP/1.1 301 Moved\nLocation: /x\n\n", 301, {"location": "/x"}),  # bare line feeds
        (b"HTTP/1.0 200\r\n\r\n", 200, {}),  # no reason phrase
        (b"HTTP/1.1 200 OK\r\nA: 1\r\na: 2\r\n\r\n", 200, {"a": "1, 2"}),  # repeated fields, as httpx joins them
        (b"HTTP/1.1 200 OK\r\nA: one\r\n  two\r\n\r\n", 200, {"a": "one two"}),  # an obsolete folded line
        (b"HTTP/1.1 302 Found\r\nLocation:  /caf\xc3\xa9  \r\n\r\n", 302, {"location": "/caf\u00e9"}),
        (b"HTTP/1.1 302 Found\r\nLocation: /caf\xe9\r\n\r\n", 302, {"location": "/caf\u00e9"}),  # Latin-1
    ],
)
def test_heads_are_read_as_httpx_reads_them(raw: bytes, status: int, headers: dict[str, str]) -> None:
    with hostile(answer(raw)) as base:
        [got] = ask(("HEAD", base + "/"))
    assert got == Answer(status=status, headers=headers)


@pytest.mark.parametrize(
    "raw",
    [
        b"",  # closed without a word
        b"garbage\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Le",  # closed in the middle of the head
    ],
)
def test_a_broken_head_is_a_protocol_error(raw: bytes) -> None:
    with hostile(answer(raw)) as base:
        assert ask(("HEAD", base + "/")) == ["protocol error"]


# ------------------------------------------------------------------ bounds


def test_endless_headers_stop_at_the_cap() -> None:
    with hostile(endless_headers()) as base:
        assert ask(("HEAD", base + "/"), deadline=10) == ["protocol error"]
    assert MAX_HEAD <= 64 * 1024


def test_headers_trickled_forever_are_a_timeout() -> None:
    with hostile(endless_headers(every=0.05)) as base:
        assert ask(("HEAD", base + "/"), deadline=0.4) == ["timeout"]


def test_a_head_sent_a_byte_at_a_time_is_a_timeout() -> None:
    with hostile(trickle(OK, every=0.1)) as base:  # 38 bytes: 3.8 s for the whole head
        assert ask(("HEAD", base + "/"), deadline=0.4) == ["timeout"]


def test_failures_are_named_and_retried_as_httpx_failures_were() -> None:
    assert classify(ProbeError("DNS failure")) == "DNS failure"
    calls: list[str] = []

    async def flaky() -> int:
        calls.append("x")
        if len(calls) < 3:
            raise ProbeError("timeout")
        return 200

    async def no_wait(seconds: float) -> None:
        return None

    assert asyncio.run(retrying(flaky, retries=2, decide=lambda a, n: None, sleep=no_wait)) == (200, 3)

    async def unknown_name() -> int:
        raise ProbeError("DNS failure")

    with pytest.raises(ProbeError):
        asyncio.run(retrying(unknown_name, retries=5, decide=lambda a, n: None, sleep=no_wait))


# ------------------------------------------------------------------ URLs


@pytest.mark.parametrize(
    ("url", "host", "port", "authority", "path"),
    [
        ("http://Example.COM", "example.com", 80, "example.com", "/"),
        ("https://example.com:443/a?b=c#frag", "example.com", 443, "example.com", "/a?b=c"),
        ("http://example.com:8080/x", "example.com", 8080, "example.com:8080", "/x"),
        ("http://[::1]:9/", "::1", 9, "[::1]:9", "/"),
        ("http://a/x/../y/./z", "a", 80, "a", "/y/z"),
        ("http://a/a b/%41%zz?q=\u00e4 x", "a", 80, "a", "/a%20b/%41%25zz?q=%C3%A4%20x"),
        ("http://b\u00fccher.de/", "xn--bcher-kva.de", 80, "xn--bcher-kva.de", "/"),
        ("http://exa mple.com/", "exa%20mple.com", 80, "exa%20mple.com", "/"),
    ],
)
def test_a_url_becomes_a_request_as_httpx_would_send_it(
    url: str, host: str, port: int, authority: str, path: str
) -> None:
    where = target(url)
    assert (where.host, where.port, where.authority, where.path) == (host, port, authority, path)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x/", "invalid URL: Request URL has an unsupported protocol 'ftp://'."),
        ("example.com/x", "invalid URL: Request URL is missing an 'http://' or 'https://' protocol."),
        ("mailto:a@b.c", "invalid URL: Request URL is missing an 'http://' or 'https://' protocol."),
        ("http:///path", "invalid URL: Request URL is missing an 'http://' or 'https://' protocol."),
        ("http://a:abc/", "invalid URL: Invalid port: 'abc'"),
        ("http://a:99999/", "invalid URL: Invalid port: '99999'"),
        ("http://[::1/", "invalid URL: Invalid IPv6 URL"),
    ],
)
def test_a_url_that_cannot_be_asked_is_an_invalid_url(url: str, message: str) -> None:
    with pytest.raises(ProbeError) as caught:
        target(url)
    assert str(caught.value) == message


@given(st.text(max_size=60), st.text(max_size=30))
def test_no_url_can_smuggle_anything_into_the_request(host: str, rest: str) -> None:
    for url in (f"http://{host}/{rest}", f"https://x/{host}?{rest}", host + rest):
        try:
            where = target(url)
        except ProbeError as error:
            assert str(error).startswith("invalid URL: ")
            continue
        for part in (where.authority, where.path):
            assert part.isascii() and part.isprintable() and " " not in part, (url, part)


# ------------------------------------------------------------------ TLS, as httpx trusts


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Server()
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    with running(server):
        yield server


def test_tls_trusts_what_httpx_trusts(
    tls_server: Server, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = tls_server.route("/secure", (200, {}, b"")).replace("http://", "https://")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert ask(("HEAD", url)) == ["TLS error"]  # certifi's bundle does not know this certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    [got] = ask(("HEAD", url))
    assert isinstance(got, Answer) and got.status == 200


# ------------------------------------------------------------------ through the checker


def _through_one_server(server: Server) -> Connect:
    """A connect that sends every host to ``server``: no traffic leaves the machine."""
    host, port = server.server_address[:2]

    async def connect(
        name: str, _port: int, tls: ssl.SSLContext | None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(str(host), port)

    return connect


def test_public_pages_cannot_redirect_into_the_local_network_unless_allowed() -> None:
    with serving() as server:
        server.route("/", (301, {"Location": "http://10.0.0.5/admin"}, b""))
        server.route("/admin", (200, {}, b""))
        connect = _through_one_server(server)
        results = {}
        for allow in (False, True):
            options = LinkOptions(retries=0, allow_private=allow)
            [result] = asyncio.run(check_all([("http://93.184.216.34/", ())], options, connect=connect))
            results[allow] = result
    assert results[False].ok is False and "private address refused" in str(results[False].error)
    assert results[True].ok is True and results[True].final_url == "http://10.0.0.5/admin"
    assert [headers["Host"] for _, _, headers in server.log] == ["93.184.216.34", "93.184.216.34", "10.0.0.5"]


def test_with_a_proxy_configured_links_go_through_it(monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    with serving() as proxy:
        url = "http://93.184.216.34/page"  # a public address: only the loopback proxy is ever reached
        proxy.routes[url] = [(200, {}, b"")]
        monkeypatch.setenv("HTTP_PROXY", proxy.base)
        assert proxy_configured()
        result = run("links", "-", "--no-cache", "--retries", "0", "-o", "json", input=url + "\n")
    [link] = json.loads(result.stdout)
    assert link["ok"] is True, link
    assert proxy.requests(url) == ["HEAD"]


def test_without_a_proxy_links_import_no_httpx(tmp_path: Path) -> None:
    with serving() as server:
        url = server.route("/fine", (200, {}, b""))
        done = modules_imported(["links", "-", "--no-cache", "-o", "json"], tmp_path / "cache", stdin=url + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["ok"] is True
    loaded = done.modules
    assert "ppml_cli.net.probe" in loaded
    assert not {"httpx", "httpcore", "anyio", "h11"} & loaded


def test_open_connections_never_exceed_the_budget_and_idle_ones_make_room() -> None:
    # three origins, two connections allowed: the least recently used idle one closes for a new origin
    async def go(urls: list[str]) -> tuple[list[int], int]:
        prober = Prober("ppml-test", budget=2)
        try:
            answers = await asyncio.gather(*(prober.ask("HEAD", url, 5) for url in urls))
        finally:
            await prober.close()
        return [a.status for a in answers], prober.most_open

    with serving() as a, serving() as b, serving() as c:
        urls = [server.route(f"/{n}", (200, {}, b"")) for n in range(4) for server in (a, b, c)]
        statuses, most_open = asyncio.run(go(urls))
    assert statuses == [200] * 12
    assert most_open == 2


def test_through_httpx_idle_pools_close_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from ppml_cli.net import link_proxy

    monkeypatch.setattr(link_proxy, "connection_budget", lambda: 8)  # two pools of four connections

    async def go() -> tuple[list[int], list[int]]:
        session = link_proxy.HttpxSession(LinkOptions(per_host=4), httpx.MockTransport(lambda _: httpx.Response(200)))
        statuses, pools = [], []
        try:
            for n in range(5):
                statuses.append((await session.ask("HEAD", f"http://10.0.0.{n}/", 5)).status)
                pools.append(len(session.clients))
        finally:
            await session.close()
        return statuses, pools

    statuses, pools = asyncio.run(go())
    assert statuses == [200] * 5
    assert pools == [1, 2, 2, 2, 2]
