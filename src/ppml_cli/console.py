"""Messages for the person at the terminal: errors, notes and progress, all on stderr.

Data goes to stdout through the renderers; everything here goes to stderr, so
a pipe only ever carries data. Rich is imported only when a message is shown.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from ppml_cli.errors import CatalogError, PpmlError

#: Widths outside this range (``COLUMNS=0``, ``COLUMNS=99999999``, ``COLUMNS=abc``) are nonsense:
#: the terminal's own width is used instead, or 80 columns.
WIDTHS = range(20, 1001)


def no_color() -> bool:
    """NO_COLOR is set (to anything): no colour, no bold or dim, no hyperlinks, no escape codes at all."""
    return bool(os.environ.get("NO_COLOR"))


def width_for(stream: Any) -> int:
    """COLUMNS when it is a sane width; else the terminal's width; else 80."""
    value = os.environ.get("COLUMNS", "").strip()
    if value.isdigit() and int(value) in WIDTHS:
        return int(value)
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns if columns in WIDTHS else 80


def make_console(stream: Any) -> Any:
    """A Rich console on ``stream`` that honours NO_COLOR fully and survives any COLUMNS."""
    from rich.console import Console

    plain = no_color()
    return Console(
        file=stream,
        width=width_for(stream),
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
        color_system=None if plain else "auto",
        no_color=plain,
    )


def stderr_console() -> Any:
    return make_console(sys.stderr)


def report_error(error: PpmlError) -> None:
    """Print an error (and its fix) on stderr; catalog text is printed as data."""
    from rich.text import Text

    from ppml_cli.textsafe import clean

    console = stderr_console()
    if isinstance(error, CatalogError):
        for problem in error.problems:
            console.print(Text(clean(str(problem))), soft_wrap=True)
    line = Text("Error: ", style="bold red")
    line.append(clean(error.message))
    console.print(line, soft_wrap=True)
    if error.hint:
        console.print(Text(clean(error.hint), style="dim"), soft_wrap=True)


def note(message: str) -> None:
    """A message for the person at the terminal, never part of the data (and never acting on the terminal)."""
    from rich.text import Text

    from ppml_cli.textsafe import clean

    stderr_console().print(Text(clean(message), style="dim"))


def silence_stdout() -> None:
    """The reader of our stdout went away (``ppml list | head``): later writes and the
    final flush go to devnull, so Python does not complain at exit (see the SIGPIPE note
    in the signal module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr, only when stderr is a terminal; elsewhere a no-op.

    The bar hides the cursor; a SIGTERM while it shows ends the run through
    the bar's own clean-up, so the cursor comes back (exit 143, as the signal's).
    """
    if not sys.stderr.isatty() or total == 0:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with (
        _exit_on_sigterm(),
        Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr_console(),
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


@contextlib.contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit(143) for a while, so ``finally`` blocks and context managers run."""
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave the signal alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
