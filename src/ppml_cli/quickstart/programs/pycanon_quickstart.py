"""Check a table's k-anonymity, l-diversity and t-closeness with pyCANON, before and after generalising it.

Synthetic data, CPU only, a few seconds.
"""

import numpy as np
import pandas as pd
from pycanon import anonymity

rng = np.random.default_rng(0)
n = 2000
raw = pd.DataFrame(
    {
        "age": rng.integers(18, 90, n),
        "zip": rng.integers(10_000, 10_100, n).astype(str),
        "sex": rng.choice(["F", "M"], n),
        "diagnosis": rng.choice(["none", "asthma", "diabetes", "flu"], n, p=[0.55, 0.15, 0.15, 0.15]),
    }
)
quasi_identifiers = ["age", "zip", "sex"]  # what an attacker could link to other data
sensitive = ["diagnosis"]

# Generalise: ages to 20-year bands, ZIP codes to their first three digits, sex kept.
released = raw.copy()
released["age"] = (raw["age"] // 20 * 20).astype(str) + "-" + (raw["age"] // 20 * 20 + 19).astype(str)
released["zip"] = raw["zip"].str[:3] + "**"

for name, table in [("raw table", raw), ("generalised table", released)]:
    k = anonymity.k_anonymity(table, quasi_identifiers)
    l_div = anonymity.l_diversity(table, quasi_identifiers, sensitive)
    t = anonymity.t_closeness(table, quasi_identifiers, sensitive)
    print(f"{name:<18} k-anonymity {k:>3}, l-diversity {l_div}, t-closeness {t:.3f}")
print("k: the smallest group sharing the same quasi-identifiers; l: distinct diagnoses in the")
print("least diverse group; t: the largest distance between a group's and the table's diagnoses")
