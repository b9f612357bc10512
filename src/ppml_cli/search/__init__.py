"""Ranked search over every kind of entry that answers only with what the catalog holds.

The rules, in the order a query meets them:

1. **Words.** The query is cut into words, folded to lower case and plain
   letters ("Rényi" is "renyi"); stop words ("how", "the", "my"...) and
   one-letter words are dropped, and a light stemmer maps plurals, "-ing"/
   "-ed" forms, a final "e" and British "-ise" spellings to one key on both
   sides ("memorise", "memorized" and "memorizing" are one word). A hyphenated or dotted word
   ("DP-SGD", "l-diversity", "tmlt.analytics") is first looked up whole; it is
   split into its parts only when it is not a word of the catalog and every
   part is at least three letters long, so "concrete-ml" never matches "ml".
2. **Intent.** "paper", "library", "tutorial" and their kin say which kind of
   entry is wanted: they are not searched for, they favour that kind; where
   a curated search phrase uses one after the word before it ("is a DP
   implementation correct") it is searched for as well. A question that asks
   to measure an attack favours the tools that audit that attack.
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
   bonus; so, by their share, do neighbouring query words that stand near
   each other in an entry's own text (proximity), unless the two words are a
   technique's or threat's name, which every entry linked to it holds. In a
   question, a technique's page swaps places with its best tool, paper or
   tutorial when that one answers nearly as well: the page leads to more.
   An entry's word score is scaled by a power of the share of the query's
   words it holds (Lucene's coordination factor); in a question about an
   attack, what only defends against it does not hold the attack's words.
   Ties go to the better maintained tool, then to the one with more stars
   (from ``ppml refresh``), then to the entry more of the catalog points at,
   and only then to kind and name.
5. **Negative evidence does not count.** A tool's cons are not indexed, nor
   are weak or absent mitigations, and in prose (descriptions, notes) neither
   are the few words after a negation ("not", "no", "never", "doesn't"...) up
   to the end of the clause, so "Synthesizers are not differentially private"
   does not make an entry differentially private.

Each indexed field is cut at :data:`MAX_FIELD_CHARS` characters, so building
the index takes time linear in the catalog and bounded per entry, whatever a
catalog file holds; the query is cut at :data:`MAX_QUERY_CHARS`.

Where each part lives: :mod:`~ppml_cli.search.words` (cutting, folding and
stemming text, on both sides), :mod:`~ppml_cli.search.query` (a query's words
and the kind of entry it asks for), :mod:`~ppml_cli.search.index` (the cached
index and its lookups) and :mod:`~ppml_cli.search.ranking` (scores, intent and
ties).
"""

from __future__ import annotations

from ppml_cli.search.index import SearchIndex
from ppml_cli.search.ranking import Answer, Hit
from ppml_cli.search.words import MAX_FIELD_CHARS, MAX_QUERY_CHARS, analyse, typo_budget

__all__ = ["MAX_FIELD_CHARS", "MAX_QUERY_CHARS", "Answer", "Hit", "SearchIndex", "analyse", "typo_budget"]
