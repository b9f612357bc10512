"""Search relevance on the suite of real queries, held at the level achieved.

Raise the floors when search improves; a drop means a ranking change hurt
what users type. `python benchmarks/relevance.py` prints the per-query table.
"""

from __future__ import annotations

import pytest

from ppml_cli.catalog import load_catalog
from ppml_cli.index import Index
from ppml_cli.search import SearchIndex

from .relevance import Scores, evaluate, load_cases

SUCCESS_AT_1 = 0.95
SUCCESS_AT_3 = 0.98
MRR = 0.97


@pytest.fixture(scope="module")
def scores() -> Scores:
    return evaluate(SearchIndex(Index(load_catalog())))


def test_the_suite_is_large_and_varied() -> None:
    cases = load_cases()
    assert len(cases) >= 40
    assert len({c.query for c in cases}) == len(cases)


def test_success_at_1(scores: Scores) -> None:
    assert scores.success_at(1) >= SUCCESS_AT_1, [o.case.query for o in scores.outcomes if o.rank != 1]


def test_success_at_3(scores: Scores) -> None:
    assert scores.success_at(3) >= SUCCESS_AT_3, [o.case.query for o in scores.outcomes if not o.passed]


def test_mean_reciprocal_rank(scores: Scores) -> None:
    assert scores.mrr >= MRR


def test_every_expected_id_exists() -> None:
    index = Index(load_catalog())
    for case in load_cases():
        for entry_id in case.expect:
            assert entry_id in index.by_id, (case.query, entry_id)
