"""Ranked search over every kind of entry that answers only with what the catalog holds.

The rules, in the order a query meets them:

1. **Words.** The query is cut into words, folded to lower case and plain
   letters ("Rényi" is "renyi"); stop words ("how", "the", "my"...) and
   one-letter words are dropped, and a light stemmer maps plurals and "-ing"/
   "-ed" forms to one key on both sides. A hyphenated or dotted word
   ("DP-SGD", "l-diversity", "tmlt.analytics") is first looked up whole; it is
   split into its parts only when it is not a word of the catalog and every
   part is at least three letters long, so "concrete-ml" never matches "ml".
2. **Intent.** "paper", "library", "tutorial" and their kin say which kind of
   entry is wanted: they are not searched for, they favour that kind.
3. **Every word must be accounted for.** A word matches exactly; the last
   word, when the catalog lacks it, also as the start of longer catalog words
   (it may be unfinished: "federat"); and a word that still matches nothing
   as a typo: none for words of up to four letters, one for five to eight,
   two from nine on; a swap of two neighbouring letters is one typo and a
   wrong first letter counts as two (Meilisearch's rules). A word that is
   itself in the catalog is never corrected. If any word matches nothing
   (and the query is not some entry's whole name), the answer is empty and
   :class:`Answer` says which word and what was nearly meant.
4. **Scores.** Each word is weighted by its rarity (BM25's IDF); within an
   entry its occurrences are weighted by field (names over curated search
   phrases over authors over linked techniques and threats over prose),
   normalised by the field's length and saturated, BM25F-style; these
   per-entry weights are computed when the index is built. A prefix match is
   worth less than an exact word and a typo less again. The entry's score is
   the weighted share of the query it covers, 0 to 100; the whole query as an
   id, name or alias scores 100 (an alias 97), as the start of one up to 90,
   and the query's words in order in one of the entry's own fields earn a
   bonus. Ties go to the better maintained tool, then to the one with more
   stars (from ``ppml refresh``), then to the entry more of the catalog points
   at, and only then to kind and name.
5. **Negative evidence does not count.** A tool's cons are not indexed, nor
   are weak or absent mitigations, and in prose (descriptions, notes) neither
   are the few words after a negation ("not", "no", "never", "doesn't"...) up
   to the end of the clause, so "Synthesizers are not differentially private"
   does not make an entry differentially private.

Each indexed field is cut at :data:`MAX_FIELD_CHARS` characters, so building
the index takes time linear in the catalog and bounded per entry, whatever a
catalog file holds; the query is cut at :data:`MAX_QUERY_CHARS`.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from ppml_cli.filters import Filters, passes
from ppml_cli.index import Index, compact, entry_labels

try:  # the C module itself: struct.py only re-exports it, at an import cost on every run
    from _struct import Struct
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from struct import Struct
from ppml_cli.model import Entry, Kind, Mitigation, Record, Reference, Technique, Tool, Tutorial, replace

#: Characters of one field that search reads; the rest of a longer field is not indexed.
MAX_FIELD_CHARS = 20_000
MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_PREFIX_EXPANSION = 200
MIN_PREFIX_LEN = 4  # shorter words match whole words only
MIN_SCORE = 5.0
WORDS_SCALE = 88.0  # what matching every word in the best field can reach: below an exact alias
PHRASE_BONUS = 8.0
PHRASE_CANDIDATES = 40
SURFACE_ENTRIES = (
    5  # entries read to spell a corrected word as the catalog does  # best entries checked for the exact phrase
)
PREFIX_FACTOR = 0.8
TYPO_FACTORS = (1.0, 0.7, 0.5)  # by number of typos: a correction is never worth an exact word
TUTORIAL_FACTOR = 0.9  # word matches of a tutorial when the query asks for no kind in particular
OTHER_KIND_FACTOR = 0.5  # entries of another kind than the query's intent asks for
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

STOPWORDS = frozenset(
    """a about all am an and any are as at be been best can could do does doing done for from get give good has
    have how i if in into is it its me more most my need of on or our out over should so some such than that the
    their them then there these they this those to too up us use used using very via want was way we were what
    when where whether which while who why will with would you your one several many much lot lots each every
    other just also really actually like""".split()
)
COUNTED_STRENGTHS = frozenset({"strong", "partial"})
NEGATIONS = frozenset("not no never cannot neither nor none nothing lack lacks lacking".split())
CLAUSE_ENDS = frozenset("but although though however yet whereas except".split())
NEGATION_SCOPE = 4  # words after a negation that it denies, at most

#: Query words that say which kind of entry is wanted (stems).
INTENTS: dict[str, Kind] = {
    **dict.fromkeys(("paper", "article", "publication", "reference", "survey"), Kind.REFERENCE),
    **dict.fromkeys(("library", "tool", "package", "framework", "implementation", "software"), Kind.TOOL),
    **dict.fromkeys(("tutorial", "notebook", "example", "course", "walkthrough", "codelab"), Kind.TUTORIAL),
    **dict.fromkeys(("technique", "method", "approach"), Kind.TECHNIQUE),
}

_SUMMARY = r"[.:;]\s|\s[-–—]\s"  # where a description's opening clause ends
SUMMARY_CHARS = 120
_PIECE = re.compile(r"([0-9a-z]+(?:[-.'][0-9a-z]+)*)|([.,;:!?()])")  # a word, or punctuation that ends a clause
_POSTING = Struct("<IBB")  # entry number, impact (0-255), field code
NEUTRAL_RANK = 2


#: Short forms practitioners type, read as the word the catalog writes (both sides).
ABBREVIATIONS = {"app": "application", "apps": "application", "lib": "library", "libs": "library"}


def stem(word: str) -> str:
    """A light suffix folding (plurals, -ing, -ed), applied to the catalog and the query alike.

    Deliberately crude: it only has to map "attacks"/"attack", "training"/"train"
    and "exposed"/"exposing" to one key, the same way on both sides.
    """
    word = ABBREVIATIONS.get(word, word)
    if len(word) > 6 and word.endswith("ly"):  # "publicly", "privately", "differentially"
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_STEMS: dict[str, str] = {}


def _stem(word: str) -> str:
    stemmed = _STEMS.get(word)
    if stemmed is None:
        stemmed = _STEMS[word] = stem(word)
    return stemmed


def fold(text: str) -> str:
    """Lower case, accents removed: 'Rényi' -> 'renyi'."""
    text = text.casefold()
    if "+" in text or "#" in text:  # language names that are punctuation otherwise
        text = text.replace("c++", " cpp ").replace("c#", " csharp ")
    if text.isascii():
        return text
    text = text.replace("’", "'")
    import unicodedata  # only for text that is not plain ASCII

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: One word of a text: (its parts, one or several as in 'dp-sgd'; the word as written, folded).
Token = tuple[tuple[str, ...], str]


def tokens(text: str) -> Iterable[Token | None]:
    """Words of ``text``; None marks punctuation (a clause boundary)."""
    for match in _PIECE.finditer(fold(text)):
        word = match.group(1)
        if word is None:
            yield None
            continue
        if word.endswith("'s"):
            word = word[:-2]
        parts = tuple(p for p in re.split(r"[-.']", word) if p) if ("-" in word or "." in word) else (word,)
        yield parts, word


_PARTS = r"[-.']"  # compiled (and cached) by re on first use, not at import
_ANALYSED: dict[str, list[str]] = {}  # short texts (labels, phrases) recur across entries
_ANALYSED_NAMES: dict[str, list[str]] = {}
MEMO_CHARS = 200


def analyse(text: str, *, prose: bool = True) -> list[str]:
    """The index terms of a catalog text, in order: stemmed words and joined compounds.

    Stop words and one-letter words are left out, and so are, in ``prose``, the
    words a negation denies (up to :data:`NEGATION_SCOPE` of them, until the
    clause ends); a name such as "Not What You've Signed Up For" keeps them.
    The result must not be changed by the caller (short texts are memoised).
    """
    short = len(text) <= MEMO_CHARS
    memo = _ANALYSED if prose else _ANALYSED_NAMES
    if short:
        cached = memo.get(text)
        if cached is not None:
            return cached
    out: list[str] = []
    negated = 0
    for match in _PIECE.finditer(fold(text[:MAX_FIELD_CHARS])):
        word = match.group(1)
        if word is None:  # punctuation ends a clause, and a negation's reach
            negated = 0
            continue
        if word.endswith("'s"):
            word = word[:-2]
        if word in NEGATIONS or word.endswith("n't"):
            negated = NEGATION_SCOPE if prose else 0
            continue
        if word in CLAUSE_ENDS:
            negated = 0
            continue
        compound = "-" in word or "." in word
        if word in STOPWORDS or (len(word) < 2 and not compound):
            continue
        if negated:
            negated -= 1
            continue
        if compound:
            parts = [p for p in re.split(_PARTS, word) if p]
            out.extend(_stem(p) for p in parts if len(p) > 1)
            out.append(_stem("-".join(parts)))
        else:
            out.append(_stem(word.replace("'", "") if "'" in word else word))
    if short:
        memo[text] = out
    return out


def typo_budget(word: str) -> int:
    """Typos allowed in a query word of this length: 0 up to 4 letters, 1 up to 8, then 2."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


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


#: How an entry matches one query word: (value, how, field code, catalog word).
_Match = tuple[float, str, int, str]


class _Term(Record):
    shown: str  # the word as the user typed it (folded)
    key: str  # the stemmed index term
    budget: int  # typos allowed
    last: bool = False  # the query's last word, which may be unfinished: it also matches as a prefix


def parse_query(query: str) -> tuple[list[_Term], Kind | None, str]:
    """The query's content terms, its intent, and its compact form without intent words."""
    terms: list[_Term] = []
    intents: list[tuple[Kind, str]] = []
    for token in tokens(query[:MAX_QUERY_CHARS]):
        if token is None:
            continue
        raw = token[1]
        if raw in STOPWORDS or raw in NEGATIONS or raw.endswith("n't"):
            continue
        if len(token[0]) > 1:
            joined = "-".join(token[0])
            terms.append(_Term(shown=raw, key=joined, budget=typo_budget(joined) if len(joined) > 5 else 0))
            continue
        word = raw.replace("'", "")
        if len(word) < 2:
            continue
        key = _stem(word)
        if key in INTENTS:
            intents.append((INTENTS[key], word))
        # the budget is by the word as typed, as Meilisearch counts
        terms.append(_Term(shown=word, key=key, budget=typo_budget(word)))
    intent = None
    if intents and len(terms) > len(intents):  # an intent word alone is what is searched for
        intent = intents[0][0]
        intent_words = {w for _, w in intents}
        terms = [t for t in terms if t.shown not in intent_words]
    unique = list({t.key: t for t in terms}.values())[:MAX_TERMS]
    if unique:
        unique[-1] = replace(unique[-1], last=True)
    return unique, intent, "".join(compact(t.shown) for t in unique)


class SearchIndex:
    """Inverted index over the catalog's words and whole labels.

    It pickles without the entries (see :mod:`ppml_cli.store.cache`); :meth:`attach`
    binds a loaded index back to the catalog it was built from.
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        self.entries = list(index.entries)
        self._build()

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

    def _build(self) -> None:
        fields_of = [self._entry_fields(entry) for entry in self.entries]
        # Average length of each field over the entries that have it: most entries
        # have no search phrases, and an average over all would punish those that do.
        totals = [0] * len(FIELDS)
        present = [0] * len(FIELDS)
        for fields in fields_of:
            for code, terms in enumerate(fields):
                totals[code] += len(terms)
                present[code] += 1 if terms else 0
        average = [max(total / max(count, 1), 1.0) for total, count in zip(totals, present, strict=True)]
        postings: dict[str, bytearray] = defaultdict(bytearray)
        pack = _POSTING.pack
        for number, fields in enumerate(fields_of):
            weights: dict[str, float] = {}
            best: dict[str, tuple[float, int]] = {}
            for code, terms in enumerate(fields):
                if not terms:
                    continue
                _, weight, b = FIELDS[code]
                norm = weight / (1.0 - b + b * len(terms) / average[code])
                for term, occurrences in Counter(terms).items():
                    value = occurrences * norm
                    known = weights.get(term)
                    if known is None:
                        weights[term] = value
                        best[term] = (value, code)
                    else:
                        weights[term] = known + value
                        if value > best[term][0]:
                            best[term] = (value, code)
            for term, weighted in weights.items():
                impact = max(1, round(255 * weighted / (K1 + weighted)))
                postings[term] += pack(number, impact, best[term][1])
        self._postings = {term: bytes(data) for term, data in postings.items()}
        self._vocabulary = sorted(self._postings)
        names: dict[str, list[int]] = defaultdict(list)
        aliases: dict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(self.entries):
            own = {compact(label) for label in _names(entry)} - {""}
            for key in own:
                names[key].append(number)
            for key in {compact(label) for label in _aliases(entry)} - own - {""}:
                aliases[key].append(number)
        self._names = {k: tuple(v) for k, v in names.items()}
        self._aliases = {k: tuple(v) for k, v in aliases.items()}
        self._label_keys = sorted({*self._names, *self._aliases})

    def _entry_fields(self, entry: Entry) -> list[list[str]]:
        """The analysed terms of each field of ``entry``, each field capped at MAX_FIELD_CHARS."""
        fields: list[list[str]] = [[] for _ in FIELDS]
        used = [0] * len(FIELDS)
        by_id = self.index.by_id

        def add(code: int, text: str | None) -> None:
            if not text or used[code] >= MAX_FIELD_CHARS:
                return
            text = text[: MAX_FIELD_CHARS - used[code]]
            used[code] += len(text) + 1
            fields[code].extend(analyse(text, prose=code in PROSE_FIELDS))

        for label in (*_names(entry), *_aliases(entry)):
            add(F_NAME, label)
        for phrase in entry.search_phrases:
            add(F_PHRASES, phrase)
        add(F_SUMMARY, re.split(_SUMMARY, entry.description[:SUMMARY_CHARS], maxsplit=1)[0])
        add(F_TEXT, entry.description)
        linked = F_TECHNIQUE if isinstance(entry, Tool) else F_TOPIC
        for ref_id in entry.techniques:
            technique = by_id.get(ref_id)
            if technique is not None and technique.id != entry.id:
                for label in (technique.name, *technique.aliases):
                    add(linked, label)
                for phrase in technique.search_phrases:
                    add(F_TECH_PHRASES, phrase)
        for ref_id in entry.phases:
            phase = by_id.get(ref_id)
            if phase is not None and phase.id != entry.id:
                for label in (phase.name, *phase.aliases):
                    add(F_PHASE, label)
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
        terms, intent, whole = parse_query(query)
        if not terms:
            common = tuple(dict.fromkeys(t[1] for t in tokens(query[:MAX_QUERY_CHARS]) if t is not None))
            return Answer(hits=[], common=common)
        per_term: list[dict[int, _Match]] = []
        idfs: list[float] = []
        unmatched: list[str] = []
        corrections: dict[str, list[str]] = {}
        for term in terms:
            matches, idf, corrected = self._term_matches(term)
            if not matches:
                unmatched.append(term.shown)
            if corrected:
                corrections[term.shown] = [self._surface_of(word, term.shown) for word in corrected]
            per_term.append(matches)
            idfs.append(idf)
        named = self._exact_labels(compact(query[:MAX_QUERY_CHARS]))
        if unmatched and not named:
            return Answer(
                hits=[],
                unmatched=tuple(unmatched),
                suggestions=self._near_misses(unmatched),
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
        phrased = self._phrase_bonus(terms, per_term, corrections, scores)
        if intent is None:  # a tutorial shows how to use a tool: unasked for, it comes after the tool
            for number in scores:
                if self.entries[number].kind is Kind.TUTORIAL:
                    scores[number] *= TUTORIAL_FACTOR
        labels = self._score_labels(whole, typos=sum(t.budget for t in terms) if corrections else 0)
        for number, found in named.items():
            if found[0] > labels.get(number, (0.0, ""))[0]:
                labels[number] = found
        for number, (score, _) in labels.items():
            if score >= scores.get(number, 0.0):
                scores[number] = score
                phrased.discard(number)
        if intent is not None:
            for number in scores:
                if self.entries[number].kind is not intent:
                    scores[number] *= OTHER_KIND_FACTOR

        eligible = [(round(min(score, 100.0), 1), number) for number, score in scores.items() if score >= MIN_SCORE]
        if filters is not None and not filters.is_empty():
            eligible = [p for p in eligible if passes(self.index, self.entries[p[1]], filters)]
        if limit is not None and len(eligible) > limit:
            cutoff = heapq.nlargest(limit, eligible)[-1][0]
            eligible = [p for p in eligible if p[0] >= cutoff]
        star_counts = self._stars_for_ties(eligible, stars)
        links = self._links_for_ties(eligible)
        eligible.sort(key=lambda p: (-p[0], *self._quality(self.entries[p[1]], star_counts, links)))
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
                        shown = how.format(repr(_surface(self.entries[number], word))) if "{" in how else how
                        reasons.append(f"{term.shown}: {shown} in {FIELDS[code][0]}")
            if number in phrased:
                reasons.append("the query as a phrase")
            if intent is not None:
                kind = self.entries[number].kind
                wanted = "as the query asks" if kind is intent else f"the query asks for {intent.plural}"
                reasons.append(f"a {kind.value}, {wanted}")
            hits.append(Hit(entry=self.entries[number], score=score, matched=tuple(reasons)))
        return Answer(hits=hits, corrections=corrections, intent=intent)

    def _term_matches(self, term: _Term) -> tuple[dict[int, _Match], float, list[str]]:
        """Entries matching ``term``: number -> (idf-weighted value, how, field code, word); its idf; corrections."""
        found: dict[int, _Match] = {}
        count = max(len(self.entries), 1)
        top_idf = 0.0

        def offer(word: str, factor: float, how: str) -> None:
            nonlocal top_idf
            posting = self._postings.get(word)
            if posting is None:
                return
            df = len(posting) // _POSTING.size
            idf = math.log(1.0 + (count - df + 0.5) / (df + 0.5))
            top_idf = max(top_idf, idf)
            weight = idf * factor / 255.0
            get = found.get
            for number, impact, code in _POSTING.iter_unpack(posting):
                value = impact * weight
                current = get(number)
                if current is None or value > current[0]:
                    found[number] = (value, how, code, word)

        exact = [k for k in dict.fromkeys((term.key, _stem(term.key))) if k in self._postings]
        if not exact and "-" in term.key:
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

    def _all_parts(self, parts: list[str]) -> tuple[dict[int, _Match], float, list[str]]:
        """A hyphenated word that is not in the catalog, matched as its separate parts (all needed)."""
        combined: dict[int, _Match] = {}
        idf_total = 0.0
        corrected: list[str] = []
        for part in parts:
            matches, idf, fixes = self._term_matches(_Term(shown=part, key=_stem(part), budget=typo_budget(part)))
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

    def _near_misses(self, unmatched: list[str]) -> dict[str, list[str]]:
        """Catalog words one typo beyond the rules from each unmatched word, as the catalog spells them."""
        from ppml_cli.suggest import suggest

        out = {}
        for word in unmatched:
            key = "-".join(p for p in re.split(r"[-.']", word) if p) if "-" in word or "." in word else _stem(word)
            guesses = suggest(key, self._vocabulary, limit=3, max_typos=typo_budget(key) + 1)
            shown = [self._surface_of(g, word) for g in guesses if len(g) > 1 and not g.isdigit()]
            if shown:
                out[word] = list(dict.fromkeys(shown))
        return out

    def _surface_of(self, key: str, like: str = "") -> str:
        """A catalog word that the index term ``key`` stands for, the one most like ``like`` if given."""
        posting = self._postings.get(key)
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

    def _exact_labels(self, key: str) -> dict[int, tuple[float, str]]:
        """Entries whose id, name or alias is exactly ``key`` (a compact form, stop words included)."""
        found = dict.fromkeys(self._aliases.get(key, ()), (ALIAS_SCORE, "exact alias"))
        found.update(dict.fromkeys(self._names.get(key, ()), (NAME_SCORE, "exact name or id")))
        return found

    def _score_labels(self, whole: str, *, typos: int) -> dict[int, tuple[float, str]]:
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

        offer(self._names.get(whole, ()), NAME_SCORE, "exact name or id")
        offer(self._aliases.get(whole, ()), ALIAS_SCORE, "exact alias")
        if len(whole) >= MIN_PREFIX_LEN:
            start = bisect_left(self._label_keys, whole)
            for key in self._label_keys[start : start + MAX_PREFIX_EXPANSION]:
                if not key.startswith(whole):
                    break
                if key != whole:
                    score = LABEL_PREFIX_SCORE - min(len(key) - len(whole), 25) * 0.4
                    offer(
                        (*self._names.get(key, ()), *self._aliases.get(key, ())), score, f"name starts with {whole!r}"
                    )
        if typos and not found:
            from rapidfuzz.distance import OSA
            from rapidfuzz.process import extract

            budget = min(typos, MAX_LABEL_TYPOS)
            for key, distance, _ in extract(whole, self._label_keys, scorer=OSA.distance, score_cutoff=budget, limit=5):
                cost = int(distance) + (1 if key[:1] != whole[:1] else 0)
                if cost <= budget:
                    score = ALIAS_SCORE - LABEL_TYPO_PENALTY * cost
                    for number in (*self._names.get(key, ()), *self._aliases.get(key, ())):
                        label = next((x for x in entry_labels(self.entries[number]) if compact(x) == key), key)
                        offer((number,), score, f"name resembles {label!r}")
        return found

    def _phrase_bonus(
        self,
        terms: list[_Term],
        per_term: list[dict[int, _Match]],
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
            entry = self.entries[number]
            for whole in (*_names(entry), *_aliases(entry), *entry.search_phrases, entry.description):
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
        self, eligible: list[tuple[float, int]], stars: Callable[[list[Entry]], Mapping[str, int]] | None
    ) -> Mapping[str, int]:
        """Star counts, fetched only when two tools share a score and a status."""
        if stars is None:
            return {}
        seen: dict[tuple[float, int], int] = {}
        tied: list[Entry] = []
        for score, number in eligible:
            entry = self.entries[number]
            if isinstance(entry, Tool):
                key = (score, entry.status.rank)
                if key in seen:
                    tied += [self.entries[seen[key]], entry]
                seen[key] = number
        return stars(tied) if tied else {}

    def _links_for_ties(self, eligible: list[tuple[float, int]]) -> Mapping[str, int]:
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
                entry = self.entries[number]  # entries pointing at it, and the tools a paper lists
                out[entry.id] = len(self.index.users_of(entry.id)) + len(getattr(entry, "tools", ()))
        return out

    @staticmethod
    def _quality(
        entry: Entry, stars: Mapping[str, int], links: Mapping[str, int]
    ) -> tuple[int, int, int, int, str, str]:
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


def _surfaces(entry: Entry, key: str) -> list[str]:
    """The words of ``entry`` that the index term ``key`` came from ("federat" -> "federated")."""
    found = []
    for text in (*entry_labels(entry), *entry.search_phrases, entry.description):
        for token in tokens(text[:MAX_FIELD_CHARS]):
            if token is not None and _stem(token[1].replace("'", "")) == key:
                found.append(token[1])
    return found


def _surface(entry: Entry, key: str) -> str:
    """One word of ``entry`` that the index term ``key`` came from, for --explain."""
    found = _surfaces(entry, key)
    return found[0] if found else key


def _names(entry: Entry) -> tuple[str, ...]:
    """An entry's own names: id and name, and a paper's short name ("RAPPOR" of "RAPPOR: Randomized ...")."""
    out = [entry.id, entry.name]
    if isinstance(entry, Reference) and ":" in entry.name:
        short = entry.name.split(":", 1)[0].strip()
        if short and " " not in short:
            out.append(short)
    return tuple(out)


def _aliases(entry: Entry) -> tuple[str, ...]:
    """What an entry also answers to: aliases, a reference's citation key and arXiv id, a tool's package."""
    labels = [label for label in entry_labels(entry) if label not in (entry.id, entry.name)]
    if isinstance(entry, Reference) and entry.arxiv:
        labels.append(entry.arxiv)
    if isinstance(entry, Tool) and entry.package:
        labels.append(entry.package)
    return tuple(labels)
