"""Catalog text is data: markup and escape sequences print inert; output is pipe-friendly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run

HOSTILE = """
tools:
  - id: hostile
    name: "[bold red]Evil[/bold red] \\e[31mred\\e[0m \\e]0;pwned\\a"
    url: https://example.org/[link]
    description: "[link=https://evil.example]click[/link] \\e[2J cleared? \\x9b31m"
    aliases: ["[blink]x"]
    techniques: [dp-training]
"""


@pytest.fixture
def hostile(write_catalog: Callable[..., Path]) -> Path:
    return write_catalog(HOSTILE)


@pytest.mark.parametrize(
    "command",
    [["show", "hostile"], ["list", "--kind", "tool"], ["search", "evil"], ["export", "-o", "table"]],
    ids=lambda c: c[0],
)
def test_markup_prints_literally_and_escapes_are_stripped(run: Run, hostile: Path, command: list[str]) -> None:
    result = run("--catalog", str(hostile), *command, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "[bold red]Evil[/bold red]" in out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "[link=https://evil.example]click[/link]" in out


def test_machine_formats_keep_the_text_exactly(run: Run, hostile: Path) -> None:
    data = json.loads(run("--catalog", str(hostile), "show", "hostile", "-o", "json").stdout)
    assert data["name"].startswith("[bold red]Evil[/bold red] \x1b[31m")  # JSON escapes it as \\u001b


def test_markdown_escapes_markup(run: Run, hostile: Path) -> None:
    out = run("--catalog", str(hostile), "list", "--kind", "tool", "-o", "markdown").stdout
    assert "\\[bold red\\]" in out
    assert "\x1b" not in out


def test_error_messages_escape_user_text(run: Run) -> None:
    result = run("show", "[red]nope[/red]\x1b[2J")
    assert result.exit_code == 1
    assert "[red]nope[/red]" in result.stderr
    assert "\x1b" not in result.stderr


def test_no_color_env_and_pipes_give_plain_text(run: Run) -> None:
    result = run("show", "opacus", env={"NO_COLOR": "1", "FORCE_COLOR": ""})
    assert "\x1b[" not in result.stdout


def test_ctrl_c_exits_130(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import ppml_cli.queries

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ppml_cli.queries, "list_entries", interrupted)
    assert run("list").exit_code == 130


# ------------------------------------------------------------ the installed console script

PPML = str(Path(sys.executable).with_name("ppml"))


def ppml(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "FORCE_COLOR")}
    return subprocess.run([PPML, *args], capture_output=True, text=True, env=env, timeout=60, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]


def test_installed_script_runs_a_search() -> None:
    result = ppml("search", "federated", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == "federated-learning"
    assert result.stderr == ""


def test_version() -> None:
    from ppml_cli import __version__

    result = ppml("--version")
    assert result.stdout.strip() == f"ppml {__version__}"


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ppml_cli", "show", "flower", "-o", "json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["package"] == "flwr"


def test_piping_into_head_ends_quietly() -> None:
    process = subprocess.Popen([PPML, "export", "-o", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # the reader goes away, like `head -1`
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert json.loads(first)["kind"] == "phase"
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert stderr == ""


def test_piped_table_has_no_escape_codes() -> None:
    result = ppml("list", "--phase", "training")
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout
    assert "Opacus" in result.stdout


def test_no_results_line_goes_to_stderr() -> None:
    result = ppml("search", "zzqqxxj")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "nothing in the catalog matches 'zzqqxxj'" in result.stderr


def test_a_mistyped_command_gets_a_suggestion(run: Run) -> None:
    result = run("serch", "federated")
    assert result.exit_code == 2
    assert "Did you mean 'search'?" in result.stderr
