"""Keep the README's examples real: run each one and compare (or rewrite) its output.

A block marked ``<!-- readme-example -->`` holds ``$ ppml ...`` on its first line
and that command's output below. ``python -m tests.readme_examples --write``
refreshes every block after a deliberate change.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

README = Path(__file__).resolve().parents[1] / "README.md"
WIDTH = "100"
BLOCK = re.compile(
    r"(<!-- readme-example(?: head=(?P<head>\d+))? -->\n```console\n\$ (?P<command>[^\n]+)\n)(?P<output>.*?)(```)",
    re.DOTALL,
)
MORE = "…\n"


def run_example(command: str, head: int | None = None) -> str:
    """The output of one README command, as a terminal 100 columns wide would show it.

    With ``head``, only the first lines, then a line with an ellipsis.
    """
    from ppml_cli.cli import app

    args = shlex.split(command)
    assert args[0] == "ppml", command
    env = {"COLUMNS": WIDTH, "NO_COLOR": "1", "PPML_CATALOG": ""}
    result = CliRunner().invoke(app, args[1:], env=env)
    assert result.exit_code == 0, (command, result.stderr)
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    if head is not None and len(lines) > head:
        return "\n".join(lines[:head]) + "\n" + MORE
    return "\n".join(lines) + "\n"


def _head(match: re.Match[str]) -> int | None:
    return int(match["head"]) if match["head"] else None


def examples(text: str) -> list[tuple[str, str, int | None]]:
    return [(m["command"], m["output"], _head(m)) for m in BLOCK.finditer(text)]


def rewrite(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + run_example(m["command"], _head(m)) + m.group(5), text)


if __name__ == "__main__":
    os.environ.pop("PPML_CATALOG", None)
    if "--write" in sys.argv:
        README.write_text(rewrite(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        stale = [c for c, out, head in examples(README.read_text(encoding="utf-8")) if run_example(c, head) != out]
        print("\n".join(f"stale: {c}" for c in stale) or "README examples are current")
        sys.exit(1 if stale else 0)
