"""The filter options are declared once (options.FILTERS) and reach `search` and `list` through one decorator."""

from __future__ import annotations

import re
from typing import Annotated, Any, get_args

import pytest
import typer
from typer.testing import CliRunner

from ppml_cli import options, queries
from ppml_cli.filters import FilterRequest
from ppml_cli.model import fields

from .conftest import Run

COMMANDS = (("search", "x"), ("list",))


def flags(declared: options.DeclaredOption) -> set[str]:
    """Every long flag a declared filter gives (both halves of an on/off pair)."""
    info = get_args(declared.annotation)[1]
    names = [info.default, *(info.param_decls or ())]
    return {part for name in names for part in str(name).split("/") if part.startswith("--")}


def panel(help_text: str, title: str) -> str:
    """The text of one Rich help panel."""
    start = help_text.index(f"─ {title} ─")
    return help_text[start : help_text.index("╰", start)]


def test_the_declaration_fills_every_field_of_the_request_once() -> None:
    assert sorted(f.field for f in options.FILTERS) == sorted(fields(FilterRequest))
    assert len({f.name for f in options.FILTERS}) == len(options.FILTERS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_help_lists_every_declared_filter_under_filters(run: Run, command: tuple[str, ...]) -> None:
    result = run(command[0], "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    shown = set(re.findall(r"--[a-z][a-z-]*", panel(result.stdout, "Filters")))
    assert shown == set().union(*(flags(f) for f in options.FILTERS))
    options_panel = set(re.findall(r"--[a-z][a-z-]*", panel(result.stdout, "Options")))
    assert not options_panel & shown  # the filters left the general box


SAMPLE = {"year_from": 2001, "year_to": 2002, "open_source": False}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("declared", options.FILTERS, ids=lambda f: f.name)
def test_each_declared_filter_reaches_its_request_field(
    run: Run, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], declared: options.DeclaredOption
) -> None:
    seen: list[FilterRequest] = []
    expected: Any

    def capture(index: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(next(a for a in (*args, *kwargs.values()) if isinstance(a, FilterRequest)))
        raise typer.Exit(0)

    monkeypatch.setattr(queries, "search_entries" if command[0] == "search" else "list_entries", capture)
    if declared.repeatable:
        args, expected = [declared.option, "a,b", declared.option, "c"], ["a", "b", "c"]
    elif declared.name == "open_source":
        args, expected = ["--not-open-source"], False
    else:
        args, expected = [declared.option, str(SAMPLE[declared.name])], SAMPLE[declared.name]
    result = run(*command, *args)
    assert result.exit_code == 0, result.stderr
    assert getattr(seen[0], declared.field) == expected
    others = {f.field for f in options.FILTERS} - {declared.field}
    assert all(getattr(seen[0], field) in ((), [], None) for field in others)


@pytest.mark.parametrize("declared", [f for f in options.FILTERS if f.repeatable], ids=lambda f: f.name)
def test_an_empty_value_of_any_repeatable_filter_is_a_usage_error(run: Run, declared: options.DeclaredOption) -> None:
    result = run("list", declared.option, " , ")
    assert result.exit_code == 2
    assert f"empty value for {declared.option}" in result.stderr


def test_one_more_declared_filter_is_enough_for_a_command_to_offer_it(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = options.DeclaredOption(
        name="colour",
        option="--colour",
        field="colours",
        annotation=Annotated[list[str] | None, typer.Option("--colour", rich_help_panel=options.FILTERS_PANEL)],
    )
    monkeypatch.setattr(options, "FILTERS", (*options.FILTERS, extra))
    received: dict[str, Any] = {}
    monkeypatch.setattr(options, "request_from", lambda values: values)
    toy = typer.Typer()

    @toy.command()
    @options.with_filters
    def pick(filters: Any, name: str = "n") -> None:
        received.update(filters)

    result = CliRunner().invoke(toy, ["--colour", "red", "--name", "z"])
    assert result.exit_code == 0, result.output
    assert received["colour"] == ["red"]
    help_text = CliRunner().invoke(toy, ["--help"], env={"COLUMNS": "200"}).stdout
    assert "--colour" in panel(help_text, "Filters")


def test_a_command_without_a_filters_parameter_is_refused() -> None:
    def plain(name: str) -> None: ...

    with pytest.raises(TypeError, match="filters"):
        options.with_filters(plain)


# ------------------------------------------------------------- recommend's situation


def test_the_situation_options_are_the_advice_questions_and_the_situation_fields() -> None:
    """One option per question of the rules, one Situation field per option: the three agree."""
    from ppml_cli.recommend.engine import Situation
    from ppml_cli.recommend.rules import QUESTION_IDS, load_advice

    assert [d.field for d in options.SITUATION] == list(QUESTION_IDS)
    assert [q.option for q in load_advice().questions] == [d.option for d in options.SITUATION]
    assert Situation.of(**dict.fromkeys(QUESTION_IDS)).is_empty()
    with pytest.raises(TypeError, match="no question"):
        Situation.of(colour="blue")


SITUATION_SAMPLE = {
    "deploy": "on-device",
    "data": "images",
    "framework": "jax",
    "sensitivity": "low",
    "partition": "vertical",
    "parties": "many",
    "unit": "user",
}


@pytest.mark.parametrize("declared", options.SITUATION, ids=lambda d: d.name)
def test_each_situation_option_reaches_its_field(
    run: Run, monkeypatch: pytest.MonkeyPatch, declared: options.DeclaredOption
) -> None:
    from ppml_cli.recommend import engine
    from ppml_cli.recommend.engine import Situation

    seen: list[Situation] = []

    def capture(index: Any, advice: Any, situation: Situation, *rest: Any) -> Any:
        seen.append(situation)
        raise typer.Exit(0)

    monkeypatch.setattr(engine, "recommend", capture)
    expected: Any
    if declared.repeatable:
        args, expected = [declared.option, "a,b", declared.option, "c"], ("a", "b", "c")
    elif declared.name == "open_source":
        args, expected = [declared.option], ("yes",)
    else:
        args, expected = [declared.option, SITUATION_SAMPLE[declared.name]], (SITUATION_SAMPLE[declared.name],)
    result = run("recommend", "--no-input", *args)
    assert result.exit_code == 0, result.stderr
    assert seen[0].get(declared.field) == expected
    others = {d.field for d in options.SITUATION} - {declared.field}
    assert all(seen[0].get(field) == () for field in others)
    help_text = run("recommend", "--help", env={"COLUMNS": "200"}).stdout
    assert declared.option in panel(help_text, options.SITUATION_PANEL)


def test_a_command_without_a_situation_parameter_is_refused() -> None:
    def plain(name: str) -> None: ...

    with pytest.raises(TypeError, match="situation"):
        options.with_situation(plain)
