"""The options that several commands share, defined once (Typer reads them from the annotations).

Like the CLI module, this one does not postpone annotations: Typer evaluates
them at start-up, and real objects spare it an ``eval`` per parameter.
"""

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ppml_cli import completion
from ppml_cli.model import Kind, Record
from ppml_cli.render import Format

if TYPE_CHECKING:
    from ppml_cli.filters import FilterRequest


FormatOption = Annotated[
    Format,
    typer.Option("--format", "-o", case_sensitive=False, help="Output format.", show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
TechniqueOption = Annotated[
    list[str] | None,
    typer.Option(
        "--technique",
        "-t",
        metavar="TECHNIQUE",
        help="Technique id, name or alias (e.g. DP-SGD, FL).",
        autocompletion=completion.entries(Kind.TECHNIQUE),
    ),
]


def split_values(values: list[str] | None, option: str) -> list[str]:
    """Repeatable options also take comma-separated values: ``-p training,deployment``.

    An empty value (``--phase ""``, ``-p ,``) would silently filter nothing: it is a usage error.
    """
    parts = []
    for value in values or []:
        found = [part.strip() for part in value.split(",") if part.strip()]
        if not found:
            from ppml_cli.errors import InvalidValueError

            raise InvalidValueError(f"empty value for {option}", hint=f"give {option} a value, or leave it out")
        parts += found
    return parts


# ------------------------------------------------------------------- filters

FILTERS_PANEL = "Filters"


class FilterOption(Record):
    """One filter, declared once: its parameter, the option as typed, and the FilterRequest field it fills.

    ``annotation`` is what Typer reads; a repeatable (list) filter's values are split on
    commas and refused when empty, a scalar one (a flag, a year) is passed as is.
    """

    name: str
    option: str
    field: str
    annotation: Any
    repeatable: bool = True


def _filter(name: str, field: str, flags: tuple[str, ...], help_: str, metavar: str, complete: Any) -> FilterOption:
    option = typer.Option(*flags, metavar=metavar, help=help_, autocompletion=complete, rich_help_panel=FILTERS_PANEL)
    return FilterOption(name=name, option=flags[0], field=field, annotation=Annotated[list[str] | None, option])


def _scalar(name: str, flag: str, annotation: Any, help_: str, metavar: str | None = None) -> FilterOption:
    option = typer.Option(flag, metavar=metavar, help=help_, rich_help_panel=FILTERS_PANEL)
    return FilterOption(
        name=name, option=flag.split("/")[0], field=name, annotation=Annotated[annotation, option], repeatable=False
    )


#: Every filter of ``search`` and ``list``, in help order. A new filter is one line here,
#: one field of :class:`ppml_cli.filters.FilterRequest`, and its meaning in ``ppml_cli.filters``.
FILTERS: tuple[FilterOption, ...] = (
    _filter(
        "kind", "kinds", ("--kind", "-k"), "technique, tool, reference, tutorial, threat or phase.", "KIND",
        completion.kind_values,
    ),
    _filter("phase", "phases", ("--phase", "-p"), "Phase id, name or alias.", "PHASE", completion.entries(Kind.PHASE)),
    _filter(
        "technique", "techniques", ("--technique", "-t"), "Technique id, name or alias (e.g. DP-SGD, FL).",
        "TECHNIQUE", completion.entries(Kind.TECHNIQUE),
    ),
    _filter(
        "threat", "threats", ("--threat",),
        "Privacy attack mitigated (e.g. membership-inference); a tool only by its own curated claim.", "THREAT",
        completion.entries(Kind.THREAT),
    ),
    _filter(
        "audits", "audits", ("--audits",), "Tools that measure a privacy attack (e.g. membership-inference).",
        "THREAT", completion.entries(Kind.THREAT),
    ),
    _filter(
        "framework", "frameworks", ("--framework",), "Tools for a framework (pytorch, jax, ...).", "NAME",
        completion.attribute("frameworks"),
    ),
    _filter(
        "license", "licenses", ("--license",), "Tools under a licence (MIT, Apache-2.0, ...).", "SPDX",
        completion.attribute("license"),
    ),
    _scalar(
        "open_source", "--open-source/--not-open-source", bool | None,
        "Tools whose licence is (or is not) open source.",
    ),
    _filter(
        "status", "statuses", ("--status",), "Tools by status: active, low-activity, legacy, deprecated.", "STATUS",
        completion.attribute("status"),
    ),
    _filter(
        "language", "languages", ("--language",), "Tools by language (Python, C++, ...).", "LANG",
        completion.attribute("language"),
    ),
    _scalar("year_from", "--year-from", int | None, "References from this year.", "YEAR"),
    _scalar("year_to", "--year-to", int | None, "References up to this year.", "YEAR"),
)  # fmt: skip

#: The repeatable filters: (parameter name, option as typed, FilterRequest field).
FILTER_LISTS = tuple((f.name, f.option, f.field) for f in FILTERS if f.repeatable)


def request_from(values: dict[str, Any]) -> "FilterRequest":
    """The filters as the core wants them, from parameter values by name; empty values are refused."""
    from ppml_cli.filters import FilterRequest

    fields: dict[str, Any] = {
        f.field: split_values(values.get(f.name), f.option) if f.repeatable else values.get(f.name) for f in FILTERS
    }
    return FilterRequest(**fields)


def filter_request(ctx: typer.Context) -> "FilterRequest":
    """The filter options of the running command (declared with :func:`with_filters`), as one request."""
    return request_from(ctx.params)


F = TypeVar("F", bound=Callable[..., Any])


def with_filters(func: F) -> F:
    """Give a command every declared filter option and hand it one ``filters: FilterRequest``.

    The command declares a ``filters`` parameter; Typer instead sees the options of
    :data:`FILTERS` in its place (under the "Filters" help panel), and the command is
    called with the request built from them. Typer calls commands with keyword
    arguments only, so every parameter of the new signature is keyword-only.
    """
    signature = inspect.signature(func)
    if "filters" not in signature.parameters:
        raise TypeError(f"{func.__name__} must take a 'filters' parameter")
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "filters":
            parameters += [
                inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=f.annotation)
                for f in FILTERS
            ]
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(func)
    def command(**kwargs: Any) -> Any:
        values = {f.name: kwargs.pop(f.name, None) for f in FILTERS}
        return func(**kwargs, filters=request_from(values))

    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command  # type: ignore[return-value]
