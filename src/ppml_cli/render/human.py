"""Rich tables, panels and trees for people at a terminal.

All catalog text enters Rich as :class:`rich.text.Text` built from cleaned
strings, never as markup, so a name like ``[red]x`` prints as itself. Rich
decides colour: none when stdout is not a terminal, when NO_COLOR is set, or
when TERM is dumb.
"""

from __future__ import annotations

from typing import IO

from rich.console import Console, Group
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text
from rich.tree import Tree as RichTree

from ppml_cli.model import Entry, Kind, Tool
from ppml_cli.render import Format, writes
from ppml_cli.results import (
    Bibliography,
    CatalogDump,
    Comparison,
    EntryDetail,
    EntryList,
    LinkReport,
    RefreshReport,
    ThreatLink,
    Tree,
    ValidationReport,
)
from ppml_cli.textsafe import clean, web_url

KIND_STYLE = {
    Kind.TECHNIQUE: "magenta",
    Kind.TOOL: "cyan",
    Kind.REFERENCE: "green",
    Kind.TUTORIAL: "yellow",
    Kind.THREAT: "red",
    Kind.PHASE: "blue",
}
STATUS_STYLE = {"active": "green", "low-activity": "yellow", "legacy": "red", "deprecated": "bold red"}


#: The most characters of one value a table shows; the rest is left to -o json. Rich's layout of
#: a cell grows faster than its length, so a 50 MB description would take minutes to lay out.
CELL_LIMIT = 2000


def capped(value: str, limit: int = CELL_LIMIT) -> str:
    """``value`` cut to ``limit`` characters, with a note of how much was left out."""
    if len(value) <= limit:
        return value
    return value[:limit] + f"… [{len(value) - limit} more characters; -o json shows all]"


def text(value: object, style: str = "") -> Text:
    return Text(clean(capped(str(value))) if value is not None else "", style=style)


def url_text(url: str) -> Text:
    """A URL that links where the terminal can (web and mail addresses only); never read as style words."""
    address = clean(capped(url))
    return Text(address, style=Style(link=address)) if web_url(url) else Text(address)


def console_for(out: IO[str]) -> Console:
    from ppml_cli.console import make_console

    console: Console = make_console(out)
    return console


def _name_cell(entry: Entry, repository: dict[str, object] | None = None) -> Text:
    cell = text(entry.name, "bold")
    cell.append("\n")
    cell.append_text(text(entry.id, "dim"))
    if isinstance(entry, Tool) and entry.status.value in ("deprecated", "legacy"):
        cell.append(f"\n{entry.status.value}", style=STATUS_STYLE[entry.status.value])
    if repository and repository.get("archived"):
        cell.append("\narchived", style="bold red")
    if repository and repository.get("stars") is not None:
        cell.append(f"\n★ {repository['stars']}", style="dim")
    return cell


def _description_cell(entry: Entry) -> Text:
    cell = text(entry.description)
    links = entry.phases if entry.kind is Kind.TECHNIQUE else entry.techniques
    if links and entry.kind is not Kind.PHASE:
        label = "phase" if entry.kind is Kind.TECHNIQUE else "techniques"
        cell.append(f"\n{label}: ", style="dim")
        cell.append_text(text(", ".join(links), "dim"))
    return cell


def entries_table(result: EntryList) -> Table:
    table = Table(show_lines=False, expand=False, header_style="bold")
    scored = result.hits is not None
    if scored:
        table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Name / id", overflow="fold", ratio=1, min_width=12)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Description", ratio=3, min_width=20)
    if result.explain:
        table.add_column("Matched", overflow="fold", ratio=1)
    hits = result.hits or ()
    for position, entry in enumerate(result.entries):
        row: list[Text] = []
        if scored:
            row.append(text(f"{hits[position].score:.1f}"))
        repository = (result.repositories or {}).get(entry.id)
        row += [_name_cell(entry, repository), text(entry.kind.value, KIND_STYLE[entry.kind]), _description_cell(entry)]
        if result.explain:
            row.append(text("\n".join(hits[position].matched)))
        table.add_row(*row)
    return table


PROSE_LISTS = frozenset({"pros", "cons", "notes", "corrections"})


def _mitigation_line(item: dict[str, object]) -> str:
    line = f"{item.get('threat')}: {item.get('strength')}"
    if item.get("condition"):
        line += f" ({item['condition']})"
    return f"{line}. {item.get('reason')}"


def _value_text(key: str, value: object) -> Text:
    if isinstance(value, list):
        if key == "mitigates":
            return text("\n".join(_mitigation_line(item) for item in value if isinstance(item, dict)))
        if value and isinstance(value[0], dict):
            return text("\n".join(" - ".join(str(v) for v in item.values() if v is not None) for item in value))
        if key in PROSE_LISTS:
            return text("\n".join(f"• {v}" for v in value))
        return text(", ".join(str(v) for v in value))
    if isinstance(value, bool):
        return text("yes" if value else "no")
    if key == "url" and isinstance(value, str):
        return url_text(value)
    if key == "status" and isinstance(value, str):
        return text(value, STATUS_STYLE.get(value, ""))
    return text(value)


def repository_view(record: dict[str, object]) -> Table:
    """Refreshed GitHub metadata, with how old it is."""
    from ppml_cli.store.repodata import age

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    fetched = record.get("checked_at") or record.get("fetched_at")
    title = text("GitHub", "bold")
    title.append(f"  (refreshed {age(str(fetched) if fetched else None)})", style="dim")
    table.add_row(title, text(""))
    release = record.get("latest_release")
    rows = [
        ("repository", record.get("full_name")),
        ("stars", record.get("stars")),
        ("forks", record.get("forks")),
        ("open issues", record.get("open_issues")),
        ("last push", record.get("pushed_at")),
        ("license", record.get("license")),
        ("default branch", record.get("default_branch")),
        ("latest release", " ".join(str(v) for v in release.values() if v) if isinstance(release, dict) else None),
    ]
    for label, value in rows:
        if value not in (None, ""):
            table.add_row(text(label), text(value))
    if record.get("archived"):
        table.add_row(text("archived"), text("yes: read-only on GitHub", "bold red"))
    return table


def detail_view(detail: EntryDetail) -> Group:
    entry = detail.entry
    title = text(entry.name, "bold")
    title.append(f"  {entry.kind.value}", style=KIND_STYLE[entry.kind])
    header = Panel(text(entry.description), title=title, title_align="left", expand=True)
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(ratio=1)
    for key, value in entry.to_dict().items():
        if key in ("name", "description", "kind", "tradeoffs", "capabilities") or value in (None, [], ""):
            continue
        fields.add_row(text(key.replace("_", " ")), _value_text(key, value))
    parts: list[object] = [header, fields]
    if detail.repository:
        parts.append(repository_view(detail.repository))
    capabilities = getattr(entry, "capabilities", ())
    if capabilities:
        table = Table(title="Capabilities (sourced)", title_justify="left", header_style="bold")
        for column in ("Aspect", "Value", "Source", "Checked"):
            table.add_column(column, overflow="fold")
        for fact in capabilities:
            source = fact.source + (f" [{fact.reference}]" if fact.reference else "")
            table.add_row(text(fact.aspect.value), text(fact.value, "bold"), text(source), text(fact.checked or ""))
        parts.append(table)
    tradeoffs = getattr(entry, "tradeoffs", ())
    if tradeoffs:
        table = Table(title="Trade-offs (sourced figures)", title_justify="left", header_style="bold")
        for column in ("Metric", "Value", "Setting", "Source"):
            table.add_column(column, overflow="fold")
        for figure in tradeoffs:
            table.add_row(text(figure.metric), text(figure.value, "bold"), text(figure.setting), text(figure.reference))
        parts.append(table)
    if detail.mitigations:
        parts.append(_links_table("Mitigating techniques", detail.mitigations, with_status=False))
    if detail.tools:
        parts.append(_links_table("Mitigating tools", detail.tools, with_status=True))
    for kind, items in detail.related.items():
        if kind is Kind.TECHNIQUE and detail.mitigations:
            continue  # the mitigation table above already lists them, with strengths
        if kind is Kind.TOOL and entry.kind is Kind.THREAT:
            continue  # listed above (mitigating tools) and below (auditing tools)
        table = Table(title=kind.plural.capitalize(), title_justify="left", header_style="bold", show_header=False)
        table.add_column("Name", overflow="fold")
        table.add_column("Id", style="dim", no_wrap=True)
        with_urls = any(item.url for item in items)
        if with_urls:
            table.add_column("URL", overflow="fold")
        for item in items:
            cells = [text(item.name), text(item.id)]
            if with_urls:
                cells.append(_value_text("url", item.url) if item.url else text(""))
            table.add_row(*cells)
        parts.append(table)
    if detail.auditors:
        table = Table(title="Tools that audit it", title_justify="left", header_style="bold")
        for column in ("Tool", "Status"):
            table.add_column(column, overflow="fold")
        for auditor in detail.auditors:
            status = getattr(auditor, "status", None)
            value = status.value if status is not None else ""
            table.add_row(text(auditor.name), text(value, STATUS_STYLE.get(value, "")))
        parts.append(table)
    if detail.measured:
        from ppml_cli.render.evaluation import measured_table

        parts.append(measured_table(detail.measured))
    if detail.quickstart:
        parts.append(text(f"quickstart: {detail.quickstart}", "bold"))
    return Group(*parts)  # type: ignore[arg-type]


STRENGTH_STYLE = {"strong": "bold green", "partial": "yellow", "weak": "red", "none": "dim"}


def _links_table(title: str, links: tuple[ThreatLink, ...], *, with_status: bool) -> Table:
    """Techniques or tools against one threat: name, strength (and status), condition and reason."""
    table = Table(title=title, title_justify="left", header_style="bold")
    columns = ["Name", "Strength"] + (["Status"] if with_status else []) + ["When / why"]
    for column in columns:
        table.add_column(column, overflow="fold")
    for m in links:
        why = text(m.reason)
        if m.condition:
            why = text(f"Condition: {m.condition}. ", "italic")
            why.append_text(text(m.reason))
        row = [text(m.technique.name), text(m.strength, STRENGTH_STYLE.get(m.strength, ""))]
        if with_status:
            status = getattr(m.technique, "status", None)
            value = status.value if status is not None else ""
            row.append(text(value, STATUS_STYLE.get(value, "")))
        table.add_row(*row, why)
    return table


def comparison_table(comparison: Comparison) -> Table:
    """Attributes down, tools across; rows where the tools differ are marked and highlighted."""
    table = Table(header_style="bold", show_lines=True)
    table.add_column("", style="bold", no_wrap=True)
    for tool in comparison.tools:
        table.add_column(text(tool.name, "bold cyan"), ratio=1, overflow="fold")
    for row in comparison.rows:
        label = text(row.attribute + (" ≠" if row.differs else ""), "bold yellow" if row.differs else "bold")
        cells = [_value_text(row.attribute, value) for value in row.values]
        table.add_row(label, *cells, style="" if row.differs else "dim")
    return table


def link_report(report: LinkReport) -> list[Table | Text]:
    """Broken links and links to update in a table; a one-line summary of everything."""
    parts: list[Table | Text] = []
    attention = [r for r in report.results if not r.ok or r.permanent_redirect]
    if attention:
        table = Table(header_style="bold")
        for column in ("", "URL", "Status", "Detail", "Used by"):
            table.add_column(column, overflow="fold")
        for r in attention:
            mark = text("broken", "bold red") if not r.ok else text("moved", "yellow")
            detail = text(f"update this link to {r.final_url}") if r.ok else text(r.error or "")
            status = text(r.status if r.status is not None else "-")
            table.add_row(mark, _value_text("url", r.url), status, detail, text(", ".join(r.ids)))
        parts.append(table)
    cached = sum(1 for r in report.results if r.cached)
    summary = (
        f"{len(report.results)} link(s) checked: {len(report.results) - len(report.broken)} ok, "
        f"{len(report.broken)} broken, {len(report.moved)} moved for good"
    )
    if cached:
        summary += f" ({cached} fresh from the cache)"
    if report.excluded:
        summary += f"; {len(report.excluded)} excluded"
    parts.append(text(summary, "bold red" if report.broken else "bold green"))
    return parts


def refresh_table(report: RefreshReport) -> Group:
    table = Table(header_style="bold")
    for column in ("Repository", "Used by", "Result", "Stars", "Last push", "Latest release"):
        table.add_column(column, overflow="fold")
    style = {"updated": "green", "unchanged": "green", "moved": "yellow", "not-found": "red", "error": "red"}
    for row in report.to_data():
        github = row["github"] or {}
        release = github.get("latest_release") or {}
        name = text(row["repo"])
        if github.get("archived"):
            name.append(" (archived)", style="bold red")
        table.add_row(
            name,
            text(", ".join(row["ids"])),
            text(row["message"], style.get(row["status"], "dim")),
            text(github.get("stars", "")),
            text((github.get("pushed_at") or "")[:10]),
            text(release.get("tag") or ""),
        )
    done = sum(1 for o in report.outcomes if o.status in ("updated", "unchanged", "moved"))
    summary = text(f"{done} of {len(report.outcomes)} repositories refreshed", "bold green" if done else "bold red")
    if report.stopped:
        summary.append(f"; stopped: {report.stopped}", style="bold red")
    return Group(table, summary)


def tree_view(tree: Tree) -> RichTree:
    root = RichTree(Text("PPML catalog", style="bold"))
    for node in tree.phases:
        label = text(node.phase.name, "bold blue")
        label.append(f"  ({node.phase.id}: {_counts(node.counts)})", style="dim")
        branch = root.add(label)
        for child in node.techniques:
            leaf = text(child.technique.name, "magenta")
            leaf.append(f"  ({child.technique.id}: {_counts(child.counts)})", style="dim")
            branch.add(leaf)
    return root


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k if n != 1 else k.rstrip('s')}" for k, n in counts.items())


# ------------------------------------------------- each result's table, registered


@writes(Format.TABLE, EntryList)
def write_entries(result: EntryList, out: IO[str]) -> None:
    console_for(out).print(entries_table(result))


@writes(Format.TABLE, EntryDetail)
def write_detail(result: EntryDetail, out: IO[str]) -> None:
    console_for(out).print(detail_view(result))


@writes(Format.TABLE, Tree)
def write_tree(result: Tree, out: IO[str]) -> None:
    console_for(out).print(tree_view(result))


@writes(Format.TABLE, CatalogDump)
def write_dump(result: CatalogDump, out: IO[str]) -> None:
    console_for(out).print(entries_table(EntryList(entries=result.entries)))


@writes(Format.TABLE, Bibliography)
def write_bibliography(result: Bibliography, out: IO[str]) -> None:
    from ppml_cli.render.citations import format_citations

    out.write(format_citations(result.citations, result.style))  # plain text, meant for copy and paste


@writes(Format.TABLE, Comparison)
def write_comparison(result: Comparison, out: IO[str]) -> None:
    console_for(out).print(comparison_table(result))


@writes(Format.TABLE, LinkReport)
def write_links(result: LinkReport, out: IO[str]) -> None:
    console = console_for(out)
    for part in link_report(result):
        console.print(part)


@writes(Format.TABLE, RefreshReport)
def write_refresh(result: RefreshReport, out: IO[str]) -> None:
    console_for(out).print(refresh_table(result))


@writes(Format.TABLE, ValidationReport)
def write_validation(result: ValidationReport, out: IO[str]) -> None:
    console = console_for(out)
    for problem in result.problems:
        style = "red" if problem.severity.value == "error" else "yellow"
        console.print(text(str(problem), style), soft_wrap=True)
    summary = f"{len(result.files)} file(s), {len(result.entries)} entries: "
    summary += f"{result.errors} error(s), {result.warnings} warning(s)"
    console.print(text(summary, "bold red" if result.errors else "bold green"), soft_wrap=True)
