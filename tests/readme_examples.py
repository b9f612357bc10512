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
BLOCK = re.compile(r"(<!-- readme-example -->\n```console\n\$ (?P<command>[^\n]+)\n)(?P<output>.*?)(```)", re.DOTALL)


def run_example(command: str) -> str:
    """The output of one README command, as a terminal 100 columns wide would show it."""
    from ppml_cli.cli import app

    args = shlex.split(command)
    assert args[0] == "ppml", command
    env = {"COLUMNS": WIDTH, "NO_COLOR": "1", "PPML_CATALOG": ""}
    result = CliRunner().invoke(app, args[1:], env=env)
    assert result.exit_code == 0, (command, result.stderr)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def examples(text: str) -> list[tuple[str, str]]:
    return [(m["command"], m["output"]) for m in BLOCK.finditer(text)]


def rewrite(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + run_example(m["command"]) + m.group(4), text)


if __name__ == "__main__":
    os.environ.pop("PPML_CATALOG", None)
    if "--write" in sys.argv:
        README.write_text(rewrite(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        stale = [c for c, out in examples(README.read_text(encoding="utf-8")) if run_example(c) != out]
        print("\n".join(f"stale: {c}" for c in stale) or "README examples are current")
        sys.exit(1 if stale else 0)
