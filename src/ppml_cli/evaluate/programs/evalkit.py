"""What every evaluation program shares: its settings, its data, and how it reports.

`ppml evaluate` copies this file beside the program into a fresh virtual
environment and runs `python PROGRAM settings.json`. A program prints one JSON
line per measurement (a metric at one setting, a value per repetition) and
nothing else on stdout; logs go to stderr. Data is generated or ships with
scikit-learn: nothing is downloaded while it runs.
"""

import json
import sys
import time

SETTINGS = json.loads(open(sys.argv[1], encoding="utf-8").read()) if len(sys.argv) > 1 else {}
EPSILONS = SETTINGS.get("epsilons", [1.0])
REPS = SETTINGS.get("reps", 1)
SEED = SETTINGS.get("seed", 0)
DELTA = SETTINGS.get("delta", 1e-5)


def seeds():
    """One seed per repetition: repetition r uses SEED + r."""
    return [SEED + r for r in range(REPS)]


def emit(metric, values, **setting):
    """Report a metric at a setting: one value per repetition."""
    print(json.dumps({"metric": metric, "setting": setting, "values": [float(v) for v in values]}), flush=True)


def _peak_rss_mib():
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return float("nan")


class measured:
    """Wall time (seconds) and peak resident memory of the process (MiB) while a block runs.

    On Linux the peak is reset before the block (writing 5 to /proc/self/clear_refs), so it
    is the block's own high-water mark, PyTorch's allocations included; elsewhere it is nan.
    """

    def __enter__(self):
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
                refs.write("5")
        except OSError:
            pass
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.peak_mib = _peak_rss_mib()
        return False


# ---- family data, the same for every tool of a family


def aggregates_data():
    """Family dp-aggregates: 10,000 skewed incomes in [0, 100] and a category of 8 per row (fixed seed)."""
    import numpy as np

    rng = np.random.default_rng(20260101)
    values = np.clip(rng.gamma(2.0, 12.0, 10_000), 0, 100).round(2).tolist()
    groups = rng.integers(0, 8, 10_000).tolist()
    return values, groups


def digits_split():
    """Families dp-training and empirical-privacy: sklearn's digits, scaled to unit rows, halved
    into members (training set) and non-members (test set), the same halves for every tool."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)  # each row has norm 1
    return train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


def membership_attack(member_losses, nonmember_losses):
    """The loss-threshold membership-inference attack (Yeom et al. 2018): a lower loss says member.

    Returns the attack's ROC AUC (Mann-Whitney, ties counted as half) and its true-positive rate
    at a 5% false-positive rate (the best threshold whose false-positive rate is at most 5%).
    """
    import numpy as np

    members, others = -np.asarray(member_losses, dtype=float), -np.asarray(nonmember_losses, dtype=float)
    scores = np.concatenate([members, others])
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # tied scores share their mean rank
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    auc = (ranks[: len(members)].sum() - len(members) * (len(members) + 1) / 2) / (len(members) * len(others))
    tpr_at = 0.0
    for threshold in np.unique(scores):
        if (others >= threshold).mean() <= 0.05:
            tpr_at = max(tpr_at, float((members >= threshold).mean()))
    return float(auc), tpr_at


def cross_entropy(probabilities, labels):
    import numpy as np

    picked = np.asarray(probabilities)[np.arange(len(labels)), np.asarray(labels)]
    return -np.log(np.clip(picked, 1e-12, 1.0))


def report_training(rows):
    """rows: (epsilon or "none", [(accuracy, seconds, peak_mib, auc, tpr_at_5pct_fpr) per rep])."""
    for epsilon, reps in rows:
        accuracy, seconds, peak, auc, tpr = zip(*reps)
        emit("accuracy", accuracy, epsilon=epsilon)
        emit("train_seconds", seconds, epsilon=epsilon)
        emit("peak_mib", peak, epsilon=epsilon)
        emit("attack_auc", auc, epsilon=epsilon)
        emit("attack_tpr_at_5pct_fpr", tpr, epsilon=epsilon)


def synthetic_data():
    """Family synthetic-data: sklearn's breast-cancer set, 8 features cut into 5 quantile bins plus
    the diagnosis, all categorical; 400 rows to train on, the remaining 169 held out."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.iloc[:, :8].copy()
    for column in frame.columns:
        frame[column] = pd.qcut(frame[column], 5, labels=False, duplicates="drop").astype(int)
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    frame["diagnosis"] = data.target.astype(int)
    shuffled = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    return shuffled.iloc[:400].reset_index(drop=True), shuffled.iloc[400:].reset_index(drop=True)


def score_synthetic(train, holdout, synthetic, seed):
    """Fidelity (SDMetrics quality score), utility (train on synthetic, test on real holdout:
    accuracy of a random forest predicting the diagnosis) and Anonymeter's three risks."""
    import warnings

    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator
    from sdmetrics.reports.single_table import QualityReport
    from sklearn.ensemble import RandomForestClassifier

    warnings.filterwarnings("ignore")
    synthetic = synthetic[train.columns].astype(int)
    metadata = {"columns": {c: {"sdtype": "categorical"} for c in train.columns}}
    report = QualityReport()
    report.generate(train, synthetic, metadata, verbose=False)
    features = [c for c in train.columns if c != "diagnosis"]
    model = RandomForestClassifier(n_estimators=50, random_state=seed).fit(synthetic[features], synthetic["diagnosis"])
    utility = float((model.predict(holdout[features]) == holdout["diagnosis"]).mean())
    singling = SinglingOutEvaluator(ori=train, syn=synthetic, control=holdout, n_attacks=100).evaluate(
        mode="univariate"
    )
    half = len(features) // 2
    aux = (features[:half], features[half:])
    linkability = LinkabilityEvaluator(
        ori=train, syn=synthetic, control=holdout, n_attacks=100, aux_cols=aux
    ).evaluate()
    inference = InferenceEvaluator(
        ori=train, syn=synthetic, control=holdout, aux_cols=features, secret="diagnosis", n_attacks=100
    ).evaluate()
    return {
        "quality_score": report.get_score(),
        "tstr_accuracy": utility,
        "singling_out_risk": singling.risk().value,
        "linkability_risk": linkability.risk().value,
        "inference_risk": inference.risk().value,
    }


def report_synthetic(rows):
    """rows: (setting dict, [metrics dict per rep])."""
    for setting, reps in rows:
        for metric in reps[0]:
            emit(metric, [r[metric] for r in reps], **setting)


# ---- accountants: one fixed DP-SGD schedule
SCHEDULE = {"sampling_rate": 256 / 60_000, "noise_multiplier": 1.1, "steps": 2_343, "delta": 1e-5}


def inference_task():
    """Family encrypted-inference: a logistic regression trained in the clear (scikit-learn) on
    breast-cancer, standardised; the first 100 test rows are classified encrypted and in the clear."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(X_train), y_train)
    return model, scaler.transform(X_test)[:100], y_test[:100]


def report_inference(model, X, y, encrypted_scores, seconds_per_row):
    """Accuracy in the clear and encrypted, how often they agree, and latency per row (ms)."""
    import numpy as np

    clear = model.predict(X)
    encrypted = (np.asarray(encrypted_scores) > 0).astype(int)
    emit("clear_accuracy", [float((clear == y).mean())])
    emit("encrypted_accuracy", [float((encrypted == y).mean())])
    emit("agreement", [float((encrypted == clear).mean())])
    emit("ms_per_row", [1000 * s for s in seconds_per_row])
