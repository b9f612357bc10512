"""Ranked, typo-tolerant search over every kind of entry.

Ranking is by field, not by raw string similarity:

1. the whole query is an entry's id, name or alias (100);
2. a name or alias starts with the query (about 90), or every query word is a
   word of a name (85);
3. a name resembles the query, allowing for typos (55 to 85);
4. words found in authors, then in technique, phase and category names, then
   in descriptions.

Each query word is scored on its own and the entry's score is the mean over
the words, so a multi-word query needs all of its words, and one strong name
match outranks many weak description hits. Words of three letters or fewer
match whole words only (no prefixes, no typos), so short queries and acronyms
do not drown in noise; typo matching runs only for words the catalog does not
contain. Acronyms need no special code: "DP-SGD", "FL" or "MPC" are aliases in
the catalog, and an alias is a name.

Lookups go through an inverted index of words, so a query costs in proportion
to the vocabulary and the matches, not to the catalog times its fields.
"""

from __future__ import annotations

import bisect
import heapq
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from ppml_cli.index import Filters, Index, compact, entry_labels, entry_sort_key
from ppml_cli.model import Entry, Reference, Technique, Tool

# Field weights: how much a word found in this field is worth.
NAME = 1.0
AUTHOR = 0.75
CONTEXT = 0.6  # technique, phase and category names, package, venue
TEXT = 0.35  # description and other prose

#: Where a word was found, as (weight, field name); postings store the position in this table.
FIELDS: tuple[tuple[float, str], ...] = (
    (NAME, "name"),
    (NAME, "package"),
    (NAME, "arxiv"),
    (AUTHOR, "authors"),
    (CONTEXT, "technique"),
    (CONTEXT, "phase"),
    (CONTEXT, "mitigates"),
    (CONTEXT, "venue"),
    (CONTEXT, "attributes"),
    (TEXT, "notes"),
    (TEXT, "description"),
)
_CODE = {field: code for code, (_, field) in enumerate(FIELDS)}
_WEIGHT = [weight for weight, _ in FIELDS]

PREFIX_FACTOR = 0.85
FUZZY_FACTOR = 0.75
TOKEN_SCALE = 85.0
MIN_SCORE = 15.0
MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_PREFIX_EXPANSION = 300
MIN_PREFIX_LEN = 4  # shorter words match whole words only
MIN_FUZZY_LEN = 4

STOPWORDS = frozenset("a against an and are as at by for from how i in is it of on or the to what which with".split())

_WORD = re.compile(r"[0-9a-z]+")


def stem(word: str) -> str:
    """A light suffix folding (plurals, -ing, -ed), applied to the catalog and the query alike.

    Deliberately crude: it only has to map "attacks"/"attack", "training"/"train"
    and "exposed"/"exposing" to one key, the same way on both sides.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_STEMS: dict[str, str] = {}


def words(text: str) -> list[str]:
    """The stemmed words of ``text``; stems are memoised, since vocabularies are small."""
    out = []
    for word in _WORD.findall(text.casefold()):
        stemmed = _STEMS.get(word)
        if stemmed is None:
            stemmed = _STEMS[word] = stem(word)
        out.append(stemmed)
    return out


class Hit(NamedTuple):
    """One search result with its score (0 to 100) and why it matched."""

    entry: Entry
    score: float
    matched: tuple[str, ...]


class SearchIndex:
    """Inverted index over the catalog's words and whole labels.

    It pickles without the entries (see :mod:`ppml_cli.cache`); :meth:`attach`
    binds a loaded index back to the catalog it was built from.
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        self.entries = list(index.entries)
        numbers: dict[str, array[int]] = {}
        codes: dict[str, bytearray] = {}
        labels: dict[str, list[int]] = defaultdict(list)
        self._label_words: dict[str, list[str]] = {}  # technique and phase labels, tokenised once
        for number, entry in enumerate(self.entries):
            for word, code in self._entry_words(entry).items():
                if word not in numbers:
                    numbers[word] = array("I")
                    codes[word] = bytearray()
                numbers[word].append(number)
                codes[word].append(code)
            for label in entry_labels(entry):
                key = compact(label)
                if key and number not in labels[key]:
                    labels[key].append(number)
        del self._label_words
        # Postings: word -> (entry numbers, field codes), compact arrays that pickle as bytes.
        self._postings = {word: (numbers[word], bytes(codes[word])) for word in numbers}
        # Labels: compact label -> entry number, or a tuple of them when several entries share it.
        self._labels: dict[str, int | tuple[int, ...]] = {
            key: found[0] if len(found) == 1 else tuple(found) for key, found in labels.items()
        }
        self._vocabulary = sorted(self._postings)
        self._name_vocabulary = sorted(
            w
            for w, (_, field_codes) in self._postings.items()
            if len(w) >= MIN_FUZZY_LEN and min(field_codes) <= _CODE["authors"]
        )
        self._label_keys = sorted(self._labels)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("index", None)
        state.pop("entries", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def attach(self, index: Index) -> None:
        self.index = index
        self.entries = list(index.entries)

    # ---------------------------------------------------------------- build

    def _entry_words(self, entry: Entry) -> dict[str, int]:
        """Each word of an entry with the code of the best field it occurs in (lower is better)."""
        best: dict[str, int] = {}

        def add_words(found: Iterable[str], code: int) -> None:
            for w in found:
                if best.get(w, 255) > code:
                    best[w] = code

        def add(text: str | None, field: str) -> None:
            if text:
                add_words(words(text), _CODE[field])

        def add_labels(related: Entry, field: str) -> None:
            cached = self._label_words.get(related.id)
            if cached is None:
                cached = self._label_words[related.id] = [
                    w for label in (related.name, *related.aliases) for w in words(label)
                ]
            add_words(cached, _CODE[field])

        for label in entry_labels(entry):
            add(label, "name")
            key = compact(label)
            if key:
                best[key] = _CODE["name"]
        if isinstance(entry, Reference):
            for author in entry.authors:
                add(author, "authors")
            add(entry.venue, "venue")
            add(entry.arxiv, "arxiv")
        if isinstance(entry, Tool):
            add(entry.package, "package")
            for value in (*entry.categories, *entry.frameworks, entry.language):
                add(value, "attributes")
            for note in (*entry.pros, *entry.cons, *entry.notes):
                add(note, "notes")
        if isinstance(entry, Technique):
            add(entry.when_to_use, "description")
            add(entry.costs, "description")
            for mitigation in entry.mitigates:
                threat = self.index.by_id.get(mitigation.threat)
                if threat is not None and mitigation.strength.value != "none":
                    add_labels(threat, "mitigates")
        for ref_id in (*entry.techniques, *entry.phases):
            related = self.index.by_id.get(ref_id)
            if related is not None and related.id != entry.id:
                add_labels(related, "technique" if ref_id in entry.techniques else "phase")
        add(entry.description, "description")
        return best

    # ---------------------------------------------------------------- query

    def search(self, query: str, filters: Filters | None = None, limit: int | None = None) -> list[Hit]:
        query = query[:MAX_QUERY_CHARS]
        terms = words(query)
        content = [t for t in terms if t not in STOPWORDS] or terms
        content = list(dict.fromkeys(content))[:MAX_TERMS]
        if not content:
            return []
        labels: dict[int, tuple[float, str]] = {}
        self._score_labels(compact(query), labels)
        per_term = [self._term_matches(term) for term in content]

        totals: dict[int, float] = defaultdict(float)
        for matches in per_term:
            for number, match in matches.items():
                totals[number] += match[0]
        scale = TOKEN_SCALE / len(content)
        scores = {number: total * scale for number, total in totals.items()}
        for number, (score, _) in labels.items():
            if score >= scores.get(number, 0.0):
                scores[number] = score

        # Rank on numbers first; the full tie-breaking key is computed only for the
        # candidates that can still reach the top ``limit``.
        eligible = [(round(score, 1), number) for number, score in scores.items() if score >= MIN_SCORE]
        if filters is not None and not filters.is_empty():
            eligible = [p for p in eligible if self.index.matches(self.entries[p[1]], filters)]
        if limit is not None and len(eligible) > limit:
            cutoff = heapq.nlargest(limit, eligible)[-1][0]
            eligible = [p for p in eligible if p[0] >= cutoff]
        eligible.sort(key=lambda p: (-p[0], *entry_sort_key(self.entries[p[1]])))
        hits: list[Hit] = []
        for _, number in eligible:
            entry = self.entries[number]
            score = scores[number]
            if number in labels and labels[number][0] >= score:
                reasons: tuple[str, ...] = (labels[number][1],)
            else:
                reasons = tuple(
                    f"{t}: {m[number][1]} in {FIELDS[m[number][2]][1]}"
                    for t, m in zip(content, per_term, strict=True)
                    if number in m
                )
            hits.append(Hit(entry, round(score, 1), reasons))
            if limit is not None and len(hits) >= limit:
                break
        return hits

    def _score_labels(self, whole: str, found: dict[int, tuple[float, str]]) -> None:
        """Whole-query matches against ids, names and aliases: entry number -> (score, reason)."""
        if not whole:
            return

        def offer(numbers: Iterable[int], score: float, reason: str) -> None:
            for number in numbers:
                if score > found.get(number, (0.0, ""))[0]:
                    found[number] = (score, reason)

        exact = self._label_numbers(whole)
        offer(exact, 100.0, "exact name, id or alias")
        prefixed = False
        if len(whole) >= MIN_PREFIX_LEN:
            start = bisect.bisect_left(self._label_keys, whole)
            for key in self._label_keys[start : start + MAX_PREFIX_EXPANSION]:
                if not key.startswith(whole):
                    break
                if key != whole:
                    prefixed = True
                    score = 95.0 - min(len(key) - len(whole), 25) * 0.4
                    offer(self._label_numbers(key), score, f"name starts with {whole!r}")
        if not exact and not prefixed and len(whole) >= MIN_FUZZY_LEN + 1:
            from rapidfuzz import fuzz, process

            for key, ratio, _ in process.extract(whole, self._label_keys, scorer=fuzz.ratio, score_cutoff=75, limit=10):
                offer(self._label_numbers(key), 55.0 + (ratio - 75.0) * 1.2, f"name resembles {key!r}")

    def _label_numbers(self, key: str) -> tuple[int, ...]:
        found = self._labels.get(key, ())
        return (found,) if isinstance(found, int) else found

    def _term_matches(self, term: str) -> dict[int, tuple[float, str, int]]:
        """Entries that contain ``term`` (exactly, as a prefix, or misspelt): best (value, how, field code)."""
        found: dict[int, tuple[float, str, int]] = {}

        def offer(word: str, factor: float, how: str) -> None:
            posting = self._postings.get(word)
            if posting is None:
                return
            get = found.get
            for number, code in zip(*posting, strict=True):
                value = _WEIGHT[code] * factor
                current = get(number)
                if current is None or value > current[0]:
                    found[number] = (value, how, code)

        offer(term, 1.0, "word")
        if len(term) >= MIN_PREFIX_LEN:
            start = bisect.bisect_left(self._vocabulary, term)
            for word in self._vocabulary[start : start + MAX_PREFIX_EXPANSION]:
                if not word.startswith(term):
                    break
                if word != term:
                    offer(word, PREFIX_FACTOR, f"prefix of {word!r}")
        if not found and len(term) >= MIN_FUZZY_LEN:
            from rapidfuzz import fuzz, process

            for word, ratio, _ in process.extract(
                term, self._name_vocabulary, scorer=fuzz.ratio, score_cutoff=75, limit=8
            ):
                offer(word, FUZZY_FACTOR * ratio / 100.0, f"typo of {word!r}")
        return found
