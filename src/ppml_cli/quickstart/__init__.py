"""Starting code per tool: a short program that really runs, and how far it is proven.

The programs are package data (``programs/*.py``), described by
:mod:`ppml_cli.quickstart.manifest`. This module is core: it returns results
and raises :mod:`ppml_cli.errors` exceptions, and never prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ppml_cli.errors import NoQuickstartError, OutputFileError
from ppml_cli.model import Entry, Kind, Record
from ppml_cli.quickstart.manifest import QUICKSTARTS, Quickstart, by_tool

if TYPE_CHECKING:
    from ppml_cli.index import Index

__all__ = ["Quickstart", "QuickstartList", "QuickstartProgram", "command_for", "find_quickstart", "list_quickstarts"]


def read_program(quickstart: Quickstart) -> str:
    """The program's source, read from the installed package."""
    from importlib import resources

    return (resources.files(__package__) / "programs" / quickstart.program).read_text(encoding="utf-8")


def _summary(entry: Entry, quickstart: Quickstart) -> dict[str, Any]:
    return {
        "tool": entry.id,
        "name": entry.name,
        "language": quickstart.language,
        "requires": list(quickstart.requires),
        "verified": quickstart.verified,
        "verified_with": dict(quickstart.verified_with),
        "notes": quickstart.notes,
    }


class QuickstartProgram(Record):
    """The answer of ``quickstart TOOL``: the program and what it needs."""

    tool: Entry
    quickstart: Quickstart
    code: str

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (self.tool,)

    @property
    def install(self) -> str:
        """The pip command that installs the requirements, quoted for a POSIX shell."""
        return "pip install " + " ".join(f"'{r}'" for r in self.quickstart.requires)

    def to_data(self) -> dict[str, Any]:
        data = _summary(self.tool, self.quickstart)
        data["code"] = self.code
        return data


class QuickstartList(Record):
    """The answer of ``quickstart --list``: every tool with a quickstart, catalog order."""

    items: tuple[tuple[Entry, Quickstart], ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for entry, _ in self.items)

    def to_data(self) -> list[dict[str, Any]]:
        return [_summary(entry, quickstart) for entry, quickstart in self.items]


def list_quickstarts(index: Index) -> QuickstartList:
    """Tools of this catalog that have a quickstart (a tool missing from a custom catalog is left out)."""
    known = by_tool()
    items = [(entry, known[entry.id]) for entry in index.of_kind(Kind.TOOL) if entry.id in known]
    return QuickstartList(items=tuple(items))


def find_quickstart(index: Index, name: str) -> QuickstartProgram:
    """The quickstart of the tool called ``name`` (id, name or alias, any case).

    An unknown name raises :class:`NotFoundError` with suggestions; a known entry
    without a quickstart raises :class:`NoQuickstartError` naming those that have one.
    """
    entry = index.get(name)
    quickstart = by_tool().get(entry.id) if entry.kind is Kind.TOOL else None
    if quickstart is None:
        available = ", ".join(e.id for e, _ in list_quickstarts(index).items)
        what = "tool" if entry.kind is Kind.TOOL else entry.kind.value
        raise NoQuickstartError(
            f"no quickstart for {entry.name} ({what} {entry.id})",
            hint=f"quickstarts exist for: {available}",
        )
    return QuickstartProgram(tool=entry, quickstart=quickstart, code=read_program(quickstart))


def command_for(entry: Entry) -> str | None:
    """``ppml quickstart ID`` when the entry is a tool with a quickstart, else None."""
    if entry.kind is Kind.TOOL and entry.id in by_tool():
        return f"ppml quickstart {entry.id}"
    return None


def write_program(path: Path, code: str, *, force: bool) -> None:
    """Write ``code`` to ``path`` atomically: a reader sees the old file or the whole new one.

    Without ``force`` an existing file is never replaced, even one created while
    we write (the final step is a hard link, which fails if the name exists).
    """
    import contextlib
    import os
    import tempfile

    directory = path.parent if str(path.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise OutputFileError(f"cannot write {path}: {error.strerror}", hint="check the directory") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(code)
        Path(temporary).chmod(0o644)  # mkstemp makes 0600; a program is not a secret
        if force:
            Path(temporary).replace(path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise OutputFileError(
                    f"{path} exists", hint="choose another file name, or add --force to replace it"
                ) from None
    except OSError as error:
        raise OutputFileError(f"cannot write {path}: {error.strerror}", hint="check the path") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()


QUICKSTART_TOOLS = tuple(quickstart.tool for quickstart in QUICKSTARTS)
