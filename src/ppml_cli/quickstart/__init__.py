"""Starting code per tool: a short program that really runs, and how far it is proven.

The programs are package data (``programs/*.py``), described by
:mod:`ppml_cli.quickstart.manifest`. This module is core: it returns results
and raises :mod:`ppml_cli.errors` exceptions, and never prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ppml_cli.errors import InvalidValueError, NoQuickstartError, OutputFileError
from ppml_cli.model import Entry, Kind, Record
from ppml_cli.quickstart.manifest import QUICKSTARTS, Quickstart, by_tool

if TYPE_CHECKING:
    from ppml_cli.index import Index

__all__ = [
    "Quickstart",
    "QuickstartList",
    "QuickstartProgram",
    "check_file_name",
    "command_for",
    "find_quickstart",
    "imported_modules",
    "list_quickstarts",
    "write_program",
]


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


def imported_modules(code: str) -> frozenset[str]:
    """The top-level modules a program imports (``import a.b`` and ``from a.b import c`` give ``a``)."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.partition(".")[0])
    return frozenset(names)


def check_file_name(path: Path, program: QuickstartProgram) -> None:
    """Refuse a file name that would shadow a module the program imports.

    ``python tenseal.py`` puts the file's directory first on ``sys.path``, so the
    program's own ``import tenseal`` would import itself and fail. The modules are
    read from the program's imports, so a new program is covered without a list.
    """
    if path.suffix != ".py" or path.stem not in imported_modules(program.code):
        return
    suggestion = path.with_name(program.quickstart.program)  # never an imported name (a unit test checks)
    raise InvalidValueError(
        f"{path.name} would shadow the module {path.stem!r} that the program imports"
        " (Python would import the program itself)",
        hint=f"choose another name, e.g. --write {suggestion}",
    )


def write_program(path: Path, code: str, *, force: bool) -> None:
    """Write ``code`` to ``path`` atomically through the store's one writer.

    A reader sees the old file or the whole new one. Without ``force`` an existing
    file is never replaced, even one created while we write (the final step is a
    hard link, which fails if the name exists). With ``force`` only a regular file
    with a single name is replaced, and it keeps its mode: a symbolic link, a FIFO,
    a device (``/dev/null``), a directory or a hard-linked file is refused, so
    nothing is ever written through a link or onto a device.
    """
    import stat

    from ppml_cli.store import write_atomic

    mode = 0o644  # a new program is not a secret
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputFileError(f"cannot write {path}: {error.strerror}", hint="check the path") from None
    if info is not None:
        if not force:
            raise OutputFileError(f"{path} exists", hint="choose another file name, or add --force to replace it")
        if not stat.S_ISREG(info.st_mode):
            raise OutputFileError(
                f"{path} is {_file_type(info.st_mode)}, not a regular file; it is not replaced",
                hint="choose another file name",
            )
        if info.st_nlink > 1:
            raise OutputFileError(
                f"{path} has {info.st_nlink} hard links; replacing it would break them",
                hint="choose another file name",
            )
        mode = stat.S_IMODE(info.st_mode)
    try:
        write_atomic(path, code.encode("utf-8"), replace=force, private=False, mode=mode)
    except FileExistsError:
        raise OutputFileError(f"{path} exists", hint="choose another file name, or add --force to replace it") from None
    except OSError as error:
        raise OutputFileError(f"cannot write {path}: {error.strerror}", hint="check the path") from None


def _file_type(mode: int) -> str:
    import stat

    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


QUICKSTART_TOOLS = tuple(quickstart.tool for quickstart in QUICKSTARTS)
