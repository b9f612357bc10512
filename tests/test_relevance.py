"""Search relevance on the suite of real queries, held at the goals of issue 12 and the level achieved.

Raise the floors when search improves; a drop means a ranking change hurt
what users type. `python benchmarks/relevance.py` prints the per-query table.
"""

from __future__ import annotations

import pytest

from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index
from ppml_cli.model import Kind
from ppml_cli.search import SearchIndex

from .relevance import NAMES, OUT_OF_SCOPE, PRACTITIONERS, QUESTIONS, Scores, evaluate, load_cases

# The goals: names and acronyms first, questions within three, no invented answers.
NAMES_SUCCESS_AT_1 = 0.95
QUESTIONS_SUCCESS_AT_3 = 0.9
MRR = 0.9
# The level achieved over every answerable query.
# 0.904 on the search branch; 0.898 once the DP-statistics technique joined the catalog (it outranks
# federated learning's page for one concept query by a hair).
# 0.924, 0.994 and 0.958 on the search2 branch (proximity, coordination, technique pages after their
# members, one stem for British and American spellings).
SUCCESS_AT_1 = 0.92
SUCCESS_AT_3 = 0.99
ACHIEVED_MRR = 0.95
# The practitioners' suite (issue 22), written before the intent ranking and added unchanged: the level
# achieved (before the intent ranking: success@3 0.692, MRR 0.622, one out-of-scope query answered).
# 0.908 on the search branch; 0.892 once the DP-statistics technique joined the catalog: it now
# comes first for "collect usage statistics from phones without seeing individual answers",
# where local DP is the answer (ranked 9th; 3rd on search2).
# On the search2 branch: success@1 0.862, success@3 0.954, MRR 0.910; both goals reached.
PRACTITIONERS_SUCCESS_AT_3 = 0.95
PRACTITIONERS_MRR = 0.9


@pytest.fixture(scope="module")
def scores() -> Scores:
    return evaluate(SearchIndex(Index(load_catalog())))


def test_the_suite_is_large_and_varied() -> None:
    cases = load_cases()
    assert len(cases) >= 120
    assert len({c.query.casefold() for c in cases}) == len(cases)
    assert sum(1 for c in cases if c.cls in QUESTIONS) >= 40
    assert sum(1 for c in cases if c.cls == OUT_OF_SCOPE) >= 10
    assert all(c.out_of_scope == (c.cls == OUT_OF_SCOPE) for c in cases)


def test_questions_are_judged_by_concrete_entries() -> None:
    """A question passes by a tool, paper or tutorial that answers it, never by a hub page alone."""
    index = Index(load_catalog())
    for case in load_cases():
        if case.cls in QUESTIONS:
            kinds = {index.by_id[e].kind for e in case.expect}
            assert kinds & {Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL}, case.query
            assert Kind.TECHNIQUE not in kinds, case.query


def test_names_and_acronyms_come_first(scores: Scores) -> None:
    names = scores.of(NAMES)
    assert names.success_at(1) >= NAMES_SUCCESS_AT_1, [o.case.query for o in names.outcomes if o.rank != 1]


def test_questions_are_answered_within_three(scores: Scores) -> None:
    questions = scores.of(QUESTIONS)
    failed = [o.case.query for o in questions.outcomes if not o.passed]
    assert questions.success_at(3) >= QUESTIONS_SUCCESS_AT_3, failed


def test_mean_reciprocal_rank(scores: Scores) -> None:
    assert scores.mrr >= MRR
    assert scores.mrr >= ACHIEVED_MRR


def test_success_at_1(scores: Scores) -> None:
    assert scores.success_at(1) >= SUCCESS_AT_1, [o.case.query for o in scores.answerable if o.rank != 1]


def test_success_at_3(scores: Scores) -> None:
    failed = [o.case.query for o in scores.answerable if not o.passed]
    assert scores.success_at(3) >= SUCCESS_AT_3, failed


def test_out_of_scope_queries_return_nothing(scores: Scores) -> None:
    assert scores.out_of_scope_answered == []


def test_every_expected_id_exists() -> None:
    index = Index(load_catalog())
    for case in load_cases():
        for entry_id in case.expect:
            assert entry_id in index.by_id, (case.query, entry_id)


@pytest.fixture(scope="module")
def practitioners() -> Scores:
    return evaluate(SearchIndex(Index(load_catalog())), load_cases(PRACTITIONERS))


def test_the_practitioners_suite_is_large_and_not_in_the_catalogs_words() -> None:
    """At least 60 questions, almost none of them a name, alias or search phrase of the catalog.

    Two turned out to be catalog wording as well ("private aggregation of teacher
    ensembles", PATE's expansion, and a tutorial's search phrase "federated learning
    with pytorch"); the suite is kept as it was written.
    """
    cases = load_cases(PRACTITIONERS)
    assert sum(1 for c in cases if c.cls in QUESTIONS) >= 60
    assert sum(1 for c in cases if c.cls == OUT_OF_SCOPE) >= 10
    index = Index(load_catalog())
    wording = {w.casefold() for e in index.entries for w in (e.id, e.name, *e.aliases, *e.search_phrases)}
    assert len([c.query for c in cases if c.query.casefold() in wording]) <= 2
    assert all(entry_id in index.by_id for c in cases for entry_id in c.expect)


def test_the_practitioners_suite_holds_its_level(practitioners: Scores) -> None:
    failed = [o.case.query for o in practitioners.answerable if not o.passed]
    assert practitioners.success_at(3) >= PRACTITIONERS_SUCCESS_AT_3, failed
    assert practitioners.mrr >= PRACTITIONERS_MRR


def test_the_practitioners_out_of_scope_questions_return_nothing(practitioners: Scores) -> None:
    assert practitioners.out_of_scope_answered == []
