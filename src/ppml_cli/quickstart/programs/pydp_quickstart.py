"""Differentially private count, mean and median with PyDP (Google's DP library, from Python).

Synthetic data, CPU only, a second.
"""

import random

from pydp.algorithms.laplacian import BoundedMean, Count, Median

random.seed(0)
# 10,000 synthetic commute times in minutes; each person contributes one value.
commutes = [round(min(max(random.gauss(35, 15), 1), 180), 1) for _ in range(10_000)]

# Each algorithm takes its own epsilon; the bounds are public and values outside are clamped.
dp_count = Count(epsilon=0.3, dtype="float").quick_result(commutes)
dp_mean = BoundedMean(epsilon=0.4, lower_bound=0, upper_bound=180, dtype="float").quick_result(commutes)
dp_median = Median(epsilon=0.3, lower_bound=0, upper_bound=180, dtype="float").quick_result(commutes)

true_median = sorted(commutes)[len(commutes) // 2]
print(f"count:  true {len(commutes)}, DP {dp_count}")
print(f"mean:   true {sum(commutes) / len(commutes):.2f}, DP {dp_mean:.2f}")
print(f"median: true {true_median:.2f}, DP {dp_median:.2f}")
print("total privacy spent: epsilon 1.0 (0.3 + 0.4 + 0.3, sequential composition)")
