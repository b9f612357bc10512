"""Ranked, typo-tolerant search over every kind of entry.

Ranking is by field, not by raw string similarity: a query that is an entry's
id, name or alias wins outright; then come name prefixes and name words; then
typo matches of names; and only then words found in authors, technique names
and descriptions. Each query word is scored on its own and the entry's score
is the mean over the words, so a multi-word query needs all of its words, and
one strong name match outranks many weak description hits.

Everything is looked up through an inverted index of words, so the cost of a
query grows with the vocabulary, not with the catalog times the fields.
Acronyms need no special code: "DP-SGD", "FL" or "MPC" are aliases in the
catalog, and an alias is a name.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ppml_cli.index import Filters, Index, compact, entry_sort_key
from ppml_cli.model import Entry, Reference, Technique, Tool

if TYPE_CHECKING:
    from collections.abc import Iterable

# Field weights: how much a word found in this field is worth.
NAME = 1.0
AUTHOR = 0.75
CONTEXT = 0.6  # technique, phase and category names, package, venue
TEXT = 0.35  # description and other prose

PREFIX_FACTOR = 0.85
FUZZY_FACTOR = 0.75
TOKEN_SCALE = 85.0
MIN_SCORE = 15.0
MAX_QUERY_CHARS = 500
MAX_PREFIX_EXPANSION = 300

STOPWORDS = frozenset("a an and are as at by for from how i in is it of on or the to what which with".split())  # noqa: SIM905

_WORD = re.compile(r"[0-9a-z]+")


def stem(word: str) -> str:
    """A light plural folding, applied to the catalog and the query alike."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.casefold())]


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result with its score (0 to 100) and why it matched."""

    entry: Entry
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Posting:
    entry: int
    weight: float
    field: str


class SearchIndex:
    """Inverted index over the catalog's words and whole labels."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.entries = list(index.entries)
        self._postings: dict[str, list[_Posting]] = defaultdict(list)
        self._labels: dict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(self.entries):
            self._add_entry(number, entry)
        self._vocabulary = sorted(self._postings)
        self._name_vocabulary = sorted(
            w for w, ps in self._postings.items() if len(w) >= 4 and any(p.weight >= AUTHOR for p in ps)
        )
        self._label_keys = sorted(self._labels)

    # ---------------------------------------------------------------- build

    def _add_entry(self, number: int, entry: Entry) -> None:
        best: dict[str, tuple[float, str]] = {}

        def add(text: str | None, weight: float, field: str) -> None:
            if not text:
                return
            for w in words(text):
                if w not in best or best[w][0] < weight:
                    best[w] = (weight, field)

        for label in (entry.id, entry.name, *entry.aliases):
            add(label, NAME, "name")
            key = compact(label)
            if key:
                self._labels[key].append(number)
                if key not in best or best[key][0] < NAME:
                    best[key] = (NAME, "name")
        if isinstance(entry, Reference):
            for author in entry.authors:
                add(author, AUTHOR, "authors")
            add(entry.venue, CONTEXT, "venue")
            add(entry.arxiv, NAME, "arxiv")
        if isinstance(entry, Tool):
            add(entry.package, NAME, "package")
            for category in entry.categories:
                add(category, CONTEXT, "categories")
            for framework in entry.frameworks:
                add(framework, CONTEXT, "frameworks")
            add(entry.language, CONTEXT, "language")
            for note in (*entry.pros, *entry.cons, *entry.notes):
                add(note, TEXT, "notes")
        if isinstance(entry, Technique):
            add(entry.when_to_use, TEXT, "description")
            add(entry.costs, TEXT, "description")
        for ref_id in (*entry.techniques, *entry.phases):
            related = self.index.by_id.get(ref_id)
            if related is not None and related.id != entry.id:
                field = "technique" if ref_id in entry.techniques else "phase"
                for label in (related.name, *related.aliases):
                    add(label, CONTEXT, field)
        add(entry.description, TEXT, "description")
        for w, (weight, field) in best.items():
            self._postings[w].append(_Posting(number, weight, field))

    # ---------------------------------------------------------------- query

    def search(self, query: str, filters: Filters | None = None, limit: int | None = None) -> list[Hit]:
        query = query[:MAX_QUERY_CHARS]
        terms = words(query)
        content = [t for t in terms if t not in STOPWORDS] or terms
        content = list(dict.fromkeys(content))[:32]
        if not content:
            return []
        scores: dict[int, float] = {}
        why: dict[int, list[str]] = defaultdict(list)

        whole = compact(query)
        self._score_labels(whole, scores, why)
        per_term = [self._term_matches(term) for term in content]
        candidates: set[int] = set()
        for matches in per_term:
            candidates.update(matches)
        for number in candidates:
            total = 0.0
            reasons = []
            for term, matches in zip(content, per_term, strict=True):
                if number in matches:
                    value, reason = matches[number]
                    total += value
                    reasons.append(f"{term}: {reason}")
            token_score = TOKEN_SCALE * total / len(content)
            if token_score > scores.get(number, 0.0):
                scores[number] = token_score
                why[number] = reasons

        hits = []
        for number, score in scores.items():
            entry = self.entries[number]
            if score < MIN_SCORE:
                continue
            if filters is not None and not self.index.matches(entry, filters):
                continue
            hits.append(Hit(entry, round(score, 1), tuple(why[number])))
        hits.sort(key=lambda h: (-h.score, *entry_sort_key(h.entry)))
        return hits if limit is None else hits[:limit]

    def _score_labels(self, whole: str, scores: dict[int, float], why: dict[int, list[str]]) -> None:
        """Whole-query matches against ids, names and aliases."""
        if not whole:
            return

        def offer(numbers: Iterable[int], score: float, reason: str) -> None:
            for number in numbers:
                if score > scores.get(number, 0.0):
                    scores[number] = score
                    why[number] = [reason]

        offer(self._labels.get(whole, ()), 100.0, "exact name, id or alias")
        if len(whole) >= 3:
            start = bisect.bisect_left(self._label_keys, whole)
            for key in self._label_keys[start : start + MAX_PREFIX_EXPANSION]:
                if not key.startswith(whole):
                    break
                if key != whole:
                    offer(self._labels[key], 92.0 - min(len(key) - len(whole), 20) * 0.2, f"name starts with {whole!r}")
        if len(whole) >= 5:
            from rapidfuzz import fuzz, process

            for key, ratio, _ in process.extract(whole, self._label_keys, scorer=fuzz.ratio, score_cutoff=80, limit=20):
                if key != whole:
                    offer(self._labels[key], 55.0 + (ratio - 80.0) * 1.5, f"name resembles {key!r}")

    def _term_matches(self, term: str) -> dict[int, tuple[float, str]]:
        """Entries that contain ``term`` (exactly, as a prefix, or misspelt), best value each."""
        found: dict[int, tuple[float, str]] = {}

        def offer(word: str, factor: float, how: str) -> None:
            for posting in self._postings.get(word, ()):
                value = posting.weight * factor
                if value > found.get(posting.entry, (0.0, ""))[0]:
                    found[posting.entry] = (value, f"{how} in {posting.field}")

        offer(term, 1.0, "word")
        if len(term) >= 3:
            start = bisect.bisect_left(self._vocabulary, term)
            for word in self._vocabulary[start : start + MAX_PREFIX_EXPANSION]:
                if not word.startswith(term):
                    break
                if word != term:
                    offer(word, PREFIX_FACTOR, f"prefix {word!r}")
        if len(term) >= 4:
            from rapidfuzz import fuzz, process

            for word, ratio, _ in process.extract(
                term, self._name_vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=8
            ):
                if word != term and not word.startswith(term):
                    offer(word, FUZZY_FACTOR * ratio / 100.0, f"typo of {word!r}")
        return found
