"""The README shows real output and documents every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppml_cli.cli import commands

from .readme_examples import README, examples, run_example

TEXT = README.read_text(encoding="utf-8")


@pytest.mark.parametrize(("command", "shown", "head"), examples(TEXT), ids=[c for c, _, _ in examples(TEXT)])
def test_readme_example_output_is_current(command: str, shown: str, head: int | None) -> None:
    assert run_example(command, head) == shown, "run `python -m tests.readme_examples --write`"


def test_readme_has_examples() -> None:
    assert len(examples(TEXT)) >= 4


COMMANDS = {(c.name or (c.callback.__name__ if c.callback else "")): c for c in commands.registered_commands}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_documented_with_help_and_an_example(command: str) -> None:
    assert f"`ppml {command}" in TEXT
    callback = COMMANDS[command].callback
    doc = (callback.__doc__ if callback else "") or ""
    assert doc.strip(), command
    assert "Example:" in doc, command


def test_readme_states_the_two_newcomer_commands() -> None:
    assert "pip install . && ppml search federated" in TEXT
    assert 'pip install ".[test]" && pytest' in TEXT


def test_help_lists_every_command_in_the_declared_order() -> None:
    """``ppml --help`` puts finding first, then advice and starting code, then the catalog's upkeep."""
    from typer.testing import CliRunner

    from ppml_cli.cli import HELP_ORDER, app

    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120", "NO_COLOR": "1"}).stdout
    positions = [shown.find(f"│ {name} ") for name in HELP_ORDER]
    assert all(p >= 0 for p in positions), dict(zip(HELP_ORDER, positions, strict=True))
    assert positions == sorted(positions)
    assert {n.replace("_", "-").rstrip("-") for n in COMMANDS} == set(HELP_ORDER)


def _modules(folder: Path) -> set[str]:
    """A package's modules and subpackages as the README names them (``x.py``, ``y/``)."""
    return {
        f"{path.name}/" if path.is_dir() else path.name
        for path in folder.iterdir()
        if (path.is_dir() and (path / "__init__.py").is_file())
        or (path.suffix == ".py" and path.name not in {"__init__.py", "__main__.py"})
    }


def test_readme_layout_lists_every_module_and_only_those() -> None:
    """The contributors' tree names every module that exists, and nothing else.

    Top-level modules and packages are all listed; a package listed with its
    modules under it must list all of them (``net/`` and ``render/`` are
    listed as one line each, ``catalog/`` and ``store/`` module by module).
    """
    block = TEXT.split("```text\nsrc/ppml_cli/\n", 1)[1].split("```", 1)[0]
    tree: dict[str, set[str]] = {"": set()}
    package = ""
    for line in block.splitlines():
        name = line.split()[0]
        if line.startswith("    "):
            tree.setdefault(package, set()).add(name)
        else:
            tree[""].add(name)
            package = name
    root = Path(__file__).resolve().parents[1] / "src" / "ppml_cli"
    assert tree.pop("") == _modules(root)
    assert tree, "no package is listed module by module"
    for package, listed in tree.items():
        assert listed == _modules(root / package), package
