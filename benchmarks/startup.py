"""Start-up time of ppml commands against a bare Typer app and a bare Python.

The machine is shared and noisy, so the commands are alternated round by
round and compared by their medians; the ratios to the bare Typer app of the
same venv are what to watch.

    python benchmarks/startup.py [--rounds 30] [--python PATH] [--ppml PATH]

Ratios are to a bare Typer app that prints a JSON array (the goal of
``search federated -o json`` is at most 1.25 of it). ppml's bytecode is cached
before measuring, as installing it does, even where PYTHONDONTWRITEBYTECODE is
set (an editable install would otherwise compile ppml's modules on every run).

``--python`` measures a bare Typer app in another interpreter or venv as well
(how the Typer version was chosen: see the pin in pyproject.toml). ``--ppml``
runs the same ppml commands with another installed ppml (an older build in its
own venv) in the same alternated rounds: before and after, side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = """
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


app()
"""

HELLO_JSON = """
import json

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(json.dumps([{"id": name, "kind": "tool", "score": 1.0}], indent=2))


app()
"""


def measure(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def typer_version(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('typer'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--python", action="append", default=[], help="another interpreter for a bare Typer app")
    parser.add_argument("--ppml", action="append", default=[], help="another ppml executable to run alongside")
    args = parser.parse_args()

    python = sys.executable
    ppml = str(Path(python).with_name("ppml"))
    hello = Path(tempfile.mkdtemp()) / "hello.py"
    hello.write_text(HELLO)
    hello_json = hello.with_name("hello_json.py")
    hello_json.write_text(HELLO_JSON)
    env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG",)}
    env["COLUMNS"] = "100"

    ppml_runs = [
        ("search federated -o json", ["search", "federated", "-o", "json"]),
        ("list --phase training", ["list", "--phase", "training"]),
        ("show opacus", ["show", "opacus"]),
        ("recommend ... -o json", ["recommend", "--deploy", "trusted-server", "--data", "images", "-o", "json"]),
    ]
    commands: list[tuple[str, list[str]]] = [
        ("python -c pass", [python, "-c", "pass"]),
        (f"bare Typer {typer_version(python)} app printing JSON", [python, str(hello_json)]),
        (f"bare Typer {typer_version(python)} app", [python, str(hello)]),
    ]
    for label, argv in ppml_runs:
        commands.append((f"ppml {label}", [ppml, *argv]))
        for number, other in enumerate(args.ppml, 1):
            commands.append((f"  ppml #{number} {label}", [other, *argv]))
    for other in args.python:
        commands.insert(3, (f"bare Typer {typer_version(other)} app ({other})", [other, str(hello)]))

    compiling = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _, argv in commands:  # warm the OS cache, ppml's catalog cache and its bytecode (not counted)
        measure(argv, compiling)
    times: dict[str, list[float]] = {label: [] for label, _ in commands}
    for _ in range(args.rounds):
        for label, argv in commands:
            times[label].append(measure(argv, env))

    base = statistics.median(times[commands[1][0]])
    print(f"{args.rounds} rounds, alternated; medians in ms; ratio to the bare Typer app printing JSON")
    for number, other in enumerate(args.ppml, 1):
        print(f"ppml #{number}: {other}")
    print()
    print(f"| {'command':<48} | {'median':>7} | {'min':>7} | {'ratio':>5} |")
    print(f"| {'-' * 48} | {'-' * 7}:| {'-' * 7}:| {'-' * 5}:|")
    for label, _ in commands:
        median = statistics.median(times[label])
        print(f"| {label:<48} | {median * 1000:7.1f} | {min(times[label]) * 1000:7.1f} | {median / base:5.2f} |")


if __name__ == "__main__":
    main()
