"""Release a differentially private count and sum with OpenDP's Context API.

Synthetic data, CPU only, a second.
"""

import random

import opendp.prelude as dp

dp.enable_features("contrib")  # the Context API's building blocks are in "contrib"

random.seed(0)
# 1,000 synthetic ages; each person contributes one row.
ages = [random.randint(18, 90) for _ in range(1000)]

# A context holds the data, what one person may change (one row), and the total
# privacy budget (epsilon = 1), split evenly over two queries.
context = dp.Context.compositor(
    data=ages,
    privacy_unit=dp.unit_of(contributions=1),
    privacy_loss=dp.loss_of(epsilon=1.0),
    split_evenly_over=2,
)

# Each query is a chain: transformations, then a noise mechanism. The context
# calibrates the Laplace noise so the query uses exactly its share of epsilon.
dp_count = context.query().count().laplace().release()
dp_sum = context.query().clamp((18, 90)).sum().laplace().release()

print(f"count: true {len(ages)}, DP {dp_count}")
print(f"sum of ages: true {sum(ages)}, DP {dp_sum}")
print(f"mean age from the two releases: {dp_sum / dp_count:.1f} (true {sum(ages) / len(ages):.1f})")
spent = context.current_privacy_loss()  # one epsilon per query released so far
left = len(context.remaining_privacy_loss())
print(f"privacy budget spent: epsilon {sum(spent)} over {len(spent)} queries; {left} queries left")
