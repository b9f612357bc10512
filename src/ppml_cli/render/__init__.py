"""Turn a result into one output format; the only place that knows the formats.

Each format's module is imported on demand: a ``-o json`` run never imports
Rich, and a table never imports csv or yaml. Machine formats are always
written as UTF-8, whatever the encoding of stdout (a ``LANG=C`` cron job, a
Windows console, ``PYTHONIOENCODING=ascii``): the bytes other programs read
do not depend on the terminal. Tables are for that terminal: what its
encoding cannot show is replaced, never an error.
"""

from __future__ import annotations

import codecs
import contextlib
import io
from collections.abc import Iterator
from enum import Enum
from typing import IO, TYPE_CHECKING

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


def render(result: Result, fmt: Format, out: IO[str]) -> None:
    if fmt is Format.TABLE:
        from ppml_cli.render.human import write_table

        with reencoded(out, None) as stream:
            write_table(result, stream)
        return
    from ppml_cli.render import machine

    writers = {
        Format.JSON: machine.write_json,
        Format.JSONL: machine.write_jsonl,
        Format.CSV: machine.write_csv,
        Format.YAML: machine.write_yaml,
        Format.MARKDOWN: machine.write_markdown,
        Format.BIBTEX: machine.write_bibtex,
    }
    with reencoded(out, "utf-8") as stream:
        writers[fmt](result, stream)


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
