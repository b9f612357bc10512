"""Exceptions the core raises; the CLI layer turns each into a message and exit code.

Exit codes are part of the documented interface (see README):
0 success, 1 an entry was not found, 2 usage error or invalid catalog,
3 network failure, 130 interrupted.
"""

from __future__ import annotations

from enum import Enum

from ppml_cli.model import Record

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3
EXIT_INTERRUPTED = 130


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Problem(Record):
    """One finding about a catalog file, located as precisely as we know."""

    file: str
    line: int | None = None
    entry: str | None = None
    field: str | None = None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where, self.entry, self.field, f"{self.severity.value}: {self.message}"]
        return ": ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "entry": self.entry,
            "field": self.field,
            "severity": self.severity.value,
            "message": self.message,
        }


class PpmlError(Exception):
    """Base of every error a user may see; never shown as a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CatalogError(PpmlError):
    """The catalog files could not be read or do not validate."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        count = len(errors)
        super().__init__(
            f"invalid catalog: {count} error{'s' if count != 1 else ''}",
            hint="fix the entries above, or check a file with `ppml validate PATH`",
        )
        self.problems = problems


class NetworkError(PpmlError):
    """The network or a remote API failed as a whole (exit 3); data stored earlier is kept."""

    exit_code = EXIT_NETWORK


class InvalidValueError(PpmlError):
    """An option value that names nothing in the catalog."""


class NotFoundError(PpmlError):
    """No entry answers to the given id, name or alias."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, query: str, suggestions: list[str]) -> None:
        hint = f"did you mean: {', '.join(suggestions)}?" if suggestions else None
        super().__init__(f"no entry named {query!r}", hint=hint or "try `ppml search` to find it")
        self.query = query
        self.suggestions = suggestions


class NoQuickstartError(PpmlError):
    """The entry exists but has no quickstart program (``ppml quickstart``)."""

    exit_code = EXIT_NOT_FOUND


class OutputFileError(PpmlError):
    """An output file could not be written, or exists and may not be replaced."""
