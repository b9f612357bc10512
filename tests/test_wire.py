"""Every request is bounded: a total deadline, a cap on the body read, and redirects kept out of local networks.

These run the installed ``ppml`` against hostile servers on 127.0.0.1 that
stop by themselves; each subprocess has its own timeout, so a regression
fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ppml_cli.net import arxiv, crossref, pypi
from ppml_cli.net.fetch import FetchError
from ppml_cli.net.http import DeadlineExceeded, Reply, ResponseTooLarge
from ppml_cli.net.link_check import LinkOptions
from ppml_cli.net.links import check_all
from ppml_cli.net.policy import address_class, refused_redirect, retrying

from .hostile import endless_body, hostile, trickle
from .httpserver import serving

PPML = str(Path(sys.executable).with_name("ppml"))
SLOW_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def ppml(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "FORCE_COLOR")}
    return subprocess.run(
        [PPML, *args], input=input, capture_output=True, text=True, env={**environ, **(env or {})}, timeout=60
    )


def test_a_trickling_server_is_a_timeout_not_a_working_link() -> None:
    # one byte every 0.1 s: every read is quick, the whole answer takes 4 s
    with hostile(trickle(SLOW_OK, every=0.1)) as base:
        result = ppml("links", "-", "--no-cache", "--timeout", "0.4", "--retries", "0", "-o", "json", input=base + "/")
    assert result.returncode == 1, result.stderr
    [link] = json.loads(result.stdout)
    assert link["ok"] is False
    assert link["error"] == "timeout"


def test_an_endless_api_answer_is_cut_off(tmp_path: Path, write_catalog_file: Path) -> None:
    with hostile(endless_body()) as base:
        result = ppml(
            "--catalog",
            str(write_catalog_file),
            "refresh",
            "alpha",
            "-o",
            "json",
            env={"PPML_GITHUB_API_URL": base, "PPML_DATA_DIR": str(tmp_path), "GITHUB_TOKEN": ""},
        )
    assert "Traceback" not in result.stderr
    outcomes = json.loads(result.stdout)
    assert outcomes and all(o["status"] == "error" for o in outcomes)
    assert all("answer larger than" in o["message"] for o in outcomes)


@pytest.fixture
def write_catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "tools.yaml"
    path.write_text(
        "tools:\n"
        "  - {id: alpha, name: Alpha, url: 'https://github.com/org/alpha', description: A tool., "
        "techniques: [dp-training]}\n"
    )
    return path


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("0.0.0.0", "private"),
        ("93.184.216.34", "public"),
    ],
)
def test_address_classes(address: str, expected: str) -> None:
    assert address_class(address) == expected


def test_a_redirect_into_link_local_space_is_refused() -> None:
    with serving() as server:
        url = server.route("/meta", (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""))
        result = ppml("links", "-", "--no-cache", "-o", "json", input=url)
    assert result.returncode == 1
    [link] = json.loads(result.stdout)
    assert link["ok"] is False
    assert "link-local address refused" in link["error"]
    assert link["redirects"] == [{"status": 302, "location": "http://169.254.169.254/latest/meta-data/"}]


def test_loopback_to_loopback_redirects_are_followed() -> None:
    with serving() as server:
        target = server.route("/there", (200, {}, b"ok"))
        named = target.replace("127.0.0.1", "localhost")
        url = server.route("/here", (302, {"Location": named}, b""))
        result = ppml("links", "-", "--no-cache", "-o", "json", input=url)
    [link] = json.loads(result.stdout)
    assert link["ok"] is True, link
    assert link["final_url"] == named


def _check_through(transport: httpx.MockTransport, url: str, allow_private: bool) -> dict[str, object]:
    options = LinkOptions(retries=0, allow_private=allow_private)
    [result] = asyncio.run(check_all([(url, ())], options, transport=transport))
    return result.to_dict()


def test_public_pages_cannot_redirect_into_the_local_network_unless_allowed() -> None:
    # no traffic leaves the process: a mock transport answers for every host
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "93.184.216.34":
            return httpx.Response(301, headers={"Location": "http://10.0.0.5/admin"})
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    refused = _check_through(transport, "http://93.184.216.34/", allow_private=False)
    assert refused["ok"] is False and "private address refused" in str(refused["error"])
    followed = _check_through(transport, "http://93.184.216.34/", allow_private=True)
    assert followed["ok"] is True and followed["final_url"] == "http://10.0.0.5/admin"


# ------------------------------------------------------------ the one retry loop


def _reply(status: int) -> Reply:
    return Reply(status=status, headers=httpx.Headers(), body=b"", url="http://127.0.0.1/")


def test_the_retry_loop_retries_what_decide_says_and_counts_attempts() -> None:
    answers = [_reply(503), _reply(503), _reply(200)]
    waits: list[float] = []

    async def send() -> Reply:
        return answers.pop(0)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def decide(reply: Reply, attempt: int) -> float | None:
        return 0.25 * (attempt + 1) if reply.status == 503 else None

    reply, attempts = asyncio.run(retrying(send, retries=5, decide=decide, sleep=sleep))
    assert (reply.status, attempts, waits) == (200, 3, [0.25, 0.5])


def test_the_retry_loop_gives_up_after_its_retries_and_returns_the_last_answer() -> None:
    async def send() -> Reply:
        return _reply(500)

    async def sleep(seconds: float) -> None:
        return None

    reply, attempts = asyncio.run(retrying(send, retries=2, decide=lambda r, a: 0.0, sleep=sleep))
    assert (reply.status, attempts) == (500, 3)


def test_the_retry_loop_retries_transient_errors_and_raises_the_rest() -> None:
    calls = []

    async def flaky() -> Reply:
        calls.append(1)
        if len(calls) < 3:
            raise DeadlineExceeded("slow")
        return _reply(200)

    async def sleep(seconds: float) -> None:
        return None

    reply, attempts = asyncio.run(retrying(flaky, retries=2, decide=lambda r, a: None, sleep=sleep))
    assert (reply.status, attempts) == (200, 3)

    async def too_big() -> Reply:
        raise ResponseTooLarge("answer larger than 10 bytes")

    with pytest.raises(ResponseTooLarge):
        asyncio.run(retrying(too_big, retries=5, decide=lambda r, a: None, sleep=sleep))


def test_the_github_client_does_not_follow_the_api_into_link_local_space(
    tmp_path: Path, write_catalog_file: Path
) -> None:
    with serving() as api:
        api.route("/repos/org/alpha", (301, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""))
        result = ppml(
            "--catalog",
            str(write_catalog_file),
            "refresh",
            "alpha",
            "-o",
            "json",
            env={"PPML_GITHUB_API_URL": api.base, "PPML_DATA_DIR": str(tmp_path), "GITHUB_TOKEN": ""},
        )
    assert "Traceback" not in result.stderr
    [outcome] = json.loads(result.stdout)
    assert outcome["status"] == "error"
    assert outcome["message"] == "redirect to a link-local address refused"


# ------------------------------------------- the services `add` reads: one redirect rule, one decoding

METADATA = "http://169.254.169.254/latest/meta-data/"


@pytest.mark.parametrize(
    ("variable", "fetch_one"),
    [
        ("PPML_PYPI_URL", lambda: pypi.fetch_project("opacus", deadline=2)),
        ("PPML_ARXIV_API_URL", lambda: arxiv.fetch_paper("1607.00133", deadline=2)),
        ("PPML_CROSSREF_API_URL", lambda: crossref.fetch_work("10.1145/2976749.2978318", deadline=2)),
    ],
)
def test_the_services_add_reads_do_not_follow_a_redirect_into_link_local_space(
    variable: str, fetch_one: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving() as server:
        for path in ("/pypi/opacus/json", "/api/query", "/works/10.1145/2976749.2978318"):
            server.route(path, (302, {"Location": METADATA}, b""))
        monkeypatch.setenv(variable, server.base)
        with pytest.raises(FetchError) as raised:
            fetch_one()
    assert raised.value.reason == "redirect to a link-local address refused"
    assert len(server.log) == 1  # asked once, and the metadata address never


def test_the_services_add_reads_still_follow_a_redirect_within_their_network(monkeypatch: pytest.MonkeyPatch) -> None:
    project = {"info": {"name": "Opacus", "summary": "DP training", "version": "1.5"}, "urls": []}
    with serving() as server:
        server.route("/pypi/Opacus/json", (301, {"Location": "/pypi/opacus/json"}, b""))
        server.route("/pypi/opacus/json", (200, {"Content-Type": "application/json"}, json.dumps(project).encode()))
        monkeypatch.setenv("PPML_PYPI_URL", server.base)
        found = pypi.fetch_project("Opacus", deadline=5)
    assert found is not None and found.summary == "DP training"


LAUGHS = (
    '<?xml version="1.0" encoding="UTF-16"?>'
    '<!DOCTYPE feed [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.01234v1</id>'
    "<title>&b;</title></entry></feed>"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_document_type_is_refused_in_any_encoding(encoding: str) -> None:
    body = LAUGHS.replace("UTF-16", encoding.upper()).encode(encoding)
    with pytest.raises(FetchError, match="declares a document type"):
        arxiv.parse_feed(body, "2401.01234")


def test_a_utf16_feed_is_read_and_a_doctype_in_it_refused_through_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    feed = LAUGHS.split("<!DOCTYPE")[0] + "<feed" + LAUGHS.split("<feed", 1)[1].replace("&b;", "Deep learning")
    with serving() as server:
        server.route("/api/query", (200, {}, feed.encode("utf-16")), (200, {}, LAUGHS.encode("utf-16")))
        monkeypatch.setenv("PPML_ARXIV_API_URL", server.base)
        paper = arxiv.fetch_paper("2401.01234", deadline=5)
        assert paper is not None and paper.title == "Deep learning"
        with pytest.raises(FetchError, match="declares a document type"):
            arxiv.fetch_paper("2401.01234", deadline=5)


def test_a_redirect_is_not_let_through_when_its_lookup_runs_out_of_files(monkeypatch: pytest.MonkeyPatch) -> None:
    # a lookup refused for want of files would leave the target's class unknown, and unknown passes
    calls: list[str] = []

    async def getaddrinfo(self: object, host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        calls.append(host)
        if len(calls) < 3:
            raise OSError(errno.EMFILE, "Too many open files")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    refusal = asyncio.run(refused_redirect("http://93.184.216.34/", "http://intranet.example/"))
    assert refusal == "redirect to a private address refused"
    assert calls == ["intranet.example"] * 3
