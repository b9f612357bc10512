"""Synthetic data with SDV's Gaussian copula (no DP), scored for fidelity, utility and
Anonymeter's risks against the same real table: the non-private reference of the family."""

import random
import warnings

import numpy as np
from sdv.metadata import Metadata
from sdv.single_table import GaussianCopulaSynthesizer

from evalkit import report_synthetic, score_synthetic, seeds, synthetic_data

warnings.filterwarnings("ignore")
train, holdout = synthetic_data()
metadata = Metadata.load_from_dict(
    {"tables": {"table": {"columns": {c: {"sdtype": "categorical"} for c in train.columns}}}}
)

reps = []
for seed in seeds():
    random.seed(seed)
    np.random.seed(seed)
    model = GaussianCopulaSynthesizer(metadata)
    model.fit(train.astype(str))
    synthetic = model.sample(len(train)).astype(int)
    reps.append(score_synthetic(train, holdout, synthetic, seed))
report_synthetic([({"synthesizer": "gaussian-copula", "epsilon": None}, reps)])
