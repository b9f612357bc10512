"""Differentially private synthetic data with SmartNoise Synth's MST, on a domain declared in public.

MST measures every one-way marginal and a tree of two-way marginals with Gaussian
noise, then samples a table consistent with them: the release is (epsilon, delta)-DP.
The domain (every category value, and the age bounds) is written down from public
knowledge, never read from the private table: which values occur in the data is
itself private, and inferring it from the data is not covered by the DP guarantee.
Synthetic "private" data, CPU only, under a minute.
"""

import numpy as np
import pandas as pd
from snsynth import Synthesizer
from snsynth.transform import BinTransformer, LabelTransformer, TableTransformer

# The public domain: what a column can hold, from a data dictionary, not from the data.
DOMAIN = {
    "age": (18, 90),  # bounds, cut into 8 equal bins
    "smoker": ["no", "yes"],
    "region": ["north", "south", "east", "west"],
    "condition": ["none", "copd", "asthma", "other"],  # "other" is possible though nobody here has it
}

rng = np.random.default_rng(0)
n = 5000
age = rng.integers(18, 91, n)
smoker = np.where(rng.random(n) < np.where(age < 35, 0.3, 0.15), "yes", "no")
region = rng.choice(DOMAIN["region"], n, p=[0.4, 0.3, 0.2, 0.1])
sick = rng.random(n) < np.where(smoker == "yes", 0.45, 0.1)
condition = np.where(sick, rng.choice(["copd", "asthma"], n, p=[0.6, 0.4]), "none")
private = pd.DataFrame({"age": age, "smoker": smoker, "region": region, "condition": condition})


def declared(values: list[str]) -> LabelTransformer:
    transformer = LabelTransformer(nullable=False)
    transformer.fit(values)  # fitted on the declared values only
    return transformer


low, high = DOMAIN["age"]
ages = BinTransformer(lower=low, upper=high, bins=8, nullable=False)
ages.fit([low, high])  # bounds given, so no budget is spent finding them
transformer = TableTransformer(
    [ages, declared(DOMAIN["smoker"]), declared(DOMAIN["region"]), declared(DOMAIN["condition"])]
)
assert transformer.fit_complete  # the synthesizer will not look at the data to build the domain

synthesizer = Synthesizer.create("mst", epsilon=1.0, delta=1e-6)
synthesizer.fit(private, transformer=transformer, preprocessor_eps=0.0)
synthetic = synthesizer.sample(n)
print(f"{len(synthetic)} synthetic rows from MST at (epsilon=1.0, delta=1e-6), for example:")
print(synthetic.head(3).to_string(index=False))


def shares(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].value_counts(normalize=True).reindex(DOMAIN[column], fill_value=0.0)


for column in ["smoker", "region", "condition"]:
    table = pd.DataFrame({"private": shares(private, column), "synthetic": shares(synthetic, column)})
    print(f"\nshare of each {column}:\n{table.round(3).to_string()}")
real_pairs = pd.crosstab(private["smoker"], private["condition"], normalize="index")
fake_pairs = pd.crosstab(synthetic["smoker"], synthetic["condition"], normalize="index")
fake_pairs = fake_pairs.reindex(index=real_pairs.index, columns=real_pairs.columns, fill_value=0.0)
for who, flag in [("smokers", "yes"), ("non-smokers", "no")]:
    print(
        f"share of {who} with a condition: private {1 - real_pairs.loc[flag, 'none']:.2f},"
        f" synthetic {1 - fake_pairs.loc[flag, 'none']:.2f}"
    )
gap = (shares(private, "condition") - shares(synthetic, "condition")).abs().sum() / 2
print(f"total variation distance of the condition marginal: {gap:.3f}")
