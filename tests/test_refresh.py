"""`ppml refresh` against a fake GitHub API on 127.0.0.1, and how show/list/compare use its data."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ppml_cli.net import policy

from .conftest import Run
from .fakeclock import FakeClock, fake_clock, no_real_waits  # noqa: F401 - fixtures by name; no_real_waits is autouse
from .httpserver import Handler, Reply, Server, serving

CATALOG = """
phases:
  - {id: training, name: Training, description: Fitting models.}
techniques:
  - {id: dp-training, name: DP training, phase: training, description: Noise.}
tools:
  - {id: alpha, name: Alpha, url: "https://github.com/org/alpha", description: First tool., techniques: [dp-training]}
  - id: beta
    name: Beta
    url: "https://github.com/org/beta/tree/main/sub"
    description: Second tool.
    techniques: [dp-training]
  - {id: gamma, name: Gamma, url: "https://example.org/gamma", description: Not on GitHub., techniques: [dp-training]}
"""


def repo_json(name: str, stars: int, **extra: Any) -> bytes:
    data = {
        "full_name": name,
        "html_url": f"https://github.com/{name}",
        "stargazers_count": stars,
        "forks_count": 3,
        "open_issues_count": 2,
        "pushed_at": "2026-11-01T10:00:00Z",
        "archived": False,
        "license": {"spdx_id": "MIT"},
        "default_branch": "main",
        **extra,
    }
    return json.dumps(data).encode()


def with_etag(body: bytes, etag: str) -> Callable[[Handler], Reply]:
    """200 with an ETag, or 304 when the client already has it."""

    def reply(handler: Handler) -> Reply:
        if handler.headers.get("If-None-Match") == etag:
            return (304, {"ETag": etag}, b"")
        return (200, {"ETag": etag, "Content-Type": "application/json"}, body)

    return reply


RELEASE: Reply = (
    200,
    {"Content-Type": "application/json"},
    b'{"tag_name": "v1.2", "published_at": "2026-10-01T00:00:00Z"}',
)
NO_RELEASE: Reply = (404, {}, b'{"message": "Not Found"}')


@pytest.fixture
def api() -> Iterator[Server]:
    with serving() as server:
        server.route("/repos/org/alpha", with_etag(repo_json("org/alpha", 50), '"a1"'))
        server.route("/repos/org/alpha/releases/latest", RELEASE)
        server.route("/repos/org/beta", with_etag(repo_json("org/beta", 500, archived=True), '"b1"'))
        server.route("/repos/org/beta/releases/latest", NO_RELEASE)
        yield server


@pytest.fixture
def ppml(run: Run, api: Server, write_catalog: Callable[..., Path], tmp_path: Path) -> Callable[..., Any]:
    catalog = write_catalog(CATALOG)
    data_dir = tmp_path / "data"

    def invoke(*args: str, token: str | None = None, api_url: str | None = None) -> Any:
        env = {"PPML_GITHUB_API_URL": api_url or api.base, "PPML_DATA_DIR": str(data_dir), "GITHUB_TOKEN": token or ""}
        return run("--no-bundled", "--catalog", str(catalog), *args, env=env)

    invoke.data_file = data_dir / "github.json"  # type: ignore[attr-defined]
    return invoke


def refresh_json(ppml: Callable[..., Any], *args: str, **kwargs: Any) -> tuple[int, dict[str, dict[str, Any]]]:
    result = ppml("refresh", "-o", "json", *args, **kwargs)
    return result.exit_code, {row["repo"]: row for row in json.loads(result.stdout)} if result.stdout else {}


def test_refresh_fetches_metadata_for_github_tools(ppml: Callable[..., Any]) -> None:
    code, rows = refresh_json(ppml)
    assert code == 0
    assert set(rows) == {"org/alpha", "org/beta"}  # gamma is not on GitHub
    alpha = rows["org/alpha"]
    assert alpha["status"] == "updated" and alpha["ids"] == ["alpha"]
    github = alpha["github"]
    assert github["stars"] == 50 and github["forks"] == 3 and github["open_issues"] == 2
    assert github["pushed_at"] == "2026-11-01T10:00:00Z" and github["license"] == "MIT"
    assert github["latest_release"] == {"tag": "v1.2", "published_at": "2026-10-01T00:00:00Z"}
    assert "etag" not in github
    assert rows["org/beta"]["github"]["latest_release"] is None
    stored = json.loads(ppml.data_file.read_text())  # type: ignore[attr-defined]
    assert stored["repos"]["org/alpha"]["etag"] == '"a1"'


def test_the_token_goes_to_the_api_host_only(ppml: Callable[..., Any], api: Server) -> None:
    with serving() as elsewhere:
        elsewhere.route("/moved/beta", (200, {"Content-Type": "application/json"}, repo_json("org/beta", 5)))
        elsewhere.route("/repos/org/beta/releases/latest", NO_RELEASE)
        api.route("/repos/org/beta", (302, {"Location": elsewhere.url("/moved/beta")}, b""))
        result = ppml("refresh", "-o", "json", token="s3cret-token")
        assert result.exit_code == 0
        sent = [headers.get("Authorization") for _, path, headers in api.log if path == "/repos/org/alpha"]
        assert sent == ["Bearer s3cret-token"]
        assert elsewhere.log and all("Authorization" not in headers for _, _, headers in elsewhere.log)
    assert "s3cret-token" not in result.stdout + result.stderr


def test_a_rerun_uses_etags_and_costs_no_quota(ppml: Callable[..., Any], api: Server) -> None:
    refresh_json(ppml)
    code, rows = refresh_json(ppml)
    assert code == 0
    assert rows["org/alpha"]["status"] == "unchanged"
    assert rows["org/alpha"]["github"]["stars"] == 50  # kept from the first run
    conditional = [h.get("If-None-Match") for _, path, h in api.log if path == "/repos/org/alpha"]
    assert conditional == [None, '"a1"']


def test_a_deleted_repository_is_reported(ppml: Callable[..., Any], api: Server) -> None:
    api.route("/repos/org/beta", (404, {}, b'{"message": "Not Found"}'))
    code, rows = refresh_json(ppml)
    assert code == 0
    assert rows["org/beta"]["status"] == "not-found"
    assert rows["org/alpha"]["status"] == "updated"


def test_a_renamed_repository_is_followed_and_reported(ppml: Callable[..., Any], api: Server) -> None:
    api.route("/repos/org/beta", (301, {"Location": "/repositories/42"}, b""))
    api.route("/repositories/42", (200, {"Content-Type": "application/json"}, repo_json("neworg/beta", 7)))
    api.route("/repos/neworg/beta/releases/latest", NO_RELEASE)
    code, rows = refresh_json(ppml, token="tok")
    assert code == 0
    assert rows["org/beta"]["status"] == "moved"
    assert "renamed to neworg/beta" in rows["org/beta"]["message"]
    moved = [h.get("Authorization") for _, p, h in api.log if p == "/repositories/42"]
    assert moved == ["Bearer tok"]  # same origin: the token stays


def test_a_malformed_body_keeps_the_old_data(ppml: Callable[..., Any], api: Server) -> None:
    refresh_json(ppml)
    api.route("/repos/org/alpha", (200, {"Content-Type": "application/json"}, b"{not json"))
    code, rows = refresh_json(ppml)
    assert code == 0
    assert rows["org/alpha"]["status"] == "error"
    assert "malformed JSON" in rows["org/alpha"]["message"]
    assert rows["org/alpha"]["github"]["stars"] == 50
    shown = json.loads(ppml("show", "alpha", "-o", "json").stdout)
    assert shown["github"]["stars"] == 50


def test_a_far_rate_limit_reset_stops_with_a_time_to_retry(ppml: Callable[..., Any], api: Server) -> None:
    reset = str(int(time.time()) + 3600)
    limited = (
        403,
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        b'{"message": "API rate limit exceeded"}',
    )
    api.route("/repos/org/alpha", limited)
    api.route("/repos/org/beta", limited)
    result = ppml("refresh", "-o", "json")
    assert result.exit_code == 3
    assert "rate limit reached; retry after" in result.stderr and "UTC" in result.stderr
    assert "GITHUB_TOKEN" in result.stderr
    assert len([p for _, p, _ in api.log if p.startswith("/repos/")]) <= 2  # no hammering while limited


def test_a_near_rate_limit_reset_is_waited_for(ppml: Callable[..., Any], api: Server) -> None:
    api.route(
        "/repos/org/alpha",
        (429, {"Retry-After": "1"}, b'{"message": "secondary rate limit"}'),
        with_etag(repo_json("org/alpha", 50), '"a1"'),
    )
    code, rows = refresh_json(ppml, "alpha")
    assert code == 0
    assert rows["org/alpha"]["status"] == "updated"
    clock = policy.CLOCK
    assert isinstance(clock, FakeClock)
    assert clock.waits == [1.0]  # the second it was asked to wait, on the clock every client waits on


def test_an_unreachable_api_is_one_line_and_keeps_data(ppml: Callable[..., Any]) -> None:
    refresh_json(ppml)
    before = ppml.data_file.read_bytes()  # type: ignore[attr-defined]
    result = ppml("refresh", api_url="http://127.0.0.1:9")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("Error: cannot reach the GitHub API at http://127.0.0.1:9: connection refused")
    assert "Traceback" not in result.stderr
    assert ppml.data_file.read_bytes() == before  # type: ignore[attr-defined]
    assert json.loads(ppml("show", "beta", "-o", "json").stdout)["github"]["stars"] == 500


def test_server_errors_keep_earlier_data(ppml: Callable[..., Any], api: Server) -> None:
    refresh_json(ppml)
    api.route("/repos/org/alpha", (500, {}, b"oops"))
    _, rows = refresh_json(ppml)
    assert rows["org/alpha"]["status"] == "error"
    assert json.loads(ppml.data_file.read_text())["repos"]["org/alpha"]["stars"] == 50  # type: ignore[attr-defined]


def test_show_list_and_compare_use_the_metadata(ppml: Callable[..., Any]) -> None:
    refresh_json(ppml)
    shown = ppml("show", "beta")
    assert "GitHub" in shown.stdout and "refreshed today" in shown.stdout
    assert "archived" in shown.stdout and "500" in shown.stdout
    listed = json.loads(ppml("list", "--kind", "tool", "--sort", "stars", "-o", "json").stdout)
    assert [e["id"] for e in listed] == ["beta", "alpha", "gamma"]  # gamma has no stars: last
    assert listed[0]["github"]["archived"] is True
    assert "github" not in listed[2]
    table = ppml("list", "--kind", "tool").stdout
    assert "archived" in table
    compared = json.loads(ppml("compare", "alpha", "beta", "-o", "json").stdout)
    assert compared[0]["github"]["stars"] == 50
    assert "stars" in compared[0]["differs_in"]


def test_refresh_named_tools_only(ppml: Callable[..., Any], api: Server) -> None:
    code, rows = refresh_json(ppml, "alpha")
    assert code == 0 and set(rows) == {"org/alpha"}
    result = ppml("refresh", "gamma")
    assert result.exit_code == 2
    assert "not hosted on GitHub" in result.stderr


def test_reading_refreshed_data_imports_no_network_code(
    ppml: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    refresh_json(ppml)
    # put back afterwards: later tests hold these modules' classes (httpx's errors, mock transports)
    for module in [m for m in sys.modules if m == "httpx" or m.startswith(("httpx.", "ppml_cli.net"))]:
        monkeypatch.delitem(sys.modules, module)
    assert json.loads(ppml("show", "alpha", "-o", "json").stdout)["github"]["stars"] == 50
    assert "httpx" not in sys.modules and "ppml_cli.net.github" not in sys.modules


def test_certificates_that_cannot_be_read_are_one_error(
    ppml: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    result = ppml("refresh", api_url="https://127.0.0.1:9")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: cannot read the certificates to trust from /nonexistent/ca.pem")
    assert "Traceback" not in result.stderr
