"""DP count, sum, mean and histogram with Google's DP library (PyDP), against the true answers.

PyDP draws its noise from the C++ library's secure generator: it cannot be seeded.
"""

from pydp.algorithms.laplacian import BoundedMean, BoundedSum, Count

from evalkit import EPSILONS, aggregates_data, emit, measured, seeds

values, groups = aggregates_data()
true = {"count": len(values), "sum": sum(values), "mean": sum(values) / len(values)}
by_group = [[v for v, g in zip(values, groups) if g == k] for k in range(8)]

for epsilon in EPSILONS:
    errors, times = {q: [] for q in (*true, "histogram")}, {q: [] for q in (*true, "histogram")}
    for _ in seeds():
        releases = {
            "count": lambda: Count(epsilon=epsilon, dtype="float").quick_result(values),
            "sum": lambda: BoundedSum(epsilon=epsilon, lower_bound=0, upper_bound=100, dtype="float").quick_result(
                values
            ),
            "mean": lambda: BoundedMean(epsilon=epsilon, lower_bound=0, upper_bound=100, dtype="float").quick_result(
                values
            ),
            # each row is in one group: one Count per group at the full epsilon (parallel composition)
            "histogram": lambda: [Count(epsilon=epsilon, dtype="float").quick_result(rows) for rows in by_group],
        }
        for query, release in releases.items():
            with measured() as run:
                answer = release()
            if query == "histogram":
                errors[query].append(sum(abs(a - len(rows)) for a, rows in zip(answer, by_group)))
            else:
                errors[query].append(abs(answer - true[query]))
            times[query].append(run.seconds)
    for query in errors:
        emit("abs_error", errors[query], query=query, epsilon=epsilon)
        emit("seconds", times[query], query=query, epsilon=epsilon)
