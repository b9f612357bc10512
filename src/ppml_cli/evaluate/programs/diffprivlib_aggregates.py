"""DP count, sum, mean and histogram with diffprivlib's tools, against the true answers."""

from diffprivlib import tools

from evalkit import EPSILONS, aggregates_data, emit, measured, seeds

values, groups = aggregates_data()
true = {"count": len(values), "sum": sum(values), "mean": sum(values) / len(values)}
true_histogram = [groups.count(g) for g in range(8)]

for epsilon in EPSILONS:
    errors, times = {q: [] for q in (*true, "histogram")}, {q: [] for q in (*true, "histogram")}
    for seed in seeds():
        releases = {
            "count": lambda: tools.count_nonzero(values, epsilon=epsilon, random_state=seed),
            "sum": lambda: tools.sum(values, epsilon=epsilon, bounds=(0, 100), random_state=seed),
            "mean": lambda: tools.mean(values, epsilon=epsilon, bounds=(0, 100), random_state=seed),
            "histogram": lambda: tools.histogram(groups, epsilon=epsilon, bins=8, range=(0, 8), random_state=seed)[0],
        }
        for query, release in releases.items():
            with measured() as run:
                answer = release()
            if query == "histogram":
                errors[query].append(sum(abs(a - t) for a, t in zip(answer, true_histogram)))
            else:
                errors[query].append(abs(answer - true[query]))
            times[query].append(run.seconds)
    for query in errors:
        emit("abs_error", errors[query], query=query, epsilon=epsilon)
        emit("seconds", times[query], query=query, epsilon=epsilon)
