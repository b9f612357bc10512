"""`refresh` against hostile or broken APIs and concurrent runs; reading stored data that was tampered with.

The API is a scripted server on 127.0.0.1 (tests/httpserver.py); concurrency
tests run the installed ``ppml`` in subprocesses. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppml_cli.store import repodata

from .conftest import Run
from .fakeclock import fake_clock, no_real_waits  # noqa: F401 - fixtures by name; no_real_waits is autouse
from .httpserver import Handler, Reply, Server, serving
from .test_refresh import CATALOG, NO_RELEASE, RELEASE, repo_json

PPML = [os.environ.get("PPML_UNDER_TEST") or str(Path(sys.executable).with_name("ppml"))]


def ok(body: bytes) -> Reply:
    return (200, {"Content-Type": "application/json"}, body)


@pytest.fixture
def api() -> Iterator[Server]:
    with serving() as server:
        server.route("/repos/org/alpha", ok(repo_json("org/alpha", 50)))
        server.route("/repos/org/alpha/releases/latest", RELEASE)
        server.route("/repos/org/beta", ok(repo_json("org/beta", 500)))
        server.route("/repos/org/beta/releases/latest", NO_RELEASE)
        yield server


@pytest.fixture
def setup(write_catalog: Callable[..., Path], tmp_path: Path, api: Server) -> dict[str, Any]:
    return {"catalog": write_catalog(CATALOG), "data": tmp_path / "data", "api": api}


@pytest.fixture
def ppml(run: Run, setup: dict[str, Any]) -> Callable[..., Any]:
    def invoke(*args: str, token: str = "") -> Any:
        env = {"PPML_GITHUB_API_URL": setup["api"].base, "PPML_DATA_DIR": str(setup["data"]), "GITHUB_TOKEN": token}
        return run("--no-bundled", "--catalog", str(setup["catalog"]), *args, env=env)

    return invoke


def stored(setup: dict[str, Any]) -> dict[str, Any]:
    return json.loads((setup["data"] / "github.json").read_text(encoding="utf-8"))["repos"]  # type: ignore[no-any-return]


def spawn(setup: dict[str, Any], *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PPML_GITHUB_API_URL": setup["api"].base,
        "PPML_DATA_DIR": str(setup["data"]),
        "GITHUB_TOKEN": "",
        "COLUMNS": "400",
    }
    argv = [*PPML, "--no-bundled", "--catalog", str(setup["catalog"]), *args]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class TestConcurrentRuns:
    """Item 3: two refreshes at once both keep what they fetched."""

    def test_two_runs_on_different_tools_both_keep_their_repositories(self, setup: dict[str, Any]) -> None:
        api: Server = setup["api"]
        both_asked = threading.Barrier(2, timeout=60)  # each run has read the stored file before either answers

        def after_both(body: bytes) -> Callable[[Handler], Reply]:
            def reply(handler: Handler) -> Reply:
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_asked.wait()
                return ok(body)

            return reply

        api.route("/repos/org/alpha", after_both(repo_json("org/alpha", 50)))
        api.route("/repos/org/beta", after_both(repo_json("org/beta", 500)))
        runs = [spawn(setup, "refresh", "alpha", "-o", "json"), spawn(setup, "refresh", "beta", "-o", "json")]
        results = [(*run.communicate(timeout=120), run.returncode) for run in runs]
        for out, err, code in results:
            assert code == 0, err
            assert json.loads(out)[0]["status"] == "updated"
        repos = stored(setup)
        assert set(repos) == {"org/alpha", "org/beta"}
        assert repos["org/alpha"]["stars"] == 50 and repos["org/beta"]["stars"] == 500

    def test_the_lock_file_is_private_and_nothing_temporary_remains(
        self, ppml: Callable[..., Any], setup: dict[str, Any]
    ) -> None:
        assert ppml("refresh").exit_code == 0
        names = sorted(p.name for p in setup["data"].iterdir())
        assert names == ["github.json", "github.json.lock"]
        assert all((setup["data"] / n).stat().st_mode & 0o077 == 0 for n in names)


class TestApiData:
    """Item 4: the API's data is checked before it is stored; one bad repository does not cost the others."""

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"archived": "no"}, "archived"),
            ({"stargazers_count": "many"}, "stars"),
            ({"stargazers_count": True}, "stars"),
            ({"forks_count": -3}, "forks"),
            ({"pushed_at": "yesterday"}, "pushed_at"),
            ({"full_name": ["org", "alpha"]}, "full_name"),
            ({"html_url": "javascript:alert(1)"}, "html_url"),
            ({"license": {"spdx_id": 7}}, "license"),
        ],
    )
    def test_a_repository_with_bad_types_is_rejected_and_the_rest_kept(
        self, ppml: Callable[..., Any], setup: dict[str, Any], extra: dict[str, Any], field: str
    ) -> None:
        setup["api"].route("/repos/org/alpha", ok(repo_json("org/alpha", 50, **extra)))
        result = ppml("refresh", "-o", "json")
        assert result.exit_code == 0  # beta was refreshed
        rows = {row["repo"]: row for row in json.loads(result.stdout)}
        assert rows["org/alpha"]["status"] == "error"
        assert "unexpected data from the API" in rows["org/alpha"]["message"]
        assert field in rows["org/alpha"]["message"]
        assert set(stored(setup)) == {"org/beta"}
        listed = ppml("list", "--kind", "tool", "--sort", "stars", "-o", "json")
        assert listed.exit_code == 0
        assert [e["id"] for e in json.loads(listed.stdout)][:1] == ["beta"]

    def test_a_lone_surrogate_does_not_crash_refresh(self, ppml: Callable[..., Any], setup: dict[str, Any]) -> None:
        body = repo_json("org/alpha", 50).replace(b'"main"', b'"ma\\ud800in"')
        setup["api"].route("/repos/org/alpha", ok(body))
        setup["api"].route("/repos/org/alpha/releases/latest", ok(b'{"tag_name": "v\\udfff1", "published_at": null}'))
        result = ppml("refresh", "-o", "json")
        assert result.exit_code == 0, result.stderr
        repos = stored(setup)
        assert set(repos) == {"org/alpha", "org/beta"}  # saved, both
        assert repos["org/alpha"]["default_branch"] == "ma\ufffdin"
        assert repos["org/alpha"]["latest_release"]["tag"] == "v\ufffd1"
        shown = ppml("show", "alpha", "-o", "json")
        assert shown.exit_code == 0 and json.loads(shown.stdout)["github"]["stars"] == 50

    def test_json_nested_too_deeply_is_an_error_for_that_repository(
        self, ppml: Callable[..., Any], setup: dict[str, Any]
    ) -> None:
        setup["api"].route("/repos/org/alpha", ok(b"[" * 100_000 + b"]" * 100_000))
        result = ppml("refresh", "-o", "json")
        assert result.exit_code == 0
        rows = {row["repo"]: row for row in json.loads(result.stdout)}
        assert rows["org/alpha"]["status"] == "error" and "malformed JSON" in rows["org/alpha"]["message"]


class TestStoredData:
    """Item 4: reading stored data never crashes, whatever the file holds."""

    @pytest.mark.parametrize(
        "change",
        [
            {"stars": "many"},
            {"archived": "no"},
            {"stars": [1], "pushed_at": 3},
            {"pushed_at": {"when": "now"}},
            {"latest_release": "v1"},
            "not a record",
            None,
        ],
    )
    def test_a_tampered_record_is_ignored(self, ppml: Callable[..., Any], setup: dict[str, Any], change: Any) -> None:
        assert ppml("refresh").exit_code == 0
        path = setup["data"] / "github.json"
        data = json.loads(path.read_text())
        record = data["repos"]["org/alpha"]
        data["repos"]["org/alpha"] = {**record, **change} if isinstance(change, dict) else change
        path.write_text(json.dumps(data))
        for args in (
            ("list", "--kind", "tool", "--sort", "stars"),
            ("list", "--kind", "tool", "--sort", "pushed", "-o", "json"),
            ("show", "alpha"),
            ("compare", "alpha", "beta"),
        ):
            result = ppml(*args)
            assert result.exit_code == 0, (args, result.stderr)
        shown = json.loads(ppml("show", "beta", "-o", "json").stdout)
        assert shown["github"]["stars"] == 500  # the good record is still used
        assert json.loads(ppml("show", "alpha", "-o", "json").stdout).get("github") is None

    @pytest.mark.parametrize("content", [b"[" * 100_000, b"\xff\xfe", b'{"schema_version": 1, "repos": []}'])
    def test_a_damaged_file_reads_as_nothing_refreshed(
        self, setup: dict[str, Any], content: bytes, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        setup["data"].mkdir(parents=True)
        (setup["data"] / "github.json").write_bytes(content)
        monkeypatch.setenv("PPML_DATA_DIR", str(setup["data"]))
        assert repodata.load() == {}


class TestTokenAndFailures:
    """Item 14: a malformed token is a usage error; a refresh that refreshes nothing fails."""

    @pytest.mark.parametrize("token", ["abc\ndef", "abc\r\n", "abc def", "tok\x1ben", "tök"])
    def test_a_malformed_token_is_said_so(self, ppml: Callable[..., Any], setup: dict[str, Any], token: str) -> None:
        result = ppml("refresh", token=token)
        assert result.exit_code == 2
        message = " ".join(result.stderr.split())
        assert "GITHUB_TOKEN is malformed" in message
        assert token.strip() not in result.stderr  # the secret itself is never printed
        assert setup["api"].log == []  # refused before any request

    def test_every_request_failing_exits_non_zero(self, ppml: Callable[..., Any], setup: dict[str, Any]) -> None:
        for path in ("/repos/org/alpha", "/repos/org/beta"):
            setup["api"].route(path, (500, {}, b"oops"))
        result = ppml("refresh", "-o", "json")
        assert result.exit_code == 3
        assert {row["status"] for row in json.loads(result.stdout)} == {"error"}
        assert "no repository could be refreshed" in " ".join(result.stderr.split())

    def test_one_success_is_enough_for_exit_0(self, ppml: Callable[..., Any], setup: dict[str, Any]) -> None:
        setup["api"].route("/repos/org/alpha", (500, {}, b"oops"))
        assert ppml("refresh", "-o", "json").exit_code == 0


SURROGATE_TEXT = st.lists(st.integers(0xD800, 0xDFFF).map(chr) | st.characters(), max_size=6).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | SURROGATE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
GOOD_RECORD = {
    "full_name": "org/alpha",
    "html_url": "https://github.com/org/alpha",
    "stars": 1,
    "forks": 0,
    "open_issues": 0,
    "pushed_at": "2026-11-01T10:00:00Z",
    "archived": False,
    "license": "MIT",
    "default_branch": "main",
    "etag": None,
}


@given(st.dictionaries(st.sampled_from(sorted(repodata.FIELDS)), JSON_VALUES, max_size=4))
def test_any_record_is_either_rejected_or_storable(changes: dict[str, Any]) -> None:
    """Whatever JSON the API or a hand-edited file holds, the check answers, and what it keeps can be written."""
    checked = repodata.checked_record({**GOOD_RECORD, **changes})
    if isinstance(checked, str):
        assert checked.split(":")[0] in changes
        return
    assert set(checked) <= set(repodata.FIELDS)
    encoded = json.dumps(checked, ensure_ascii=False).encode("utf-8")  # no lone surrogate left
    assert repodata.checked_record(json.loads(encoded)) == checked


class TestDataDirectory:
    """Refreshed data in a directory other users can write to is neither read nor written."""

    def test_planted_data_is_not_read_and_not_written_over(
        self, ppml: Callable[..., Any], setup: dict[str, Any]
    ) -> None:
        assert ppml("refresh").exit_code == 0
        folder: Path = setup["data"]
        before = (folder / "github.json").read_bytes()
        folder.chmod(0o777)
        shown = ppml("show", "alpha", "-o", "json")
        assert shown.exit_code == 0
        assert json.loads(shown.stdout).get("github") is None
        assert "refreshed data not used" in " ".join(shown.stderr.split())
        result = ppml("refresh", "-o", "json")
        assert result.exit_code == 3
        assert "writable by other users" in " ".join(result.stderr.split())
        assert (folder / "github.json").read_bytes() == before

    def test_the_data_directory_is_private(self, ppml: Callable[..., Any], setup: dict[str, Any]) -> None:
        assert ppml("refresh").exit_code == 0
        assert setup["data"].stat().st_mode & 0o777 == 0o700
