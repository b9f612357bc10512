"""The query: its content words, and the kind of entry it asks for."""

from __future__ import annotations

from ppml_cli.index import compact
from ppml_cli.model import Kind, Record, replace
from ppml_cli.search.words import MAX_QUERY_CHARS, NEGATIONS, STOPWORDS, stemmed, tokens, typo_budget

MAX_TERMS = 32

#: Query words that say which kind of entry is wanted (stems).
INTENTS: dict[str, Kind] = {
    **dict.fromkeys(("paper", "article", "publication", "reference", "survey"), Kind.REFERENCE),
    **dict.fromkeys(("library", "tool", "package", "framework", "implementation", "software"), Kind.TOOL),
    **dict.fromkeys(("tutorial", "notebook", "example", "course", "walkthrough", "codelab"), Kind.TUTORIAL),
    **dict.fromkeys(("technique", "method", "approach"), Kind.TECHNIQUE),
}

#: Query words that ask for a defence ("protect X from Y", "prevent Y"), as stems: the answer is
#: what mitigates a threat (the catalog's curated ``mitigates``), not the attack itself.
DEFENCE_WORDS = frozenset(
    "protect prevent defend defense defence mitigate mitigat mitigation stop stopp guard avoid resist safeguard "
    "countermeasure shield".split()
)

#: Query words that ask to measure privacy ("evaluate", "audit"), as stems: they stay searched for,
#: and favour what the catalog's measurement techniques and auditing tools hold.
MEASURE_WORDS = frozenset("evaluate evaluat measure measur audit assess assess quantify test check".split())

#: Query words that ask for a decision ("which epsilon should I choose"), as typed: the answer is
#: the guidance the catalog holds on the technique named (its hub page), before single papers.
CHOICE_WORDS = frozenset("which choose choosing pick select decide should".split())


class Term(Record):
    shown: str  # the word as the user typed it (folded)
    key: str  # the stemmed index term
    budget: int  # typos allowed
    last: bool = False  # the query's last word, which may be unfinished: it also matches as a prefix


class Query(Record):
    """A query read: its content terms, what it asks for, and its compact form without intent words."""

    terms: list[Term]
    intent: Kind | None
    whole: str
    #: The query asks for a defence ("protect", "prevent"...): those words are not searched for.
    defence: bool = False
    #: The query asks to measure privacy ("evaluate", "audit"...).
    measure: bool = False
    #: The query asks for a decision ("which", "choose"...).
    choice: bool = False
    #: Each word read as a kind of entry wanted, with the content word typed just before it (stems).
    intent_pairs: tuple[tuple[str, str], ...] = ()


def read_query(query: str, *, keep: bool = False) -> Query:
    """The query's content terms and intent (a kind of entry, a defence); ``keep`` searches the kind's words too."""
    terms, intent, whole, pairs = parse_query(query, keep=keep)
    defence = [t for t in terms if t.key in DEFENCE_WORDS]
    asks_defence = bool(defence) and len(defence) < len(terms)
    if asks_defence:
        terms = [t for t in terms if t.key not in DEFENCE_WORDS]
        terms[-1] = replace(terms[-1], last=True)
        whole = "".join(compact(t.shown) for t in terms)
    measure = any(t.key in MEASURE_WORDS for t in terms) and len(terms) > 1
    typed = {t[1] for t in tokens(query[:MAX_QUERY_CHARS]) if t is not None}
    choice = bool(typed & CHOICE_WORDS)
    return Query(
        terms=terms,
        intent=intent,
        whole=whole,
        defence=asks_defence,
        measure=measure,
        choice=choice,
        intent_pairs=pairs,
    )


def parse_query(query: str, *, keep: bool = False) -> tuple[list[Term], Kind | None, str, tuple[tuple[str, str], ...]]:
    """The query's content terms, its intent, its compact form without intent words, and the intent words' pairs."""
    terms: list[Term] = []
    intents: list[tuple[Kind, str]] = []
    pairs: list[tuple[str, str]] = []
    for token in tokens(query[:MAX_QUERY_CHARS]):
        if token is None:
            continue
        raw = token[1]
        if raw in STOPWORDS or raw in NEGATIONS or raw.endswith("n't"):
            continue
        if len(token[0]) > 1:
            joined = "-".join(token[0])
            terms.append(Term(shown=raw, key=joined, budget=typo_budget(joined) if len(joined) > 5 else 0))
            continue
        word = raw.replace("'", "")
        if len(word) < 2:
            continue
        key = stemmed(word)
        if key in INTENTS:
            intents.append((INTENTS[key], word))
            if terms:
                pairs.append((terms[-1].key, key))
        # the budget is by the word as typed, as Meilisearch counts
        terms.append(Term(shown=word, key=key, budget=typo_budget(word)))
    intent = None
    if intents and len(terms) > len(intents):  # an intent word alone is what is searched for
        intent = intents[0][0]
        intent_words = {w for _, w in intents}
        if not keep:
            terms = [t for t in terms if t.shown not in intent_words]
    unique = list({t.key: t for t in terms}.values())[:MAX_TERMS]
    if unique:
        unique[-1] = replace(unique[-1], last=True)
    return unique, intent, "".join(compact(t.shown) for t in unique), tuple(pairs) if intent else ()
