"""Revenue over an outage window under a weekly profile, in closed form from its cumulative sum.

With hourly weights w[0..167] (Monday 00:00 first, mean 1) the revenue-weighted hours between
two instants are differences of W(x) = ∫0^x w: whole weeks count the week's sum, the remainder
the cumulative sum up to its hour plus a linear share of that hour. Vectorised over trials;
the only arrays are the 169 cumulative sums.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["WEEK_HOURS", "cumulative", "window_hours"]

FloatArray = NDArray[np.float64]
WEEK_HOURS = 168


def cumulative(weights: ArrayLike, x: ArrayLike) -> FloatArray:
    """W(x): the weighted hours from Monday 00:00 of the first week to `x` hours later (x ≥ 0).

    >>> w = np.r_[np.full(84, 2.0), np.zeros(84)]
    >>> cumulative(w, [0, 1.5, 84, 100, 168, 169]).tolist()
    [0.0, 3.0, 168.0, 168.0, 168.0, 170.0]
    """
    w = np.asarray(weights, dtype=float)
    cum = np.concatenate(([0.0], np.cumsum(w)))
    x = np.asarray(x, dtype=float)
    weeks = np.floor(x / WEEK_HOURS)
    rest = np.clip(x - weeks * WEEK_HOURS, 0.0, float(WEEK_HOURS))
    hour = np.minimum(rest.astype(np.int64), WEEK_HOURS - 1)
    return np.asarray(weeks * cum[-1] + cum[hour] + w[hour] * (rest - hour))


def window_hours(weights: ArrayLike, onset: ArrayLike, hours: ArrayLike) -> FloatArray:
    """∫ w over [onset, onset + hours): the weighted hours of an outage starting at `onset`
    (hours since Monday 00:00, taken modulo a week) and lasting `hours`.

    >>> w = np.r_[np.full(84, 2.0), np.zeros(84)]
    >>> window_hours(w, [80, 160, 0], [10, 10, 400]).tolist()
    [8.0, 4.0, 464.0]
    """
    start = np.mod(np.asarray(onset, dtype=float), WEEK_HOURS)
    return cumulative(weights, start + np.asarray(hours, dtype=float)) - cumulative(weights, start)
