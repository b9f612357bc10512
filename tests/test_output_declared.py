"""Output is declared once: every command that writes a result takes -o/--json from ``@with_output``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
import typer
from typer.models import OptionInfo

from ppml_cli import results
from ppml_cli.cli import app, commands
from ppml_cli.render import Format

from .conftest import Run

COMMANDS: dict[str, Any] = {
    (c.name or (c.callback.__name__ if c.callback else "")): c.callback for c in commands.registered_commands
}

#: ``quickstart`` writes a program, not a result: its -o takes the formats of code (table, text, json).
WRITES_CODE = frozenset({"quickstart"})


def _declared_by_hand(callback: Any) -> set[str]:
    """The options the command's own function declares (under every decorator), as typed."""
    flags: set[str] = set()
    for parameter in inspect.signature(inspect.unwrap(callback)).parameters.values():
        for info in get_args(parameter.annotation)[1:]:
            if isinstance(info, OptionInfo):
                flags.update(d for d in (info.default, *(info.param_decls or ())) if isinstance(d, str))
    return flags


def _output_of(callback: Any) -> str | None:
    return getattr(callback, "output_result", None)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_command_declares_its_output_options_by_hand(name: str) -> None:
    if name in WRITES_CODE:
        pytest.skip("writes code, not a result")
    assert _declared_by_hand(COMMANDS[name]).isdisjoint({"--format", "-o", "--json"}), name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_that_emits_a_result_declares_it(name: str) -> None:
    if name in WRITES_CODE:
        pytest.skip("writes code, not a result")
    source = inspect.getsource(inspect.unwrap(COMMANDS[name]))
    if "emit(" in source or "fmt" in source:
        assert _output_of(COMMANDS[name]) in results.FORMATS, name


def test_every_declared_result_names_a_result_type() -> None:
    from ppml_cli.evaluate import EvaluationReport
    from ppml_cli.recommend.plan import Plan
    from ppml_cli.site.build import SiteReport

    types = {t.__name__: t for t in (Plan, SiteReport, EvaluationReport)}
    for name in results.FORMATS:
        found = getattr(results, name, None) or types.get(name)
        assert isinstance(found, type) and hasattr(found, "to_data"), name
        assert results.FORMATS[name] <= {f.value for f in Format}, name


@pytest.mark.parametrize("name", sorted(n for n, c in COMMANDS.items() if _output_of(c)))
def test_the_format_help_lists_what_the_result_allows(name: str) -> None:
    group = typer.main.get_command(app)
    with typer.Context(group) as ctx:
        command = group.get_command(ctx, name)  # type: ignore[attr-defined]
    option = next(p for p in command.params if p.name == "fmt")
    allowed = results.FORMATS[_output_of(COMMANDS[name]) or ""]
    listed = option.help.removeprefix("Output format: ").rstrip(".").replace(" or ", ", ").split(", ")
    assert listed == [f.value for f in Format if f.value in allowed]
    assert option.opts == ["--format", "-o"]
    assert any(p.opts == ["--json"] for p in command.params)


def test_export_keeps_json_as_its_default(run: Run) -> None:
    result = run("export")
    assert result.exit_code == 0
    assert result.stdout.startswith('{\n  "schema_version": 1,')


@pytest.mark.parametrize(("command", "refused"), [(["recommend", "--no-input"], "csv"), (["tree"], "bibtex")])
def test_a_format_outside_the_declaration_is_refused(run: Run, command: list[str], refused: str) -> None:
    result = run(*command, "-o", refused)
    assert result.exit_code == 2
    assert f"cannot write -o {refused}" in result.stderr
    assert result.stdout == ""


def test_a_command_without_a_format_parameter_cannot_be_declared() -> None:
    from ppml_cli.options import declare_output, with_output

    def plain(ctx: typer.Context) -> None:
        """Takes no format."""

    with pytest.raises(TypeError, match="'fmt'"):
        declare_output(with_output("Tree")(plain))


def test_the_options_are_declared_when_the_command_is_built_not_at_start_up() -> None:
    """Building every command's signature (and importing the results for their formats) would slow every run."""
    program = (
        "import sys, ppml_cli.cli as cli\n"
        "declared = [c.callback.output_declared for c in cli.commands.registered_commands"
        " if hasattr(c.callback, 'output_result')]\n"
        "print(len(declared), any(declared), 'ppml_cli.results' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len([c for c in COMMANDS.values() if _output_of(c)])), "False", "False"]


# ------------------------------------------------- writers, registered by type


def _result_types() -> dict[str, type]:
    """Every result that goes through ``render``, by name (the site's report has a writer of its own)."""
    from ppml_cli.evaluate import EvaluationReport
    from ppml_cli.recommend.plan import Plan

    own = {t.__name__: t for t in (Plan, EvaluationReport)}
    return {name: own.get(name) or getattr(results, name) for name in results.FORMATS if name != "SiteReport"}


@pytest.mark.parametrize("name", sorted(_result_types()))
def test_every_allowed_format_has_a_writer_of_the_result(name: str) -> None:
    from ppml_cli.render import machine, writer_for

    result_type = _result_types()[name]
    for fmt in Format:
        if fmt.value in results.FORMATS[name]:
            assert writer_for(result_type, fmt) is not machine.write_bibtex, (name, fmt)  # the refusal


@pytest.mark.parametrize("fmt", [Format.TABLE, Format.MARKDOWN])
def test_people_formats_have_a_writer_per_result_not_a_fallback(fmt: Format) -> None:
    from ppml_cli.render import WRITERS, writer_for

    for name, result_type in _result_types().items():
        if fmt.value in results.FORMATS[name]:
            writer_for(result_type, fmt)
            assert (result_type, fmt) in WRITERS, (name, fmt)


def test_a_result_without_a_writer_is_a_bug_said_plainly() -> None:
    from ppml_cli.render import writer_for

    with pytest.raises(TypeError, match="no table writer for Unwritten"):
        writer_for(type("Unwritten", (), {}), Format.TABLE)


def test_json_does_not_load_the_plan_writers_and_tables_do_not_either(tmp_path: Path) -> None:
    from .conftest import modules_imported

    as_json = modules_imported(["search", "federated", "-o", "json"], tmp_path / "cache", warm=True)
    table = modules_imported(["list", "--kind", "tool"], tmp_path / "cache")
    assert as_json.returncode == table.returncode == 0
    assert "ppml_cli.render.machine" in as_json.modules
    assert "ppml_cli.render.human" in table.modules
    for loaded in (as_json.modules, table.modules):
        assert not {"ppml_cli.recommend.plan", "ppml_cli.render.plan"} & loaded


# ------------------------------------------------- exit codes, decided by the result


def _link(*, ok: bool) -> Any:
    from ppml_cli.net.link_check import LinkResult

    return LinkResult(url="https://example.org/", ok=ok, status=200 if ok else 404, final_url=None, error=None,
                      elapsed_ms=1)  # fmt: skip


def test_a_link_report_exits_1_only_when_a_link_is_broken() -> None:
    assert results.LinkReport(results=(_link(ok=True),)).exit_code == 0
    assert results.LinkReport(results=(_link(ok=True), _link(ok=False))).exit_code == 1


def test_a_validation_report_exits_2_on_errors_not_on_warnings() -> None:
    from ppml_cli.errors import Problem, Severity

    warning = Problem(file="c.yaml", message="style", severity=Severity.WARNING)
    error = Problem(file="c.yaml", message="broken", severity=Severity.ERROR)
    assert results.ValidationReport(files=("c.yaml",), entries=(), problems=(warning,)).exit_code == 0
    assert results.ValidationReport(files=("c.yaml",), entries=(), problems=(warning, error)).exit_code == 2


def test_a_refresh_report_fails_with_a_network_error_when_stopped_or_when_nothing_was_refreshed() -> None:
    from ppml_cli.errors import NetworkError
    from ppml_cli.net.github import Outcome

    done = Outcome(repo="a/b", status="updated", message="updated", data=None)
    broken = Outcome(repo="c/d", status="error", message="timed out", data=None)
    assert results.RefreshReport(outcomes=(), ids={}).failure is None
    assert results.RefreshReport(outcomes=(done, broken), ids={}).exit_code == 0
    stopped = results.RefreshReport(outcomes=(done,), ids={}, stopped="rate limit reached")
    assert isinstance(stopped.failure, NetworkError)
    assert stopped.failure.message == "rate limit reached"
    assert stopped.exit_code == 3
    nothing = results.RefreshReport(outcomes=(broken,), ids={})
    assert nothing.failure is not None and nothing.failure.message == "no repository could be refreshed"
    assert nothing.exit_code == 3


@pytest.mark.parametrize("name", sorted(n for n, c in COMMANDS.items() if _output_of(c)))
def test_no_command_body_decides_an_exit_code(name: str) -> None:
    source = inspect.getsource(inspect.unwrap(COMMANDS[name]))
    assert "Exit(" not in source and "EXIT_" not in source and "NetworkError(" not in source, name


def test_the_output_comes_before_the_exit_the_result_decides(run: Run, write_catalog: Any) -> None:
    path = write_catalog("tools:\n  - id: x\n    name: X\n    techniques: [no-such-technique]\n")
    result = run("validate", str(path), "-o", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"] >= 1
