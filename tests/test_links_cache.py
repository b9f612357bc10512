"""The links results cache is data read back from disk: checked on every read (item 4 of issue 10)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ppml_cli import store

from .conftest import Run
from .fakeclock import fake_clock, no_real_waits  # noqa: F401 - fixtures by name; no_real_waits is autouse
from .httpserver import Server, serving


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as running:
        yield running


def plant(url: str, record: Any) -> None:
    path = store.cache_dir() / "links.json"
    store.write_json(path, {url: record})


def check(run: Run, url: str) -> tuple[int, dict[str, Any]]:
    result = run("links", "-", "-o", "json", input=url + "\n")
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout)[0]


def test_a_future_checked_at_does_not_keep_a_broken_link_ok(server: Server, run: Run) -> None:
    broken = server.route("/gone", (404, {}, b"gone"))
    ten_years = time.time() + 10 * 365 * 24 * 3600
    plant(broken, {"checked_at": ten_years, "status": 200, "final_url": broken, "redirects": [], "method": "HEAD"})
    code, row = check(run, broken)
    assert code == 1
    assert row["ok"] is False and row["cached"] is False
    assert server.requests("/gone") != []


@pytest.mark.parametrize(
    "record",
    [
        {"checked_at": "yesterday", "status": 200},
        {"checked_at": None},
        {"checked_at": True, "status": 200},
        {"checked_at": float("nan"), "status": 200},
        {"checked_at": "NOW", "status": "200"},
        {"status": 200, "redirects": "many"},
        {"status": 200, "redirects": [[301]]},
        {"status": 200, "method": ["HEAD"]},
        {"status": [200]},
        "ok",
        None,
    ],
)
def test_a_record_of_the_wrong_shape_is_rechecked_not_a_crash(server: Server, run: Run, record: Any) -> None:
    url = server.route("/fine", (200, {}, b"ok"))
    if isinstance(record, dict) and "checked_at" not in record:
        record = {**record, "checked_at": time.time()}
    plant(url, record)
    code, row = check(run, url)
    assert code == 0
    assert row["ok"] is True and row["cached"] is False
    assert server.requests("/fine") == ["HEAD"]


def test_a_fresh_well_formed_record_is_still_used(server: Server, run: Run) -> None:
    url = server.route("/fine", (200, {}, b"ok"))
    plant(url, {"checked_at": time.time() - 60, "status": 200, "final_url": url, "redirects": [], "method": "HEAD"})
    code, row = check(run, url)
    assert code == 0 and row["cached"] is True
    assert server.requests("/fine") == []


def test_results_planted_in_a_directory_others_can_write_are_not_used(
    server: Server, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("PPML_CACHE_DIR", str(shared))
    broken = server.route("/gone", (404, {}, b"gone"))
    plant(broken, {"checked_at": time.time(), "status": 200, "final_url": broken, "redirects": [], "method": "HEAD"})
    shared.chmod(0o777)
    result = run("links", "-", "-o", "json", input=broken + "\n")
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["cached"] is False
    assert "cache not used" in " ".join(result.stderr.split())
