"""Odd terminals: other encodings, nonsense widths, NO_COLOR, SIGTERM, huge text, URLs with spaces.

Runs the installed ``ppml``; the colour and signal tests give it a real
pseudo-terminal, as a person's shell would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rich.style import Style

from ppml_cli.render.human import CELL_LIMIT, _value_text

from .httpserver import serving

PPML = str(Path(sys.executable).with_name("ppml"))


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "FORCE_COLOR", "NO_COLOR", "COLUMNS")}
    return {**env, **extra}


def ppml(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([PPML, *args], capture_output=True, env=environ(**env), timeout=120, check=False)


# ----------------------------------------------------------------- encodings

ENCODINGS = ["ascii", "cp1252", "latin-1"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "yaml", "markdown", "bibtex"])
def test_machine_formats_are_utf8_whatever_the_terminal(encoding: str, fmt: str) -> None:
    result = ppml("list", "--kind", "reference", "-o", fmt, PYTHONIOENCODING=encoding)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    reference = ppml("list", "--kind", "reference", "-o", fmt, PYTHONIOENCODING="utf-8")
    assert result.stdout == reference.stdout  # the very same bytes
    text = result.stdout.decode("utf-8")
    if fmt == "json":
        assert any(not name.isascii() for name in (e["name"] + " ".join(e["authors"]) for e in json.loads(text)))
    if fmt == "yaml":
        assert yaml.safe_load(text)
    if fmt == "csv":
        assert list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_tables_replace_what_the_terminal_cannot_show(encoding: str) -> None:
    result = ppml("list", "--kind", "reference", PYTHONIOENCODING=encoding)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    result.stdout.decode(encoding)  # every byte is in the terminal's encoding
    assert b"Membership Inference" in result.stdout


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "3", "99999999", ""])
def test_nonsense_widths_fall_back_to_a_sane_one(columns: str) -> None:
    result = ppml("list", "--phase", "training", "-n", "3", COLUMNS=columns)
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines and "Name / id" in result.stdout.decode()
    assert max(len(line) for line in lines) == 80


def test_a_sane_width_is_honoured() -> None:
    lines = ppml("list", "--phase", "training", "-n", "3", COLUMNS="100").stdout.decode().splitlines()
    assert max(len(line) for line in lines) == 100


# ---------------------------------------------------------------- terminals


def in_terminal(args: list[str], env: dict[str, str], *, until: bytes | None = None) -> tuple[bytes, int]:
    """Run ppml with stdout and stderr on a pseudo-terminal; (everything it wrote, exit status).

    With ``until``, SIGTERM is sent once that text has appeared.
    """
    master, slave = pty.openpty()
    process = subprocess.Popen([PPML, *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 60
    signalled = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other side closed
                    break
                if not chunk:
                    break
                output += chunk
            if until is not None and not signalled and until in output:
                process.send_signal(signal.SIGTERM)
                signalled = True
            if process.poll() is not None and not ready:
                break
        return output, process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)


def test_a_terminal_gets_styles_but_no_color_gets_none() -> None:
    styled, _ = in_terminal(["show", "opacus"], environ(TERM="xterm-256color"))
    assert b"\x1b[" in styled  # the test can see styles when there are some
    plain, code = in_terminal(["show", "opacus"], environ(TERM="xterm-256color", NO_COLOR="1"))
    assert code == 0
    assert b"Opacus" in plain
    assert b"\x1b[" not in plain and b"\x1b]8;" not in plain  # no bold, dim or hyperlink


def test_sigterm_during_progress_restores_the_cursor() -> None:
    with serving(delay=0.5) as slow:
        urls = "".join(slow.route(f"/p{n}", (200, {}, b"")) + "\n" for n in range(40))
        listing = Path(os.environ["PPML_CACHE_DIR"]).parent / "urls.txt"
        listing.write_text(urls)
        args = ["links", str(listing), "--no-cache", "--concurrency", "1", "--per-host", "1"]
        output, code = in_terminal(args, environ(TERM="xterm-256color"), until=b"checking links")
    assert b"\x1b[?25l" in output  # the bar hid the cursor
    assert output.rindex(b"\x1b[?25h") > output.rindex(b"\x1b[?25l")  # and it came back
    assert code == 143


# --------------------------------------------------------------- table cells


def test_a_url_with_spaces_carries_no_style_words() -> None:
    cell = _value_text("url", "https://example.org/a bold reverse blink")
    style = cell.style
    assert isinstance(style, Style)
    assert style.link == "https://example.org/a bold reverse blink"
    assert not style.bold and not style.reverse and not style.blink


def test_huge_text_is_cut_in_tables_and_whole_in_json(write_catalog: Callable[..., Path]) -> None:
    size = 300_000
    path = write_catalog(
        "tools:\n  - id: huge\n    name: Huge\n    url: https://example.org/huge\n"
        f'    description: "{"word " * (size // 5)}end."\n    techniques: [dp-training]\n'
    )
    table = ppml("--catalog", str(path), "show", "huge", COLUMNS="120")
    assert table.returncode == 0
    out = table.stdout.decode()
    assert "more characters; -o json shows all" in out
    assert len(out) < 4 * CELL_LIMIT + 20_000
    listed = ppml("--catalog", str(path), "list", "--kind", "tool", COLUMNS="900").stdout.decode()
    assert "more characters; -o json shows all" in listed
    whole = json.loads(ppml("--catalog", str(path), "show", "huge", "-o", "json").stdout)
    assert len(whole["description"]) >= size - 10
