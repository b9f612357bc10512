"""The link checker never calls a link broken because of its own limits: open files, here.

Each check runs in a child Python whose open-file limit is lowered (as
``ulimit -n`` would), against many origins served by a child process on
127.0.0.1. Open connections are bounded below that limit; when the system
refuses a file all the same, the checker waits for its own connections to
close and asks again; with nothing of its own left to close, the run stops
with one message (exit 3) and judges no link.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from .fastserver import fast_servers

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="open-file limits are a Unix setting")

#: The child: lower the limit, check the URLs given on stdin, print each failure's error.
CHILD = textwrap.dedent(
    """
    import asyncio, json, os, resource, sys
    limit, budget, fill = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "fill"
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    from ppml_cli.errors import PpmlError
    from ppml_cli.net import probe
    from ppml_cli.net.link_check import LinkOptions
    from ppml_cli.net.links import check_all
    if budget != "auto":  # a budget over the limit: only the wait on a refused file can save the run
        probe.connection_budget = lambda: int(budget)
    probe.STARVED_FOR = 0.3
    urls = json.load(sys.stdin)
    held = []
    if fill:  # every file taken but the three an event loop needs: not one connection can open
        try:
            while True:
                held.append(os.open(os.devnull, os.O_RDONLY))
        except OSError:
            for fd in held[-3:]:
                os.close(fd)
    options = LinkOptions(per_host=4, retries=0)
    try:
        results = asyncio.run(check_all([(url, ()) for url in urls], options))
    except PpmlError as error:
        print(json.dumps({"stopped": error.message, "exit": error.exit_code}))
    else:
        print(json.dumps({"checked": len(results), "failures": [r.error for r in results if not r.ok]}))
    """
)


def check_in_child(urls: list[str], *, limit: int, budget: str = "auto", fill: bool = False) -> dict[str, object]:
    env = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(limit), budget, "fill" if fill else "room"],
        input=json.dumps(urls),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def many_origins() -> Iterator[list[str]]:
    """URLs over 150 origins (one port each on 127.0.0.1), three per origin, listed host by host."""
    with fast_servers(["127.0.0.1"] * 150) as bases:
        yield [f"{base}/page{n}" for base in bases for n in range(3)]


@pytest.mark.parametrize("limit", [100, 70])
def test_more_origins_than_open_files_are_all_checked(many_origins: list[str], limit: int) -> None:
    # 150 origins at a limit of 100 open files: kept-alive connections per origin would run out;
    # at 70, fewer connections may be open (6) than requests may be in flight (16)
    outcome = check_in_child(many_origins, limit=limit)
    assert outcome == {"checked": 450, "failures": []}


def test_a_refused_file_is_waited_for_never_a_verdict(many_origins: list[str]) -> None:
    # the budget is set above the limit, so the system does refuse files: each refusal waits and asks again
    outcome = check_in_child(many_origins, limit=60, budget="10000")
    assert outcome == {"checked": 450, "failures": []}


def test_with_no_file_to_be_had_the_run_stops_with_one_message(many_origins: list[str]) -> None:
    outcome = check_in_child(many_origins[:5], limit=100, fill=True)
    assert outcome["exit"] == 3
    assert "too many open files" in str(outcome["stopped"])
