"""Ranking: scores from the index's weights, the query's intent, and what breaks a tie."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Mapping
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING

from ppml_cli.filters import Filters, passes
from ppml_cli.index import compact
from ppml_cli.model import Entry, Kind, Record, Technique, Threat, Tool
from ppml_cli.search.index import F_PHASE, FIELDS, entry_aliases, entry_names, surface
from ppml_cli.search.query import Term, read_query
from ppml_cli.search.words import MAX_FIELD_CHARS, MAX_QUERY_CHARS, analyse, fold, stemmed, tokens

if TYPE_CHECKING:
    from ppml_cli.search.index import Match, SearchIndex

MIN_SCORE = 5.0
WORDS_SCALE = 88.0  # what matching every word in the best field can reach: below an exact alias
PHRASE_BONUS = 8.0
COORDINATION = 0.3  # exponent of the share of query words an entry holds (Lucene's coordination factor)
PHRASE_CANDIDATES = 40
PAIR_BONUS = 12.0  # for neighbouring query words found near each other in an entry's own text (all pairs)
PAIR_WINDOW = 3  # how many index terms apart two words may stand and still count as near
TUTORIAL_FACTOR = 0.9  # word matches of a tutorial when the query asks for no kind in particular
OTHER_KIND_FACTOR = 0.5  # entries of another kind than the query's intent asks for
NEUTRAL_RANK = 2
SUBJECT_WEIGHT = 2.0  # the words naming the attack a question is about, against the rest of its words
DEFENCE_FACTOR = 0.8  # word matches of an entry that mitigates what a "protect from" question names...
DEFENCE_BONUS = 30.0  # ...plus this much for a strong mitigation (partial: 0.6 of it)
NOT_A_DEFENCE_FACTOR = 0.6  # entries that share the question's words but defend against nothing it names
TOPIC_READING_FACTOR = 0.85  # references, when the query names a technique and asks for no kind
OFF_TOPIC_FACTOR = 0.65  # entries outside the technique a query names
MEASURE_FACTOR = 1.25  # entries that measure privacy, when a query asks to measure it
AUDITS_FACTOR = 1.5  # tools that audit the attack a query asks to measure
CHOICE_BONUS = 1.0  # over the best word match, for the technique or threat a "which/choose" question names
QUESTION_WORDS = 3  # content words from which a query is a question rather than a name or a concept
HUB_FACTOR = 0.85  # word matches of techniques, threats and phases in a question
HUB_KINDS = frozenset({Kind.TECHNIQUE, Kind.THREAT, Kind.PHASE})
MEMBER_SHARE = 0.5  # in a question, a technique's page follows its best member scoring at least this share of it
MEMBER_STEP = 0.1  # how far above the page its best member is put
CONCRETE_KINDS = frozenset({Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL})
STATUS_FACTORS = {"legacy": 0.85, "deprecated": 0.75}  # word matches of tools nobody maintains


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
    #: Query words the catalog never uses, left out because the rest of the query carries the domain.
    ignored: tuple[str, ...] = ()
    #: When the query asks how to protect something: the ``ppml recommend`` options that plan it.
    recommend: tuple[str, ...] = ()


def rank(
    search: SearchIndex,
    query: str,
    filters: Filters | None = None,
    limit: int | None = None,
    stars: Callable[[list[Entry]], Mapping[str, int]] | None = None,
) -> Answer:
    """Search for ``query``; ``stars`` gives refreshed star counts, asked only to break ties."""
    read = read_query(query)
    if any(search.curated_pair(first, second) for first, second in read.intent_pairs):
        read = read_query(query, keep=True)  # "a DP implementation": the catalog's own words, searched for too
    terms, intent, whole = read.terms, read.intent, read.whole
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
    ignored: tuple[str, ...] = ()
    kept = _words_to_keep(search, terms, per_term, corrections) if unmatched and not named else None
    if kept is not None:
        ignored = tuple(t.shown for n, t in enumerate(terms) if n not in kept)
        unmatched = list(ignored)
        corrections = {w: fix for w, fix in corrections.items() if w not in ignored}
    elif unmatched and not named:
        return Answer(
            hits=[],
            unmatched=tuple(unmatched),
            suggestions=search.near_misses(unmatched),
            corrections=corrections,
            intent=intent,
        )
    if unmatched:  # ignorable, or the query is an entry's whole name ("Not What You've Signed Up For: ...")
        kept = [n for n, term in enumerate(terms) if term.shown not in unmatched]
        terms = [terms[n] for n in kept]
        per_term = [per_term[n] for n in kept]
        idfs = [idfs[n] for n in kept]

    keys = {t.key for t in terms} | {stemmed(w) for fixes in corrections.values() for w in fixes}
    keys |= {stemmed(part) for key in list(keys) if "-" in key for part in key.split("-") if len(part) > 1}
    threats = _named(search, keys, Threat)
    techniques = _named(search, keys, Technique)
    subject: set[str] = set()
    defenders: Mapping[int, float] = {}
    if threats and not read.defence:  # a question about an attack: the attack's words are its subject
        subject = set().union(*(label for n in threats for label in search.labels_of[n] if label <= keys))
        idfs = [idf * (SUBJECT_WEIGHT if t.key in subject else 1.0) for t, idf in zip(terms, idfs, strict=True)]
        defenders = _defences(search, [search.entries[n].id for n in threats])  # they name it, as a defence
        per_term = [
            {n: (m[0] * (1.0 if n in defenders else SUBJECT_WEIGHT), *m[1:]) for n, m in matches.items()}
            if t.key in subject
            else matches
            for t, matches in zip(terms, per_term, strict=True)
        ]
    # One pass over every candidate of every word (thousands in a large catalog): its summed value,
    # how many words it holds as evidence (for the coordination factor), and for a question how many
    # it holds at all and how many exactly (for the proximity bonus).
    scores: dict[int, float] = {}
    coverage: dict[int, int] = {}
    question = len(terms) >= QUESTION_WORDS
    covered: dict[int, int] = {}
    held: dict[int, int] = {}
    for term, matches in zip(terms, per_term, strict=True):
        about_subject = term.key in subject
        score_of, coverage_of, covered_of, held_of = scores.get, coverage.get, covered.get, held.get
        for number, (value, how, code, _) in matches.items():
            scores[number] = score_of(number, 0.0) + value
            # defending against an attack is not being about it; every entry of a phase holds its name
            if code != F_PHASE and not (about_subject and number in defenders):
                coverage[number] = coverage_of(number, 0) + 1
            if question:
                covered[number] = covered_of(number, 0) + 1
                if how == "word":
                    held[number] = held_of(number, 0) + 1
    scale = WORDS_SCALE / sum(idfs) if idfs else 0.0
    # Lucene's coordination factor: an entry holding more of the words answers more of it
    # (no terms left: the query is only an entry's name, matched whole below)
    factors = [scale * (count / len(terms)) ** COORDINATION for count in range(len(terms) + 1)] if terms else []
    for number in scores:
        scores[number] *= factors[coverage.get(number, 0)]
    phrased = _phrase_bonus(search, terms, per_term, corrections, scores)
    if question:
        _proximity_bonus(search, terms, held, scores, phrased)
    for number, status in search.unmaintained.items():  # a maintained tool answers better than a legacy one
        if number in scores:
            scores[number] *= STATUS_FACTORS.get(status, 1.0)
    kinds = search.kinds
    if intent is None:  # a tutorial shows how to use a tool: unasked for, it comes after the tool
        tutorial = Kind.TUTORIAL.order
        for number in scores:
            if kinds[number] == tutorial:
                scores[number] *= TUTORIAL_FACTOR
    if read.choice and intent is None and scores:  # "which epsilon should I choose": the guidance first
        best = max(scores.values())
        for number in (*techniques, *threats):  # their pages hold the catalog's sourced trade-offs and advice
            if number in scores:
                scores[number] = best + CHOICE_BONUS
    # a question: what answers it, before the hub pages
    elif intent is None and not read.defence and question:
        hubs = {kind.order for kind in HUB_KINDS}
        for number in scores:
            if kinds[number] in hubs:
                scores[number] *= HUB_FACTOR
    labels = search.score_labels(whole, typos=sum(t.budget for t in terms) if corrections else 0)
    for number, found in named.items():
        if found[0] > labels.get(number, (0.0, ""))[0]:
            labels[number] = found
    for number, (score, _) in labels.items():
        if score >= scores.get(number, 0.0):
            scores[number] = score
            phrased.discard(number)
    if intent is not None:
        asked = intent.order
        for number in scores:
            if kinds[number] != asked:
                scores[number] *= OTHER_KIND_FACTOR
    if read.measure:  # "evaluate the privacy of...": what measures privacy, by the catalog's technique roles
        audited = {search.entries[n].id for n in threats}
        for number in search.measuring:
            if number in scores:
                # a tool that audits the very attack the question names measures what it asks about
                audits_it = not audited.isdisjoint(search.audits.get(number, ()))
                scores[number] *= AUDITS_FACTOR if audits_it else MEASURE_FACTOR
    defences: dict[int, float] = {}
    if read.defence:
        defences = _defences(search, [search.entries[n].id for n in threats])
        for number in scores:
            strength = defences.get(number, 0.0)
            if strength:
                scores[number] = scores[number] * DEFENCE_FACTOR + DEFENCE_BONUS * strength
            elif number not in threats:  # an attack, or what only shares the question's words
                scores[number] *= NOT_A_DEFENCE_FACTOR
    elif techniques and not threats and intent is None:  # a topic: its tools first, then the reading
        on_topic = frozenset().union(*(search.members.get(search.entries[n].id, ()) for n in techniques))
        reference = Kind.REFERENCE.order
        for number in scores:
            if kinds[number] == reference and number not in labels:
                scores[number] *= TOPIC_READING_FACTOR
            if number not in on_topic:
                scores[number] *= OFF_TOPIC_FACTOR  # shares words with the question, not its technique

    if intent is not Kind.TECHNIQUE and question and not read.choice:
        _members_first(search, scores, labels)
    eligible = _eligible(search, scores, covered if question else None, labels, filters, limit)
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
        if number in defences:
            reasons.append("mitigates what the query asks to protect against")
        if intent is not None:
            kind = search.entries[number].kind
            wanted = "as the query asks" if kind is intent else f"the query asks for {intent.plural}"
            reasons.append(f"a {kind.value}, {wanted}")
        hits.append(Hit(entry=search.entries[number], score=score, matched=tuple(reasons)))
    return Answer(
        hits=hits,
        corrections=corrections,
        intent=intent,
        ignored=ignored,
        recommend=_recommend_args(search, read.defence, threats, keys) if hits else (),
    )


def _eligible(
    search: SearchIndex,
    scores: Mapping[int, float],
    covered: Mapping[int, int] | None,
    labels: Mapping[int, object],
    filters: Filters | None,
    limit: int | None,
) -> list[tuple[float, int]]:
    """(shown score, entry number) of what may be answered: the best ``limit`` and all that tie with the last.

    Scores are shown rounded to one decimal, and ties on the shown score are
    broken by quality; so the cut falls at the rounded score of the
    ``limit``-th best, and only entries within a rounding of it are rounded.
    """
    pool = [(min(score, 100.0), number) for number, score in scores.items() if score >= MIN_SCORE]
    if covered is not None:  # one word of a question alone is a coincidence, not an answer
        pool = [p for p in pool if covered.get(p[1], 0) >= 2 or p[1] in labels]
    if filters is not None and not filters.is_empty():  # every candidate is read: the whole index it is
        index = search.index
        pool = [p for p in pool if passes(index, index.entries[p[1]], filters)]
    cutoff = None
    if limit is not None and len(pool) > limit:
        raw = heapq.nlargest(limit, pool)[-1][0]
        cutoff = round(raw, 1)  # rounding keeps order, so this is the limit-th best shown score
        pool = [p for p in pool if p[0] >= raw - 0.1]
    eligible = [(round(score, 1), number) for score, number in pool]
    return eligible if cutoff is None else [p for p in eligible if p[0] >= cutoff]


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


def _members_first(search: SearchIndex, scores: dict[int, float], labels: Mapping[int, object]) -> None:
    """In a question, a technique's page comes right after the best of its own tools, papers and tutorials.

    A question is answered by something to use or read; the technique's page is
    the way to more of them. When a member answers nearly as well (at least
    :data:`MEMBER_SHARE` of the page's score), the two swap places: the member
    takes the page's score and a step more, the page keeps its own. A page the
    query names is left where it is.
    """
    lifted: dict[int, float] = {}
    technique = Kind.TECHNIQUE.order
    concrete = {kind.order for kind in CONCRETE_KINDS}
    kinds = search.kinds
    for number in [n for n in scores if kinds[n] == technique]:
        entry = search.entries[number]
        if number in labels:
            continue
        members = [m for m in search.members.get(entry.id, ()) if m in scores and kinds[m] in concrete]
        if not members:
            continue
        top = max(scores[m] for m in members)
        if top < MEMBER_SHARE * scores[number]:
            continue
        best = min(
            (m for m in members if scores[m] == top),
            key=lambda m: (_quality(search.entries[m], {}, {})[0], -search.links[m]),
        )
        lifted[best] = max(lifted.get(best, 0.0), scores[number] + MEMBER_STEP)
    for number, score in lifted.items():
        scores[number] = max(scores[number], score)


def _proximity_bonus(
    search: SearchIndex,
    terms: list[Term],
    held: Mapping[int, int],
    scores: dict[int, float],
    phrased: set[int],
) -> None:
    """Add a bonus, by the share of neighbouring query words that stand near each other in an entry's own text.

    Words that an entry holds together ("differentially private" and
    "fine-tuning" in a title) say more than the same words scattered over its
    links; the best entries that hold two or more of the words exactly are read
    again (as :func:`_phrase_bonus` does), and those already holding the whole
    query as a phrase are left out.
    """
    if len(terms) < 3:
        return
    pairs = [({a.key, stemmed(a.key)}, {b.key, stemmed(b.key)}) for a, b in pairwise(terms)]
    concepts = {label for labels in search.labels_of.values() for label in labels if len(label) == 2}
    # a technique's or threat's own name: every entry linked to it holds the two words together
    pairs = [p for p in pairs if not any(frozenset((x, y)) in concepts for x in p[0] for y in p[1])]
    if not pairs:
        return
    candidates = [n for n, count in held.items() if count >= 2 and n not in phrased]
    wanted = set().union(*(first | second for first, second in pairs))
    for number in heapq.nlargest(PHRASE_CANDIDATES, candidates, key=scores.__getitem__):
        entry = search.entries[number]
        found: set[int] = set()
        for whole in (*entry_names(entry), *entry_aliases(entry), *entry.search_phrases, entry.description):
            seq = analyse(whole[:MAX_FIELD_CHARS], prose=whole is entry.description)
            at = [(i, word) for i, word in enumerate(seq) if word in wanted]
            if len(at) < 2:
                continue
            for n, (first, second) in enumerate(pairs):
                if n not in found and any(
                    a in first and b in second and 0 < j - i <= PAIR_WINDOW for i, a in at for j, b in at
                ):
                    found.add(n)
        if found:
            scores[number] += PAIR_BONUS * len(found) / (len(terms) - 1)


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


def _words_to_keep(
    search: SearchIndex, terms: list[Term], per_term: list[dict[int, Match]], corrections: Mapping[str, list[str]]
) -> list[int] | None:
    """Which words to search for when some are not in the catalog, as Meilisearch drops words until documents match.

    Only when what remains is about what the catalog covers: the words from the
    catalog's curated labels that few entries hold (see ``SearchIndex.domain``)
    that some entry holds together (dropping from the end
    until one does), and words that together name a technique or threat, then
    each other matched word, rarest first, that such an entry also holds; at
    least half of the query must be kept; or, when that keeps more, the matched
    words rarest first while some entry holds them all. Otherwise (no
    such word) the answer stays empty, so an everyday word next to a common one
    ("music genre classification") does not answer a question the catalog does
    not cover. None when the query cannot be answered that way.
    """

    def domain(n: int) -> bool:
        words = {terms[n].key, *(stemmed(w) for w in corrections.get(terms[n].shown, ()))}
        return bool(words & search.domain)

    known = [n for n, matches in enumerate(per_term) if matches]
    keys = {terms[n].key for n in known}
    naming = {  # words that together name a technique or threat ("differential privacy")
        word for labels in search.labels_of.values() for label in labels if label <= keys for word in label
    }
    core = [n for n in known if domain(n) or terms[n].key in naming]
    while core:
        common = set(per_term[core[0]]).intersection(*(per_term[n].keys() for n in core[1:]))
        if common:
            break
        core.pop()
    if not core:
        return None
    kept = list(core)
    for n in sorted((n for n in known if n not in core), key=lambda n: len(per_term[n])):
        narrower = common & per_term[n].keys()
        if narrower:
            common = narrower
            kept.append(n)
    # Once a domain word shows the query is about what the catalog covers, the rarest words say
    # most: kept rarest first (words read as typos last) while some entry holds them all, when that
    # keeps more words than the above ("stable diffusion" over the generic "training set").
    rarest: list[int] = []
    held: set[int] | None = None
    for n in sorted(known, key=lambda n: (terms[n].shown in corrections, len(per_term[n]))):
        narrower = set(per_term[n]) if held is None else held & per_term[n].keys()
        if narrower:
            held = narrower
            rarest.append(n)
    if len(rarest) > len(kept):
        kept = rarest
    return sorted(kept) if len(kept) * 2 >= len(terms) else None


def _named(search: SearchIndex, keys: set[str], kind: type[Entry]) -> list[int]:
    """The threats or techniques one of whose names or aliases the query holds in full."""
    return [
        number
        for number, labels in search.labels_of.items()
        if isinstance(search.entries[number], kind) and any(label <= keys for label in labels)
    ]


def _defences(search: SearchIndex, threats: list[str]) -> dict[int, float]:
    """Entries that mitigate the threats named (or any threat, when none is), by their best curated strength."""
    found: dict[int, float] = {}
    for threat, mitigators in search.mitigators.items():
        if threats and threat not in threats:
            continue
        for number, strength in mitigators.items():
            found[number] = max(found.get(number, 0.0), strength)
    return found


def _recommend_args(search: SearchIndex, defence: bool, threats: list[int], keys: set[str]) -> tuple[str, ...]:
    """``ppml recommend`` options for a question that asks how to protect something, from what it names."""
    if not defence:
        return ()
    args: list[str] = []
    for number in threats:
        args += ["--threat", search.entries[number].id]
    for framework in sorted(search.frameworks & keys):
        args += ["--framework", framework]
    return tuple(args) or ("--no-input",)


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
