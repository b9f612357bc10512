"""Summaries of repeated measurements: the mean and its 95% interval (Student's t).

No SciPy: the two-sided 97.5% quantiles of t for 1 to 30 degrees of freedom are
tabulated; beyond 30 the normal quantile (1.96) is close enough for a summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: t quantile (0.975) by degrees of freedom.
T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip

#: Digits kept in stored summaries (they are recomputed from the raw values and compared at this precision).
DIGITS = 6


def t975(df: int) -> float:
    return T975[df - 1] if df <= len(T975) else 1.96


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def stdev(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    centre = mean(values)
    return math.sqrt(math.fsum((v - centre) ** 2 for v in values) / (len(values) - 1))


def interval(values: Sequence[float]) -> tuple[float, float] | None:
    """The 95% confidence interval of the mean; None for a single value."""
    if len(values) < 2:
        return None
    half = t975(len(values) - 1) * stdev(values) / math.sqrt(len(values))
    centre = mean(values)
    return (centre - half, centre + half)


def t_within(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with ``df`` degrees of freedom (Abramowitz & Stegun 26.7.3-4)."""
    theta = math.atan(abs(t) / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    if df % 2 == 0:  # sin(θ)·Σ_k b_k cos^2k(θ), b_0 = 1, b_k = b_(k-1)·(2k-1)/(2k), k < df/2
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= (2 * k - 1) / (2 * k) * cos2
            total += term
        return math.sin(theta) * total
    if df == 1:
        return 2 * theta / math.pi
    term, total = math.cos(theta), math.cos(theta)  # (2/π)(θ + sin(θ)·Σ_k a_k cos^(2k+1)(θ))
    for k in range(1, (df - 1) // 2):
        term *= 2 * k / (2 * k + 1) * cos2
        total += term
    return 2 / math.pi * (theta + math.sin(theta) * total)


def t_quantile(level: float, df: int) -> float:
    """The t such that P(|T| <= t) = level (two-sided), by bisection: t_quantile(0.95, 4) = 2.776."""
    low, high = 0.0, 1e7
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if t_within(middle, df) < level else (low, middle)
    return (low + high) / 2


def prediction_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float] | None:
    """Where one new repetition should fall (``level``, 95% by default): mean ± t·s·√(1 + 1/n);
    None for a single value."""
    if len(values) < 2:
        return None
    t = t975(len(values) - 1) if level == 0.95 else t_quantile(level, len(values) - 1)
    half = t * stdev(values) * math.sqrt(1 + 1 / len(values))
    centre = mean(values)
    return (centre - half, centre + half)


def rounded(value: float) -> float:
    """A summary number as stored: 6 significant digits."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{DIGITS}g}")
