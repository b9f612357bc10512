"""Machine formats: JSON, JSONL, CSV, YAML and Markdown, written straight to a stream.

None of these go through Rich: Rich wraps to a terminal width and would break
lines that other programs parse. Content comes from each result's
``to_data()``, so every format carries the same facts. Each writer is registered
with :func:`~ppml_cli.render.writes` for the results it writes; one registered
for ``object`` writes every result without a writer of its own.
"""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

from ppml_cli.errors import InvalidValueError
from ppml_cli.model import Entry, Kind
from ppml_cli.render import Format, writes
from ppml_cli.results import (
    Bibliography,
    CatalogDump,
    Comparison,
    EntryDetail,
    EntryList,
    LinkReport,
    RefreshReport,
    Result,
    Tree,
    ValidationReport,
)
from ppml_cli.textsafe import escape_acting, has_acting, inert, markdown_link, markdown_text, spreadsheet_safe

if TYPE_CHECKING:
    from ppml_cli.bibliography import Citation


@writes(Format.JSON, object)
def write_json(result: Result, out: IO[str]) -> None:
    """Pretty JSON (acting characters written as escapes)."""
    out.write(escape_acting(json.dumps(result.to_data(), ensure_ascii=False, indent=2)))
    out.write("\n")


@writes(Format.JSON, EntryList, CatalogDump, Comparison, LinkReport, RefreshReport)
def write_json_by_line(result: Result, out: IO[str]) -> None:
    """Pretty JSON whose arrays of entries are written one entry per line.

    ``json`` uses its fast C encoder only without indentation, so a list of
    thousands of entries is encoded entry by entry, compactly, and laid out
    one per line: still readable, and valid JSON for any parser.
    """
    out.write(escape_acting(_json_lines(result.to_data())))
    out.write("\n")


def _json_lines(value: Any, depth: int = 0) -> str:
    pad = "  " * (depth + 1)
    if isinstance(value, list):
        if not value:
            return "[]"
        items = ",\n".join(pad + json.dumps(item, ensure_ascii=False) for item in value)
        return "[\n" + items + "\n" + "  " * depth + "]"
    if isinstance(value, dict):
        members = ",\n".join(f"{pad}{json.dumps(key)}: {_json_lines(item, depth + 1)}" for key, item in value.items())
        return "{\n" + members + "\n" + "  " * depth + "}"
    return json.dumps(value, ensure_ascii=False)


@writes(Format.JSONL, object)
def write_jsonl(result: Result, out: IO[str]) -> None:
    data = result.to_data()
    _write_jsonl(data if isinstance(data, list) else [data], out)


@writes(Format.JSONL, CatalogDump)
def write_entries_jsonl(result: CatalogDump, out: IO[str]) -> None:
    _write_jsonl(_entry_rows(result), out)


@writes(Format.JSONL, ValidationReport)
def write_problems_jsonl(result: ValidationReport, out: IO[str]) -> None:
    _write_jsonl(_problem_rows(result), out)


def _write_jsonl(rows: list[Any], out: IO[str]) -> None:
    for row in rows:
        out.write(escape_acting(json.dumps(row, ensure_ascii=False, separators=(",", ":"))))
        out.write("\n")


def _entry_rows(result: CatalogDump) -> list[dict[str, Any]]:
    return [e.to_dict() for e in result.entries]


def _problem_rows(result: ValidationReport) -> list[dict[str, Any]]:
    return [p.to_dict() for p in result.problems]


@writes(Format.YAML, object)
def write_yaml(result: Result, out: IO[str]) -> None:
    """YAML that loads back to exactly the data of ``-o json`` (acting characters written as escapes)."""
    import yaml

    text = yaml.dump(result.to_data(), Dumper=_yaml_dumper(), sort_keys=False, allow_unicode=True, width=100)
    out.write(escape_acting(text))


#: Characters YAML reads as line breaks, which PyYAML writes raw in plain and single-quoted
#: scalars and then folds into spaces on reading (U+0085 came back as a space).
_YAML_BREAKS = frozenset("\x85\u2028\u2029")


def _yaml_dumper() -> Any:
    import yaml

    class Dumper(yaml.SafeDumper):
        """Double-quotes any string holding a character YAML treats as a line break, or an acting one.

        PyYAML escapes the line breaks and controls in a double-quoted string;
        :func:`escape_acting` then escapes the bidirectional controls it leaves raw.
        """

    def represent_str(dumper: yaml.SafeDumper, data: str) -> Any:
        style = '"' if not _YAML_BREAKS.isdisjoint(data) or has_acting(data) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


# ---------------------------------------------------------------------- CSV


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_cell(v) if not isinstance(v, dict) else json.dumps(v, ensure_ascii=False) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@writes(Format.CSV, object)
def write_csv(result: Result, out: IO[str]) -> None:
    data = result.to_data()
    _write_csv(data if isinstance(data, list) else [data], out)


@writes(Format.CSV, Tree)
def write_tree_csv(result: Tree, out: IO[str]) -> None:
    rows = []
    for phase in result.to_data():
        for technique in phase["techniques"]:
            rows.append(
                {
                    "phase": phase["id"],
                    "phase_name": phase["name"],
                    "technique": technique["id"],
                    "technique_name": technique["name"],
                    **technique["counts"],
                }
            )
    _write_csv(rows, out)


@writes(Format.CSV, CatalogDump)
def write_entries_csv(result: CatalogDump, out: IO[str]) -> None:
    _write_csv(_entry_rows(result), out)


@writes(Format.CSV, ValidationReport)
def write_problems_csv(result: ValidationReport, out: IO[str]) -> None:
    _write_csv(_problem_rows(result), out)


@writes(Format.CSV, Comparison)
def write_comparison_csv(result: Comparison, out: IO[str]) -> None:
    rows = [
        {"attribute": row.attribute, **{t.id: _cell(v) for t, v in zip(result.tools, row.values, strict=True)}}
        for row in result.rows
    ]
    _write_csv(rows, out)


@writes(Format.CSV, Bibliography)
def write_bibliography_csv(result: Bibliography, out: IO[str]) -> None:
    rows = [{"id": c.entry.id, "key": c.key, "type": c.entry_type, **dict(c.fields)} for c in result.citations]
    _write_csv(rows, out)


def _write_csv(rows: list[dict[str, Any]], out: IO[str]) -> None:
    """CSV with a header row; text cells that a spreadsheet would run as a formula are neutralised."""
    import csv

    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(inert(str(name))) for name in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])


def _csv_cell(value: Any) -> str:
    # numbers and booleans are ours; any text (catalog, network) may be a formula or hold escapes
    if value is None or isinstance(value, (bool, int, float)):
        return _cell(value)
    return spreadsheet_safe(inert(_cell(value)))


# ----------------------------------------------------------------- Markdown


def md(text: str | None) -> str:
    """Catalog text made inert in Markdown (see :func:`ppml_cli.textsafe.markdown_text`)."""
    return markdown_text(text)


def md_link(entry: Entry) -> str:
    """The entry's name linked to its URL, when that is an http(s) or mailto URL."""
    return markdown_link(entry.name, entry.url)


def _md_table(entries: list[Entry], scores: dict[str, float] | None = None) -> list[str]:
    header = "| Name | Kind | Id | Techniques | Description |"
    rule = "| --- | --- | --- | --- | --- |"
    if scores is not None:
        header = "| Score " + header
        rule = "| ---: " + rule
    lines = [header, rule]
    for entry in entries:
        cells = [
            md_link(entry),
            entry.kind.value,
            f"`{entry.id}`",
            md(", ".join(entry.techniques)),
            md(entry.description),
        ]
        if scores is not None:
            cells.insert(0, f"{scores[entry.id]:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _md_detail(detail: EntryDetail) -> list[str]:
    entry = detail.entry
    lines = [f"## {md(entry.name)}", "", md(entry.description), ""]
    for key, value in entry.to_dict().items():
        if key in ("name", "description", "capabilities") or value in (None, [], ""):
            continue
        lines.append(f"- **{key}**: {md(_cell(value))}")
    capabilities = getattr(entry, "capabilities", ())
    if capabilities:
        lines += ["", "### Capabilities", ""]
        lines += [f"- **{md(fact.aspect.value)}**: {md(fact.summary())}" for fact in capabilities]
    for kind, items in detail.related.items():
        lines += ["", f"### {kind.plural.capitalize()}", ""]
        lines += [f"- {md_link(e)} (`{e.id}`)" for e in items]
    return lines


def _md_tree(tree: Tree) -> list[str]:
    lines = []
    for node in tree.phases:
        lines.append(f"- **{md(node.phase.name)}** (`{node.phase.id}`)")
        for child in node.techniques:
            counts = ", ".join(f"{n} {k}" for k, n in child.counts.items())
            lines.append(f"  - {md(child.technique.name)} (`{child.technique.id}`): {counts}")
    return lines


def _write_lines(lines: list[str], out: IO[str]) -> None:
    out.write("\n".join(lines) + "\n")


@writes(Format.MARKDOWN, EntryList)
def write_entries_markdown(result: EntryList, out: IO[str]) -> None:
    scores = {h.entry.id: h.score for h in result.hits} if result.hits is not None else None
    _write_lines(_md_table(list(result.entries), scores), out)


@writes(Format.MARKDOWN, EntryDetail)
def write_detail_markdown(result: EntryDetail, out: IO[str]) -> None:
    _write_lines(_md_detail(result), out)


@writes(Format.MARKDOWN, Tree)
def write_tree_markdown(result: Tree, out: IO[str]) -> None:
    _write_lines(_md_tree(result), out)


@writes(Format.MARKDOWN, ValidationReport)
def write_problems_markdown(result: ValidationReport, out: IO[str]) -> None:
    lines = [f"- **{p.severity.value}** {md(str(p))}" for p in result.problems]
    lines.append(f"\n{result.errors} errors, {result.warnings} warnings in {len(result.entries)} entries")
    _write_lines(lines, out)


@writes(Format.MARKDOWN, Bibliography)
def write_bibliography_markdown(result: Bibliography, out: IO[str]) -> None:
    from ppml_cli.render.citations import markdown_citations

    out.write(markdown_citations(result.citations, result.style))


@writes(Format.MARKDOWN, Comparison)
def write_comparison_markdown(result: Comparison, out: IO[str]) -> None:
    _write_lines(_md_comparison(result), out)


@writes(Format.MARKDOWN, RefreshReport)
def write_refresh_markdown(result: RefreshReport, out: IO[str]) -> None:
    lines = [
        "| Repository | Used by | Result | Stars | Last push | Archived |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for row in result.to_data():
        github = row["github"] or {}
        cells = [
            md(row["repo"]),
            md(", ".join(row["ids"])),
            md(row["message"]),
            str(github.get("stars") or ""),
            str(github.get("pushed_at") or ""),
            "yes" if github.get("archived") else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    _write_lines(lines, out)


@writes(Format.MARKDOWN, LinkReport)
def write_links_markdown(result: LinkReport, out: IO[str]) -> None:
    lines = ["| URL | OK | Status | Final URL | Error |", "| --- | --- | ---: | --- | --- |"]
    for r in result.results:
        cells = [md(r.url), "yes" if r.ok else "no", str(r.status or ""), md(r.final_url or ""), md(r.error or "")]
        lines.append("| " + " | ".join(cells) + " |")
    _write_lines(lines, out)


@writes(Format.MARKDOWN, CatalogDump)
def write_awesome_list(result: CatalogDump, out: IO[str]) -> None:
    from ppml_cli.render.awesome import awesome_markdown

    _write_lines(awesome_markdown(result), out)


def _md_comparison(comparison: Comparison) -> list[str]:
    lines = ["| | " + " | ".join(md_link(t) for t in comparison.tools) + " |"]
    lines.append("| --- |" + " --- |" * len(comparison.tools))
    for row in comparison.rows:
        label = f"**{row.attribute}** ≠" if row.differs else row.attribute
        lines.append(f"| {label} | " + " | ".join(md(_cell(v)) for v in row.values) + " |")
    return lines


@writes(Format.BIBTEX, object)
def write_bibtex(result: Result, out: IO[str]) -> None:
    """Other results hold no references."""
    raise InvalidValueError("-o bibtex writes references", hint="use it with cite, export, list, search or show")


@writes(Format.BIBTEX, Bibliography)
def write_bibliography_bibtex(result: Bibliography, out: IO[str]) -> None:
    _write_bibtex(result, list(result.citations), out)


@writes(Format.BIBTEX, EntryList, CatalogDump)
def write_entries_bibtex(result: EntryList | CatalogDump, out: IO[str]) -> None:
    from ppml_cli.bibliography import citations

    _write_bibtex(result, citations(result.entries), out)


@writes(Format.BIBTEX, EntryDetail)
def write_detail_bibtex(result: EntryDetail, out: IO[str]) -> None:
    from ppml_cli.bibliography import citations

    _write_bibtex(result, citations([result.entry, *result.related.get(Kind.REFERENCE, [])]), out)


def _write_bibtex(result: Result, chosen: list[Citation], out: IO[str]) -> None:
    """BibTeX for the references a result holds; refused when it holds entries but none is a reference."""
    from ppml_cli.render.citations import format_citations

    if result.entries and not chosen:
        count = len(result.entries)
        raise InvalidValueError(
            f"none of the {count} entries found is a reference, and -o bibtex writes references",
            hint="add --kind reference, or choose another format (-o json, csv, ...)",
        )
    out.write(format_citations(chosen, "bibtex"))
