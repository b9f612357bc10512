"""The options that several commands share, defined once (Typer reads them from the annotations).

Like the CLI module, this one does not postpone annotations: Typer evaluates
them at start-up, and real objects spare it an ``eval`` per parameter.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from ppml_cli import completion
from ppml_cli.model import Kind
from ppml_cli.render import Format

if TYPE_CHECKING:
    from ppml_cli.queries import FilterRequest


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
        help="Privacy attack mitigated (e.g. membership-inference); a tool only by its own curated claim.",
        autocompletion=completion.entries(Kind.THREAT),
    ),
]
AuditsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--audits",
        metavar="THREAT",
        help="Tools that measure a privacy attack (e.g. membership-inference).",
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


def split_values(values: list[str] | None) -> list[str]:
    """Repeatable options also take comma-separated values: ``-p training,deployment``."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def filter_request(ctx: typer.Context) -> "FilterRequest":
    """The filter options of the running command, as the core wants them."""
    from ppml_cli.queries import FilterRequest

    p = ctx.params
    return FilterRequest(
        kinds=split_values(p.get("kind")),
        phases=split_values(p.get("phase")),
        techniques=split_values(p.get("technique")),
        threats=split_values(p.get("threat")),
        audits=split_values(p.get("audits")),
        frameworks=split_values(p.get("framework")),
        licenses=split_values(p.get("license")),
        statuses=split_values(p.get("status")),
        languages=split_values(p.get("language")),
        open_source=p.get("open_source"),
        year_from=p.get("year_from"),
        year_to=p.get("year_to"),
    )
