"""Objective-perturbation logistic regression with diffprivlib on digits, at each epsilon and
without DP (scikit-learn's LogisticRegression with the same settings); then the loss-threshold
attack. diffprivlib's model is pure epsilon-DP (delta 0); rows have norm 1, hence data_norm=1.
"""

import warnings

from diffprivlib.models import LogisticRegression as DPLogisticRegression
from sklearn.linear_model import LogisticRegression

from evalkit import EPSILONS, cross_entropy, digits_split, measured, membership_attack, report_training, seeds

warnings.filterwarnings("ignore")
X_train, X_test, y_train, y_test = digits_split()

rows = []
for epsilon in [None, *EPSILONS]:
    reps = []
    for seed in seeds():
        with measured() as run:
            if epsilon is None:
                model = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(X_train, y_train)
            else:
                model = DPLogisticRegression(epsilon=epsilon, data_norm=1.0, C=1.0, max_iter=1000, random_state=seed)
                model.fit(X_train, y_train)
        accuracy = float((model.predict(X_test) == y_test).mean())
        members, others = model.predict_proba(X_train), model.predict_proba(X_test)
        auc, tpr = membership_attack(cross_entropy(members, y_train), cross_entropy(others, y_test))
        reps.append((accuracy, run.seconds, run.peak_mib, auc, tpr))
    rows.append((epsilon, reps))
report_training(rows)
