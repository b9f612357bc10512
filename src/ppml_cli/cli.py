"""The Typer layer: parse options, call the core, hand the result to a renderer.

Commands stay a few lines each; the options they share live in
:mod:`ppml_cli.options`, messages in :mod:`ppml_cli.console`. This module does
not postpone annotations (no ``from __future__ import annotations``): Typer
reads every command's signature at start-up, and evaluated annotations spare
it an ``eval`` per parameter. Errors raised by the core are turned into one
message on stderr and a documented exit code by :class:`PpmlGroup`, so no
command needs its own try/except and no user sees a traceback.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from ppml_cli import __version__, completion, store
from ppml_cli.console import note, progress, report_error, silence_stdout
from ppml_cli.errors import EXIT_OK, InvalidValueError, OutputFileError, PpmlError
from ppml_cli.model import Kind
from ppml_cli.netsettings import LINKS, REFRESH
from ppml_cli.options import (
    JsonOption,
    TechniqueOption,
    declare_output,
    split_values,
    with_filters,
    with_network,
    with_output,
    with_situation,
)
from ppml_cli.render import Format
from ppml_cli.render.quickstart import CodeFormat

if TYPE_CHECKING:
    from typer._click import Context

    from ppml_cli.filters import FilterRequest
    from ppml_cli.netsettings import NetworkSettings
    from ppml_cli.recommend.engine import Situation
    from ppml_cli.results import Result
    from ppml_cli.session import Session


#: The order ``ppml --help`` lists commands in: find, advise and start, then the catalog's upkeep.
HELP_ORDER = (
    "search", "list", "show", "tree", "recommend", "evaluate", "quickstart", "compare", "cite", "export",
    "open", "site", "links", "refresh", "add", "validate",
)  # fmt: skip

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
        names = [_command_name(info) for info in commands.registered_commands]
        return sorted(names, key=lambda name: HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER))

    def get_command(self, ctx: "Context", cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None:
            info = next((i for i in commands.registered_commands if _command_name(i) == cmd_name), None)
            if info is None:
                return None
            declare_output(info.callback)  # -o/--json of a @with_output command, for this command only
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
            silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except OSError as error:  # the files a command means to read or write have their own messages:
            # what is left is the standard streams failing (a full disk, a device error)
            failure = OutputFileError(f"cannot write the output: {error.strerror or error}")
            report_error(failure)
            raise typer.Exit(failure.exit_code) from None


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


def state(ctx: typer.Context) -> "Session":
    """The run's :class:`~ppml_cli.session.Session`, built by the root callback."""
    from ppml_cli.session import Session

    root = ctx.find_root()
    if not isinstance(root.obj, Session):  # a command invoked without the root callback (tests)
        root.obj = Session()
    return root.obj


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
    from ppml_cli.session import Session

    store.set_notifier(note)  # the core's one-off messages (an untrusted cache directory) go to stderr
    ctx.obj = Session.from_options(catalog, no_bundled)


def emit(result: "Result", chosen: Format, *, empty_note: bool = False) -> None:
    """Write ``result`` to stdout in the chosen format; its notes, or "no results", go to stderr.

    Then the result decides how the run ends: its ``failure`` is reported (with that error's
    exit code), else a non-zero ``exit_code`` ends the run with it.
    """
    from ppml_cli.render import render

    notes: tuple[str, ...] = getattr(result, "notes", ())
    for message in notes:
        note(message)
    empty = empty_note and not result.entries and chosen is not Format.JSON and chosen is not Format.JSONL
    if empty and not notes:
        note("no results")
    if not (empty and chosen is Format.TABLE):
        render(result, chosen, sys.stdout)
        sys.stdout.flush()
    failure: PpmlError | None = getattr(result, "failure", None)
    if failure is not None:
        raise failure  # reported on stderr, after the output, by PpmlGroup
    exit_code: int = getattr(result, "exit_code", EXIT_OK)
    if exit_code != EXIT_OK:
        raise typer.Exit(exit_code)


# ------------------------------------------------------------------ commands


@commands.command()
@with_output("EntryList")
@with_filters
def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(help="Words to look for; typos and acronyms are fine.")],
    filters: "FilterRequest",
    sort: Annotated[str, typer.Option("--sort", help="relevance, name, kind or year.")] = "relevance",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many results.")] = 20,
    explain: Annotated[bool, typer.Option("--explain", help="Show which fields and words matched.")] = False,
    fmt: Format = Format.TABLE,
) -> None:
    """Search every entry, best match first.

    Example: [bold]ppml search "secure aggregation" --kind reference[/bold]
    """
    from ppml_cli.queries import search_entries

    result = search_entries(state(ctx), " ".join(query), filters, limit=limit, sort=sort, explain=explain)
    emit(result, fmt, empty_note=True)


@commands.command("list")
@with_output("EntryList")
@with_filters
def list_(
    ctx: typer.Context,
    filters: "FilterRequest",
    sort: Annotated[str, typer.Option("--sort", help="catalog, name, kind or year.")] = "catalog",
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many.")] = None,
    fmt: Format = Format.TABLE,
) -> None:
    """List entries, filtered by kind, phase, technique, threat and tool attributes (combinable).

    Example: [bold]ppml list --phase training --kind tool --framework pytorch[/bold]
    """
    from ppml_cli.queries import list_entries

    result = list_entries(state(ctx).index, filters, sort=sort, limit=limit)
    emit(result, fmt, empty_note=True)


@commands.command()
@with_output("EntryDetail")
def show(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_ID", help="An id, name or alias, any case.", autocompletion=completion.entries()
        ),
    ],
    fmt: Format = Format.TABLE,
) -> None:
    """Show every field of one entry and what it links to.

    Example: [bold]ppml show opacus[/bold]
    """
    from ppml_cli.queries import show_entry

    emit(show_entry(state(ctx).index, name), fmt)


@commands.command()
@with_output("Tree")
def tree(ctx: typer.Context, fmt: Format = Format.TABLE) -> None:
    """Show the lifecycle phases, their techniques, and how many entries each has.

    Example: [bold]ppml tree[/bold]
    """
    from ppml_cli.queries import build_tree

    emit(build_tree(state(ctx).index), fmt)


@commands.command()
@with_output("CatalogDump")
def export(ctx: typer.Context, fmt: Format = Format.JSON) -> None:
    """Export the whole (merged) catalog; -o markdown regenerates the awesome list.

    Example: [bold]ppml export -o yaml > catalog.yaml[/bold]
    """
    from ppml_cli.queries import export_catalog

    emit(export_catalog(state(ctx).index), fmt)


@commands.command()
@with_output("Comparison")
def compare(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(metavar="TOOL...", help="Two or more tools.", autocompletion=completion.entries(Kind.TOOL)),
    ],
    fmt: Format = Format.TABLE,
) -> None:
    """Compare tools side by side; the attributes where they differ are marked.

    Example: [bold]ppml compare opacus tensorflow-privacy jax-privacy[/bold]
    """
    from ppml_cli.queries import compare_tools

    emit(compare_tools(state(ctx).index, names), fmt)


@commands.command()
@with_output("Bibliography")
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
    fmt: Format = Format.TABLE,
) -> None:
    """Cite references as BibTeX, APA or Markdown; --all or --technique for a bibliography.

    Example: [bold]ppml cite shokri2017membership abadi2016deep > refs.bib[/bold]
    """
    from ppml_cli.queries import cite_references
    from ppml_cli.render.citations import style_for

    source = ctx.get_parameter_source("style")
    style = style_for(style, fmt.value, chosen_by_user=source is not None and source.name != "DEFAULT")
    techniques = split_values(technique, "--technique")
    result = cite_references(state(ctx).index, names or [], every=every, techniques=techniques, style=style)
    emit(result, fmt)


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
@with_output("LinkReport")
@with_network(LINKS)
def links(
    ctx: typer.Context,
    network: "NetworkSettings",
    source: Annotated[
        str | None,
        typer.Argument(metavar="[SOURCE]", help="A file of URLs, one per line, or - for standard input."),
    ] = None,
    per_host: Annotated[int, typer.Option("--per-host", min=1, help="Requests in flight per host.")] = 4,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries of transient failures.")] = 2,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", metavar="REGEX", help="Skip URLs matching this (repeatable).")
    ] = None,
    accept: Annotated[
        list[str] | None,
        typer.Option("--accept", metavar="CODES", help="Also accept these statuses: 403,429 or 400-499."),
    ] = None,
    ttl: Annotated[float, typer.Option("--ttl", min=0, help="Hours a working link stays fresh in the cache.")] = 24.0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Check every link, ignoring earlier results.")] = False,
    allow_private: Annotated[
        bool,
        typer.Option("--allow-private", help="Follow redirects into loopback, private and link-local addresses."),
    ] = False,
    fmt: Format = Format.TABLE,
) -> None:
    """Check that every URL in the catalog (or in SOURCE) still works; exit 1 if any is broken.

    Example: [bold]ppml list --kind tool -o json | jq -r '.[].url' | ppml links -[/bold]
    """
    from ppml_cli.queries import LinkRequest, check_planned_links, plan_links

    request = LinkRequest(
        source=source,
        exclude=exclude or (),
        accept=accept or (),
        network=network,
        per_host=per_host,
        retries=retries,
        ttl_hours=ttl,
        use_cache=not no_cache,
        allow_private=allow_private,
    )
    plan = plan_links(state(ctx).index, request, sys.stdin)
    with progress(len(plan.targets), "checking links") as advance:
        report = check_planned_links(plan, on_result=lambda _: advance())
    emit(report, fmt)


@commands.command()
@with_output("RefreshReport")
@with_network(REFRESH)
def refresh(
    ctx: typer.Context,
    network: "NetworkSettings",
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TOOL]...",
            help="Tools to refresh (default: all on GitHub).",
            autocompletion=completion.entries(Kind.TOOL),
        ),
    ] = None,
    fmt: Format = Format.TABLE,
) -> None:
    """Fetch stars, last push, archived state and latest release of the tools' GitHub repositories.

    Uses GITHUB_TOKEN when set (sent only to the API host); PPML_GITHUB_API_URL for GitHub Enterprise.

    Example: [bold]GITHUB_TOKEN=... ppml refresh && ppml list --kind tool --sort stars[/bold]
    """
    from ppml_cli.queries import github_targets, refresh_metadata

    targets = github_targets(state(ctx).index, names or [])
    with progress(len(targets), "refreshing") as advance:
        report = refresh_metadata(
            targets,
            network,
            on_outcome=lambda _: advance(),
        )
    emit(report, fmt)


@commands.command()
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help="tool or reference.")],
    url: Annotated[
        str, typer.Argument(metavar="URL", help="GitHub or PyPI address of a tool; arXiv or DOI of a paper.")
    ],
    to: Annotated[
        Path | None, typer.Option("--to", metavar="FILE", help="Append the entry to this catalog file.")
    ] = None,
    package: Annotated[
        str | None, typer.Option("--package", help="The tool's PyPI name, if not the repository's.")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds allowed per source.")] = 20.0,
) -> None:
    """Draft a catalog entry for a tool (GitHub, PyPI) or a paper (arXiv, DOI), then validate it.

    Prints YAML to paste, or appends it to a catalog file (--to); unfetched facts and guesses go under unverified.

    Exit 3 when a source was out of reach (the draft has the rest), 2 when the draft does not validate.

    Example: [bold]ppml add tool https://github.com/OWNER/REPO --to my-tools.yaml[/bold]
    """
    from ppml_cli.drafting import add_entry

    settings = state(ctx)
    added = add_entry(
        kind,
        url,
        settings.index,
        extra=settings.extra,
        bundled=settings.bundled,
        to=to,
        package=package,
        deadline=timeout,
    )
    if added.written_to is None:
        sys.stdout.write(added.yaml)
    for line in [*added.draft.notes, *map(str, added.problems)]:
        note(line)
    note(f"added {added.draft.entry['id']} to {to}" if to else "paste it into a catalog file, then run ppml validate")
    raise typer.Exit(added.exit_code)


@commands.command()
def quickstart(
    ctx: typer.Context,
    tool: Annotated[
        str | None,
        typer.Argument(
            metavar="[TOOL]", help="A tool id, name or alias.", autocompletion=completion.entries(Kind.TOOL)
        ),
    ] = None,
    list_all: Annotated[bool, typer.Option("--list", help="List the tools that have a quickstart.")] = False,
    write: Annotated[Path | None, typer.Option("--write", metavar="FILE", help="Save the program to FILE.")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --write, replace an existing FILE.")] = False,
    fmt: Annotated[
        CodeFormat,
        typer.Option("--format", "-o", case_sensitive=False, help="table (highlighted on a terminal), text or json."),
    ] = CodeFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Print a short program that runs the tool on synthetic data, with what it needs (pip requirements).

    Example: [bold]ppml quickstart opacus > start.py[/bold]
    """
    from ppml_cli.quickstart import check_file_name, find_quickstart, list_quickstarts, write_program
    from ppml_cli.render.quickstart import write_quickstart

    if list_all or tool is None:
        if write is not None:
            raise InvalidValueError("--write needs a TOOL", hint="ppml quickstart TOOL --write FILE")
        write_quickstart(list_quickstarts(state(ctx).index), CodeFormat.JSON if as_json else fmt, sys.stdout)
        return
    result = find_quickstart(state(ctx).index, tool)
    if write is not None:
        check_file_name(write, result)
        write_program(write, result.code, force=force)
        note(f"wrote {write}; to run it: {result.install} && python {write}")
        return
    write_quickstart(result, CodeFormat.JSON if as_json else fmt, sys.stdout)


@commands.command()
@with_output("ValidationReport")
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(metavar="[PATH]...", help="Catalog files to check over the bundled one.")
    ] = None,
    fmt: Format = Format.TABLE,
) -> None:
    """Check catalog files: schema, ids, cross-references, URLs, years, licences, style.

    Each problem is printed as file:line: entry: field: severity: message; exit 2 on any error.

    Example: [bold]ppml validate my-tools.yaml[/bold]
    """
    from ppml_cli.queries import validate_catalog

    session = state(ctx)
    report = validate_catalog(paths=session.catalog_files(paths or []), bundled=session.bundled)
    emit(report, fmt)


@commands.command()
@with_output("EvaluationReport")
def evaluate(
    ctx: typer.Context,
    tool: Annotated[
        str | None,
        typer.Argument(
            metavar="[TOOL]", help="A tool with an evaluation program.", autocompletion=completion.entries(Kind.TOOL)
        ),
    ] = None,
    family: Annotated[str | None, typer.Option("--family", help="Every tool of one family.")] = None,
    run_all: Annotated[
        bool, typer.Option("--all", help="Every family and tool (about 10 minutes on 2 cores; see the README).")
    ] = False,
    quick: Annotated[bool, typer.Option("--quick", help="The small grid, one repetition (what CI re-runs).")] = False,
    reps: Annotated[int | None, typer.Option("--reps", help="Repetitions (default: the family's).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Write the results into data/evaluations.yaml.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Compare with the shipped results; exit 2 on a mismatch.")
    ] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", metavar="DIR", help="Draw the curves as PNG files into DIR.")
    ] = None,
    shipped: Annotated[bool, typer.Option("--shipped", help="Show the shipped results; run nothing.")] = False,
    find_links: Annotated[
        list[str] | None,
        typer.Option("--find-links", metavar="DIR", help="Extra wheels for the installer (repeatable)."),
    ] = None,
    fmt: Format = Format.TABLE,
) -> None:
    """Measure tools in fresh virtual environments: DP error, accuracy, attack success, latency, epsilon.

    Example: [bold]ppml evaluate --family accountants[/bold]
    """
    from ppml_cli.evaluate import commands as evaluation

    request = evaluation.Request(
        tool=tool,
        family=family,
        run_all=run_all,
        quick=quick,
        reps=reps,
        save=save,
        check=check,
        plot=plot,
        shipped=shipped,
        find_links=tuple(find_links or ()),
    )
    quiet = sys.stderr.isatty()  # at a terminal the progress bar says how far it is; elsewhere a line per tool
    report = evaluation.execute(request, progress=progress, note=note, announce=None if quiet else note)
    emit(report, fmt)


# ------------------------------------------------------------------ recommend


@commands.command()
@with_output("Plan")
@with_situation
def recommend(
    ctx: typer.Context,
    situation: "Situation",
    no_input: Annotated[bool, typer.Option("--no-input", help="Never ask questions, even at a terminal.")] = False,
    fmt: Format = Format.TABLE,
) -> None:
    """Recommend techniques, tools, a privacy budget and an audit step for a situation.

    At a terminal with no options it asks the questions one at a time.

    Example: [bold]ppml recommend --deploy trusted-server --data images --framework pytorch[/bold]
    """
    from ppml_cli.interview import can_ask, interview
    from ppml_cli.queries import repositories_of
    from ppml_cli.recommend.engine import recommend as make_plan
    from ppml_cli.recommend.rules import load_advice

    index, advice = state(ctx).index, load_advice()
    if situation.is_empty() and can_ask(no_input):
        situation = interview(index, advice)
    plan = make_plan(index, advice, situation, repositories_of(index.of_kind(Kind.TOOL)))
    emit(plan, fmt)


# ---------------------------------------------------------------------- site


@commands.command()
@with_output("SiteReport")
def site(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to write it: a new or empty directory, or an earlier build.")
    ],
    serve: Annotated[bool, typer.Option("--serve", help="Then preview it on 127.0.0.1 until Ctrl-C.")] = False,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port for --serve (0: any free one).")] = 8000,
    fmt: Format = Format.TABLE,
) -> None:
    """Write the catalog, its threat map and the advisor as a static website (the [site] extra: Jinja2).

    Example: [bold]ppml site public --serve[/bold]
    """
    from ppml_cli.site import require_jinja2

    require_jinja2()
    from ppml_cli.queries import repositories_of
    from ppml_cli.recommend.rules import load_advice
    from ppml_cli.site.build import build_site, write_report

    index = state(ctx).index
    report = build_site(index, load_advice(), directory, repositories=repositories_of(index.of_kind(Kind.TOOL)))
    write_report(report, fmt.value, sys.stdout)
    sys.stdout.flush()
    if serve:
        from ppml_cli.site.serve import serve_site

        serve_site(directory, port, on_ready=lambda url: note(f"serving {url} (Ctrl-C stops)"))


def main() -> None:
    """Console-script entry point."""
    store.WHOLE_PROCESS = True
    code: str | int | None = EXIT_OK
    try:
        app()
    except BrokenPipeError:  # raised while flushing at exit
        silence_stdout()
    except SystemExit as done:  # how every run ends (Click's standalone mode)
        code = done.code
    _exit(code)


def _exit(code: str | int | None) -> None:
    """End the run without tearing the interpreter down object by object.

    A run holds the catalog as tens of thousands of objects (hundreds of
    thousands with a large user catalog); freeing them one by one at shutdown
    took 32 ms of 180 for a search at 8,680 extra entries, for memory the
    system takes back at once. Output is flushed and atexit handlers run as at
    any exit; whatever could make a plain exit differ (a message instead of a
    number, other threads still running, a flush that fails otherwise than by
    a closed pipe) takes the plain exit instead.
    """
    import atexit
    import os

    threading = sys.modules.get("threading")
    if code is None:
        code = EXIT_OK
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        sys.exit(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`ppml list | head`): as above
        silence_stdout()
    except (OSError, ValueError):
        sys.exit(code)  # Python reports it and ends with its own code, as it always has
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    atexit._run_exitfuncs()
    os._exit(code & 0xFF)
