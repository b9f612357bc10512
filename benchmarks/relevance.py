"""Print the search relevance suite as a table: per query, and success@1, success@3, MRR.

python benchmarks/relevance.py [--failures]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.relevance import evaluate

from ppml_cli.catalog import load_catalog
from ppml_cli.index import Index
from ppml_cli.search import SearchIndex


def main() -> None:
    scores = evaluate(SearchIndex(Index(load_catalog())))
    only_failures = "--failures" in sys.argv
    print(f"| {'query':<44} | {'rank':>4} | {'want':>4} | {'top result':<32} |")
    print(f"| {'-' * 44} | ---: | ---: | {'-' * 32} |")
    for outcome in scores.outcomes:
        if only_failures and outcome.passed:
            continue
        rank = str(outcome.rank) if outcome.rank else "-"
        mark = "" if outcome.passed else " ✗"
        top = outcome.top[0] if outcome.top else "(none)"
        print(f"| {outcome.case.query[:44]:<44} | {rank:>4} | {outcome.case.within:>4} | {top[:30] + mark:<32} |")
    print()
    print(
        f"{len(scores.outcomes)} queries: success@1 {scores.success_at(1):.3f}, "
        f"success@3 {scores.success_at(3):.3f}, MRR {scores.mrr:.3f}"
    )


if __name__ == "__main__":
    main()
