"""How ``ppml quickstart`` shows a program or the list of programs.

A program is highlighted with Rich's Syntax only when stdout is a terminal;
piped, or with ``-o text``, it is written as plain code, byte for byte what
``--write`` saves, so ``ppml quickstart opacus > start.py`` works. JSON never
goes through Rich. Rich is imported only for the terminal views.
"""

from __future__ import annotations

from enum import Enum
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ppml_cli.quickstart import QuickstartList, QuickstartProgram


class CodeFormat(str, Enum):
    """Formats of the quickstart command: its own, since code has no table."""

    TABLE = "table"  # highlighted code (or a table for --list) on a terminal, plain text when piped
    TEXT = "text"
    JSON = "json"


def write_quickstart(result: QuickstartProgram | QuickstartList, fmt: CodeFormat, out: IO[str]) -> None:
    from ppml_cli.quickstart import QuickstartProgram

    if fmt is CodeFormat.JSON:
        import json

        json.dump(result.to_data(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if isinstance(result, QuickstartProgram):
        _write_program(result, out, highlight=fmt is CodeFormat.TABLE)
    else:
        _write_list(result, out, table=fmt is CodeFormat.TABLE)


def _versions(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name} {version}" for name, version in pairs)


def _write_program(result: QuickstartProgram, out: IO[str], *, highlight: bool) -> None:
    if highlight:
        from rich.syntax import Syntax

        from ppml_cli.render.human import console_for

        console = console_for(out)
        if console.is_terminal:
            syntax = Syntax(
                result.code.rstrip("\n"), result.quickstart.language, background_color="default", word_wrap=False
            )
            console.print(syntax)
            return
    out.write(result.code)


def _write_list(result: QuickstartList, out: IO[str], *, table: bool) -> None:
    if not table:
        for entry, quickstart in result.items:
            out.write(f"{entry.id}\t{quickstart.verified}\t{_versions(quickstart.verified_with)}\n")
        return
    from rich.table import Table

    from ppml_cli.render.human import console_for, text

    view = Table(header_style="bold")
    view.add_column("Tool", no_wrap=True)
    view.add_column("Verified", no_wrap=True)
    view.add_column("Proven with", overflow="fold")
    for entry, quickstart in result.items:
        style = "green" if quickstart.verified == "ran" else "yellow"
        view.add_row(
            text(entry.id, "bold"), text(quickstart.verified, style), text(_versions(quickstart.verified_with))
        )
    console_for(out).print(view)
