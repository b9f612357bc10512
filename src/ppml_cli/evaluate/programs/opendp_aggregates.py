"""DP count, sum, mean and histogram with OpenDP's measurements, against the true answers.

Each query's noise scale is calibrated to epsilon by OpenDP itself (binary search over
its own privacy map). OpenDP draws noise from the OS's secure generator: it cannot be seeded.
"""

import opendp.prelude as dp

from evalkit import EPSILONS, aggregates_data, emit, measured, seeds

dp.enable_features("contrib")
values, groups = aggregates_data()
n = len(values)
true = {"count": n, "sum": sum(values), "mean": sum(values) / n}
true_histogram = [groups.count(g) for g in range(8)]

floats = (dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance())
sized = (dp.vector_domain(dp.atom_domain(bounds=(0.0, 100.0)), size=n), dp.symmetric_distance())
ints = (dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance())
queries = {
    "count": lambda s: dp.t.make_count(*floats) >> dp.m.then_laplace(s),
    "sum": lambda s: dp.t.make_clamp(*floats, bounds=(0.0, 100.0)) >> dp.t.then_sum() >> dp.m.then_laplace(s),
    "mean": lambda s: dp.t.make_mean(*sized) >> dp.m.then_laplace(s),
    "histogram": lambda s: dp.t.make_count_by_categories(*ints, categories=list(range(7))) >> dp.m.then_laplace(s),
}
data = {"count": values, "sum": values, "mean": values, "histogram": groups}

for epsilon in EPSILONS:
    meas = {q: dp.binary_search_chain(make, d_in=1 if q != "mean" else 2, d_out=epsilon) for q, make in queries.items()}
    errors, times = {q: [] for q in queries}, {q: [] for q in queries}
    for _ in seeds():
        for query, measurement in meas.items():
            with measured() as run:
                answer = measurement(data[query])
            if query == "histogram":  # 7 named categories and one "other" count: 8 bins
                errors[query].append(sum(abs(a - t) for a, t in zip(answer, true_histogram)))
            else:
                errors[query].append(abs(answer - true[query]))
            times[query].append(run.seconds)
    for query in errors:
        emit("abs_error", errors[query], query=query, epsilon=epsilon)
        emit("seconds", times[query], query=query, epsilon=epsilon)
