"""Score search relevance on the suite in tests/data/relevance.yaml.

success@k is the share of queries whose first acceptable result is within the
top k; MRR is the mean of 1/rank of the first acceptable result (0 if none in
the top 10). A query "passes" when it reaches its own ``within`` rank. Both are
computed over the queries that have an answer; an out-of-scope query (one that
expects nothing) passes only when search returns nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ppml_cli.search import SearchIndex

SUITE = Path(__file__).parent / "data" / "relevance.yaml"
#: Questions worded as practitioners ask them, written before the intent ranking (issue 22).
PRACTITIONERS = Path(__file__).parent / "data" / "relevance-practitioners.yaml"
DEPTH = 10
OUT_OF_SCOPE = "out-of-scope"
#: Query classes grouped as "names": what a user types when they know what they want.
NAMES = ("typo", "acronym", "name")
QUESTIONS = ("question",)


@dataclass(frozen=True)
class Case:
    query: str
    expect: tuple[str, ...]
    within: int
    cls: str

    @property
    def out_of_scope(self) -> bool:
        return not self.expect


@dataclass(frozen=True)
class Outcome:
    case: Case
    rank: int | None  # 1-based rank of the first acceptable hit
    top: tuple[str, ...]

    @property
    def passed(self) -> bool:
        if self.case.out_of_scope:
            return not self.top
        return self.rank is not None and self.rank <= self.case.within


@dataclass(frozen=True)
class Scores:
    outcomes: tuple[Outcome, ...]

    def of(self, classes: Iterable[str] | None = None) -> Scores:
        """The outcomes of some classes only (all answerable ones by default)."""
        wanted = set(classes) if classes is not None else None
        return Scores(
            tuple(o for o in self.outcomes if (o.case.cls in wanted if wanted is not None else not o.case.out_of_scope))
        )

    @property
    def answerable(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.case.out_of_scope)

    def success_at(self, k: int) -> float:
        cases = self.answerable
        return sum(1 for o in cases if o.rank is not None and o.rank <= k) / max(len(cases), 1)

    @property
    def mrr(self) -> float:
        cases = self.answerable
        return sum(1 / o.rank for o in cases if o.rank) / max(len(cases), 1)

    @property
    def passed(self) -> float:
        return sum(1 for o in self.outcomes if o.passed) / max(len(self.outcomes), 1)

    @property
    def out_of_scope_answered(self) -> list[str]:
        """Out-of-scope queries that returned something (should be none)."""
        return [o.case.query for o in self.outcomes if o.case.out_of_scope and o.top]


def load_cases(suite: Path = SUITE) -> list[Case]:
    data = yaml.safe_load(suite.read_text(encoding="utf-8"))
    return [Case(str(q["query"]), tuple(q["expect"]), int(q["within"]), str(q["class"])) for q in data["queries"]]


def evaluate(search: SearchIndex, cases: list[Case] | None = None) -> Scores:
    outcomes = []
    for case in cases or load_cases():
        top = tuple(h.entry.id for h in search.search(case.query, limit=DEPTH))
        rank = next((n for n, entry_id in enumerate(top, start=1) if entry_id in case.expect), None)
        outcomes.append(Outcome(case, rank, top))
    return Scores(tuple(outcomes))
