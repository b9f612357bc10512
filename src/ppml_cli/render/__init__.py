"""Turn a result into one output format; the only place that knows the formats.

Each result type registers its writer for each format with :func:`writes`, next to
the writer; :func:`render` imports the modules that hold the chosen format's writers
(:data:`WRITER_MODULES`) and dispatches on the result's type. Each format's module is
imported on demand: a ``-o json`` run never imports Rich, and a table never imports
csv or yaml. Machine formats are always
written as UTF-8, whatever the encoding of stdout (a ``LANG=C`` cron job, a
Windows console, ``PYTHONIOENCODING=ascii``): the bytes other programs read
do not depend on the terminal. Tables are for that terminal: what its
encoding cannot show is replaced, never an error.
"""

from __future__ import annotations

import codecs
import contextlib
import io
from collections.abc import Callable, Iterator
from enum import Enum
from typing import IO, TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ppml_cli.results import Result


class Format(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    YAML = "yaml"
    MARKDOWN = "markdown"
    BIBTEX = "bibtex"


#: The modules that register each format's writers, imported when a result is written in it:
#: tables for people at a terminal, everything else for other programs.
WRITER_MODULES: dict[Format, str] = {
    fmt: "ppml_cli.render.human" if fmt is Format.TABLE else "ppml_cli.render.machine" for fmt in Format
}
#: Writers that live in a module of their own, by result type name and format: imported only to
#: write such a result in such a format (a plan's JSON needs none of its views).
OWN_WRITERS = {
    ("Plan", Format.TABLE): "ppml_cli.render.plan",
    ("Plan", Format.MARKDOWN): "ppml_cli.render.plan",
    ("EvaluationReport", Format.TABLE): "ppml_cli.render.evaluation",
    ("EvaluationReport", Format.MARKDOWN): "ppml_cli.render.evaluation",
}

Writer = Callable[[Any, IO[str]], None]
W = TypeVar("W", bound=Callable[..., None])

#: Each result type's writer per format, as registered by :func:`writes`.
WRITERS: dict[tuple[type, Format], Writer] = {}


def writes(fmt: Format, *result_types: type) -> Callable[[W], W]:
    """Register the decorated function as the ``fmt`` writer of each of ``result_types``.

    ``object`` registers the writer of every result that has no writer of its own in that format.
    """

    def register(writer: W) -> W:
        for result_type in result_types:
            WRITERS[(result_type, fmt)] = writer
        return writer

    return register


def writer_for(result_type: type, fmt: Format) -> Writer:
    """The ``fmt`` writer registered for ``result_type`` (or its nearest base type)."""
    __import__(WRITER_MODULES[fmt])
    own = OWN_WRITERS.get((result_type.__name__, fmt))
    if own is not None:
        __import__(own)
    for base in result_type.__mro__:
        writer = WRITERS.get((base, fmt))
        if writer is not None:
            return writer
    raise TypeError(f"no {fmt.value} writer for {result_type.__name__}")


def render(result: Result, fmt: Format, out: IO[str]) -> None:
    write = writer_for(type(result), fmt)
    with reencoded(out, None if fmt is Format.TABLE else "utf-8") as stream:
        write(result, stream)


@contextlib.contextmanager
def reencoded(out: IO[str], encoding: str | None) -> Iterator[IO[str]]:
    """``out`` as a text stream in ``encoding`` (None: its own, with unencodable characters replaced).

    A stream without an underlying binary buffer is used as it is.
    """
    buffer = getattr(out, "buffer", None)
    current = _codec(getattr(out, "encoding", None))
    if buffer is None or (encoding is None and current == "utf-8") or (encoding and current == _codec(encoding)):
        yield out
        return
    out.flush()
    stream = io.TextIOWrapper(buffer, encoding=encoding or current or "utf-8", errors="replace", newline=None)
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None
