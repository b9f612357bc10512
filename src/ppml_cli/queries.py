"""The core operations behind the commands: each takes an index and returns a result.

Nothing here prints, parses argv or knows about output formats; the CLI layer
calls these and hands what they return to a renderer.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ppml_cli.errors import CatalogError, InvalidValueError, NetworkError, Problem
from ppml_cli.filters import FilterRequest, Filters, apply, resolve_filters
from ppml_cli.index import Index, entry_sort_key
from ppml_cli.model import Aspect, Entry, Kind, Record, Technique, Threat, Tool, plain
from ppml_cli.netsettings import LINKS, REFRESH, NetworkSettings
from ppml_cli.results import (
    REFRESHED,
    Bibliography,
    CatalogDump,
    Comparison,
    ComparisonRow,
    EntryDetail,
    EntryList,
    LinkReport,
    PhaseNode,
    RefreshReport,
    TechniqueNode,
    ThreatLink,
    Tree,
    ValidationReport,
)

if TYPE_CHECKING:
    from ppml_cli.net.link_check import LinkOptions, LinkResult
    from ppml_cli.session import Session

SORT_KEYS = ("catalog", "name", "kind", "year", "stars", "pushed")
SEARCH_SORT_KEYS = ("relevance", "name", "kind", "year", "stars", "pushed")


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
    from ppml_cli.store import repodata

    def refreshed(entries: Sequence[Entry]) -> dict[str, dict[str, Any]]:
        return repodata.by_entry(entries, session.repositories)

    def stars(entries: Sequence[Entry]) -> dict[str, int]:
        """Refreshed star counts of these entries, to break ranking ties."""
        return {
            entry_id: count
            for entry_id, record in refreshed(entries).items()
            if isinstance(count := record.get("stars"), int)
        }

    # no filter: nothing to check against the whole catalog (a warm search then reads only its hits)
    filters = Filters() if request.is_empty() else resolve_filters(session.index, request)
    answer = session.search_index.answer(query, filters, limit=limit, stars=stars)
    hits = answer.hits
    notes = _unmatched_notes(answer.unmatched, answer.suggestions)
    if answer.corrections and hits:
        notes = ("read " + ", ".join(f"{typed!r} as {fixes[0]!r}" for typed, fixes in answer.corrections.items()),)
    if answer.ignored and hits:
        words = ", ".join(repr(w) for w in answer.ignored)
        notes = (*notes, f"ignored {words}: not in the catalog, and the rest of the query is about what it covers")
    if answer.recommend and hits:
        notes = (*notes, f"for a plan that fits your situation: ppml recommend {' '.join(answer.recommend)}")
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


def _unmatched_notes(unmatched: Sequence[str], suggestions: Mapping[str, list[str]]) -> tuple[str, ...]:
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
    from ppml_cli.store import repodata

    return repodata.by_entry(entries, repodata.load())


def list_entries(index: Index, request: FilterRequest, *, sort: str = "catalog", limit: int | None = None) -> EntryList:
    found = apply(index, resolve_filters(index, request))
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
            ThreatLink(technique=t, strength=m.strength.value, reason=m.reason, condition=m.condition)
            for t, m in index.mitigated_by(entry.id)
        )
        tools = tuple(
            ThreatLink(technique=t, strength=m.strength.value, reason=m.reason, condition=m.condition)
            for t, m in index.tools_mitigating(entry.id)
        )
        auditors = tuple(index.auditors_of(entry.id))
    repository = repositories_of([entry]).get(entry.id)
    from ppml_cli.evaluate import evaluations_for, evaluations_for_technique, measured_here
    from ppml_cli.quickstart import command_for

    shipped = evaluations_for(entry.id) if entry.kind is Kind.TOOL else ()
    if entry.kind is Kind.TECHNIQUE:
        shipped = evaluations_for_technique(entry.id)
    return EntryDetail(
        entry=entry,
        related=index.related(entry),
        mitigations=mitigations,
        auditors=auditors,
        repository=repository,
        tools=tools,
        quickstart=command_for(entry),
        measured=tuple(measured_here(shipped)),
    )


def _counts(index: Index, entries: Sequence[Entry]) -> dict[str, int]:
    return {
        kind.plural: sum(1 for e in entries if e.kind is kind) for kind in (Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL)
    }


def build_tree(index: Index) -> Tree:
    nodes = []
    for phase in index.of_kind(Kind.PHASE):
        techniques = [t for t in index.of_kind(Kind.TECHNIQUE) if isinstance(t, Technique) and t.phase == phase.id]
        children = tuple(
            TechniqueNode(technique=t, counts=_counts(index, [e for e in index.entries if t.id in e.techniques]))
            for t in techniques
        )
        in_phase = [e for e in index.entries if phase.id in e.phases]
        counts = {"techniques": len(techniques), **_counts(index, in_phase)}
        nodes.append(PhaseNode(phase=phase, techniques=children, counts=counts))
    return Tree(phases=tuple(nodes))


def validate_catalog(
    extra: Sequence[Path] = (),
    *,
    bundled: bool = True,
    paths: Sequence[Path] | None = None,
    measurements: bool = True,
) -> ValidationReport:
    """Load and lint catalog files, collecting every problem instead of stopping.

    ``paths``, when given, are the files already resolved (by the run's session);
    ``bundled`` then only says whether the advice rules are checked against them.
    ``measurements=False`` skips re-deriving the shipped evaluations, which no
    catalog entry can break (``add`` checks only its draft).
    """
    from ppml_cli.catalog.lint import lint, loader_agreement
    from ppml_cli.catalog.parse import build_catalog, read_merged

    if paths is None:
        from ppml_cli.catalog.files import catalog_paths

        paths = catalog_paths(extra, bundled=bundled)
    from ppml_cli.catalog.files import UnreadableCatalog, read_catalog

    problems: list[Problem] = []
    contents: list[bytes | None] = []
    for path in paths:  # each file read once, by the bounded reader (a FIFO or /dev/zero is refused)
        try:
            content = read_catalog(path)
        except UnreadableCatalog:
            contents.append(None)  # read_merged reports why
            continue
        contents.append(content)
        with contextlib.suppress(UnicodeDecodeError):  # reported below
            problems += loader_agreement(content.decode("utf-8"), str(path))
    merged = read_merged(paths, problems, contents=contents)
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
    if bundled and measurements:  # the shipped measurements: summaries recomputed, digests checked, tools known
        from ppml_cli.evaluate.records import bundled_path, check_file

        problems += check_file(known_tools={e.id for e in entries if e.kind is Kind.TOOL} if entries else None)
        if bundled_path().is_file():
            checked.append(str(bundled_path()))
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
    tools: list[Tool] = []
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
        rows.append(ComparisonRow(attribute=label, values=values, differs=len({repr(v) for v in values}) > 1))
    rows += capability_rows(tools)
    from ppml_cli.evaluate import evaluations_for, measured_here, measured_line

    measured = tuple([measured_line(s) for s in measured_here(evaluations_for(t.id))] for t in tools)
    if any(measured):
        rows.append(ComparisonRow(attribute="measured here", values=measured, differs=True))
    repositories = repositories_of(tools)
    if repositories:
        for label, field in (("stars", "stars"), ("last push", "pushed_at"), ("archived", "archived")):
            values = tuple(repositories.get(t.id, {}).get(field) for t in tools)
            rows.append(ComparisonRow(attribute=label, values=values, differs=len({repr(v) for v in values}) > 1))
    return Comparison(tools=tuple(tools), rows=tuple(rows), repositories=repositories)


def capability_rows(tools: Sequence[Tool]) -> list[ComparisonRow]:
    """One row per capability aspect any of the tools states, in :class:`Aspect` order.

    A cell is the value with its source (and how it was checked); a tool that
    states nothing on an aspect has an empty cell, never a guess.
    """
    stated = [{c.aspect: c.summary() for c in tool.capabilities} for tool in tools]
    rows = []
    for aspect in Aspect:
        values = tuple(by_aspect.get(aspect) for by_aspect in stated)
        if any(values):
            rows.append(ComparisonRow(attribute=aspect.value, values=values, differs=len(set(values)) > 1))
    return rows


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
    return Bibliography(citations=tuple(citations(unique)), style=style)


def entry_url(index: Index, name: str) -> str:
    """The address ``open`` would visit; an entry without one, or with one that is not a web page, is an error.

    Only http(s) URLs with a host and mailto addresses are handed to a browser
    (:func:`ppml_cli.textsafe.web_url`): a catalog's ``javascript:``,
    ``file:`` or ``--new-window=...`` never reaches the browser's arguments.
    """
    from ppml_cli.textsafe import one_line, web_url

    entry = index.get(name)
    if not entry.url:
        raise InvalidValueError(f"{entry.id!r} has no URL", hint=f"see what it links to: ppml show {entry.id}")
    url = web_url(entry.url)
    if url is None:
        shown = one_line(entry.url)[:80]
        raise InvalidValueError(
            f"{entry.id!r} has a URL that is not a web page: {shown!r}",
            hint="ppml opens only http(s) and mailto addresses; fix the catalog entry (ppml validate)",
        )
    return url


#: Redirect hops ``links`` follows before calling a chain broken.
MAX_REDIRECTS = 10


class LinkRequest(Record):
    """What ``links`` was asked to do, as typed: a source (None: the catalog), filters and limits."""

    source: str | None = None
    exclude: Sequence[str] = ()
    accept: Sequence[str] = ()
    network: NetworkSettings = LINKS
    per_host: int = 4
    retries: int = 2
    ttl_hours: float = 24.0
    use_cache: bool = True
    allow_private: bool = False


class LinkPlan(Record):
    """The URLs ``links`` will check (with the entries using each), what it skips, and how."""

    targets: list[tuple[str, tuple[str, ...]]]
    excluded: tuple[str, ...]
    options: LinkOptions


def plan_links(index: Index | None, request: LinkRequest, stdin: IO[str] | None = None) -> LinkPlan:
    """Read the URLs (a file, standard input for ``-``, or the catalog), drop excluded ones; linear in their number.

    Bad option values and unreadable sources raise :class:`InvalidValueError`.
    """
    import re

    from ppml_cli.net.link_check import LinkOptions
    from ppml_cli.net.link_list import parse_accept, read_url_lines, select

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
        network=request.network,
        per_host=request.per_host,
        retries=request.retries,
        max_redirects=MAX_REDIRECTS,
        accept=accepted,
        ttl=request.ttl_hours * 3600,
        use_cache=request.use_cache,
        allow_private=request.allow_private,
    )
    return LinkPlan(targets=link_targets(index, kept), excluded=tuple(excluded), options=options)


def _source_lines(source: str, stdin: IO[str] | None) -> Iterable[str]:
    if source != "-":
        return Path(source).read_text(encoding="utf-8").splitlines()
    if stdin is None or stdin.closed:
        raise ValueError("standard input is closed: pipe the URLs into `ppml links -`, or name a file")
    return stdin


def check_planned_links(plan: LinkPlan, on_result: Callable[[LinkResult], None] | None = None) -> LinkReport:
    from ppml_cli.net.links import check_links

    results = check_links(plan.targets, plan.options, on_result=on_result)
    return LinkReport(results=tuple(results), excluded=plan.excluded)


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


# ----------------------------------------------------------------- refresh


def github_targets(index: Index, names: Sequence[str]) -> dict[str, list[str]]:
    """Repository slug -> ids of the tools hosted there (all tools, or the named ones)."""
    from ppml_cli.store import repodata

    tools = [index.get(name) for name in names] if names else index.of_kind(Kind.TOOL)
    targets: dict[str, list[str]] = {}
    for tool in tools:
        if tool.kind is not Kind.TOOL:
            raise InvalidValueError(f"cannot refresh {tool.id!r}: it is a {tool.kind.value}", hint="name tools")
        slug = repodata.slug_of(tool)
        if slug:
            targets.setdefault(slug, []).append(tool.id)
        elif names:
            raise InvalidValueError(f"{tool.id!r} is not hosted on GitHub ({tool.url})", hint="name a GitHub tool")
    return targets


def refresh_metadata(
    targets: dict[str, list[str]],
    network: NetworkSettings = REFRESH,
    *,
    on_outcome: Callable[[object], None] | None = None,
) -> RefreshReport:
    """Fetch the ``github_targets`` repositories, merge and save.

    The stored file changes only for repositories fetched successfully; it is
    merged under a lock, so concurrent runs keep each other's results.
    """
    import asyncio

    from ppml_cli.net.github import GitHubClient, RateLimited, Unreachable, refresh_all
    from ppml_cli.store import repodata

    stored = repodata.load()

    async def run() -> tuple[list, RateLimited | None]:  # type: ignore[type-arg]
        async with GitHubClient(timeout=network.timeout, max_wait=network.max_wait) as client:
            return await refresh_all(
                client, list(targets), stored, concurrency=network.concurrency, on_outcome=on_outcome
            )

    try:
        outcomes, stop = asyncio.run(run())
    except Unreachable as error:
        raise NetworkError(
            str(error), hint="check the connection (or PPML_GITHUB_API_URL); earlier data is kept"
        ) from None
    except RateLimited as error:
        raise NetworkError(str(error), hint="earlier data is kept") from None
    fetched = {
        outcome.repo: outcome.data for outcome in outcomes if outcome.status in REFRESHED and outcome.data is not None
    }
    if fetched:
        try:
            repodata.merge_save(fetched)  # under a lock, over what is stored now (another run may have saved)
        except (OSError, ValueError) as error:
            raise NetworkError(f"cannot save repository data: {error}", hint="set PPML_DATA_DIR") from None
    return RefreshReport(
        outcomes=tuple(outcomes),
        ids={slug: tuple(ids) for slug, ids in targets.items()},
        stopped=str(stop) if stop is not None else None,
    )
