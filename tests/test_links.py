"""`ppml links` against real HTTP servers on 127.0.0.1 started by the tests."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Run
from .fakeclock import fake_clock, no_real_waits  # noqa: F401 - fixtures by name; no_real_waits is autouse
from .httpserver import Reply, Server, serving

OK: Reply = (200, {}, b"ok")


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as running:
        yield running


@pytest.fixture
def check(run: Run) -> Callable[..., tuple[int, list[dict[str, Any]]]]:
    """Check the given URLs through stdin; return (exit code, results by input order)."""

    def invoke(*urls: str, options: tuple[str, ...] = ()) -> tuple[int, list[dict[str, Any]]]:
        result = run("links", "-", "-o", "json", "--no-cache", *options, input="\n".join(urls) + "\n")
        assert result.exit_code in (0, 1), result.stderr
        return result.exit_code, json.loads(result.stdout)

    return invoke


def test_a_working_link(server: Server, check: Callable[..., Any]) -> None:
    code, [result] = check(server.route("/fine", OK))
    assert code == 0
    assert result["ok"] is True
    assert result["status"] == 200
    assert result["final_url"] == server.url("/fine")
    assert result["error"] is None
    assert isinstance(result["elapsed_ms"], int)
    assert {"url", "ok", "status", "final_url", "error", "elapsed_ms", "ids"} <= set(result)
    assert server.requests("/fine") == ["HEAD"]


def test_get_when_head_is_refused(server: Server, check: Callable[..., Any]) -> None:
    url = server.route("/nohead", (405, {}, b""), OK)
    code, [result] = check(url)
    assert code == 0 and result["ok"]
    assert result["method"] == "GET"
    assert server.requests("/nohead") == ["HEAD", "GET"]


def test_a_broken_link_exits_1(server: Server, check: Callable[..., Any]) -> None:
    code, [result] = check(server.url("/missing"))
    assert code == 1
    assert result["ok"] is False
    assert result["status"] == 404
    assert result["error"] == "HTTP 404"


def test_permanent_redirects_ask_for_an_update(server: Server, check: Callable[..., Any]) -> None:
    target = server.route("/new", OK)
    moved = server.route("/old", (301, {"Location": "/new"}, b""))
    temporary = server.route("/tmp", (302, {"Location": target}, b""))
    code, (first, second) = check(moved, temporary)
    assert code == 0
    assert first["ok"] and first["permanent_redirect"] and first["final_url"] == target
    assert first["redirects"] == [{"status": 301, "location": target}]
    assert second["ok"] and not second["permanent_redirect"]


def test_redirect_loops_and_long_chains_are_errors(server: Server, check: Callable[..., Any]) -> None:
    loop = server.route("/a", (302, {"Location": "/b"}, b""))
    server.route("/b", (302, {"Location": "/a"}, b""))
    for n in range(15):
        server.route(f"/chain{n}", (302, {"Location": f"/chain{n + 1}"}, b""))
    code, (looped, chained) = check(loop, server.url("/chain0"))
    assert code == 1
    assert looped["error"] == "redirect loop"
    assert chained["error"] == "more than 10 redirects"


def test_transient_errors_are_retried(server: Server, check: Callable[..., Any]) -> None:
    url = server.route("/flaky", (500, {}, b""), (502, {}, b""), OK)
    code, [result] = check(url, options=("--retries", "2"))
    assert code == 0 and result["ok"]
    assert result["attempts"] == 3


def test_retries_give_up(server: Server, check: Callable[..., Any]) -> None:
    url = server.route("/down", (503, {}, b""))
    code, [result] = check(url, options=("--retries", "1"))
    assert code == 1
    assert result["status"] == 503 and result["attempts"] == 2


def test_retry_after_is_honoured(server: Server, check: Callable[..., Any]) -> None:
    url = server.route("/busy", (429, {"Retry-After": "1"}, b""), OK)
    code, [result] = check(url)
    assert code == 0 and result["ok"]
    assert result["elapsed_ms"] >= 900  # it waited the second it was asked to


def test_a_retry_after_beyond_the_cap_is_not_waited_for(server: Server, check: Callable[..., Any]) -> None:
    url = server.route("/later", (503, {"Retry-After": "3600"}, b""), OK)
    code, [result] = check(url, options=("--max-wait", "5"))
    assert code == 1
    assert "Retry-After 3600s is over the 5s cap" in result["error"]
    assert server.requests("/later") == ["HEAD"]


def test_timeouts(check: Callable[..., Any]) -> None:
    with serving(delay=2.0) as slow:
        url = slow.route("/slow", OK)
        code, [result] = check(url, options=("--timeout", "0.3", "--retries", "0"))
    assert code == 1
    assert result["error"] == "timeout"


def test_refused_connections(check: Callable[..., Any]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, [result] = check(f"http://127.0.0.1:{port}/", options=("--retries", "0"))
    assert code == 1
    assert result["error"] == "connection refused"


def test_dns_failures(check: Callable[..., Any]) -> None:
    code, [result] = check("http://nonexistent.invalid/", options=("--retries", "0"))
    assert code == 1
    assert result["error"] == "DNS failure"


def test_tls_errors(server: Server, check: Callable[..., Any]) -> None:
    host, port = server.server_address[:2]
    code, [result] = check(f"https://{host!s}:{port}/", options=("--retries", "0"))
    assert code == 1
    assert result["error"] == "TLS error"


def test_exclude_and_accept(server: Server, check: Callable[..., Any]) -> None:
    forbidden = server.route("/bot-wall", (403, {}, b""))
    skipped = server.url("/skip-me")
    code, results = check(forbidden, skipped, options=("--exclude", "skip-me", "--accept", "403"))
    assert code == 0
    assert [r["url"] for r in results] == [forbidden]
    assert results[0]["ok"] and results[0]["status"] == 403


def test_a_source_file(server: Server, run: Run, tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# a comment\n\n{server.route('/x', OK)}\n{server.url('/x')}\n")
    result = run("links", str(listing), "-o", "json", "--no-cache")
    assert [r["url"] for r in json.loads(result.stdout)] == [server.url("/x")]  # duplicates once


def test_catalog_urls_are_reported_with_their_entries(
    server: Server, run: Run, write_catalog: Callable[..., Path]
) -> None:
    good, bad = server.route("/tool", OK), server.url("/gone")
    path = write_catalog(
        f"""
        phases:
          - {{id: training, name: Training, description: Fitting models.}}
        techniques:
          - {{id: dp-training, name: DP, phase: training, description: Noise.}}
        tools:
          - {{id: good-tool, name: Good, url: "{good}", description: Works., techniques: [dp-training]}}
          - {{id: bad-tool, name: Bad, url: "{bad}", description: Gone., techniques: [dp-training]}}
        """
    )
    result = run("--no-bundled", "--catalog", str(path), "links", "--no-cache", "-o", "json")
    assert result.exit_code == 1
    by_url = {r["url"]: r for r in json.loads(result.stdout)}
    assert by_url[good]["ids"] == ["good-tool"] and by_url[good]["ok"]
    assert by_url[bad]["ids"] == ["bad-tool"] and not by_url[bad]["ok"]
    table = run("--no-bundled", "--catalog", str(path), "links", "--no-cache", env={"COLUMNS": "200"})
    assert "broken" in table.stdout and "bad-tool" in table.stdout
    assert "2 link(s) checked: 1 ok, 1 broken" in table.stdout


def test_the_per_host_cap_holds(check: Callable[..., Any]) -> None:
    with serving(delay=0.05) as busy:
        urls = [busy.route(f"/p{n}", OK) for n in range(12)]
        code, results = check(*urls, options=("--per-host", "2", "--concurrency", "10"))
        assert code == 0 and len(results) == 12
        assert busy.max_in_flight <= 2


def test_working_links_are_cached_and_broken_ones_rechecked(server: Server, run: Run) -> None:
    good, bad = server.route("/cached", OK), server.url("/broken")
    urls = f"{good}\n{bad}\n"
    first = json.loads(run("links", "-", "-o", "json", input=urls).stdout)
    assert [r["cached"] for r in first] == [False, False]
    second = json.loads(run("links", "-", "-o", "json", input=urls).stdout)
    assert [r["cached"] for r in second] == [True, False]
    assert server.requests("/cached") == ["HEAD"]
    assert server.requests("/broken") == ["HEAD", "HEAD"]
    run("links", "-", "-o", "json", "--no-cache", input=urls)
    assert server.requests("/cached") == ["HEAD", "HEAD"]
    run("links", "-", "-o", "json", "--ttl", "0", input=urls)
    assert server.requests("/cached") == ["HEAD", "HEAD", "HEAD"]


@pytest.mark.parametrize(("args", "message"), [(["--accept", "abc"], "not a status code"), (["--exclude", "("], "")])
def test_bad_options_are_usage_errors(run: Run, args: list[str], message: str) -> None:
    result = run("links", "-", *args, input="http://127.0.0.1:9/\n")
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("hosts", "order"),
    [
        ([], []),
        (["a", "a", "a", "b", "b", "c"], [0, 3, 5, 1, 4, 2]),
        (["a", "b", "a", "b"], [0, 1, 2, 3]),
        (["a"] * 3, [0, 1, 2]),
    ],
)
def test_urls_start_one_host_at_a_time_in_turn(hosts: list[str], order: list[int]) -> None:
    from ppml_cli.net.links import _by_turns

    assert _by_turns(hosts) == order


def test_hosts_take_turns_a_window_at_a_time() -> None:
    # two hosts in turn at once: c joins when a is done, so a host's connection is used again soon
    from ppml_cli.net.links import _by_turns

    hosts = ["a", "a", "b", "b", "b", "c", "c"]
    assert _by_turns(hosts, window=2) == [0, 2, 1, 3, 5, 4, 6]


def test_a_list_sorted_by_host_keeps_every_host_busy_and_its_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import threading

    from ppml_cli.model import replace
    from ppml_cli.net import links
    from ppml_cli.net.link_check import LinkOptions
    from ppml_cli.netsettings import LINKS

    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setattr(links, "LIVE", 1)  # 16 checks under way (8 x concurrency 2) for 60 URLs
    arrivals: list[str] = []
    lock = threading.Lock()

    def arrive(name: str) -> Callable[[Any], Reply]:
        def answer(handler: Any) -> Reply:
            with lock:
                arrivals.append(name)
            return OK

        return answer

    with serving(delay=0.02) as first, serving(delay=0.02) as second:
        urls = [first.route(f"/a{n}", arrive("first")) for n in range(30)]
        urls += [second.route(f"/b{n}", arrive("second")) for n in range(30)]
        options = LinkOptions(network=replace(LINKS, concurrency=2), per_host=1, retries=0)
        results = asyncio.run(links.check_all([(url, ()) for url in urls], options))
    assert [r.url for r in results] == urls
    assert all(r.ok for r in results)
    assert "second" in arrivals[:4]  # the second host's URLs did not wait behind the first's thirty
    assert first.max_in_flight == second.max_in_flight == 1


def test_certificates_that_cannot_be_read_are_one_error_not_every_https_link_broken(
    server: Server, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    host, port = server.server_address[:2]
    urls = [f"https://{host!s}:{port}/a", f"https://{host!s}:{port}/b", server.route("/plain", OK)]
    result = run("links", "-", "--no-cache", "-o", "json", input="\n".join(urls) + "\n")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("Error: cannot read the certificates to trust from /nonexistent/ca.pem")
    assert result.stderr.count("Error:") == 1
    assert "SSL_CERT_FILE" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("command", "defaults"), [("links", "LINKS"), ("refresh", "REFRESH")])
def test_the_network_options_are_declared_once_with_each_commands_defaults(command: str, defaults: str) -> None:
    from typer.main import get_command

    from ppml_cli import netsettings as settings
    from ppml_cli.cli import app
    from ppml_cli.options import NETWORK

    found = get_command(app).get_command(None, command)  # type: ignore[attr-defined]
    params = {p.name: p for p in found.params}
    expected = getattr(settings, defaults)
    for declared in NETWORK:
        param = params[declared.name]
        assert param.default == getattr(expected, declared.field)
        assert param.rich_help_panel == "Network"


def test_links_hands_its_network_options_to_the_checker_as_one_record(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ppml_cli.net import links
    from ppml_cli.netsettings import NetworkSettings

    seen: list[object] = []

    def check_links(targets: object, options: object, on_result: object = None) -> list[object]:
        seen.append(options)
        return []

    monkeypatch.setattr(links, "check_links", check_links)
    args = ("links", "-", "--no-cache", "-c", "3", "--timeout", "2.5", "--max-wait", "7", "-o", "json")
    result = run(*args, input="http://127.0.0.1:9/\n")
    assert result.exit_code == 0, result.stderr
    [options] = seen
    assert options.network == NetworkSettings(concurrency=3, timeout=2.5, max_wait=7.0)  # type: ignore[attr-defined]
