"""Print the search relevance suite: per query, then success@1, success@3 and MRR per class.

python benchmarks/relevance.py [--failures] [--practitioners]

``--practitioners`` scores the second suite (tests/data/relevance-practitioners.yaml).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.relevance import NAMES, OUT_OF_SCOPE, PRACTITIONERS, QUESTIONS, SUITE, Scores, evaluate, load_cases

from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index
from ppml_cli.search import SearchIndex


def summary(label: str, scores: Scores) -> str:
    count = len(scores.outcomes)
    return (
        f"| {label:<28} | {count:>7} | {scores.success_at(1):9.3f} | {scores.success_at(3):9.3f} | {scores.mrr:5.3f} |"
    )


def main() -> None:
    suite = PRACTITIONERS if "--practitioners" in sys.argv else SUITE
    scores = evaluate(SearchIndex(Index(load_catalog())), load_cases(suite))
    only_failures = "--failures" in sys.argv
    print(f"| {'query':<50} | {'class':<12} | {'rank':>4} | {'want':>4} | {'top result':<32} |")
    print(f"| {'-' * 50} | {'-' * 12} | ---: | ---: | {'-' * 32} |")
    for outcome in scores.outcomes:
        if only_failures and outcome.passed:
            continue
        case = outcome.case
        rank = str(outcome.rank) if outcome.rank else "-"
        mark = "" if outcome.passed else " ✗"
        top = outcome.top[0] if outcome.top else "(none)"
        want = "none" if case.out_of_scope else str(case.within)
        print(f"| {case.query[:50]:<50} | {case.cls:<12} | {rank:>4} | {want:>4} | {top[:30] + mark:<32} |")
    print()
    print(f"| {'class':<28} | queries | success@1 | success@3 |   MRR |")
    print(f"| {'-' * 28} | ------: | --------: | --------: | ----: |")
    classes = sorted({o.case.cls for o in scores.outcomes} - {OUT_OF_SCOPE})
    for cls in classes:
        print(summary(cls, scores.of([cls])))
    print(summary("names (" + ", ".join(NAMES) + ")", scores.of(NAMES)))
    print(summary("questions", scores.of(QUESTIONS)))
    print(summary("all answerable", scores.of()))
    out_of_scope = [o for o in scores.outcomes if o.case.out_of_scope]
    answered = scores.out_of_scope_answered
    print(
        f"\n{len(scores.outcomes)} queries; {len(out_of_scope)} out of scope, "
        f"{len(answered)} of them answered{': ' + ', '.join(answered) if answered else ''}"
    )


if __name__ == "__main__":
    main()
