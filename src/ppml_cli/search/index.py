"""The search index: per-entry BM25F weights of every catalog word, built once and cached.

Each word is weighted within an entry by field (names over curated search
phrases over authors over linked techniques and threats over prose),
normalised by the field's length and saturated, BM25F-style, and stored as a
posting (entry number, impact, best field). The index also holds every id,
name and alias as a whole, and the lookups a query needs: a word exactly, as
a prefix, as a typo (Meilisearch's rules), and a whole query as a label.
Each indexed field is cut at :data:`MAX_FIELD_CHARS` characters, so building
takes time linear in the catalog and bounded per entry.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any

from ppml_cli.index import Index, compact, entry_labels
from ppml_cli.model import Entry, Mitigation, Reference, Technique, Threat, Tool, Tutorial
from ppml_cli.search.query import Term
from ppml_cli.search.words import MAX_FIELD_CHARS, analyse, stemmed, tokens, typo_budget
from ppml_cli.store.cache import collector_paused

try:  # the C module itself: struct.py only re-exports it, at an import cost on every run
    from _struct import Struct
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from struct import Struct

if TYPE_CHECKING:
    from ppml_cli.filters import Filters
    from ppml_cli.search.ranking import Answer, Hit

MAX_PREFIX_EXPANSION = 200
MIN_PREFIX_LEN = 4  # shorter words match whole words only
SURFACE_ENTRIES = 5  # entries read to spell a corrected word as the catalog does
PREFIX_FACTOR = 0.8
TYPO_FACTORS = (1.0, 0.7, 0.5)  # by number of typos: a correction is never worth an exact word
NAME_SCORE = 100.0
ALIAS_SCORE = 97.0
LABEL_PREFIX_SCORE = 90.0
LABEL_TYPO_PENALTY = 10.0  # per typo, for the whole query as a misspelt name
MAX_LABEL_TYPOS = 4
K1 = 2.5

#: (name shown by --explain, weight, length normalisation b) per field; postings store the position.
FIELDS: tuple[tuple[str, float, float], ...] = (
    ("name", 8.0, 0.3),
    ("search phrases", 4.0, 0.5),
    ("authors", 3.0, 0.3),
    ("technique", 2.0, 0.0),  # what a tool implements
    ("topic", 1.2, 0.0),  # the techniques a paper, tutorial or threat is about
    ("threats", 1.5, 0.6),
    ("attributes", 1.2, 0.5),
    ("technique phrases", 1.0, 0.0),
    ("summary", 1.5, 0.5),  # the description's opening clause, where an entry says what it is
    ("description", 1.0, 0.75),
    ("notes", 0.6, 0.75),  # pros, notes, when to use, costs, why a technique mitigates a threat
    ("phase", 0.5, 0.5),
)
(
    F_NAME,
    F_PHRASES,
    F_AUTHORS,
    F_TECHNIQUE,
    F_TOPIC,
    F_THREATS,
    F_ATTRIBUTES,
    F_TECH_PHRASES,
    F_SUMMARY,
    F_TEXT,
    F_NOTES,
    F_PHASE,
) = range(len(FIELDS))
#: Fields read as prose, where a negation denies the words after it.
PROSE_FIELDS = frozenset({F_SUMMARY, F_TEXT, F_NOTES})
COUNTED_STRENGTHS = frozenset({"strong", "partial"})
DOMAIN_SHARE = 0.2
#: How much a curated mitigation counts when a query asks for a defence.
STRENGTHS = {"strong": 1.0, "partial": 0.6}
_SUMMARY = re.compile(r"[.:;]\s|\s[-–—]\s")  # where a description's opening clause ends
SUMMARY_CHARS = 120
_POSTING = Struct("<IBB")  # entry number, impact (0-255), field code
_NUMBER = Struct("<I")  # the entry number alone, the head of a posting

#: How an entry matches one query word: (value, how, field code, catalog word).
Match = tuple[float, str, int, str]


class SearchIndex:
    """Inverted index over the catalog's words and whole labels.

    It pickles without the entries (see :mod:`ppml_cli.store.cache`); :meth:`attach`
    binds a loaded index back to the catalog it was built from, and
    :meth:`attach_lazily` to entries read one by one, with the whole index
    loaded only if a search needs it (a filter).
    """

    def __init__(self, index: Index) -> None:
        self._index: Index | None = index
        self._load_index: Callable[[], Index] | None = None
        self.entries: Sequence[Entry] = list(index.entries)
        #: What a later catalog file replaced in an earlier one (said once per run, by the session).
        self.replaced = index.catalog.replaced
        # The build makes hundreds of thousands of small objects and frees none of them in
        # cycles: the collector would only walk the whole catalog again and again.
        with collector_paused():
            self._build()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in ("_index", "_load_index", "entries"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._index = None
        self._load_index = None

    def attach(self, index: Index) -> None:
        self._index = index
        self.entries = list(index.entries)

    def attach_lazily(self, entries: Sequence[Entry], load_index: Callable[[], Index]) -> None:
        """Bind to ``entries`` (read as asked for); ``load_index`` gives the whole index when needed."""
        self._index = None
        self._load_index = load_index
        self.entries = entries

    @property
    def index(self) -> Index:
        """The catalog's index; loaded now if only the entries were attached (then they come from it)."""
        if self._index is None:
            if self._load_index is None:
                raise RuntimeError("a search index used before it was attached to its catalog")
            self._index = self._load_index()
            self.entries = self._index.entries
        return self._index

    @property
    def size(self) -> int:
        """How many entries the index was built over."""
        return len(self.kinds)

    # ---------------------------------------------------------------- build

    def _build(self) -> None:
        labels = [(entry_names(entry), entry_aliases(entry)) for entry in self.entries]
        linked: dict[tuple[object, ...], list[list[str]]] = {}
        own_of = [self._entry_fields(e, own, linked) for e, own in zip(self.entries, labels, strict=True)]
        # Average length of each field over the entries that have it: most entries
        # have no search phrases, and an average over all would punish those that do.
        totals = [0] * len(FIELDS)
        present = [0] * len(FIELDS)
        for fields, key in own_of:
            for each in (fields, linked[key]):
                for code, terms in enumerate(each):
                    if terms:
                        totals[code] += len(terms)
                        present[code] += 1
        average = [max(total / max(count, 1), 1.0) for total, count in zip(totals, present, strict=True)]

        def weigh(fields: list[list[str]]) -> tuple[dict[str, float], dict[str, tuple[float, int]]]:
            """Each term's weight summed over the fields, and its best field (the first of equals)."""
            weights: dict[str, float] = {}
            best: dict[str, tuple[float, int]] = {}
            for code, terms in enumerate(fields):
                if not terms:
                    continue
                _, weight, b = FIELDS[code]
                norm = weight / (1.0 - b + b * len(terms) / average[code])
                for term, occurrences in Counter(terms).items() if len(terms) > 1 else ((terms[0], 1),):
                    value = occurrences * norm
                    known = weights.get(term)
                    if known is None:
                        weights[term] = value
                        best[term] = (value, code)
                    else:
                        weights[term] = known + value
                        if value > best[term][0]:
                            best[term] = (value, code)
            return weights, best

        # What the links give is the same for every entry with the same links: weighed once,
        # and for the words an entry's own fields lack, packed once (impact and field).
        shared: dict[tuple[object, ...], tuple[dict[str, float], dict[str, tuple[float, int]], dict[str, bytes]]] = {}
        for key, fields in linked.items():
            weights, best = weigh(fields)
            tails = {t: bytes((round(255 * w / (K1 + w)) or 1, best[t][1])) for t, w in weights.items()}
            shared[key] = (weights, best, tails)
        postings: dict[str, bytearray] = defaultdict(bytearray)
        pack = _POSTING.pack
        number_of = _NUMBER.pack
        for number, (fields, key) in enumerate(own_of):
            linked_weights, linked_best, tails = shared[key]
            weights, best = weigh(fields)
            head = number_of(number)
            for term, tail in tails.items():
                if term not in weights:
                    postings[term] += head + tail
            for term, weighted in weights.items():
                value, code = best[term]
                also = linked_weights.get(term)
                if also is not None:
                    weighted += also
                    other, other_code = linked_best[term]
                    if other > value or (other == value and other_code < code):
                        code = other_code
                postings[term] += pack(number, round(255 * weighted / (K1 + weighted)) or 1, code)
        # A warm run unpickles what follows, so it is kept in few objects: the postings as one block
        # of bytes beside the sorted vocabulary (where each word's postings end), the labels as
        # arrays beside their sorted keys; a word or label is found by bisection, as prefixes are.
        # (At 8,680 extra entries, a dict per table made a warm search unpickle 50,000 objects more.)
        self._vocabulary = sorted(postings)
        self._posting_data = b"".join(postings[word] for word in self._vocabulary)
        self._posting_ends = array("I", accumulate(len(postings[word]) for word in self._vocabulary))
        names: dict[str, list[int]] = defaultdict(list)
        aliases: dict[str, list[int]] = defaultdict(list)
        for number, (own_names, other_labels) in enumerate(labels):
            own = {compact(label) for label in own_names} - {""}
            for label_key in own:
                names[label_key].append(number)
            for label_key in {compact(label) for label in other_labels} - own - {""}:
                aliases[label_key].append(number)
        self._label_keys = sorted({*names, *aliases})
        self._label_groups: list[tuple[int, ...]] = []
        self._names = self._label_table(names)
        self._aliases = self._label_table(aliases)
        #: How linked each entry is in the catalog (entries pointing at it, the tools a paper lists),
        #: which breaks ties: counted once here rather than from the whole catalog on every search.
        self.links = array("I", [len(self.index.users_of(e.id)) + len(getattr(e, "tools", ())) for e in self.entries])
        #: Each entry's kind (its ``Kind.order``): ranking weighs thousands of candidates by kind
        #: without reading an entry each time.
        self.kinds = bytes(e.kind.order for e in self.entries)
        self._build_structure()

    def _label_table(self, table: Mapping[str, list[int]]) -> array[int]:
        """Per label key (in ``_label_keys`` order): its one entry, -1 for none, or -2 - n for ``_label_groups[n]``."""
        out = array("i", [-1]) * len(self._label_keys)
        for at, key in enumerate(self._label_keys):
            numbers = table.get(key)
            if not numbers:
                continue
            if len(numbers) == 1:
                out[at] = numbers[0]
            else:
                out[at] = -2 - len(self._label_groups)
                self._label_groups.append(tuple(numbers))
        return out

    def _posting(self, word: str) -> bytes | None:
        """The postings of index term ``word`` (entry number, impact, field code), or None if no entry holds it."""
        vocabulary = self._vocabulary
        at = bisect_left(vocabulary, word)
        if at == len(vocabulary) or vocabulary[at] != word:
            return None
        ends = self._posting_ends
        return self._posting_data[ends[at - 1] if at else 0 : ends[at]]

    def _labelled(self, table: array[int], key: str) -> tuple[int, ...]:
        """The entry numbers a label table holds for the label key ``key``."""
        keys = self._label_keys
        at = bisect_left(keys, key)
        if at == len(keys) or keys[at] != key:
            return ()
        return self._labelled_at(table, at)

    def _labelled_at(self, table: array[int], at: int) -> tuple[int, ...]:
        value = table[at]
        if value >= 0:
            return (value,)
        return () if value == -1 else self._label_groups[-2 - value]

    def _build_structure(self) -> None:
        """What the catalog's structure says about a query's intent, kept beside the words.

        * ``labels_of``: each threat's and technique's names and aliases as sets of
          index terms, so a query that holds one of them names that threat or technique;
        * ``mitigators``: per threat id, the techniques and tools whose own curated
          ``mitigates`` claim a strong or partial defence, with the strength;
        * ``domain``: the words of the catalog's curated labels (names, aliases and
          search phrases of techniques and threats, names and aliases of tools) that at
          most a fifth of the entries hold, which say a query is about what the catalog
          covers even when some of its words are not in the catalog;
        * ``frameworks``: the frameworks tools declare, for a ``recommend`` suggestion.
        """
        self.labels_of: dict[int, list[frozenset[str]]] = {}
        self.mitigators: dict[str, dict[int, float]] = defaultdict(dict)
        domain: set[str] = set()
        frameworks: set[str] = set()
        for number, entry in enumerate(self.entries):
            if isinstance(entry, (Technique, Threat)):
                for text in (entry.name, *entry.aliases, *entry.search_phrases):
                    domain.update(analyse(text, prose=False))
            elif isinstance(entry, Tool):  # not the parts of a package name ("presidio-image-redactor")
                for text in (entry.name, *entry.aliases):
                    if not any(mark in text for mark in "-._"):
                        domain.update(analyse(text, prose=False))
            if isinstance(entry, (Technique, Threat)):
                labels = [frozenset(analyse(text, prose=False)) for text in (entry.name, *entry.aliases)]
                self.labels_of[number] = [label for label in labels if label]
            if isinstance(entry, (Technique, Tool)):
                for mitigation in entry.mitigates:
                    strength = STRENGTHS.get(mitigation.strength.value, 0.0)
                    if strength:
                        self.mitigators[mitigation.threat][number] = strength
            if isinstance(entry, Tool):
                frameworks.update(f for f in entry.frameworks if f != "agnostic")
        most = DOMAIN_SHARE * len(self.entries)  # a word most entries hold says nothing about the domain
        measuring = {e.id for e in self.entries if isinstance(e, Technique) and e.role.value == "measurement"}
        #: Entries that measure privacy: tools that audit a threat, and what belongs to a measurement technique.
        self.measuring = array(
            "I",
            (
                n
                for n, e in enumerate(self.entries)
                if (isinstance(e, Tool) and e.audits) or measuring.intersection(e.techniques) or e.id in measuring
            ),
        )
        # Number lists are arrays: they unpickle as one block of bytes, where a set of ints
        # would be rebuilt int by int on every warm run.
        #: Per technique id, the entries linked to it (and the technique itself).
        members: dict[str, set[int]] = defaultdict(set)
        for number, entry in enumerate(self.entries):
            for technique in (*entry.techniques, *((entry.id,) if isinstance(entry, Technique) else ())):
                members[technique].add(number)
        self.members = {technique: array("I", sorted(numbers)) for technique, numbers in members.items()}
        #: Tools that audit threats: entry number -> the threat ids.
        self.audits = {n: e.audits for n, e in enumerate(self.entries) if isinstance(e, Tool) and e.audits}
        #: Tools nobody maintains (legacy, deprecated): entry number -> status.
        self.unmaintained = {
            n: e.status.value
            for n, e in enumerate(self.entries)
            if isinstance(e, Tool) and e.status.value in ("legacy", "deprecated")
        }
        self.domain = frozenset(w for w in domain if len(self._posting(w) or b"") <= most * _POSTING.size)
        #: Each pair of index terms that stands in a row in some entry's curated search phrase.
        self.curated_pairs = frozenset(
            pair
            for entry in self.entries
            for text in entry.search_phrases
            for pair in pairwise(analyse(text, prose=False))
        )
        self.frameworks = frozenset(frameworks)
        self.mitigators = dict(self.mitigators)

    def _entry_fields(
        self,
        entry: Entry,
        labels: tuple[tuple[str, ...], tuple[str, ...]],
        linked: dict[tuple[object, ...], list[list[str]]],
    ) -> tuple[list[list[str]], tuple[object, ...]]:
        """The analysed terms of each field of ``entry``, each field capped at MAX_FIELD_CHARS.

        What an entry takes from the techniques and phases it links to is the
        same for every entry with the same links, so it is analysed once per
        set of links (``linked``) and copied.
        """
        fields: list[list[str]] = [[] for _ in FIELDS]
        used = [0] * len(FIELDS)
        by_id = self.index.by_id

        def add(code: int, text: str | None) -> None:
            if not text or used[code] >= MAX_FIELD_CHARS:
                return
            if len(text) > MAX_FIELD_CHARS - used[code]:
                text = text[: MAX_FIELD_CHARS - used[code]]
            used[code] += len(text) + 1
            fields[code].extend(analyse(text, prose=code in PROSE_FIELDS))

        for label in (*labels[0], *labels[1]):
            add(F_NAME, label)
        for phrase in entry.search_phrases:
            add(F_PHRASES, phrase)
        add(F_SUMMARY, _SUMMARY.split(entry.description[:SUMMARY_CHARS], maxsplit=1)[0])
        add(F_TEXT, entry.description)
        technique_code = F_TECHNIQUE if isinstance(entry, Tool) else F_TOPIC
        key: tuple[object, ...] = (technique_code, tuple(entry.techniques), tuple(entry.phases))
        if entry.id in entry.techniques or entry.id in entry.phases:  # an entry never links to itself
            key += (entry.id,)
        if key not in linked:
            linked[key] = self._linked_fields(entry, technique_code)
        if isinstance(entry, Reference):
            for author in entry.authors:
                add(F_AUTHORS, author)
            add(F_ATTRIBUTES, entry.venue)
        if isinstance(entry, Tool):
            add(F_NAME, entry.package)
            for value in (*entry.categories, *entry.frameworks, entry.language):
                add(F_ATTRIBUTES, value)
            for note in (*entry.pros, *entry.notes):  # cons are negative evidence: not indexed
                add(F_NOTES, note)
            for threat_id in entry.audits:
                threat = by_id.get(threat_id)
                if threat is not None:
                    for label in (threat.name, *threat.aliases):
                        add(F_THREATS, label)
            self._add_mitigations(entry.mitigates, add)
        if isinstance(entry, Tutorial):
            add(F_ATTRIBUTES, entry.topic)
        if isinstance(entry, Technique):
            add(F_NOTES, entry.when_to_use)
            add(F_NOTES, entry.costs)
            self._add_mitigations(entry.mitigates, add)
        return fields, key

    def _linked_fields(self, entry: Entry, technique_code: int) -> list[list[str]]:
        """What ``entry`` takes from its techniques (names, aliases, search phrases) and phases."""
        fields: list[list[str]] = [[] for _ in FIELDS]
        used = [0] * len(FIELDS)
        by_id = self.index.by_id

        def add(code: int, text: str) -> None:
            if not text or used[code] >= MAX_FIELD_CHARS:
                return
            if len(text) > MAX_FIELD_CHARS - used[code]:
                text = text[: MAX_FIELD_CHARS - used[code]]
            used[code] += len(text) + 1
            fields[code].extend(analyse(text, prose=False))

        for ref_id in entry.techniques:
            technique = by_id.get(ref_id)
            if technique is not None and technique.id != entry.id:
                for label in (technique.name, *technique.aliases):
                    add(technique_code, label)
                for phrase in technique.search_phrases:
                    add(F_TECH_PHRASES, phrase)
        for ref_id in entry.phases:
            phase = by_id.get(ref_id)
            if phase is not None and phase.id != entry.id:
                for label in (phase.name, *phase.aliases):
                    add(F_PHASE, label)
        return fields

    def _add_mitigations(self, mitigations: Iterable[Mitigation], add: Callable[[int, str | None], None]) -> None:
        """The threats an entry protects against, and why; weak or no protection is not evidence of a match."""
        for mitigation in mitigations:
            threat = self.index.by_id.get(mitigation.threat)
            if threat is not None and mitigation.strength.value in COUNTED_STRENGTHS:
                for label in (threat.name, *threat.aliases):
                    add(F_THREATS, label)
                add(F_NOTES, mitigation.reason)

    # ---------------------------------------------------------------- query

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int | None = None,
        stars: Callable[[list[Entry]], Mapping[str, int]] | None = None,
    ) -> list[Hit]:
        return self.answer(query, filters, limit, stars).hits

    def answer(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int | None = None,
        stars: Callable[[list[Entry]], Mapping[str, int]] | None = None,
    ) -> Answer:
        """Search for ``query``; ``stars`` gives refreshed star counts, asked only to break ties."""
        from ppml_cli.search.ranking import rank

        with collector_paused():  # ranking makes a few tuples per candidate and frees none in cycles
            return rank(self, query, filters, limit, stars)

    def term_matches(self, term: Term) -> tuple[dict[int, Match], float, list[str]]:
        """Entries matching ``term``: number -> (idf-weighted value, how, field code, word); its idf; corrections."""
        found: dict[int, Match] = {}
        count = max(len(self.entries), 1)
        top_idf = 0.0

        def offer(word: str, factor: float, how: str) -> None:
            nonlocal top_idf
            posting = self._posting(word)
            if posting is None:
                return
            df = len(posting) // _POSTING.size
            idf = math.log(1.0 + (count - df + 0.5) / (df + 0.5))
            top_idf = max(top_idf, idf)
            weight = idf * factor / 255.0
            if not found:  # the first word offered (most often the only one): no comparison needed
                found.update(
                    {
                        number: (impact * weight, how, code, word)
                        for number, impact, code in _POSTING.iter_unpack(posting)
                    }
                )
                return
            get = found.get
            for number, impact, code in _POSTING.iter_unpack(posting):
                value = impact * weight
                current = get(number)
                if current is None or value > current[0]:
                    found[number] = (value, how, code, word)

        exact = [k for k in dict.fromkeys((term.key, stemmed(term.key))) if self._posting(k) is not None]
        if not exact and "-" in term.key:
            shortened = self._compounds_starting(term.key)
            if shortened:  # a shortened compound ("k-anon" for "k-anonymity"), wherever it stands
                for word in shortened:
                    offer(word, PREFIX_FACTOR, "short for {}")
                return found, top_idf or 1.0, []
            parts = term.key.split("-")
            if len(parts) > 1 and all(len(p) > 2 for p in parts):  # "l-diversity" and "concrete-ml" stay whole
                return self._all_parts(parts)
        for key in exact:
            offer(key, 1.0, "word")
        prefix = term.shown
        if term.last and not exact and len(prefix) >= MIN_PREFIX_LEN:  # an unfinished last word
            start = bisect_left(self._vocabulary, prefix)
            for word in self._vocabulary[start : start + MAX_PREFIX_EXPANSION]:
                if not word.startswith(prefix):
                    break
                if word not in exact and "-" not in word:  # compounds ("dp-sgd") match only whole
                    offer(word, PREFIX_FACTOR, "prefix of {}")
        corrected: list[str] = []
        if not found and term.budget:
            for word, typos in self._typos(term.key, term.budget):
                offer(word, TYPO_FACTORS[typos], "corrected to {}")
                corrected.append(word)
        return found, top_idf or 1.0, corrected

    def curated_pair(self, first: str, second: str) -> bool:
        """Whether some entry's curated search phrase holds the index terms ``first`` ``second`` in a row.

        A word that asks for a kind of entry ("implementation", "examples") is
        also a plain word where the catalog's curated wording of what users ask
        uses it after the word before it ("is a DP implementation correct").
        """
        return (first, second) in self.curated_pairs

    def _compounds_starting(self, key: str) -> list[str]:
        """Hyphenated catalog words that ``key`` (itself hyphenated) is the start of."""
        start = bisect_left(self._vocabulary, key)
        found = []
        for word in self._vocabulary[start : start + MAX_PREFIX_EXPANSION]:
            if not word.startswith(key):
                break
            if word.count("-") == key.count("-"):
                found.append(word)
        return found

    def _all_parts(self, parts: list[str]) -> tuple[dict[int, Match], float, list[str]]:
        """A hyphenated word that is not in the catalog, matched as its separate parts (all needed)."""
        combined: dict[int, Match] = {}
        idf_total = 0.0
        corrected: list[str] = []
        for part in parts:
            matches, idf, fixes = self.term_matches(Term(shown=part, key=stemmed(part), budget=typo_budget(part)))
            if not matches:
                return {}, 1.0, []
            corrected += fixes
            idf_total += idf
            for number, (value, how, code, word) in matches.items():
                old = combined.get(number)
                combined[number] = (value + (old[0] if old else 0.0), how, code, word)
        return {n: (v / len(parts), h, c, w) for n, (v, h, c, w) in combined.items()}, idf_total / len(parts), corrected

    def _typos(self, key: str, budget: int) -> list[tuple[str, int]]:
        """Catalog words within ``budget`` typos of ``key`` (a wrong first letter costs two), fewest first."""
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import extract

        found = []
        for word, distance, _ in extract(key, self._vocabulary, scorer=OSA.distance, score_cutoff=budget, limit=16):
            typos = int(distance) + (1 if word[:1] != key[:1] else 0)
            if typos <= budget and not word.isdigit():
                found.append((word, typos))
        found.sort(key=lambda p: (p[1], p[0]))
        return found[:6]

    def near_misses(self, unmatched: list[str]) -> dict[str, list[str]]:
        """Catalog words one typo beyond the rules from each unmatched word, as the catalog spells them."""
        from ppml_cli.suggest import suggest

        out = {}
        for word in unmatched:
            key = "-".join(p for p in re.split(r"[-.']", word) if p) if "-" in word or "." in word else stemmed(word)
            guesses = suggest(key, self._vocabulary, limit=3, max_typos=typo_budget(key) + 1)
            shown = [self.surface_of(g, word) for g in guesses if len(g) > 1 and not g.isdigit()]
            if shown:
                out[word] = list(dict.fromkeys(shown))
        return out

    def surface_of(self, key: str, like: str = "") -> str:
        """A catalog word that the index term ``key`` stands for, the one most like ``like`` if given."""
        posting = self._posting(key)
        if not posting:
            return key
        found: list[str] = []
        for number, _, _ in list(_POSTING.iter_unpack(posting))[:SURFACE_ENTRIES]:
            found += _surfaces(self.entries[number], key)
        if not found:
            return key
        if not like:
            return found[0]
        from rapidfuzz.fuzz import ratio

        return max(dict.fromkeys(found), key=lambda word: ratio(like, word))

    def exact_labels(self, key: str) -> dict[int, tuple[float, str]]:
        """Entries whose id, name or alias is exactly ``key`` (a compact form, stop words included)."""
        found = dict.fromkeys(self._labelled(self._aliases, key), (ALIAS_SCORE, "exact alias"))
        found.update(dict.fromkeys(self._labelled(self._names, key), (NAME_SCORE, "exact name or id")))
        return found

    def score_labels(self, whole: str, *, typos: int) -> dict[int, tuple[float, str]]:
        """Whole-query matches against ids, names and aliases: entry number -> (score, reason).

        ``typos`` is how many typos the query may hold (the sum over its words); a
        misspelt name is looked for only when some word needed a correction.
        """
        found: dict[int, tuple[float, str]] = {}
        if not whole:
            return found

        def offer(numbers: Iterable[int], score: float, reason: str) -> None:
            for number in numbers:
                if score > found.get(number, (0.0, ""))[0]:
                    found[number] = (score, reason)

        offer(self._labelled(self._names, whole), NAME_SCORE, "exact name or id")
        offer(self._labelled(self._aliases, whole), ALIAS_SCORE, "exact alias")
        if len(whole) >= MIN_PREFIX_LEN:
            start = bisect_left(self._label_keys, whole)
            for at in range(start, min(start + MAX_PREFIX_EXPANSION, len(self._label_keys))):
                key = self._label_keys[at]
                if not key.startswith(whole):
                    break
                if key != whole:
                    score = LABEL_PREFIX_SCORE - min(len(key) - len(whole), 25) * 0.4
                    offer(
                        (*self._labelled_at(self._names, at), *self._labelled_at(self._aliases, at)),
                        score,
                        f"name starts with {whole!r}",
                    )
        if typos and not found:
            from rapidfuzz.distance import OSA
            from rapidfuzz.process import extract

            budget = min(typos, MAX_LABEL_TYPOS)
            for key, distance, _ in extract(whole, self._label_keys, scorer=OSA.distance, score_cutoff=budget, limit=5):
                cost = int(distance) + (1 if key[:1] != whole[:1] else 0)
                if cost <= budget:
                    score = ALIAS_SCORE - LABEL_TYPO_PENALTY * cost
                    for number in (*self._labelled(self._names, key), *self._labelled(self._aliases, key)):
                        label = next((x for x in entry_labels(self.entries[number]) if compact(x) == key), key)
                        offer((number,), score, f"name resembles {label!r}")
        return found


def _surfaces(entry: Entry, key: str) -> list[str]:
    """The words of ``entry`` that the index term ``key`` came from ("federat" -> "federated")."""
    found = []
    for text in (*entry_labels(entry), *entry.search_phrases, entry.description):
        for token in tokens(text[:MAX_FIELD_CHARS]):
            if token is not None and stemmed(token[1].replace("'", "")) == key:
                found.append(token[1])
    return found


def surface(entry: Entry, key: str) -> str:
    """One word of ``entry`` that the index term ``key`` came from, for --explain."""
    found = _surfaces(entry, key)
    return found[0] if found else key


def entry_names(entry: Entry) -> tuple[str, ...]:
    """An entry's own names: id and name, and a paper's short name ("RAPPOR" of "RAPPOR: Randomized ...")."""
    out = [entry.id, entry.name]
    if isinstance(entry, Reference) and ":" in entry.name:
        short = entry.name.split(":", 1)[0].strip()
        if short and " " not in short:
            out.append(short)
    return tuple(out)


def entry_aliases(entry: Entry) -> tuple[str, ...]:
    """What an entry also answers to: aliases, a reference's citation key and arXiv id, a tool's package."""
    labels = [label for label in entry_labels(entry) if label not in (entry.id, entry.name)]
    if isinstance(entry, Reference) and entry.arxiv:
        labels.append(entry.arxiv)
    if isinstance(entry, Tool) and entry.package:
        labels.append(entry.package)
    return tuple(labels)
