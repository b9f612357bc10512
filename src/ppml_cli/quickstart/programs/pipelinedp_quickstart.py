"""Per-group differentially private counts and sums with PipelineDP, on the local backend.

The same code runs on Apache Beam or Spark by swapping the backend.
Synthetic data, CPU only, a few seconds.
"""

import random

import pipeline_dp

random.seed(0)
# Synthetic restaurant visits: (visitor id, weekday, money spent). One visitor
# may appear many times, so the privacy unit is the visitor, not the row.
weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
visits = [(random.randrange(2000), random.choice(weekdays), round(random.uniform(5, 60), 2)) for _ in range(20_000)]

accountant = pipeline_dp.NaiveBudgetAccountant(total_epsilon=1.0, total_delta=1e-6)
engine = pipeline_dp.DPEngine(accountant, pipeline_dp.LocalBackend())

params = pipeline_dp.AggregateParams(
    metrics=[pipeline_dp.Metrics.COUNT, pipeline_dp.Metrics.SUM],
    noise_kind=pipeline_dp.NoiseKind.LAPLACE,
    max_partitions_contributed=3,  # a visitor counts on at most 3 weekdays...
    max_contributions_per_partition=2,  # ...and at most twice on each
    min_value=0.0,  # each amount is clamped to [0, 60]
    max_value=60.0,
)
extractors = pipeline_dp.DataExtractors(
    privacy_id_extractor=lambda visit: visit[0],
    partition_extractor=lambda visit: visit[1],
    value_extractor=lambda visit: visit[2],
)

# The weekdays are public knowledge, so no partition selection is needed.
result = engine.aggregate(visits, params, extractors, public_partitions=weekdays)
accountant.compute_budgets()  # the local backend is lazy: budgets first, then results

true_counts = {day: sum(1 for v in visits if v[1] == day) for day in weekdays}
print("weekday  true visits  DP count (bounded)  DP sum")
for day, metrics in sorted(result, key=lambda item: weekdays.index(item[0])):
    print(f"{day:<8} {true_counts[day]:>11}  {metrics.count:>18.0f}  {metrics.sum:>8.0f}")
print("counts are lower than the truth: contribution bounding drops a heavy visitor's extra rows")
