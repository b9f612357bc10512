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
from ppml_cli.netsettings import NetworkSettings
from ppml_cli.recommend.rules import QUESTIONS, QuestionSpec
from ppml_cli.render import Format

if TYPE_CHECKING:
    from ppml_cli.filters import FilterRequest
    from ppml_cli.recommend.engine import Situation


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


# ------------------------------------------------- options declared as a set

FILTERS_PANEL = "Filters"
SITUATION_PANEL = "Situation"
NETWORK_PANEL = "Network"


class DeclaredOption(Record):
    """One option of a declared set, declared once: its parameter, the option as typed, the field it fills.

    ``annotation`` is what Typer reads; a repeatable (list) option's values are split on
    commas and refused when empty, a scalar one (a flag, a year, one word) is passed as is.
    """

    name: str
    option: str
    field: str
    annotation: Any
    repeatable: bool = True


def _listed(
    name: str,
    field: str,
    flags: tuple[str, ...],
    help_: str,
    metavar: str,
    complete: Any,
    *,
    panel: str = FILTERS_PANEL,
) -> DeclaredOption:
    option = typer.Option(*flags, metavar=metavar, help=help_, autocompletion=complete, rich_help_panel=panel)
    return DeclaredOption(name=name, option=flags[0], field=field, annotation=Annotated[list[str] | None, option])


def _scalar(
    name: str,
    flag: str,
    annotation: Any,
    help_: str,
    metavar: str | None = None,
    complete: Any = None,
    *,
    panel: str = FILTERS_PANEL,
) -> DeclaredOption:
    option = typer.Option(flag, metavar=metavar, help=help_, autocompletion=complete, rich_help_panel=panel)
    return DeclaredOption(
        name=name,
        option=flag.split("/")[0],
        field=name,
        annotation=Annotated[annotation, option],
        repeatable=False,
    )


#: Every filter of ``search`` and ``list``, in help order. A new filter is one line here,
#: one field of :class:`ppml_cli.filters.FilterRequest`, and its meaning in ``ppml_cli.filters``.
FILTERS: tuple[DeclaredOption, ...] = (
    _listed(
        "kind", "kinds", ("--kind", "-k"), "technique, tool, reference, tutorial, threat or phase.", "KIND",
        completion.kind_values,
    ),
    _listed("phase", "phases", ("--phase", "-p"), "Phase id, name or alias.", "PHASE", completion.entries(Kind.PHASE)),
    _listed(
        "technique", "techniques", ("--technique", "-t"), "Technique id, name or alias (e.g. DP-SGD, FL).",
        "TECHNIQUE", completion.entries(Kind.TECHNIQUE),
    ),
    _listed(
        "threat", "threats", ("--threat",),
        "Privacy attack mitigated (e.g. membership-inference); a tool only by its own curated claim.", "THREAT",
        completion.entries(Kind.THREAT),
    ),
    _listed(
        "audits", "audits", ("--audits",), "Tools that measure a privacy attack (e.g. membership-inference).",
        "THREAT", completion.entries(Kind.THREAT),
    ),
    _listed(
        "framework", "frameworks", ("--framework",), "Tools for a framework (pytorch, jax, ...).", "NAME",
        completion.attribute("frameworks"),
    ),
    _listed(
        "license", "licenses", ("--license",), "Tools under a licence (MIT, Apache-2.0, ...).", "SPDX",
        completion.attribute("license"),
    ),
    _scalar(
        "open_source", "--open-source/--not-open-source", bool | None,
        "Tools whose licence is (or is not) open source.",
    ),
    _listed(
        "status", "statuses", ("--status",), "Tools by status: active, low-activity, legacy, deprecated.", "STATUS",
        completion.attribute("status"),
    ),
    _listed(
        "language", "languages", ("--language",), "Tools by language (Python, C++, ...).", "LANG",
        completion.attribute("language"),
    ),
    _scalar("year_from", "--year-from", int | None, "References from this year.", "YEAR"),
    _scalar("year_to", "--year-to", int | None, "References up to this year.", "YEAR"),
)  # fmt: skip

#: The repeatable filters: (parameter name, option as typed, FilterRequest field).
FILTER_LISTS = tuple((f.name, f.option, f.field) for f in FILTERS if f.repeatable)


def _situation_option(spec: QuestionSpec) -> DeclaredOption:
    """The option of one recommend question: repeatable, a yes/no switch, or one value."""
    complete: Any
    if spec.answers_from == "threats":
        complete = completion.entries(Kind.THREAT)
    elif spec.answers_from == "frameworks":
        complete = completion.attribute("frameworks")
    else:
        complete = completion.advice(spec.id)
    if spec.multiple:
        return _listed(
            spec.id, spec.id, (spec.option,), spec.help, spec.metavar or "VALUE", complete, panel=SITUATION_PANEL
        )
    if spec.flag:
        return _scalar(spec.id, spec.option, bool | None, spec.help, panel=SITUATION_PANEL)
    return _scalar(spec.id, spec.option, str | None, spec.help, spec.metavar, complete, panel=SITUATION_PANEL)


#: What ``recommend`` is told about a situation: one option per question of
#: :data:`ppml_cli.recommend.rules.QUESTIONS`, where each is declared, in the order the interview asks them.
SITUATION: tuple[DeclaredOption, ...] = tuple(_situation_option(spec) for spec in QUESTIONS)


def _network(name: str, flags: tuple[str, ...], annotation: type, help_: str, *, minimum: float) -> DeclaredOption:
    option = typer.Option(*flags, help=help_, min=minimum, rich_help_panel=NETWORK_PANEL)
    return DeclaredOption(
        name=name, option=flags[0], field=name, annotation=Annotated[annotation, option], repeatable=False
    )


#: How hard a command may use the network, for every command that asks it (``links``, ``refresh``);
#: each gives its own defaults to :func:`with_network`. One field each of :class:`NetworkSettings`.
NETWORK: tuple[DeclaredOption, ...] = (
    _network("concurrency", ("--concurrency", "-c"), int, "Requests in flight.", minimum=1),
    _network("timeout", ("--timeout",), float, "Seconds for a whole request: connect, headers and all.", minimum=0.1),
    _network(
        "max_wait", ("--max-wait",), float,
        "Longest wait a server may ask for (Retry-After, a rate-limit reset) before giving up on it (s).", minimum=0,
    ),
)  # fmt: skip


def values_of(declared: tuple[DeclaredOption, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Field values from parameter values by name: lists split on commas (empty ones refused), the rest as is."""
    return {
        d.field: split_values(values.get(d.name), d.option) if d.repeatable else values.get(d.name) for d in declared
    }


def request_from(values: dict[str, Any]) -> "FilterRequest":
    """The filters as the core wants them, from parameter values by name; empty values are refused."""
    from ppml_cli.filters import FilterRequest

    return FilterRequest(**values_of(FILTERS, values))


def situation_from(values: dict[str, Any]) -> "Situation":
    """The situation as the recommend engine wants it, from parameter values by question id."""
    from ppml_cli.recommend.engine import Situation

    return Situation.of(**values_of(SITUATION, values))


def filter_request(ctx: typer.Context) -> "FilterRequest":
    """The filter options of the running command (declared with :func:`with_filters`), as one request."""
    return request_from(ctx.params)


F = TypeVar("F", bound=Callable[..., Any])


def with_filters(func: F) -> F:
    """Give a command every declared filter option and hand it one ``filters: FilterRequest``.

    The command declares a ``filters`` parameter; Typer instead sees the options of
    :data:`FILTERS` in its place (under the "Filters" help panel), and the command is
    called with the request built from them.
    """
    return _with_declared(func, "filters", FILTERS, lambda values: request_from(values))


def with_situation(func: F) -> F:
    """Give a command every declared situation option and hand it one ``situation: Situation``."""
    return _with_declared(func, "situation", SITUATION, lambda values: situation_from(values))


def with_network(defaults: NetworkSettings) -> Callable[[F], F]:
    """Give a command the declared network options, with its own ``defaults``, and hand it one
    ``network: NetworkSettings``."""

    def decorate(func: F) -> F:
        return _with_declared(
            func,
            "network",
            NETWORK,
            lambda values: NetworkSettings(**values),
            defaults={d.name: getattr(defaults, d.name) for d in NETWORK},
        )

    return decorate


def _with_declared(
    func: F,
    parameter_name: str,
    declared: tuple[DeclaredOption, ...],
    build: Callable[[dict[str, Any]], Any],
    defaults: dict[str, Any] | None = None,
) -> F:
    """Put the declared options where ``func`` takes ``parameter_name``, and call it with what ``build`` makes.

    Typer reads the new signature; it calls commands with keyword arguments only, so
    every parameter of that signature is keyword-only.
    """
    signature = inspect.signature(func)
    if parameter_name not in signature.parameters:
        raise TypeError(f"{func.__name__} must take a {parameter_name!r} parameter")
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == parameter_name:
            parameters += [
                inspect.Parameter(
                    d.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=(defaults or {}).get(d.name),
                    annotation=d.annotation,
                )
                for d in declared
            ]
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(func)
    def command(**kwargs: Any) -> Any:
        values = {d.name: kwargs.pop(d.name, None) for d in declared}
        return func(**kwargs, **{parameter_name: build(values)})

    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    return command  # type: ignore[return-value]


# ------------------------------------------------------- output, declared once


def output_format(ctx: typer.Context, fmt: Format, as_json: bool, result: str) -> Format:
    """The chosen format, refused before any work when ``result`` cannot be written in it.

    ``result`` names the command's result type: its formats are declared in :data:`ppml_cli.results.FORMATS`.
    """
    from ppml_cli.errors import InvalidValueError
    from ppml_cli.results import FORMATS

    chosen = Format.JSON if as_json else fmt
    allowed = FORMATS[result]
    if chosen.value not in allowed:
        why = " (-o bibtex writes references)" if chosen is Format.BIBTEX else ""
        names = ", ".join(f.value for f in Format if f.value in allowed)
        raise InvalidValueError(f"{ctx.info_name} cannot write -o {chosen.value}{why}", hint=f"choose one of: {names}")
    return chosen


def with_output(result: str) -> Callable[[F], F]:
    """Give a command ``-o/--format`` and ``--json`` for the formats its result allows; hand it the chosen one.

    ``result`` names the command's result type (a key of :data:`ppml_cli.results.FORMATS`,
    named rather than imported so that start-up stays cheap). The command declares a
    ``typer.Context`` and a ``fmt: Format`` parameter with its default format; Typer
    instead sees the two options in its place (:func:`declare_output`), a format the
    result cannot be written in is refused before the command runs (exit 2), and the
    command is called with the chosen format, which it passes to ``emit``.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            ctx = kwargs[command.output_context]  # type: ignore[attr-defined]
            chosen = output_format(ctx, kwargs.pop("fmt"), kwargs.pop("as_json"), result)
            return func(**kwargs, fmt=chosen)

        command.output_result = result  # type: ignore[attr-defined]
        command.output_declared = False  # type: ignore[attr-defined]
        command.output_context = "ctx"  # type: ignore[attr-defined]
        return command  # type: ignore[return-value]

    return decorate


def declare_output(command: Callable[..., Any] | None) -> None:
    """Put the output options of a :func:`with_output` command into the signature Typer reads.

    Done when the command is built, which the CLI's group does for the one command a run
    invokes: signatures for every command, and the formats of their results, would
    otherwise cost every run at start-up. Anything else is left as it is.
    """
    result: str | None = getattr(command, "output_result", None)
    if command is None or result is None or getattr(command, "output_declared", True):
        return
    from ppml_cli.results import FORMATS

    signature = inspect.signature(command.__wrapped__)  # type: ignore[attr-defined]
    contexts = [p.name for p in signature.parameters.values() if p.annotation is typer.Context]
    if "fmt" not in signature.parameters or not contexts:
        raise TypeError(f"{command.__name__} must take a typer.Context and a 'fmt' parameter")
    names = [f.value for f in Format if f.value in FORMATS[result]]
    option = typer.Option(
        "--format",
        "-o",
        metavar="FORMAT",
        case_sensitive=False,
        show_default=True,
        help=f"Output format: {', '.join(names[:-1])} or {names[-1]}.",
    )
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "fmt":
            default = Format.TABLE if parameter.default is inspect.Parameter.empty else parameter.default
            parameters += [
                inspect.Parameter("fmt", keyword, default=default, annotation=Annotated[Format, option]),
                inspect.Parameter("as_json", keyword, default=False, annotation=JsonOption),
            ]
        else:
            parameters.append(parameter.replace(kind=keyword))
    command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.output_context = contexts[0]  # type: ignore[attr-defined]
    command.output_declared = True  # type: ignore[attr-defined]
