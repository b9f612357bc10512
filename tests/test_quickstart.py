"""`ppml quickstart`: starting programs per tool, as code, JSON or a file; offline checks of the programs.

The programs themselves are installed and run (or API-checked) by
``tests/test_quickstart_programs.py`` under ``pytest -m quickstarts``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from ppml_cli.catalog.loading import load_index
from ppml_cli.errors import InvalidValueError, NoQuickstartError, NotFoundError, OutputFileError
from ppml_cli.model import Kind
from ppml_cli.quickstart import (
    check_file_name,
    command_for,
    find_quickstart,
    imported_modules,
    list_quickstarts,
    read_program,
    write_program,
)
from ppml_cli.quickstart.manifest import API_CHECKED, LEVELS, QUICKSTARTS, RAN, Quickstart

from .conftest import Run

PROGRAMS = Path(__file__).resolve().parents[1] / "src" / "ppml_cli" / "quickstart" / "programs"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FIELDS = {"tool", "name", "language", "code", "requires", "verified", "verified_with", "notes"}


def ids(quickstart: Quickstart) -> str:
    return quickstart.tool


class TestManifest:
    """Every quickstart names a real catalog tool, a real program and bounded requirements."""

    def test_every_tool_is_a_catalog_tool(self) -> None:
        index = load_index([], bundled=True)
        tools = {entry.id for entry in index.of_kind(Kind.TOOL)}
        assert {q.tool for q in QUICKSTARTS} <= tools
        assert len(QUICKSTARTS) == len({q.tool for q in QUICKSTARTS}), "one quickstart per tool"

    def test_at_least_fifteen_and_six_ran(self) -> None:
        assert len(QUICKSTARTS) >= 15
        assert sum(q.verified == RAN for q in QUICKSTARTS) >= 6

    def test_every_program_file_is_listed_and_every_listed_file_exists(self) -> None:
        assert {q.program for q in QUICKSTARTS} == {p.name for p in PROGRAMS.glob("*.py")}

    @pytest.mark.parametrize("quickstart", QUICKSTARTS, ids=ids)
    def test_requirements_have_version_bounds(self, quickstart: Quickstart) -> None:
        requirements = [Requirement(text) for text in quickstart.requires]
        assert requirements, "a program needs at least its tool"
        for requirement in requirements:
            operators = {spec.operator for spec in requirement.specifier}
            assert operators & {">=", "==", "~=", ">"}, f"{requirement} has no lower bound"
        main = requirements[0]
        operators = {spec.operator for spec in main.specifier}
        assert operators & {"<", "==", "~="}, f"the tool's own package {main} needs an upper bound"

    @pytest.mark.parametrize("quickstart", QUICKSTARTS, ids=ids)
    def test_verification_is_recorded(self, quickstart: Quickstart) -> None:
        assert quickstart.verified in LEVELS
        proven = dict(quickstart.verified_with)
        main = Requirement(quickstart.requires[0])
        assert main.name in proven, "the versions proven include the tool's own package"
        for name, version in proven.items():
            assert re.fullmatch(r"\d+(\.\d+)+", version), (name, version)
        if quickstart.verified == API_CHECKED:
            assert quickstart.check_packages, "an API check says which packages' source it resolves names in"
            assert set(quickstart.check_packages) <= set(proven)
        assert quickstart.notes.strip()

    @pytest.mark.parametrize("quickstart", QUICKSTARTS, ids=ids)
    def test_verified_versions_satisfy_the_requirements(self, quickstart: Quickstart) -> None:
        proven = dict(quickstart.verified_with)
        for text in quickstart.requires:
            requirement = Requirement(text)
            if requirement.name in proven:
                assert requirement.specifier.contains(proven[requirement.name], prereleases=True), (text, proven)


class TestPrograms:
    """The programs are complete Python that stands on its own."""

    @pytest.mark.parametrize("quickstart", QUICKSTARTS, ids=ids)
    def test_program_parses_has_a_docstring_and_imports_its_tool(self, quickstart: Quickstart) -> None:
        code = read_program(quickstart)
        tree = ast.parse(code, filename=quickstart.program)
        assert ast.get_docstring(tree), "the program says what it does"
        compile(tree, quickstart.program, "exec")
        imported = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert imported, "a quickstart uses its library"
        assert "print" in code, "it prints a result a person can read"

    @pytest.mark.parametrize("quickstart", QUICKSTARTS, ids=ids)
    def test_program_reaches_for_no_network_and_no_gpu(self, quickstart: Quickstart) -> None:
        code = read_program(quickstart)
        for forbidden in ("http://", "https://", "urlopen", "requests.", "download", ".cuda(", 'device("cuda'):
            assert forbidden not in code, forbidden

    @pytest.mark.parametrize("quickstart", QUICKSTARTS, ids=ids)
    def test_program_file_name_does_not_shadow_a_module_it_imports(self, quickstart: Quickstart) -> None:
        tree = ast.parse(read_program(quickstart))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert Path(quickstart.program).stem not in {name.split(".")[0] for name in names}


class TestCore:
    def test_find_by_name_alias_or_case(self) -> None:
        index = load_index([], bundled=True)
        assert find_quickstart(index, "OpenDP").tool.id == "opendp"
        assert find_quickstart(index, "PYDP").quickstart.program == "pydp_quickstart.py"

    def test_unknown_name_suggests(self) -> None:
        with pytest.raises(NotFoundError) as caught:
            find_quickstart(load_index([], bundled=True), "opacuss")
        assert "opacus" in caught.value.suggestions

    def test_entry_without_quickstart_lists_those_with_one(self) -> None:
        with pytest.raises(NoQuickstartError) as caught:
            find_quickstart(load_index([], bundled=True), "dp-training")
        assert "technique" in caught.value.message
        assert caught.value.hint is not None and "opendp" in caught.value.hint
        assert caught.value.exit_code == 1

    def test_list_follows_catalog_order(self) -> None:
        index = load_index([], bundled=True)
        order = [entry.id for entry in index.of_kind(Kind.TOOL)]
        listed = [entry.id for entry in list_quickstarts(index).entries]
        assert listed == sorted(listed, key=order.index)
        assert set(listed) == {q.tool for q in QUICKSTARTS}

    def test_command_for_tools_only(self) -> None:
        index = load_index([], bundled=True)
        assert command_for(index.get("opacus")) == "ppml quickstart opacus"
        assert command_for(index.get("dp-training")) is None

    def test_write_is_exclusive_unless_forced(self, tmp_path: Path) -> None:
        target = tmp_path / "start.py"
        write_program(target, "print(1)\n", force=False)
        with pytest.raises(OutputFileError):
            write_program(target, "print(2)\n", force=False)
        assert target.read_text() == "print(1)\n"
        write_program(target, "print(2)\n", force=True)
        assert target.read_text() == "print(2)\n"
        assert [p.name for p in tmp_path.iterdir()] == ["start.py"], "no temporary file is left behind"

    def test_write_into_a_missing_directory_is_an_error(self, tmp_path: Path) -> None:
        with pytest.raises(OutputFileError, match="cannot write"):
            write_program(tmp_path / "missing" / "start.py", "x = 1\n", force=False)


class TestForcedWrite:
    """``--write P --force`` replaces only a regular file, keeps its mode, never writes through a link."""

    def test_forced_write_keeps_the_replaced_files_mode(self, tmp_path: Path) -> None:
        target = tmp_path / "start.py"
        target.write_text("# mine\n", encoding="utf-8")
        target.chmod(0o750)
        write_program(target, "print(2)\n", force=True)
        assert target.read_text() == "print(2)\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o750

    def test_a_new_file_is_readable_by_others(self, tmp_path: Path) -> None:
        write_program(tmp_path / "start.py", "print(1)\n", force=False)
        assert stat.S_IMODE((tmp_path / "start.py").stat().st_mode) == 0o644

    def test_symlink_is_neither_replaced_nor_followed(self, tmp_path: Path) -> None:
        victim = tmp_path / "victim.txt"
        victim.write_text("precious\n", encoding="utf-8")
        link = tmp_path / "start.py"
        link.symlink_to(victim)
        with pytest.raises(OutputFileError, match="symbolic link"):
            write_program(link, "print(2)\n", force=True)
        assert link.is_symlink() and victim.read_text() == "precious\n"

    def test_dangling_symlink_is_not_created_through(self, tmp_path: Path) -> None:
        link = tmp_path / "start.py"
        link.symlink_to(tmp_path / "elsewhere.py")
        for force in (False, True):
            with pytest.raises(OutputFileError):
                write_program(link, "print(2)\n", force=force)
        assert link.is_symlink() and not (tmp_path / "elsewhere.py").exists()

    def test_fifo_is_refused_without_hanging(self, tmp_path: Path) -> None:
        fifo = tmp_path / "start.py"
        os.mkfifo(fifo)
        with pytest.raises(OutputFileError, match="FIFO"):
            write_program(fifo, "print(2)\n", force=True)
        assert stat.S_ISFIFO(fifo.lstat().st_mode)

    def test_device_is_refused(self, tmp_path: Path) -> None:
        device = tmp_path / "null"
        try:
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            device = Path(os.devnull)  # not root: /dev/null itself, which we could not replace anyway
        with pytest.raises(OutputFileError, match="character device"):
            write_program(device, "print(2)\n", force=True)
        assert stat.S_ISCHR(device.lstat().st_mode)

    def test_directory_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "start.py").mkdir()
        with pytest.raises(OutputFileError, match="directory"):
            write_program(tmp_path / "start.py", "print(2)\n", force=True)

    def test_hard_linked_file_is_refused(self, tmp_path: Path) -> None:
        target = tmp_path / "start.py"
        target.write_text("# mine\n", encoding="utf-8")
        os.link(target, tmp_path / "other.py")
        with pytest.raises(OutputFileError, match="hard links"):
            write_program(target, "print(2)\n", force=True)
        assert (tmp_path / "other.py").read_text() == "# mine\n"

    def test_through_the_cli_a_symlink_exits_2_and_is_kept(self, run: Run, tmp_path: Path) -> None:
        victim = tmp_path / "victim.txt"
        victim.write_text("precious\n", encoding="utf-8")
        link = tmp_path / "start.py"
        link.symlink_to(victim)
        result = run("quickstart", "pydp", "--write", str(link), "--force")
        assert result.exit_code == 2, result.stderr
        assert "not a regular file" in result.stderr and "Traceback" not in result.stderr
        assert link.is_symlink() and victim.read_text() == "precious\n"


class TestProgramsFitTheTask:
    """The programs answer the task a user asks about, read from their code (they are run by -m quickstarts)."""

    def test_opacus_trains_an_image_cnn_with_groupnorm_and_says_why_not_batchnorm(self) -> None:
        code = read_program(_quickstart("opacus"))
        assert "nn.Conv2d" in code and "load_digits" in code
        assert "nn.GroupNorm" in code and "ModuleValidator.validate" in code
        comment = " ".join(line for line in code.splitlines() if line.lstrip().startswith("#"))
        assert "BatchNorm" in comment and "ModuleValidator" in comment

    def test_tenseal_scores_a_trained_model_on_an_encrypted_input(self) -> None:
        code = read_program(_quickstart("tenseal"))
        assert "LogisticRegression" in code and "load_breast_cancer" in code
        assert ".dot(weights)" in code and "make_context_public()" in code

    def test_smartnoise_uses_mst_or_aim_on_a_declared_domain(self) -> None:
        code = read_program(_quickstart("smartnoise-sdk"))
        tree = ast.parse(code)
        created = [
            node.args[0].value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "create"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ]
        assert created and set(created) <= {"mst", "aim"}
        assert "MWEM" not in code
        assert "categorical_columns" not in code, "categories come from the declared domain, not the data"
        assert "assert transformer.fit_complete" in code and "preprocessor_eps=0.0" in code

    def test_flower_runs_with_dp_and_reports_epsilon(self) -> None:
        code = read_program(_quickstart("flower"))
        assert "DifferentialPrivacyServerSideFixedClipping" in code and "RdpAccountant" in code
        assert any("[dp" in r or ",dp" in r for r in _quickstart("flower").requires)

    @pytest.mark.parametrize("tool", ["opacus", "tenseal", "smartnoise-sdk", "flower"])
    def test_the_reworked_programs_ran(self, tool: str) -> None:
        assert _quickstart(tool).verified == RAN


def _imports() -> list[tuple[str, str]]:
    return [(q.tool, module) for q in QUICKSTARTS for module in sorted(imported_modules(read_program(q)))]


class TestShadowingName:
    """``--write tenseal.py`` would make ``python tenseal.py`` import itself: refused with a better name."""

    def test_the_names_come_from_the_programs_imports(self) -> None:
        every = {module for _, module in _imports()}
        assert {"tenseal", "pycanon", "sdmetrics", "anonymeter", "opacus", "torch", "numpy"} <= every
        assert imported_modules("import a.b as c\nfrom d.e import f\nfrom . import g\n") == {"a", "d"}

    @pytest.mark.parametrize(("tool", "module"), _imports(), ids=lambda value: str(value))
    def test_every_imported_module_name_is_refused(self, tool: str, module: str, tmp_path: Path) -> None:
        program = find_quickstart(load_index([], bundled=True), tool)
        with pytest.raises(InvalidValueError) as caught:
            check_file_name(tmp_path / f"{module}.py", program)
        assert caught.value.exit_code == 2
        assert caught.value.hint is not None and program.quickstart.program in caught.value.hint

    @pytest.mark.parametrize("tool", ["tenseal", "pycanon", "sdmetrics", "anonymeter", "opacus"])
    def test_cli_refuses_the_trap_and_suggests_a_name(self, run: Run, tmp_path: Path, tool: str) -> None:
        target = tmp_path / f"{tool}.py"
        result = run("quickstart", tool, "--write", str(target))
        assert result.exit_code == 2, result.stderr
        assert f"shadow the module '{tool}'" in " ".join(result.stderr.split())
        assert f"{tool.replace('-', '_')}_quickstart.py" in result.stderr
        assert not target.exists()

    def test_other_names_are_fine(self, run: Run, tmp_path: Path) -> None:
        assert run("quickstart", "tenseal", "--write", str(tmp_path / "tenseal_demo.py")).exit_code == 0
        assert run("quickstart", "tenseal", "--write", str(tmp_path / "tenseal.txt")).exit_code == 0


class TestCommand:
    """Through the real CLI: plain code when piped, JSON, files, and the two ways to fail."""

    def test_piped_output_is_the_program_byte_for_byte(self, run: Run) -> None:
        for quickstart in QUICKSTARTS:
            result = run("quickstart", quickstart.tool)
            assert result.exit_code == 0, result.stderr
            assert result.stdout == (PROGRAMS / quickstart.program).read_text(encoding="utf-8")

    def test_text_format_is_plain_even_on_a_terminal(self, run: Run) -> None:
        result = run("quickstart", "opendp", "-o", "text", env={"FORCE_COLOR": "1"})
        assert result.stdout == read_program(_quickstart("opendp"))

    def test_terminal_output_is_highlighted_code(self, run: Run) -> None:
        result = run("quickstart", "opendp", env={"FORCE_COLOR": "1"})
        assert result.exit_code == 0
        assert "\x1b[" in result.stdout, "colours on a terminal"
        plain = [line.rstrip() for line in ANSI.sub("", result.stdout).splitlines()]
        assert plain == [line.rstrip() for line in read_program(_quickstart("opendp")).splitlines()]

    def test_json_contract(self, run_json: Callable[..., Any]) -> None:
        data = run_json("quickstart", "opacus")
        assert set(data) == FIELDS
        assert data["tool"] == "opacus"
        assert data["language"] == "python"
        assert data["verified"] == "ran"
        assert data["requires"][0].startswith("opacus>=")
        assert data["verified_with"]["opacus"] == dict(_quickstart("opacus").verified_with)["opacus"]
        assert "PrivacyEngine" in data["code"]
        assert data["code"] == read_program(_quickstart("opacus"))

    def test_json_flag_is_the_same_as_format_json(self, run: Run) -> None:
        assert run("quickstart", "tenseal", "--json").stdout == run("quickstart", "tenseal", "-o", "json").stdout

    def test_list_json(self, run_json: Callable[..., Any]) -> None:
        data = run_json("quickstart", "--list")
        assert {row["tool"] for row in data} == {q.tool for q in QUICKSTARTS}
        assert all(set(row) == FIELDS - {"code"} for row in data)
        assert {row["verified"] for row in data} <= set(LEVELS)

    def test_list_text_and_table(self, run: Run) -> None:
        lines = run("quickstart", "--list", "-o", "text").stdout.splitlines()
        assert len(lines) == len(QUICKSTARTS)
        _, level, versions = lines[0].split("\t")
        assert level in LEVELS and versions
        table = run("quickstart", "--list").stdout
        assert "Verified" in table and "api-checked" in table and "ran" in table

    def test_no_tool_lists_too(self, run: Run) -> None:
        assert run("quickstart").stdout == run("quickstart", "--list").stdout

    def test_write_and_refuse_to_overwrite(self, run: Run, tmp_path: Path) -> None:
        target = tmp_path / "start.py"
        first = run("quickstart", "pydp", "--write", str(target))
        assert first.exit_code == 0, first.stderr
        assert first.stdout == ""
        assert "to run it: pip install 'python-dp>=" in " ".join(first.stderr.split())
        assert target.read_text(encoding="utf-8") == read_program(_quickstart("pydp"))
        target.write_text("# mine\n", encoding="utf-8")
        again = run("quickstart", "pydp", "--write", str(target))
        assert again.exit_code == 2
        assert "exists" in again.stderr and "--force" in again.stderr
        assert target.read_text(encoding="utf-8") == "# mine\n"
        forced = run("quickstart", "pydp", "--write", str(target), "--force")
        assert forced.exit_code == 0
        assert target.read_text(encoding="utf-8") == read_program(_quickstart("pydp"))

    def test_write_needs_a_tool(self, run: Run, tmp_path: Path) -> None:
        result = run("quickstart", "--list", "--write", str(tmp_path / "x.py"))
        assert result.exit_code == 2
        assert not (tmp_path / "x.py").exists()

    def test_unknown_tool_exits_1_with_did_you_mean(self, run: Run) -> None:
        result = run("quickstart", "opacuss")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "did you mean" in result.stderr and "opacus" in result.stderr

    def test_tool_without_quickstart_exits_1_and_lists_those_with_one(self, run: Run) -> None:
        result = run("quickstart", "sdv")
        assert result.exit_code == 1
        assert "no quickstart for SDV" in result.stderr
        assert all(q.tool in result.stderr for q in QUICKSTARTS)

    def test_show_mentions_the_quickstart(self, run: Run, run_json: Callable[..., Any]) -> None:
        assert run_json("show", "opendp")["quickstart"] == "ppml quickstart opendp"
        assert "quickstart" not in run_json("show", "sdv")
        assert "quickstart: ppml quickstart opendp" in run("show", "opendp").stdout

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(name=st.text(min_size=1, max_size=20).filter(lambda s: not s.startswith("-")))
    def test_any_name_is_an_answer_or_a_clean_error(self, run: Run, name: str) -> None:
        result = run("quickstart", name, "-o", "json")
        assert result.exit_code in (0, 1, 2)
        assert "Traceback" not in result.stderr
        if result.exit_code == 0:
            assert json.loads(result.stdout)["tool"] in {q.tool for q in QUICKSTARTS}


def _quickstart(tool: str) -> Quickstart:
    return next(q for q in QUICKSTARTS if q.tool == tool)
