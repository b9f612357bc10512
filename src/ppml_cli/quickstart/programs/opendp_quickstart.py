"""Release differentially private statistics with OpenDP's Context API: a count, a sum, a histogram, a median.

One budget (epsilon = 1) is split over four queries. Bounds and categories are
declared in public, not read from the data. Synthetic data, CPU only, a second.
"""

import random
import statistics

import opendp.prelude as dp

dp.enable_features("contrib")  # the Context API's building blocks are in "contrib"

# What anyone may know in advance: ages lie in 18..90, and the departments that exist.
AGE_BOUNDS = (18, 90)
DEPARTMENTS = ["engineering", "sales", "support", "finance"]

random.seed(0)
# 1,000 synthetic employees; each person contributes one row.
ages = [random.randint(*AGE_BOUNDS) for _ in range(1000)]
departments = random.choices(DEPARTMENTS, weights=[4, 3, 2, 1], k=1000)

# A context holds the data, what one person may change (one row), and a privacy
# budget split evenly over its queries. Both columns describe the same people, so
# the two budgets add up: 0.75 for three queries on ages, 0.25 for the histogram.
ages_context = dp.Context.compositor(
    data=ages,
    privacy_unit=dp.unit_of(contributions=1),
    privacy_loss=dp.loss_of(epsilon=0.75),
    split_evenly_over=3,
)
departments_context = dp.Context.compositor(
    data=departments,
    privacy_unit=dp.unit_of(contributions=1),
    privacy_loss=dp.loss_of(epsilon=0.25),
    split_evenly_over=1,
)

# Each query is a chain: transformations, then a noise mechanism. The context
# calibrates the noise so the query uses exactly its share of epsilon.
dp_count = ages_context.query().count().laplace().release()
dp_sum = ages_context.query().clamp(AGE_BOUNDS).sum().laplace().release()
# The median picks among declared candidates (exponential mechanism), never a value read from the data.
candidates = list(range(AGE_BOUNDS[0], AGE_BOUNDS[1] + 1))
dp_median = ages_context.query().private_quantile(dp.max_divergence(), candidates, 0.5).release()
# A histogram over the declared categories; a value outside them would be counted in a last, "other" bin.
dp_histogram = departments_context.query().count_by_categories(categories=DEPARTMENTS).laplace().release()

print(f"count: true {len(ages)}, DP {dp_count}")
print(f"sum of ages: true {sum(ages)}, DP {dp_sum}")
print(f"mean age from the two releases: {dp_sum / dp_count:.1f} (true {sum(ages) / len(ages):.1f})")
print(f"median age: true {statistics.median(ages):.0f}, DP {dp_median}")
for department, noisy in zip([*DEPARTMENTS, "other"], dp_histogram, strict=True):
    print(f"  {department:<12} true {departments.count(department):>4}, DP {noisy:>4}")
spent = [*ages_context.current_privacy_loss(), *departments_context.current_privacy_loss()]  # one per query
print(f"privacy budget spent: epsilon {sum(spent):.2f} over {len(spent)} queries")
