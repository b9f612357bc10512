"""Score search relevance on the suite in tests/data/relevance.yaml.

success@k is the share of queries whose first acceptable result is within the
top k; MRR is the mean of 1/rank of the first acceptable result (0 if none in
the top 10). A query "passes" when it reaches its own ``within`` rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ppml_cli.search import SearchIndex

SUITE = Path(__file__).parent / "data" / "relevance.yaml"
DEPTH = 10


@dataclass(frozen=True)
class Case:
    query: str
    expect: tuple[str, ...]
    within: int


@dataclass(frozen=True)
class Outcome:
    case: Case
    rank: int | None  # 1-based rank of the first acceptable hit
    top: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.rank is not None and self.rank <= self.case.within


@dataclass(frozen=True)
class Scores:
    outcomes: tuple[Outcome, ...]

    def success_at(self, k: int) -> float:
        return sum(1 for o in self.outcomes if o.rank is not None and o.rank <= k) / len(self.outcomes)

    @property
    def mrr(self) -> float:
        return sum(1 / o.rank for o in self.outcomes if o.rank) / len(self.outcomes)

    @property
    def passed(self) -> float:
        return sum(1 for o in self.outcomes if o.passed) / len(self.outcomes)


def load_cases() -> list[Case]:
    data = yaml.safe_load(SUITE.read_text(encoding="utf-8"))
    return [Case(str(q["query"]), tuple(q["expect"]), int(q["within"])) for q in data["queries"]]


def evaluate(search: SearchIndex, cases: list[Case] | None = None) -> Scores:
    outcomes = []
    for case in cases or load_cases():
        top = tuple(h.entry.id for h in search.search(case.query, limit=DEPTH))
        rank = next((n for n, entry_id in enumerate(top, start=1) if entry_id in case.expect), None)
        outcomes.append(Outcome(case, rank, top))
    return Scores(tuple(outcomes))
