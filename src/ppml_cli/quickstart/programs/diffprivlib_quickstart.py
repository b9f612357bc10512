"""Differentially private statistics and a DP logistic regression with IBM's diffprivlib.

Synthetic data, CPU only, a few seconds.
"""

import numpy as np
from diffprivlib import BudgetAccountant
from diffprivlib import tools as dp_tools
from diffprivlib.models import LogisticRegression
from sklearn.linear_model import LogisticRegression as PlainLogisticRegression

rng = np.random.default_rng(0)

# 5,000 synthetic people: age and income, and whether they bought something.
age = rng.uniform(18, 90, size=5000)
income = rng.normal(40_000 + 500 * (age - 18), 8_000)
bought = (income + rng.normal(0, 8_000, size=5000) > 55_000).astype(int)

# One accountant tracks every query: the total privacy budget is epsilon = 3.
accountant = BudgetAccountant(epsilon=3.0)

# A DP mean needs bounds on the data: values outside them are clipped.
dp_mean_age = dp_tools.mean(age, epsilon=0.5, bounds=(18, 90), accountant=accountant, random_state=1)
print(f"mean age: true {age.mean():.2f}, DP {dp_mean_age:.2f} (epsilon 0.5)")

# A DP logistic regression: data_norm bounds each row's L2 norm, so scale first.
features = np.column_stack([(age - 18) / 72, (income - 20_000) / 100_000])
features = np.clip(features, 0, 1)
model = LogisticRegression(epsilon=2.0, data_norm=np.sqrt(2), accountant=accountant, random_state=1)
model.fit(features, bought)
plain = PlainLogisticRegression().fit(features, bought)
print(f"accuracy: DP model {model.score(features, bought):.1%} (epsilon 2.0)")
print(f"accuracy: non-private model {plain.score(features, bought):.1%}")

spent_epsilon, _ = accountant.total()
print(f"privacy budget spent: epsilon {spent_epsilon:.1f} of {accountant.epsilon:.1f}")
