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


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


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
    """A message for the person at the terminal, never part of the data."""
    from rich.text import Text

    stderr_console().print(Text(message, style="dim"))


def silence_stdout() -> None:
    """The reader of our stdout went away (``ppml list | head``): later writes and the
    final flush go to devnull, so Python does not complain at exit (see the SIGPIPE note
    in the signal module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr, only when stderr is a terminal; elsewhere a no-op."""
    if not sys.stderr.isatty() or total == 0:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)
