"""Ranking: scores from the index's weights, the query's intent, and what breaks a tie."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ppml_cli.filters import Filters, passes
from ppml_cli.index import compact
from ppml_cli.model import Entry, Kind, Record, Tool
from ppml_cli.search.index import FIELDS, entry_aliases, entry_names, surface
from ppml_cli.search.query import Term, parse_query
from ppml_cli.search.words import MAX_FIELD_CHARS, MAX_QUERY_CHARS, analyse, fold, tokens

if TYPE_CHECKING:
    from ppml_cli.search.index import Match, SearchIndex

MIN_SCORE = 5.0
WORDS_SCALE = 88.0  # what matching every word in the best field can reach: below an exact alias
PHRASE_BONUS = 8.0
PHRASE_CANDIDATES = 40
TUTORIAL_FACTOR = 0.9  # word matches of a tutorial when the query asks for no kind in particular
OTHER_KIND_FACTOR = 0.5  # entries of another kind than the query's intent asks for
NEUTRAL_RANK = 2


class Hit(Record):
    """One search result with its score (0 to 100) and why it matched."""

    entry: Entry
    score: float
    matched: tuple[str, ...]


class Answer(Record):
    """What a search found, and what it could not account for."""

    hits: list[Hit]
    #: Query words that match nothing in the catalog (then ``hits`` is empty).
    unmatched: tuple[str, ...] = ()
    #: For each unmatched word, catalog words that nearly match it.
    suggestions: Mapping[str, list[str]] = MappingProxyType({})
    #: Query words that were read as typos: word -> the catalog words used instead.
    corrections: Mapping[str, list[str]] = MappingProxyType({})
    intent: Kind | None = None
    #: When a query holds only stop words or single letters: those words (nothing was searched).
    common: tuple[str, ...] = ()


def rank(
    search: SearchIndex,
    query: str,
    filters: Filters | None = None,
    limit: int | None = None,
    stars: Callable[[list[Entry]], Mapping[str, int]] | None = None,
) -> Answer:
    """Search for ``query``; ``stars`` gives refreshed star counts, asked only to break ties."""
    terms, intent, whole = parse_query(query)
    if not terms:
        common = tuple(dict.fromkeys(t[1] for t in tokens(query[:MAX_QUERY_CHARS]) if t is not None))
        return Answer(hits=[], common=common)
    per_term: list[dict[int, Match]] = []
    idfs: list[float] = []
    unmatched: list[str] = []
    corrections: dict[str, list[str]] = {}
    for term in terms:
        matches, idf, corrected = search.term_matches(term)
        if not matches:
            unmatched.append(term.shown)
        if corrected:
            corrections[term.shown] = [search.surface_of(word, term.shown) for word in corrected]
        per_term.append(matches)
        idfs.append(idf)
    named = search.exact_labels(compact(query[:MAX_QUERY_CHARS]))
    if unmatched and not named:
        return Answer(
            hits=[],
            unmatched=tuple(unmatched),
            suggestions=search.near_misses(unmatched),
            corrections=corrections,
            intent=intent,
        )
    if unmatched:  # the query is an entry's whole name ("Not What You've Signed Up For: ..."): that accounts for it
        kept = [n for n, term in enumerate(terms) if term.shown not in unmatched]
        terms = [terms[n] for n in kept]
        per_term = [per_term[n] for n in kept]
        idfs = [idfs[n] for n in kept]

    scores: dict[int, float] = defaultdict(float)
    for matches in per_term:
        for number, (value, *_) in matches.items():
            scores[number] += value
    scale = WORDS_SCALE / sum(idfs) if idfs else 0.0
    for number in scores:
        scores[number] *= scale
    phrased = _phrase_bonus(search, terms, per_term, corrections, scores)
    if intent is None:  # a tutorial shows how to use a tool: unasked for, it comes after the tool
        for number in scores:
            if search.entries[number].kind is Kind.TUTORIAL:
                scores[number] *= TUTORIAL_FACTOR
    labels = search.score_labels(whole, typos=sum(t.budget for t in terms) if corrections else 0)
    for number, found in named.items():
        if found[0] > labels.get(number, (0.0, ""))[0]:
            labels[number] = found
    for number, (score, _) in labels.items():
        if score >= scores.get(number, 0.0):
            scores[number] = score
            phrased.discard(number)
    if intent is not None:
        for number in scores:
            if search.entries[number].kind is not intent:
                scores[number] *= OTHER_KIND_FACTOR

    eligible = [(round(min(score, 100.0), 1), number) for number, score in scores.items() if score >= MIN_SCORE]
    if filters is not None and not filters.is_empty():
        eligible = [p for p in eligible if passes(search.index, search.entries[p[1]], filters)]
    if limit is not None and len(eligible) > limit:
        cutoff = heapq.nlargest(limit, eligible)[-1][0]
        eligible = [p for p in eligible if p[0] >= cutoff]
    star_counts = _stars_for_ties(search, eligible, stars)
    links = _links_for_ties(search, eligible)
    eligible.sort(key=lambda p: (-p[0], *_quality(search.entries[p[1]], star_counts, links)))
    if limit is not None:
        eligible = eligible[:limit]
    hits = []
    for score, number in eligible:
        reasons: list[str] = []
        if number in labels and labels[number][0] >= score:
            reasons.append(labels[number][1])
            reasons += [f"{typed}: corrected to {fix[0]!r}" for typed, fix in corrections.items()]
        else:
            for term, matches in zip(terms, per_term, strict=True):
                if number in matches:
                    _, how, code, word = matches[number]
                    shown = how.format(repr(surface(search.entries[number], word))) if "{" in how else how
                    reasons.append(f"{term.shown}: {shown} in {FIELDS[code][0]}")
        if number in phrased:
            reasons.append("the query as a phrase")
        if intent is not None:
            kind = search.entries[number].kind
            wanted = "as the query asks" if kind is intent else f"the query asks for {intent.plural}"
            reasons.append(f"a {kind.value}, {wanted}")
        hits.append(Hit(entry=search.entries[number], score=score, matched=tuple(reasons)))
    return Answer(hits=hits, corrections=corrections, intent=intent)


def _phrase_bonus(
    search: SearchIndex,
    terms: list[Term],
    per_term: list[dict[int, Match]],
    corrections: dict[str, list[str]],
    scores: dict[int, float],
) -> set[int]:
    """Add a bonus to the best entries whose own fields hold the query's words in order.

    Only entries that hold every word exactly can hold the phrase, so only the
    best of those are read again.
    """
    if len(terms) < 2 or corrections:
        return set()
    wanted = [t.key for t in terms]
    size = len(wanted)
    clue = min(wanted, key=len)[:-1].split("-")[0]  # a stem's start, as it appears in any text holding it
    exact = [{n for n, match in matches.items() if match[1] == "word"} for matches in per_term]
    exact.sort(key=len)
    holding = exact[0].intersection(*exact[1:])
    best = heapq.nlargest(PHRASE_CANDIDATES, holding, key=scores.__getitem__)
    found = set()
    for number in best:
        entry = search.entries[number]
        for whole in (*entry_names(entry), *entry_aliases(entry), *entry.search_phrases, entry.description):
            text = whole[:MAX_FIELD_CHARS]
            if clue not in fold(text):  # a cheap test before the full analysis
                continue
            seq = analyse(text, prose=whole is entry.description)
            if any(seq[i : i + size] == wanted for i in range(len(seq) - size + 1)):
                scores[number] += PHRASE_BONUS
                found.add(number)
                break
    return found


def _stars_for_ties(
    search: SearchIndex, eligible: list[tuple[float, int]], stars: Callable[[list[Entry]], Mapping[str, int]] | None
) -> Mapping[str, int]:
    """Star counts, fetched only when two tools share a score and a status."""
    if stars is None:
        return {}
    seen: dict[tuple[float, int], int] = {}
    tied: list[Entry] = []
    for score, number in eligible:
        entry = search.entries[number]
        if isinstance(entry, Tool):
            key = (score, entry.status.rank)
            if key in seen:
                tied += [search.entries[seen[key]], entry]
            seen[key] = number
    return stars(tied) if tied else {}


def _links_for_ties(search: SearchIndex, eligible: list[tuple[float, int]]) -> Mapping[str, int]:
    """How linked each tied entry is in the catalog (who points at it, what it lists), only for ties."""
    scores = [score for score, _ in eligible]
    if len(set(scores)) == len(scores):
        return {}
    count: dict[float, int] = defaultdict(int)
    for score in scores:
        count[score] += 1
    out = {}
    for score, number in eligible:
        if count[score] > 1:
            out[search.entries[number].id] = search.links[number]
    return out


def _quality(entry: Entry, stars: Mapping[str, int], links: Mapping[str, int]) -> tuple[int, int, int, int, str, str]:
    """What breaks a tie: maintenance status, stars, how many entries point at it, then kind and name."""
    status = entry.status.rank if isinstance(entry, Tool) else NEUTRAL_RANK
    return (
        status,
        -stars.get(entry.id, 0),
        -links.get(entry.id, 0),
        entry.kind.order,
        entry.name.casefold(),
        entry.id,
    )
