"""Draw the evaluation curves: `python plot.py results.json DIR` (matplotlib, no display).

Each point is the mean of its repetitions; the bars are the 95% interval.
The non-private model of a tool is a dashed line of the same colour.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

results = [
    r for r in json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if r["status"] == "ok" and not r["quick"]
]
out = Path(sys.argv[2])


def curves(family, metric, **fixed):
    """{tool: ([epsilon], [mean], [half interval], baseline mean or None)} for one metric."""
    found = {}
    for result in (r for r in results if r["family"] == family):
        points, baseline = [], None
        for m in result["measurements"]:
            if m["metric"] != metric or any(m["setting"].get(k) != v for k, v in fixed.items()):
                continue
            half = (m["ci95"][1] - m["ci95"][0]) / 2 if m["ci95"] else 0.0
            if m["setting"].get("epsilon") is None:
                baseline = m["mean"]
            else:
                points.append((m["setting"]["epsilon"], m["mean"], half))
        if points:
            points.sort()
            found[result["tool"]] = ([p[0] for p in points], [p[1] for p in points], [p[2] for p in points], baseline)
    return found


def panel(axis, found, ylabel, title, log_y=False):
    for n, (tool, (eps, mean, half, baseline)) in enumerate(sorted(found.items())):
        colour = f"C{n}"
        axis.errorbar(eps, mean, yerr=half, marker="o", capsize=3, color=colour, label=tool)
        if baseline is not None:
            axis.axhline(baseline, linestyle="--", color=colour, linewidth=1, label=f"{tool}, no DP")
    axis.set_xscale("log", base=2)
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel("epsilon")
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)


def save(figure, name):
    figure.tight_layout()
    figure.savefig(out / name, dpi=80)
    plt.close(figure)


training = curves("dp-training", "accuracy")
if training:
    figure, axis = plt.subplots(figsize=(6, 4))
    panel(axis, training, "test accuracy", "DP training: logistic regression on digits (delta 1e-5)")
    save(figure, "privacy-utility.png")

auc, tpr = curves("empirical-privacy", "attack_auc"), curves("empirical-privacy", "attack_tpr_at_5pct_fpr")
if auc:
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    panel(left, auc, "attack ROC AUC", "membership inference: AUC (0.5 = guessing)")
    panel(right, tpr, "TPR at 5% FPR", "membership inference: TPR at 5% FPR")
    save(figure, "attack.png")

queries = ("count", "sum", "mean", "histogram")
if any(curves("dp-aggregates", "abs_error", query=q) for q in queries):
    figure, axes = plt.subplots(1, 4, figsize=(12, 3.2))
    for axis, query in zip(axes, queries):
        panel(axis, curves("dp-aggregates", "abs_error", query=query), "absolute error", f"DP {query}", log_y=True)
    save(figure, "aggregates.png")

accountants = [
    (f"{r['tool']} {m['setting']['accountant']}", m["mean"])
    for r in results
    if r["family"] == "accountants"
    for m in r["measurements"]
    if m["metric"] == "epsilon"
]
if accountants:
    figure, axis = plt.subplots(figsize=(6, 3.2))
    axis.barh([a[0] for a in accountants], [a[1] for a in accountants], color="C0")
    axis.set_xlabel("epsilon at delta 1e-5")
    axis.set_title("one DP-SGD schedule, each accountant's epsilon", fontsize=10)
    save(figure, "accountants.png")
