"""Doing nothing is said: empty filter values, formats a command cannot write, sorts without data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Run
from .httpserver import serving

PPML = str(Path(sys.executable).with_name("ppml"))


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--phase", ""],
        ["list", "--kind", " "],
        ["list", "-t", ","],
        ["search", "dp", "--technique", ""],
        ["list", "--framework", ""],
        ["list", "--license", ""],
        ["list", "--status", ""],
        ["list", "--language", ""],
        ["list", "--threat", ""],
        ["cite", "--technique", ""],
        ["links", "-", "--exclude", ""],
        ["links", "-", "--accept", ""],
    ],
    ids=lambda a: " ".join(a),
)
def test_empty_filter_values_are_usage_errors(run: Run, args: list[str]) -> None:
    result = run(*args, input="http://127.0.0.1:9/\n")
    assert result.exit_code == 2
    assert "empty value for" in result.stderr
    assert result.stdout == ""


def test_a_trailing_comma_is_not_an_empty_value(run_json: object, run: Run) -> None:
    result = run("list", "-p", "training,", "-o", "json")
    assert result.exit_code == 0


def test_links_refuses_a_format_before_checking_anything() -> None:
    with serving() as server:
        url = server.route("/x", (200, {}, b"ok"))
        result = subprocess.run(
            [PPML, "links", "-", "--no-cache", "-o", "bibtex"],
            input=url + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "PPML_CATALOG"},
        )
        assert server.log == []  # not one request was made
    assert result.returncode == 2
    assert "links cannot write -o bibtex" in result.stderr


@pytest.mark.parametrize("command", [["tree"], ["compare", "opacus", "flower"], ["validate"], ["refresh"]])
def test_commands_without_references_refuse_bibtex(run: Run, command: list[str]) -> None:
    result = run(*command, "-o", "bibtex")
    assert result.exit_code == 2
    assert "cannot write -o bibtex" in result.stderr


def test_bibtex_of_entries_without_references_is_an_error(run: Run) -> None:
    result = run("list", "--kind", "tool", "-o", "bibtex")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "none of the" in result.stderr and "is a reference" in result.stderr


def test_bibtex_of_references_still_works(run: Run) -> None:
    result = run("list", "--kind", "reference", "-o", "bibtex")
    assert result.exit_code == 0
    assert result.stdout.startswith("@")


def test_sorting_by_stars_without_data_says_so(run: Run, tmp_path: Path) -> None:
    result = run("list", "--kind", "tool", "--sort", "stars", "-o", "json", env={"PPML_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0
    assert "no refreshed repository data" in result.stderr
    search = run("search", "dp", "--sort", "pushed", "-o", "json", env={"PPML_DATA_DIR": str(tmp_path)})
    assert "--sort pushed ordered by name" in search.stderr


def test_links_with_standard_input_closed_is_a_clean_error() -> None:
    result = subprocess.run(
        [PPML, "links", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        close_fds=True,
    )
    assert result.returncode == 0  # an empty stdin is no URL at all: nothing to check, said in the summary
    closed = subprocess.run(["bash", "-c", f"exec {PPML} links - <&-"], capture_output=True, text=True, timeout=60)
    assert closed.returncode == 2, closed.stderr
    assert "standard input is closed" in closed.stderr
    assert "Traceback" not in closed.stderr
