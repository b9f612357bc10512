"""The Typer layer: parse options, call the core, hand the result to a renderer.

Commands stay a few lines each. This module does not postpone annotations
(no ``from __future__ import annotations``): Typer reads every command's
signature at start-up, and evaluated annotations spare it an ``eval`` per
parameter. Errors raised by the core are turned into one
message on stderr and a documented exit code by :class:`PpmlGroup`, so no
command needs its own try/except and no user sees a traceback.
"""

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from ppml_cli import __version__, completion
from ppml_cli.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, CatalogError, InvalidValueError, PpmlError
from ppml_cli.model import Kind
from ppml_cli.render import Format

if TYPE_CHECKING:
    from typer._click import Context

    from ppml_cli.index import Index
    from ppml_cli.queries import FilterRequest
    from ppml_cli.results import Result


# ------------------------------------------------------------------ messages


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def report_error(error: PpmlError) -> None:
    """Print an error (and its fix) on stderr; catalog text is printed as data."""
    from rich.text import Text

    from ppml_cli.textsafe import clean

    console = _stderr_console()
    if isinstance(error, CatalogError):
        for problem in error.problems:
            console.print(Text(clean(str(problem))), soft_wrap=True)
    line = Text("Error: ", style="bold red")
    line.append(clean(error.message))
    console.print(line, soft_wrap=True)
    if error.hint:
        console.print(Text(clean(error.hint), style="dim"), soft_wrap=True)


def note(message: str) -> None:
    """A message for the person at the terminal, never part of the data."""
    from rich.text import Text

    _stderr_console().print(Text(message, style="dim"))


def _silence_stdout() -> None:
    """The reader of our stdout went away (``ppml list | head``): later writes and the
    final flush go to devnull, so Python does not complain at exit (see the SIGPIPE note
    in the signal module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


#: The subcommands. They are registered here, not on ``app``, so that a run builds
#: the Click command of only the subcommand it invokes (see :class:`PpmlGroup`).
commands = typer.Typer(rich_markup_mode="rich")


class PpmlGroup(TyperGroup):
    """The root command: builds subcommands on demand and maps errors to exit codes.

    Typer turns every command's signature into Click parameters at start-up,
    about a millisecond per option; building only the invoked subcommand keeps
    that cost proportional to what a run uses. Core exceptions become one
    message on stderr and a documented exit code here, in one place.
    """

    def list_commands(self, ctx: "Context") -> list[str]:
        return [_command_name(info) for info in commands.registered_commands]

    def get_command(self, ctx: "Context", cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None:
            info = next((i for i in commands.registered_commands if _command_name(i) == cmd_name), None)
            if info is None:
                return None
            command = get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
            self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: "Context", args: list[str]) -> Any:
        """Typer suggests among built commands only; suggest among all of them."""
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            if args and "Did you mean" not in error.message:
                import difflib

                matches = difflib.get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise

    def invoke(self, ctx: "Context") -> Any:
        try:
            return super().invoke(ctx)
        except PpmlError as error:
            report_error(error)
            raise typer.Exit(error.exit_code) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None


app = typer.Typer(
    name="ppml",
    cls=PpmlGroup,
    help="Explore privacy-preserving machine learning: techniques, tools, papers and tutorials by ML lifecycle phase.",
    epilog="Example: [bold]ppml search federated[/bold]   ·   docs: ppml COMMAND --help",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# --------------------------------------------------------------------- state


def _command_name(info: CommandInfo) -> str:
    return info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")


class State:
    """Per-run settings from the global options; the index is built on first use."""

    def __init__(self, extra: list[Path] | None = None, bundled: bool = True) -> None:
        self.extra = extra or []
        self.bundled = bundled
        self._index: Index | None = None

    @property
    def index(self) -> "Index":
        if self._index is None:
            from ppml_cli.loading import load_index

            self._index = load_index(self.extra, bundled=self.bundled)
        return self._index


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):  # a command invoked without the root callback (tests)
        obj = ctx.find_root().obj = State()
    return obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ppml {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            metavar="PATH",
            help="Extra catalog YAML merged over the bundled one (repeatable; also PPML_CATALOG).",
            show_default=False,
        ),
    ] = None,
    no_bundled: Annotated[bool, typer.Option("--no-bundled", help="Use only the --catalog files.")] = False,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    from ppml_cli.sources import paths_from_env

    ctx.obj = State(extra=[*paths_from_env(), *(catalog or [])], bundled=not no_bundled)


# ------------------------------------------------------------ shared options

FormatOption = Annotated[
    Format,
    typer.Option("--format", "-o", case_sensitive=False, help="Output format.", show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-k",
        metavar="KIND",
        help="technique, tool, reference, tutorial, threat or phase.",
        autocompletion=completion.kind_values,
    ),
]
PhaseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--phase",
        "-p",
        metavar="PHASE",
        help="Phase id, name or alias.",
        autocompletion=completion.entries(Kind.PHASE),
    ),
]
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
ThreatOption = Annotated[
    list[str] | None,
    typer.Option(
        "--threat",
        metavar="THREAT",
        help="Privacy attack mitigated or audited (e.g. membership-inference).",
        autocompletion=completion.entries(Kind.THREAT),
    ),
]


FrameworkOption = Annotated[
    list[str] | None,
    typer.Option(
        "--framework",
        metavar="NAME",
        help="Tools for a framework (pytorch, jax, ...).",
        autocompletion=completion.attribute("frameworks"),
    ),
]
LicenseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--license",
        metavar="SPDX",
        help="Tools under a licence (MIT, Apache-2.0, ...).",
        autocompletion=completion.attribute("license"),
    ),
]
OpenSourceOption = Annotated[
    bool | None,
    typer.Option("--open-source/--not-open-source", help="Tools whose licence is (or is not) open source."),
]
StatusOption = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        metavar="STATUS",
        help="Tools by status: active, low-activity, legacy, deprecated.",
        autocompletion=completion.attribute("status"),
    ),
]
LanguageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--language",
        metavar="LANG",
        help="Tools by language (Python, C++, ...).",
        autocompletion=completion.attribute("language"),
    ),
]
YearFromOption = Annotated[int | None, typer.Option("--year-from", metavar="YEAR", help="References from this year.")]
YearToOption = Annotated[int | None, typer.Option("--year-to", metavar="YEAR", help="References up to this year.")]


def _split(values: list[str] | None) -> list[str]:
    """Repeatable options also take comma-separated values: ``-p training,deployment``."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def filter_request(ctx: typer.Context) -> "FilterRequest":
    """The filter options of the running command, as the core wants them."""
    from ppml_cli.queries import FilterRequest

    p = ctx.params
    return FilterRequest(
        kinds=_split(p.get("kind")),
        phases=_split(p.get("phase")),
        techniques=_split(p.get("technique")),
        threats=_split(p.get("threat")),
        frameworks=_split(p.get("framework")),
        licenses=_split(p.get("license")),
        statuses=_split(p.get("status")),
        languages=_split(p.get("language")),
        open_source=p.get("open_source"),
        year_from=p.get("year_from"),
        year_to=p.get("year_to"),
    )


def emit(result: "Result", fmt: Format, as_json: bool, *, empty_note: bool = False) -> None:
    """Write ``result`` to stdout in the chosen format; a note on stderr when it is empty."""
    from ppml_cli.render import render

    chosen = Format.JSON if as_json else fmt
    if empty_note and not result.entries and chosen is Format.TABLE:
        note("no results")
        return
    render(result, chosen, sys.stdout)
    sys.stdout.flush()


# ------------------------------------------------------------------ commands


@commands.command()
def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(help="Words to look for; typos and acronyms are fine.")],
    kind: KindOption = None,
    phase: PhaseOption = None,
    technique: TechniqueOption = None,
    threat: ThreatOption = None,
    framework: FrameworkOption = None,
    license: LicenseOption = None,
    open_source: OpenSourceOption = None,
    status: StatusOption = None,
    language: LanguageOption = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance, name, kind or year.")] = "relevance",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many results.")] = 20,
    explain: Annotated[bool, typer.Option("--explain", help="Show which fields and words matched.")] = False,
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Search every entry, best match first.

    Example: [bold]ppml search "secure aggregation" --kind reference[/bold]
    """
    from ppml_cli.queries import search_entries

    index, words = state(ctx).index, " ".join(query)
    result = search_entries(index, words, filter_request(ctx), limit=limit, sort=sort, explain=explain)
    emit(result, fmt, as_json, empty_note=True)


@commands.command("list")
def list_(
    ctx: typer.Context,
    kind: KindOption = None,
    phase: PhaseOption = None,
    technique: TechniqueOption = None,
    threat: ThreatOption = None,
    framework: FrameworkOption = None,
    license: LicenseOption = None,
    open_source: OpenSourceOption = None,
    status: StatusOption = None,
    language: LanguageOption = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    sort: Annotated[str, typer.Option("--sort", help="catalog, name, kind or year.")] = "catalog",
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many.")] = None,
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List entries, filtered by kind, phase, technique, threat and tool attributes (combinable).

    Example: [bold]ppml list --phase training --kind tool --framework pytorch[/bold]
    """
    from ppml_cli.queries import list_entries

    result = list_entries(state(ctx).index, filter_request(ctx), sort=sort, limit=limit)
    emit(result, fmt, as_json, empty_note=True)


@commands.command()
def show(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_ID", help="An id, name or alias, any case.", autocompletion=completion.entries()
        ),
    ],
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show every field of one entry and what it links to.

    Example: [bold]ppml show opacus[/bold]
    """
    from ppml_cli.queries import show_entry

    emit(show_entry(state(ctx).index, name), fmt, as_json)


@commands.command()
def tree(ctx: typer.Context, fmt: FormatOption = Format.TABLE, as_json: JsonOption = False) -> None:
    """Show the lifecycle phases, their techniques, and how many entries each has.

    Example: [bold]ppml tree[/bold]
    """
    from ppml_cli.queries import build_tree

    emit(build_tree(state(ctx).index), fmt, as_json)


@commands.command()
def export(ctx: typer.Context, fmt: FormatOption = Format.JSON, as_json: JsonOption = False) -> None:
    """Export the whole (merged) catalog; -o markdown regenerates the awesome list.

    Example: [bold]ppml export -o yaml > catalog.yaml[/bold]
    """
    from ppml_cli.queries import export_catalog

    emit(export_catalog(state(ctx).index), fmt, as_json)


@commands.command()
def compare(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(metavar="TOOL...", help="Two or more tools.", autocompletion=completion.entries(Kind.TOOL)),
    ],
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Compare tools side by side; the attributes where they differ are marked.

    Example: [bold]ppml compare opacus tensorflow-privacy jax-privacy[/bold]
    """
    from ppml_cli.queries import compare_tools

    emit(compare_tools(state(ctx).index, names), fmt, as_json)


@commands.command()
def cite(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[REFERENCE]...", help="References to cite.", autocompletion=completion.entries(Kind.REFERENCE)
        ),
    ] = None,
    style: Annotated[
        str, typer.Option("--style", "-s", help="bibtex, apa or markdown.", autocompletion=completion.styles)
    ] = "bibtex",
    every: Annotated[bool, typer.Option("--all", help="Cite every reference in the catalog.")] = False,
    technique: TechniqueOption = None,
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Cite references as BibTeX, APA or Markdown; --all or --technique for a bibliography.

    Example: [bold]ppml cite shokri2017membership abadi2016deep > refs.bib[/bold]
    """
    from ppml_cli.queries import cite_references

    index = state(ctx).index
    result = cite_references(index, names or [], every=every, techniques=_split(technique), style=style)
    emit(result, fmt, as_json)


@commands.command("open")
def open_(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME_OR_ID", help="An id, name or alias.", autocompletion=completion.entries())
    ],
    print_only: Annotated[bool, typer.Option("--print", help="Print the URL instead of opening it.")] = False,
) -> None:
    """Open an entry's URL in the web browser (or print it with --print).

    Example: [bold]ppml open flower[/bold]
    """
    from ppml_cli.queries import entry_url

    url = entry_url(state(ctx).index, name)
    if print_only:
        typer.echo(url)
        return
    import webbrowser

    if not webbrowser.open(url):
        note(f"no browser could be started; the address is {url}")


@commands.command()
def links(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Argument(metavar="[SOURCE]", help="A file of URLs, one per line, or - for standard input."),
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="Requests in flight.")] = 16,
    per_host: Annotated[int, typer.Option("--per-host", min=1, help="Requests in flight per host.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per request.")] = 10.0,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries of transient failures.")] = 2,
    max_wait: Annotated[float, typer.Option("--max-wait", min=0, help="Longest Retry-After to honour (s).")] = 30.0,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", metavar="REGEX", help="Skip URLs matching this (repeatable).")
    ] = None,
    accept: Annotated[
        list[str] | None,
        typer.Option("--accept", metavar="CODES", help="Also accept these statuses: 403,429 or 400-499."),
    ] = None,
    ttl: Annotated[float, typer.Option("--ttl", min=0, help="Hours a working link stays fresh in the cache.")] = 24.0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Check every link, ignoring earlier results.")] = False,
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Check that every URL in the catalog (or in SOURCE) still works; exit 1 if any is broken.

    Example: [bold]ppml list --kind tool -o json | jq -r '.[].url' | ppml links -[/bold]
    """
    from ppml_cli.net.links import LinkOptions, check_links, parse_accept, read_url_lines, select
    from ppml_cli.queries import link_targets

    try:
        accepted = parse_accept(accept or [])
        urls = None if source is None else read_url_lines(_read_source(source))
        chosen, excluded = select(urls if urls is not None else [], exclude or [])
    except (ValueError, OSError, re.error) as error:
        raise InvalidValueError(str(error), hint="see ppml links --help") from None
    index = state(ctx).index
    targets = link_targets(index, chosen if urls is not None else None)
    if urls is None:
        kept, excluded = select([u for u, _ in targets], exclude or [])
        targets = [t for t in targets if t[0] in set(kept)]
    options = LinkOptions(
        concurrency, per_host, timeout, retries, 10, max_wait, accepted, ttl * 3600, use_cache=not no_cache
    )
    with _progress(len(targets), "checking links") as advance:
        results = check_links(targets, options, on_result=lambda _: advance())
    from ppml_cli.results import LinkReport

    report = LinkReport(tuple(results), tuple(excluded))
    emit(report, fmt, as_json)
    if report.broken:
        raise typer.Exit(EXIT_NOT_FOUND)


def _read_source(source: str) -> list[str]:
    if source == "-":
        return sys.stdin.read().splitlines()
    return Path(source).read_text(encoding="utf-8").splitlines()


@contextlib.contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr, only when stderr is a terminal; elsewhere a no-op."""
    if not sys.stderr.isatty() or total == 0:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_stderr_console(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


@commands.command()
def refresh(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TOOL]...",
            help="Tools to refresh (default: all on GitHub).",
            autocompletion=completion.entries(Kind.TOOL),
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="Requests in flight.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per request.")] = 15.0,
    max_wait: Annotated[
        float, typer.Option("--max-wait", min=0, help="Longest rate-limit wait before stopping (s).")
    ] = 60.0,
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Fetch stars, last push, archived state and latest release of the tools' GitHub repositories.

    Uses GITHUB_TOKEN when set (sent only to the API host); PPML_GITHUB_API_URL for GitHub Enterprise.

    Example: [bold]GITHUB_TOKEN=... ppml refresh && ppml list --kind tool --sort stars[/bold]
    """
    from ppml_cli.refreshing import NetworkError, github_targets, refresh_metadata

    index = state(ctx).index
    total = len(github_targets(index, names or []))
    with _progress(total, "refreshing") as advance:
        report = refresh_metadata(
            index,
            names or [],
            concurrency=concurrency,
            timeout=timeout,
            max_wait=max_wait,
            on_outcome=lambda _: advance(),
        )
    emit(report, fmt, as_json)
    if report.stopped:
        raise NetworkError(report.stopped, hint="what was fetched is saved; run ppml refresh again later")


@commands.command()
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(metavar="[PATH]...", help="Catalog files to check over the bundled one.")
    ] = None,
    fmt: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Check catalog files: schema, ids, cross-references, URLs, years, licences, style.

    Each problem is printed as file:line: entry: field: severity: message; exit 2 on any error.

    Example: [bold]ppml validate my-tools.yaml[/bold]
    """
    from ppml_cli.queries import validate_catalog

    settings = state(ctx)
    report = validate_catalog([*settings.extra, *(paths or [])], bundled=settings.bundled)
    emit(report, fmt, as_json)
    if report.errors:
        raise typer.Exit(EXIT_USAGE)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # raised while flushing at exit
        _silence_stdout()
        sys.exit(EXIT_OK)
