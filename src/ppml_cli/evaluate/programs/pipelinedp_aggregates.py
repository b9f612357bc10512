"""DP count, sum, mean and histogram with PipelineDP's local backend, against the true answers.

Each row is its own privacy unit contributing once; noise comes from PyDP (not seedable).
"""

import pipeline_dp

from evalkit import EPSILONS, aggregates_data, emit, measured, seeds

values, groups = aggregates_data()
rows = list(enumerate(zip(values, groups)))  # (privacy id, (value, group))
true = {"count": len(values), "sum": sum(values), "mean": sum(values) / len(values)}
true_histogram = [groups.count(g) for g in range(8)]


def release(epsilon, metrics, partition, partitions):
    accountant = pipeline_dp.NaiveBudgetAccountant(total_epsilon=epsilon, total_delta=0)
    engine = pipeline_dp.DPEngine(accountant, pipeline_dp.LocalBackend())
    params = pipeline_dp.AggregateParams(
        metrics=metrics,
        noise_kind=pipeline_dp.NoiseKind.LAPLACE,
        max_partitions_contributed=1,
        max_contributions_per_partition=1,
        min_value=0.0,
        max_value=100.0,
    )
    extractors = pipeline_dp.DataExtractors(
        privacy_id_extractor=lambda row: row[0], partition_extractor=partition, value_extractor=lambda row: row[1][0]
    )
    result = engine.aggregate(rows, params, extractors, public_partitions=partitions)
    accountant.compute_budgets()
    return dict(result)


M = pipeline_dp.Metrics
for epsilon in EPSILONS:
    errors, times = {q: [] for q in (*true, "histogram")}, {q: [] for q in (*true, "histogram")}
    for _ in seeds():
        for query, metric in (("count", M.COUNT), ("sum", M.SUM), ("mean", M.MEAN)):
            with measured() as run:
                answer = getattr(release(epsilon, [metric], lambda row: "all", ["all"])["all"], query)
            errors[query].append(abs(answer - true[query]))
            times[query].append(run.seconds)
        with measured() as run:
            counts = release(epsilon, [M.COUNT], lambda row: row[1][1], list(range(8)))
        errors["histogram"].append(sum(abs(counts[g].count - true_histogram[g]) for g in range(8)))
        times["histogram"].append(run.seconds)
    for query in errors:
        emit("abs_error", errors[query], query=query, epsilon=epsilon)
        emit("seconds", times[query], query=query, epsilon=epsilon)
