"""What each command answers, as data: the core builds these, renderers show them.

A result knows nothing about terminals or formats; the one place that turns
it into a JSON-ready structure is :meth:`to_data`, so that JSON, JSONL, YAML
and CSV all show the same content. A result that ends a run with something other
than success says so itself, as pipx's results do: ``exit_code``, and for a failure
that needs a message, ``failure`` (the error to report after the output); ``emit``
in the CLI applies them, so no command decides its own exit code. Results are :class:`~ppml_cli.model.Record`
subclasses: immutable, built by keyword, and far cheaper to define than
dataclasses, which matters at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from ppml_cli.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, NetworkError
from ppml_cli.model import Entry, Kind, Record

if TYPE_CHECKING:
    from ppml_cli.bibliography import Citation
    from ppml_cli.errors import Problem
    from ppml_cli.evaluate import EvaluationReport
    from ppml_cli.net.github import Outcome
    from ppml_cli.net.link_check import LinkResult
    from ppml_cli.recommend.plan import Plan  # a plan is built only by `recommend`: no import cost elsewhere
    from ppml_cli.search import Hit

#: Bumped only when the JSON shape changes incompatibly; fields are only ever added.
SCHEMA_VERSION = 1

#: Output formats, by name. Each result declares the ones it can be written in
#: (:data:`FORMATS`), so a command refuses any other before doing any work, as gh does.
DATA_FORMATS = frozenset({"table", "json", "jsonl", "csv", "yaml", "markdown"})
WITH_BIBTEX = DATA_FORMATS | {"bibtex"}
#: A recommendation is a plan in sections, not a table of entries: no CSV, JSONL or BibTeX.
PLAN_FORMATS = frozenset({"table", "json", "yaml", "markdown"})
#: What ``ppml site`` says about the site it built: a few lines, or JSON.
SITE_FORMATS = frozenset({"table", "json"})


def link(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "name": entry.name, "url": entry.url}


class EntryList(Record):
    """The answer of ``list`` and ``search``: entries, best or catalog order first."""

    entries: tuple[Entry, ...]
    hits: tuple[Hit, ...] | None = None
    explain: bool = False
    #: Refreshed repository metadata by entry id (see ``ppml refresh``), where there is some.
    repositories: dict[str, dict[str, Any]] | None = None
    #: Things the person should know about how the answer was made (shown on stderr, not data).
    notes: tuple[str, ...] = ()

    def to_data(self) -> list[dict[str, Any]]:
        repositories = self.repositories or {}
        out = []
        for position, entry in enumerate(self.entries):
            data = entry.to_dict()
            if self.hits is not None:
                data["score"] = self.hits[position].score
                data["matched"] = list(self.hits[position].matched)
            if entry.id in repositories:
                data["github"] = repositories[entry.id]
            out.append(data)
        return out


def _status(entry: Entry) -> str | None:
    status = getattr(entry, "status", None)
    return None if status is None else str(status.value)


class ThreatLink(Record):
    """How a technique or tool bears on a threat, for detail pages."""

    technique: Entry
    strength: str
    reason: str
    condition: str | None = None

    def to_data(self) -> dict[str, Any]:
        data = {**link(self.technique), "strength": self.strength, "reason": self.reason, "condition": self.condition}
        if self.technique.kind is Kind.TOOL:
            data["status"] = _status(self.technique)
        return data


class EntryDetail(Record):
    """The answer of ``show``: one entry and what it links to."""

    entry: Entry
    related: dict[Kind, list[Entry]]
    mitigations: tuple[ThreatLink, ...] = ()
    auditors: tuple[Entry, ...] = ()
    repository: dict[str, Any] | None = None
    #: Tools whose own curated mitigations name this threat, strongest and best maintained first.
    tools: tuple[ThreatLink, ...] = ()
    #: The command that prints the tool's starting program (``ppml quickstart ID``), when it has one.
    quickstart: str | None = None
    #: Figures measured by ``ppml evaluate`` (shipped in data/evaluations.yaml), labelled as measured here.
    measured: tuple[dict[str, Any], ...] = ()

    def to_data(self) -> dict[str, Any]:
        data = self.entry.to_dict()
        if self.repository is not None:
            data["github"] = self.repository
        if self.quickstart is not None:
            data["quickstart"] = self.quickstart
        data["related"] = {kind.plural: [link(e) for e in items] for kind, items in self.related.items()}
        if self.mitigations:
            data["mitigated_by"] = [m.to_data() for m in self.mitigations]
        if self.tools:
            data["mitigating_tools"] = [m.to_data() for m in self.tools]
        if self.auditors:
            data["audited_by"] = [{**link(e), "status": _status(e)} for e in self.auditors]
        if self.measured:
            data["measured_here"] = list(self.measured)
        return data

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (self.entry,)


class TechniqueNode(Record):
    technique: Entry
    counts: dict[str, int]


class PhaseNode(Record):
    phase: Entry
    techniques: tuple[TechniqueNode, ...]
    counts: dict[str, int]


class Tree(Record):
    """The answer of ``tree``: phases, their techniques, and how much each holds."""

    phases: tuple[PhaseNode, ...]

    def to_data(self) -> list[dict[str, Any]]:
        return [
            {
                **link(node.phase),
                "counts": node.counts,
                "techniques": [{**link(t.technique), "counts": t.counts} for t in node.techniques],
            }
            for node in self.phases
        ]

    @property
    def entries(self) -> tuple[Entry, ...]:
        out: list[Entry] = []
        for node in self.phases:
            out.append(node.phase)
            out.extend(t.technique for t in node.techniques)
        return tuple(out)


class CatalogDump(Record):
    """The answer of ``export``: every entry, grouped by kind."""

    entries: tuple[Entry, ...]
    sources: tuple[str, ...] = ()

    def by_kind(self) -> dict[Kind, list[Entry]]:
        groups: dict[Kind, list[Entry]] = {kind: [] for kind in Kind}
        for entry in self.entries:
            groups[entry.kind].append(entry)
        return groups

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for kind, items in self.by_kind().items():
            data[kind.plural] = [e.to_dict() for e in items]
        return data


class ValidationReport(Record):
    """The answer of ``validate``: every problem found, and what was checked."""

    files: tuple[str, ...]
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity.value == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity.value == "warning")

    @property
    def exit_code(self) -> int:
        """2 (usage: an invalid catalog) when any problem is an error."""
        return EXIT_USAGE if self.errors else EXIT_OK

    def to_data(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "entries": len(self.entries),
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
        }


class Bibliography(Record):
    """The answer of ``cite``: citations in the order asked, and the style to write them in."""

    citations: tuple[Citation, ...]
    style: str = "bibtex"

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(c.entry for c in self.citations)

    def to_data(self) -> list[dict[str, Any]]:
        return [
            {"id": c.entry.id, "key": c.key, "type": c.entry_type, "fields": dict(c.fields)} for c in self.citations
        ]


class ComparisonRow(Record):
    """One attribute across the compared tools."""

    attribute: str
    values: tuple[Any, ...]  # JSON-ready, one per tool
    differs: bool


class Comparison(Record):
    """The answer of ``compare``: tools side by side."""

    tools: tuple[Entry, ...]
    rows: tuple[ComparisonRow, ...]
    repositories: dict[str, dict[str, Any]] | None = None

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.tools

    def to_data(self) -> list[dict[str, Any]]:
        differing = [row.attribute for row in self.rows if row.differs]
        repositories = self.repositories or {}
        out = []
        for tool in self.tools:
            data = {**tool.to_dict(), "differs_in": differing}
            if tool.id in repositories:
                data["github"] = repositories[tool.id]
            out.append(data)
        return out


class LinkReport(Record):
    """The answer of ``links``: one result per URL checked, and what was excluded."""

    results: tuple[LinkResult, ...]
    excluded: tuple[str, ...] = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        return ()

    @property
    def broken(self) -> list[LinkResult]:
        return [r for r in self.results if not r.ok]

    @property
    def moved(self) -> list[LinkResult]:
        return [r for r in self.results if r.ok and r.permanent_redirect]

    @property
    def exit_code(self) -> int:
        """1 (not found) when any link is broken."""
        return EXIT_NOT_FOUND if self.broken else EXIT_OK

    def to_data(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.results]


#: Outcome statuses of a repository whose data was fetched (and stored) in this refresh.
REFRESHED = frozenset({"updated", "unchanged", "moved"})


class RefreshReport(Record):
    """The answer of ``refresh``: what happened to each repository."""

    outcomes: tuple[Outcome, ...]
    ids: dict[str, tuple[str, ...]]
    stopped: str | None = None

    @property
    def failed(self) -> bool:
        """There was something to refresh, and nothing was."""
        return bool(self.outcomes) and not any(o.status in REFRESHED for o in self.outcomes)

    @property
    def failure(self) -> NetworkError | None:
        """The network error to report after the table: the rate limit stopped it, or nothing was refreshed."""
        if self.stopped:
            return NetworkError(self.stopped, hint="what was fetched is saved; run ppml refresh again later")
        if self.failed:
            return NetworkError("no repository could be refreshed", hint="see each one's message; earlier data is kept")
        return None

    @property
    def exit_code(self) -> int:
        """3 (network) on a failure, as the error reported for it says."""
        failure = self.failure
        return EXIT_OK if failure is None else failure.exit_code

    @property
    def entries(self) -> tuple[Entry, ...]:
        return ()

    def to_data(self) -> list[dict[str, Any]]:
        from ppml_cli.store.repodata import public

        return [
            {
                "repo": o.repo,
                "ids": list(self.ids.get(o.repo, ())),
                "status": o.status,
                "message": o.message,
                "github": public(o.data) if o.data else None,
            }
            for o in self.outcomes
        ]


#: ``evaluate`` writes measurements with their provenance: nested data, no CSV or BibTeX.
EVALUATION_FORMATS = frozenset({"table", "json", "yaml", "markdown"})


#: Every answer a command can hand to a renderer (a type, for the checker only).
Result: TypeAlias = (
    "EntryList | EntryDetail | Tree | CatalogDump | ValidationReport | Bibliography | Comparison | LinkReport"
    " | RefreshReport | Plan | EvaluationReport"
)

#: The formats each result can be written in, by the result type's name; BibTeX only where
#: references can be. A command declares its result with ``@with_output(NAME)``
#: (:mod:`ppml_cli.options`), which gives it ``-o/--format`` and ``--json`` for these
#: formats. Names, not types: the plan (``recommend.plan``) and the site's report
#: (``site.build``) are imported only by their own command.
FORMATS: dict[str, frozenset[str]] = {
    "EntryList": WITH_BIBTEX,
    "EntryDetail": WITH_BIBTEX,
    "CatalogDump": WITH_BIBTEX,
    "Bibliography": WITH_BIBTEX,
    "Tree": DATA_FORMATS,
    "ValidationReport": DATA_FORMATS,
    "Comparison": DATA_FORMATS,
    "LinkReport": DATA_FORMATS,
    "RefreshReport": DATA_FORMATS,
    "Plan": PLAN_FORMATS,
    "SiteReport": SITE_FORMATS,
    "EvaluationReport": EVALUATION_FORMATS,
}
