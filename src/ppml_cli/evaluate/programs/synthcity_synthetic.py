"""DP synthetic data with synthcity's PrivBayes at each epsilon, scored for fidelity, utility and
Anonymeter's risks against the same real table."""

import random
import warnings

import numpy as np
from synthcity.plugins import Plugins
from synthcity.plugins.core.dataloader import GenericDataLoader

from evalkit import EPSILONS, report_synthetic, score_synthetic, seeds, synthetic_data

warnings.filterwarnings("ignore")
train, holdout = synthetic_data()

rows = []
for epsilon in EPSILONS:
    reps = []
    for seed in seeds():
        random.seed(seed)
        np.random.seed(seed)
        model = Plugins().get("privbayes", epsilon=epsilon, random_state=seed)
        model.fit(GenericDataLoader(train))
        synthetic = model.generate(count=len(train)).dataframe()
        reps.append(score_synthetic(train, holdout, synthetic, seed))
    rows.append(({"synthesizer": "privbayes", "epsilon": epsilon}, reps))
report_synthetic(rows)
