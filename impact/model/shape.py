"""The recovery shape after restoration, written once: a(u) and its three factors.

The model (`impact.model.core`) integrates these in closed form; the activity-path chart and
the recovery calibration (`impact.calibration`) evaluate them pointwise. Every argument
broadcasts, so a column of trials against a row of times gives a trials × times array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["activity", "away_share", "engagement_gap", "latency_gap"]

FloatArray = NDArray[np.float64]


def engagement_gap(u: ArrayLike, drop: ArrayLike, half_life_hours: ArrayLike) -> FloatArray:
    """ge(u) = ae · 2^(−u/he): the engagement gap, halving every `half_life_hours`."""
    return np.asarray(drop, dtype=float) * np.exp2(-np.asarray(u, dtype=float) / half_life_hours)


def latency_gap(u: ArrayLike, quality_drop: ArrayLike, latency_hours: ArrayLike) -> FloatArray:
    """ga(u) = aq · max(0, 1 − u/L): the quality gap, closing linearly over L (0 when L = 0).

    >>> latency_gap([0.0, 12.0, 48.0], 0.1, 24.0).round(3).tolist()
    [0.1, 0.05, 0.0]
    """
    u = np.asarray(u, dtype=float)
    L = np.asarray(latency_hours, dtype=float)
    tiny = np.finfo(np.float64).tiny  # subnormal L: 1/L overflows; it counts as none
    drop = np.asarray(quality_drop, dtype=float)
    if L.min(initial=np.inf) >= tiny:  # the usual case, without the passes of np.where
        return np.asarray(drop * np.maximum(0.0, 1.0 - u / L))
    has = np.greater_equal(L, tiny)
    ramp = np.maximum(0.0, 1.0 - u / np.where(has, L, 1.0))
    return np.where(has, drop * ramp, 0.0)


def away_share(
    u: ArrayLike, churn: ArrayLike, return_share: ArrayLike, return_after_hours: ArrayLike
) -> FloatArray:
    """c(u) = p · ((1 − ρu) + ρu · [u < Tr]): users away u hours after restoration."""
    back = np.asarray(u, dtype=float) < np.asarray(return_after_hours, dtype=float)
    rho = np.asarray(return_share, dtype=float)
    return np.asarray(churn, dtype=float) * ((1.0 - rho) + rho * back)


def activity(
    u: ArrayLike,
    drop: ArrayLike,
    half_life_hours: ArrayLike,
    quality_drop: ArrayLike = 0.0,
    latency_hours: ArrayLike = 0.0,
    churn: ArrayLike = 0.0,
    return_share: ArrayLike = 0.0,
    return_after_hours: ArrayLike = 0.0,
) -> FloatArray:
    """a(u) = (1 − c(u)) · (1 − ge(u)) · (1 − ga(u)): activity relative to normal.

    >>> activity([0.0, 36.0], 0.2, 36.0).round(3).tolist()
    [0.8, 0.9]
    """
    away = away_share(u, churn, return_share, return_after_hours)
    g_e = engagement_gap(u, drop, half_life_hours)
    g_a = latency_gap(u, quality_drop, latency_hours)
    return np.asarray((1.0 - away) * (1.0 - g_e) * (1.0 - g_a))
