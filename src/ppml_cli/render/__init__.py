"""Turn a result into one output format; the only place that knows the formats.

Each format's module is imported on demand: a ``-o json`` run never imports
Rich, and a table never imports csv or yaml.
"""

from __future__ import annotations

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

        write_table(result, out)
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
    writers[fmt](result, out)
