"""The core operations behind the commands: each takes an index and returns a result.

Nothing here prints, parses argv or knows about output formats; the CLI layer
calls these and hands what they return to a renderer.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from ppml_cli.errors import CatalogError, InvalidValueError, Problem
from ppml_cli.index import Filters, Index, entry_sort_key
from ppml_cli.model import Entry, Kind, Technique, Threat, plain
from ppml_cli.results import (
    Bibliography,
    CatalogDump,
    Comparison,
    ComparisonRow,
    EntryDetail,
    EntryList,
    LinkReport,
    PhaseNode,
    TechniqueNode,
    ThreatLink,
    Tree,
    ValidationReport,
)

if TYPE_CHECKING:
    from ppml_cli.net.links import LinkOptions, LinkResult
    from ppml_cli.session import Session

SORT_KEYS = ("catalog", "name", "kind", "year", "stars", "pushed")
SEARCH_SORT_KEYS = ("relevance", "name", "kind", "year", "stars", "pushed")


class FilterRequest(NamedTuple):
    """Filter values as the user typed them (ids, names or aliases, any case)."""

    kinds: Sequence[str] = ()
    phases: Sequence[str] = ()
    techniques: Sequence[str] = ()
    threats: Sequence[str] = ()
    audits: Sequence[str] = ()
    frameworks: Sequence[str] = ()
    licenses: Sequence[str] = ()
    statuses: Sequence[str] = ()
    languages: Sequence[str] = ()
    open_source: bool | None = None
    year_from: int | None = None
    year_to: int | None = None


#: Free-form tool attributes that filter like --phase: (option, request field, record attribute).
ATTRIBUTE_OPTIONS = (
    ("--framework", "frameworks", "frameworks"),
    ("--license", "licenses", "license"),
    ("--status", "statuses", "status"),
    ("--language", "languages", "language"),
)


def resolve_filters(index: Index, request: FilterRequest) -> Filters:
    """Validate every filter value against the catalog; unknown values raise."""
    kinds = set()
    for value in request.kinds:
        wanted = value.strip().casefold()
        match = [k for k in Kind if wanted in (k.value, k.plural)]
        if not match:
            valid = ", ".join(k.value for k in Kind)
            raise InvalidValueError(f"invalid value for --kind: {value!r}", hint=f"valid values: {valid}")
        kinds.add(match[0])
    if request.year_from is not None and request.year_to is not None and request.year_from > request.year_to:
        raise InvalidValueError(
            f"--year-from {request.year_from} is after --year-to {request.year_to}", hint="swap the two years"
        )
    attributes = tuple(
        (attribute, index.resolve_values(option, values, attribute))
        for option, name, attribute in ATTRIBUTE_OPTIONS
        if (values := getattr(request, name))
    )
    return Filters(
        kinds=frozenset(kinds),
        phases=index.resolve_option("--phase", request.phases, Kind.PHASE),
        techniques=index.resolve_option("--technique", request.techniques, Kind.TECHNIQUE),
        threats=index.resolve_option("--threat", request.threats, Kind.THREAT),
        audits=index.resolve_option("--audits", request.audits, Kind.THREAT),
        attributes=attributes,
        open_source=request.open_source,
        year_from=request.year_from,
        year_to=request.year_to,
    )


def search_entries(
    session: Session,
    query: str,
    request: FilterRequest,
    *,
    limit: int | None,
    sort: str = "relevance",
    explain: bool = False,
) -> EntryList:
    """Search, best first; another ``sort`` reorders the best ``limit`` hits.

    The index, the search index and the refreshed repository data come from
    the run's session, each loaded once however often the search asks.
    """
    from ppml_cli import repodata

    def refreshed(entries: Sequence[Entry]) -> dict[str, dict[str, Any]]:
        return repodata.by_entry(entries, session.repositories)

    def stars(entries: Sequence[Entry]) -> dict[str, int]:
        """Refreshed star counts of these entries, to break ranking ties."""
        return {
            entry_id: count
            for entry_id, record in refreshed(entries).items()
            if isinstance(count := record.get("stars"), int)
        }

    filters = resolve_filters(session.index, request)
    answer = session.search_index.answer(query, filters, limit=limit, stars=stars)
    hits = answer.hits
    notes = _unmatched_notes(answer.unmatched, answer.suggestions)
    if answer.corrections and hits:
        notes = ("read " + ", ".join(f"{typed!r} as {fixes[0]!r}" for typed, fixes in answer.corrections.items()),)
    if answer.common:
        words = ", ".join(repr(w) for w in answer.common)
        verb = "is" if len(answer.common) == 1 else "are"
        notes = (f"nothing to search for: {words} {verb} too common to tell entries apart", "add a more specific word")
    repositories = refreshed([h.entry for h in hits]) if sort in ("stars", "pushed") else None
    if sort != "relevance":
        ordered = sort_entries([h.entry for h in hits], sort, SEARCH_SORT_KEYS, repositories)
        order = {e.id: n for n, e in enumerate(ordered)}
        hits.sort(key=lambda h: order[h.entry.id])
    return EntryList(
        entries=tuple(h.entry for h in hits),
        hits=tuple(hits),
        explain=explain,
        repositories=repositories,
        notes=(*notes, *_sort_notes(sort, repositories)),
    )


def _unmatched_notes(unmatched: Sequence[str], suggestions: dict[str, list[str]]) -> tuple[str, ...]:
    """Why a search came back empty: the words nothing matches, near misses, where to look instead."""
    if not unmatched:
        return ()
    words = ", ".join(repr(w) for w in unmatched)
    notes = [f"nothing in the catalog matches {words}"]
    guesses = [g for w in unmatched for g in suggestions.get(w, ())]
    if guesses:
        notes.append(f"did you mean {' or '.join(repr(g) for g in dict.fromkeys(guesses))}?")
    notes.append("see what the catalog covers with `ppml tree`")
    return tuple(notes)


def sort_entries(
    entries: list[Entry],
    key: str,
    valid: Sequence[str] = SORT_KEYS,
    repositories: dict[str, dict[str, Any]] | None = None,
) -> list[Entry]:
    """Entries in the order ``key`` asks for; stars and pushed use refreshed metadata, missing last."""
    if key not in valid:
        raise InvalidValueError(f"invalid value for --sort: {key!r}", hint=f"valid values: {', '.join(valid)}")
    if key in ("catalog", "relevance"):
        return entries
    if key == "name":
        return sorted(entries, key=lambda e: (e.name.casefold(), e.id))
    if key == "kind":
        return sorted(entries, key=entry_sort_key)
    if key == "year":
        # newest first; entries without a year last, then by name
        return sorted(entries, key=lambda e: (-(getattr(e, "year", None) or -10_000), e.name.casefold(), e.id))
    if key in ("stars", "pushed"):
        field = "stars" if key == "stars" else "pushed_at"
        repos = repositories or {}
        by_name = sorted(entries, key=lambda e: (e.name.casefold(), e.id))
        known = [e for e in by_name if repos.get(e.id, {}).get(field) is not None]
        unknown = [e for e in by_name if repos.get(e.id, {}).get(field) is None]
        # most stars or latest push first (ISO dates sort as text); a stable sort keeps names in order
        return sorted(known, key=lambda e: repos[e.id][field], reverse=True) + unknown
    raise AssertionError(key)  # pragma: no cover - every valid key is handled above


def repositories_of(entries: Sequence[Entry]) -> dict[str, dict[str, Any]]:
    """Refreshed repository metadata of these entries (an empty dict until ``ppml refresh`` ran)."""
    from ppml_cli import repodata

    return repodata.by_entry(entries, repodata.load())


def list_entries(index: Index, request: FilterRequest, *, sort: str = "catalog", limit: int | None = None) -> EntryList:
    found = index.filter(resolve_filters(index, request))
    repositories = repositories_of(found)
    entries = sort_entries(found, sort, repositories=repositories)
    return EntryList(
        entries=tuple(entries[:limit] if limit is not None else entries),
        repositories=repositories,
        notes=_sort_notes(sort, repositories),
    )


def _sort_notes(sort: str, repositories: dict[str, dict[str, Any]] | None) -> tuple[str, ...]:
    """Sorting by refreshed data that is not there is sorting by name: say so."""
    if sort in ("stars", "pushed") and not repositories:
        return (f"no refreshed repository data, so --sort {sort} ordered by name; run `ppml refresh` first",)
    return ()


def show_entry(index: Index, name: str) -> EntryDetail:
    entry = index.get(name)
    mitigations: tuple[ThreatLink, ...] = ()
    tools: tuple[ThreatLink, ...] = ()
    auditors: tuple[Entry, ...] = ()
    if isinstance(entry, Threat):
        mitigations = tuple(
            ThreatLink(t, m.strength.value, m.reason, m.condition) for t, m in index.mitigated_by(entry.id)
        )
        tools = tuple(
            ThreatLink(t, m.strength.value, m.reason, m.condition) for t, m in index.tools_mitigating(entry.id)
        )
        auditors = tuple(index.auditors_of(entry.id))
    repository = repositories_of([entry]).get(entry.id)
    from ppml_cli.quickstart import command_for

    return EntryDetail(entry, index.related(entry), mitigations, auditors, repository, tools, command_for(entry))


def _counts(index: Index, entries: Sequence[Entry]) -> dict[str, int]:
    return {
        kind.plural: sum(1 for e in entries if e.kind is kind) for kind in (Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL)
    }


def build_tree(index: Index) -> Tree:
    nodes = []
    for phase in index.of_kind(Kind.PHASE):
        techniques = [t for t in index.of_kind(Kind.TECHNIQUE) if isinstance(t, Technique) and t.phase == phase.id]
        children = tuple(
            TechniqueNode(t, _counts(index, [e for e in index.entries if t.id in e.techniques])) for t in techniques
        )
        in_phase = [e for e in index.entries if phase.id in e.phases]
        counts = {"techniques": len(techniques), **_counts(index, in_phase)}
        nodes.append(PhaseNode(phase, children, counts))
    return Tree(phases=tuple(nodes))


def validate_catalog(
    extra: Sequence[Path] = (), *, bundled: bool = True, paths: Sequence[Path] | None = None
) -> ValidationReport:
    """Load and lint catalog files, collecting every problem instead of stopping.

    ``paths``, when given, are the files already resolved (by the run's session);
    ``bundled`` then only says whether the advice rules are checked against them.
    """
    from ppml_cli.catalog import build_catalog, read_merged
    from ppml_cli.lint import lint, loader_agreement

    if paths is None:
        from ppml_cli.sources import catalog_paths

        paths = catalog_paths(extra, bundled=bundled)
    problems: list[Problem] = []
    for path in paths:
        with contextlib.suppress(OSError, UnicodeDecodeError):  # reading problems are reported below
            problems += loader_agreement(path.read_text(encoding="utf-8"), str(path))
    merged = read_merged(paths, problems)
    entries: tuple[Entry, ...] = ()
    with contextlib.suppress(CatalogError):  # its problems are already in `problems`
        entries = build_catalog(merged, problems).entries
    problems += lint(merged)
    checked = [str(p) for p in paths]
    from ppml_cli.recommend import rules

    if entries and (bundled or os.environ.get(rules.ENV_VAR)):  # the rules advise from the bundled catalog's ids
        files = rules.advice_paths()
        problems += rules.check_advice(rules.read_advice(files, problems), entries, files)
        checked += [str(p) for p in files]
    unique = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.entry or "", p.field or "", p.message))
    return ValidationReport(files=tuple(checked), entries=entries, problems=tuple(unique))


#: What ``compare`` lines up, in order: (row label, how to read it from a tool).
COMPARED = (
    ("techniques", "techniques"),
    ("phases", "phases"),
    ("categories", "categories"),
    ("frameworks", "frameworks"),
    ("language", "language"),
    ("license", "license"),
    ("open source", "open_source"),
    ("package", "package"),
    ("install", "install"),
    ("status", "status"),
    ("superseded by", "superseded_by"),
    ("last activity", "last_activity"),
    ("threats", None),
    ("audits", "audits"),
    ("pros", "pros"),
    ("cons", "cons"),
    ("notes", "notes"),
    ("url", "url"),
)


def compare_tools(index: Index, names: Sequence[str]) -> Comparison:
    """Tools side by side; anything but a tool is a usage error that says what can be compared."""
    from ppml_cli.model import Tool

    tools: list[Entry] = []
    for name in names:
        entry = index.get(name)
        if not isinstance(entry, Tool):
            raise InvalidValueError(
                f"cannot compare {entry.id!r}: it is a {entry.kind.value}, and compare lines up tools",
                hint=f"compare two or more tools (e.g. ppml compare opacus tensorflow-privacy); ppml show {entry.id}",
            )
        if entry not in tools:
            tools.append(entry)
    if len(tools) < 2:
        raise InvalidValueError(
            "compare needs at least two different tools", hint="e.g. ppml compare opacus jax-privacy"
        )
    rows = []
    for label, attribute in COMPARED:
        values: tuple[object, ...]
        if attribute is None:
            values = tuple(sorted(index.threats_of(t)) for t in tools)
        else:
            values = tuple(plain(getattr(t, attribute)) for t in tools)
        if all(v in (None, [], "") for v in values):
            continue
        rows.append(ComparisonRow(label, values, differs=len({repr(v) for v in values}) > 1))
    repositories = repositories_of(tools)
    if repositories:
        for label, field in (("stars", "stars"), ("last push", "pushed_at"), ("archived", "archived")):
            values = tuple(repositories.get(t.id, {}).get(field) for t in tools)
            rows.append(ComparisonRow(label, values, differs=len({repr(v) for v in values}) > 1))
    return Comparison(tuple(tools), tuple(rows), repositories)


CITATION_STYLES = ("bibtex", "apa", "markdown")


def cite_references(
    index: Index, names: Sequence[str], *, every: bool = False, techniques: Sequence[str] = (), style: str = "bibtex"
) -> Bibliography:
    """Citations for the named references, or all of them, or those of some techniques."""
    from ppml_cli.bibliography import citations

    if style not in CITATION_STYLES:
        raise InvalidValueError(
            f"invalid value for --style: {style!r}", hint=f"valid values: {', '.join(CITATION_STYLES)}"
        )
    chosen: list[Entry] = []
    for name in names:
        entry = index.get(name)
        if entry.kind is not Kind.REFERENCE:
            raise InvalidValueError(
                f"cannot cite {entry.id!r}: it is a {entry.kind.value}, and cite works on references",
                hint=f"list its references with: ppml show {entry.id}",
            )
        chosen.append(entry)
    if every or techniques:
        wanted = index.resolve_option("--technique", techniques, Kind.TECHNIQUE) if techniques else None
        refs = [r for r in index.of_kind(Kind.REFERENCE) if wanted is None or wanted & set(r.techniques)]
        chosen += sorted(refs, key=lambda r: getattr(r, "citation_key", "") or r.id)
    if not chosen:
        raise InvalidValueError("nothing to cite", hint="name references, or use --all or --technique")
    unique = list(dict.fromkeys(chosen))
    return Bibliography(tuple(citations(unique)), style)


def entry_url(index: Index, name: str) -> str:
    """The address ``open`` would visit; an entry without one is an error."""
    entry = index.get(name)
    if not entry.url:
        raise InvalidValueError(f"{entry.id!r} has no URL", hint=f"see what it links to: ppml show {entry.id}")
    return entry.url


#: Redirect hops ``links`` follows before calling a chain broken.
MAX_REDIRECTS = 10


class LinkRequest(NamedTuple):
    """What ``links`` was asked to do, as typed: a source (None: the catalog), filters and limits."""

    source: str | None = None
    exclude: Sequence[str] = ()
    accept: Sequence[str] = ()
    concurrency: int = 16
    per_host: int = 4
    timeout: float = 10.0
    retries: int = 2
    max_wait: float = 30.0
    ttl_hours: float = 24.0
    use_cache: bool = True
    allow_private: bool = False


class LinkPlan(NamedTuple):
    """The URLs ``links`` will check (with the entries using each), what it skips, and how."""

    targets: list[tuple[str, tuple[str, ...]]]
    excluded: tuple[str, ...]
    options: LinkOptions


def plan_links(index: Index | None, request: LinkRequest, stdin: IO[str] | None = None) -> LinkPlan:
    """Read the URLs (a file, standard input for ``-``, or the catalog), drop excluded ones; linear in their number.

    Bad option values and unreadable sources raise :class:`InvalidValueError`.
    """
    import re

    from ppml_cli.net.links import LinkOptions, parse_accept, read_url_lines, select

    hint = "see ppml links --help"
    for option, values in (("--exclude", request.exclude), ("--accept", request.accept)):
        if any(not value.strip() for value in values):
            raise InvalidValueError(f"empty value for {option}", hint=hint)
    try:
        accepted = parse_accept(request.accept)
        urls = None if request.source is None else read_url_lines(_source_lines(request.source, stdin))
        kept, excluded = select(urls if urls is not None else catalog_urls(index), request.exclude)
    except (ValueError, OSError, re.error) as error:
        raise InvalidValueError(str(error), hint=hint) from None
    options = LinkOptions(
        concurrency=request.concurrency,
        per_host=request.per_host,
        timeout=request.timeout,
        retries=request.retries,
        max_redirects=MAX_REDIRECTS,
        max_wait=request.max_wait,
        accept=accepted,
        ttl=request.ttl_hours * 3600,
        use_cache=request.use_cache,
        allow_private=request.allow_private,
    )
    return LinkPlan(link_targets(index, kept), tuple(excluded), options)


def _source_lines(source: str, stdin: IO[str] | None) -> Iterable[str]:
    if source != "-":
        return Path(source).read_text(encoding="utf-8").splitlines()
    if stdin is None or stdin.closed:
        raise ValueError("standard input is closed: pipe the URLs into `ppml links -`, or name a file")
    return stdin


def check_planned_links(plan: LinkPlan, on_result: Callable[[LinkResult], None] | None = None) -> LinkReport:
    from ppml_cli.net.links import check_links

    results = check_links(plan.targets, plan.options, on_result=on_result)
    return LinkReport(tuple(results), plan.excluded)


def catalog_urls(index: Index | None) -> list[str]:
    """Every entry's main URL, in catalog order."""
    return [e.url for e in (index.entries if index is not None else ()) if e.url]


def link_targets(index: Index | None, urls: Sequence[str] | None) -> list[tuple[str, tuple[str, ...]]]:
    """(url, ids of the entries that use it) for the given URLs, or for every URL in the catalog."""
    users: dict[str, list[str]] = {}
    if index is not None:
        for entry in index.entries:
            for url in entry.all_urls:
                users.setdefault(url, []).append(entry.id)
    if urls is None:
        urls = catalog_urls(index)
    return [(url, tuple(users.get(url, ()))) for url in dict.fromkeys(urls)]


def export_catalog(index: Index) -> CatalogDump:
    return CatalogDump(entries=index.entries, sources=index.catalog.sources)
