"""Words: how catalog text and queries are cut, folded and stemmed, the same way on both sides.

A word is folded to lower case and plain letters ("Rényi" is "renyi"); stop
words ("how", "the", "my"...) and one-letter words are dropped, and a light
stemmer maps plurals and "-ing"/"-ed" forms to one key. A hyphenated or dotted
word ("DP-SGD", "l-diversity", "tmlt.analytics") is kept whole as well as in
parts. In prose, the few words after a negation ("not", "no", "never",
"doesn't"...) up to the end of the clause are not indexed, so "Synthesizers are
not differentially private" does not make an entry differentially private.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Characters of one field that search reads; the rest of a longer field is not indexed.
MAX_FIELD_CHARS = 20_000
MAX_QUERY_CHARS = 500

STOPWORDS = frozenset(
    """a about all am an and any are as at be been best can could do does doing done for from get give good has
    have how i if in into is it its me more most my need of on or our out over should so some such than that the
    their them then there these they this those to too up us use used using very via want was way we were what
    when where whether which while who why will with would you your one several many much lot lots each every
    other just also really actually like against""".split()
)
NEGATIONS = frozenset("not no never cannot neither nor none nothing lack lacks lacking".split())
CLAUSE_ENDS = frozenset("but although though however yet whereas except".split())
NEGATION_SCOPE = 4  # words after a negation that it denies, at most

_PIECE = re.compile(r"([0-9a-z]+(?:[-.'][0-9a-z]+)*)|([.,;:!?()])")  # a word, or punctuation that ends a clause


#: Short forms practitioners type, read as the word the catalog writes (both sides).
ABBREVIATIONS = {"app": "application", "apps": "application", "lib": "library", "libs": "library"}


_BRITISH = re.compile(r"is(e|ed|es|ing|ation|ations|er|ers)$")


def stem(word: str) -> str:
    """A light suffix folding (plurals, -ing, -ed, a final e, British -ise), applied to the catalog and the query alike.

    Deliberately crude: it only has to map "attacks"/"attack", "training"/"train"
    and "exposed"/"exposing" to one key, the same way on both sides.
    """
    word = ABBREVIATIONS.get(word, word)
    if len(word) > 5 and _BRITISH.search(word):  # "memorise", "anonymisation": one spelling, "-iz-"
        word = _BRITISH.sub(r"iz\1", word)
    if len(word) > 6 and word.endswith("ly"):  # "publicly", "privately", "differentially"
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e") and not word.endswith("ee"):  # "compare" as "compared", "comparing"
        return word[:-1]
    return word


_STEMS: dict[str, str] = {}


def stemmed(word: str) -> str:
    """:func:`stem`, remembered: a catalog repeats its words."""
    key = _STEMS.get(word)
    if key is None:
        key = _STEMS[word] = stem(word)
    return key


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


#: What one word is to :func:`analyse`: its index terms, or what it does to the words after it.
_TERMS, _NEGATION, _CLAUSE_END, _SKIPPED = range(4)
_WORDS: dict[str, tuple[int, tuple[str, ...]]] = {}


def _word(word: str) -> tuple[int, tuple[str, ...]]:
    """How :func:`analyse` reads ``word`` (remembered: words recur far more than texts)."""
    known = _WORDS.get(word)
    if known is not None:
        return known
    raw = word
    if word.endswith("'s"):
        word = word[:-2]
    compound = "-" in word or "." in word
    if word in NEGATIONS or word.endswith("n't"):
        found: tuple[int, tuple[str, ...]] = (_NEGATION, ())
    elif word in CLAUSE_ENDS:
        found = (_CLAUSE_END, ())
    elif word in STOPWORDS or (len(word) < 2 and not compound):
        found = (_SKIPPED, ())
    elif compound:
        parts = [p for p in re.split(_PARTS, word) if p]
        found = (_TERMS, (*(stemmed(p) for p in parts if len(p) > 1), stemmed("-".join(parts))))
    else:
        found = (_TERMS, (stemmed(word.replace("'", "") if "'" in word else word),))
    _WORDS[raw] = found
    return found


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
    extend = out.extend
    negated = 0
    scope = NEGATION_SCOPE if prose else 0
    known = _WORDS.get
    for word, _ in _PIECE.findall(fold(text[:MAX_FIELD_CHARS] if len(text) > MAX_FIELD_CHARS else text)):
        if not word:  # punctuation ends a clause, and a negation's reach
            negated = 0
            continue
        kind, terms = known(word) or _word(word)
        if kind == _TERMS:
            if negated:
                negated -= 1
            else:
                extend(terms)
        elif kind == _NEGATION:
            negated = scope
        elif kind == _CLAUSE_END:
            negated = 0
    if short:
        memo[text] = out
    return out


def typo_budget(word: str) -> int:
    """Typos allowed in a query word of this length: 0 up to 4 letters, 1 up to 8, then 2."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2
