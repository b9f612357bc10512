"""Score the privacy of a synthetic table with SDMetrics: distance to closest record and disclosure risk.

Two candidate releases are compared: a leaky one (real training rows with a
little noise) and one drawn independently of the real people. CPU only, seconds.
"""

import numpy as np
import pandas as pd
from sdmetrics.single_table import DCROverfittingProtection, DisclosureProtection

rng = np.random.default_rng(0)


def people(n: int) -> pd.DataFrame:
    age = rng.integers(18, 90, n)
    return pd.DataFrame(
        {
            "age": age,
            "income": (rng.normal(30_000, 9_000, n) + 400 * age).round(-2),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "diagnosis": rng.choice(["none", "asthma", "diabetes", "flu"], n, p=[0.6, 0.15, 0.1, 0.15]),
        }
    )


training = people(1000)  # the rows a synthesizer was trained on
holdout = people(1000)  # real rows it never saw
metadata = {
    "columns": {
        "age": {"sdtype": "numerical"},
        "income": {"sdtype": "numerical"},
        "region": {"sdtype": "categorical"},
        "diagnosis": {"sdtype": "categorical"},
    }
}

leaky = training.copy()
leaky["income"] = leaky["income"] + rng.normal(0, 200, len(leaky)).round(-2)
releases = {"leaky copy": leaky, "independent sample": people(1000)}

for name, synthetic in releases.items():
    # Are synthetic rows closer to the training rows than to unseen real rows? 1.0 = no more than chance.
    dcr = DCROverfittingProtection.compute_breakdown(
        real_training_data=training,
        synthetic_data=synthetic,
        real_validation_data=holdout,
        metadata=metadata,
        table_name=None,
    )
    # Can an attacker who knows age, income and region guess the diagnosis from the release?
    # 1.0 = no better than guessing from the overall distribution.
    disclosure = DisclosureProtection.compute(
        real_data=training,
        synthetic_data=synthetic,
        known_column_names=["age", "income", "region"],
        sensitive_column_names=["diagnosis"],
        continuous_column_names=["age", "income"],
        num_discrete_bins=50,
    )
    print(
        f"{name:<19} DCR overfitting protection {dcr['score']:.2f}"
        f" ({dcr['synthetic_data_percentages']['closer_to_training']:.0%} of rows closer to training data),"
        f" disclosure protection {disclosure:.2f}"
    )
print("scores run from 0 (the release exposes its training rows) to 1 (no more than unseen data would)")
