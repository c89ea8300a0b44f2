"""Revenue over an outage window under a weekly profile, in closed form from its cumulative sum.

With hourly weights w[0..167] (Monday 00:00 first, mean 1) the revenue-weighted hours between
two instants are differences of W(x) = ∫0^x w: whole weeks count the week's sum, the remainder
the cumulative sum up to its hour plus a linear share of that hour. Vectorised over trials;
the only arrays are the 169 cumulative sums.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["WEEK_HOURS", "cumulative", "discounted_window_hours", "window_hours"]

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


def discounted_window_hours(
    weights: ArrayLike, onset: ArrayLike, hours: ArrayLike, tau: ArrayLike
) -> FloatArray:
    """∫0^D w(o + t)·e^(−(D − t)/τ) dt: the weighted hours of the window [o, o + D), each
    discounted by how long before its end it lies (deferred demand, MODEL.md v3).

    Counted backwards from the end T = o + D, the weight is constant on each hour: a partial
    hour, then whole ones. One week back gives A = ∫0^168 w(T − s)·e^(−s/τ) ds; weeks further
    back repeat it, each e^(−168/τ) smaller, so a window of n whole weeks and r hours is
    A·(1 − e^(−168n/τ))/(1 − e^(−168/τ)) + e^(−168n/τ)·G(r), with G(r) the first r hours.
    One pass over the 169 hour-pieces of a week, vectorised over trials, gives A and G(r).

    >>> w = np.ones(168)  # a flat week: τ·(1 − e^(−D/τ))
    >>> float(discounted_window_hours(w, 5.5, 400.0, 24.0)), float(24 * -np.expm1(-400 / 24))
    (23.9999986133..., 23.9999986133...)
    """
    w = np.asarray(weights, dtype=float)
    D = np.asarray(hours, dtype=float)
    tau = np.asarray(tau, dtype=float)
    D, tau, end = np.broadcast_arrays(D, tau, np.mod(np.asarray(onset, dtype=float) + D, 168.0))
    weeks = np.floor(D / WEEK_HOURS)
    rest = D - weeks * WEEK_HOURS
    top = np.floor(end)
    frac = end - top  # the first piece back from the end is this long
    hour = top.astype(np.int64) % WEEK_HOURS
    week = np.zeros(D.shape)
    part = np.zeros(D.shape)
    lo = np.zeros(D.shape)
    for j in range(WEEK_HOURS + 1):
        hi = frac + j if j else frac
        e_lo = np.exp(-lo / tau)
        weight = w[(hour - j) % WEEK_HOURS]
        week += weight * (e_lo - np.exp(-np.minimum(hi, WEEK_HOURS) / tau))
        part += weight * (e_lo * (lo < rest) - np.exp(-np.minimum(hi, rest) / tau) * (lo < rest))
        lo = np.minimum(hi, WEEK_HOURS)
    week *= tau
    part *= tau
    step = -np.expm1(-WEEK_HOURS / tau)
    span = -np.expm1(-weeks * WEEK_HOURS / tau)
    repeats = np.where(step > 0, span / np.where(step > 0, step, 1.0), weeks)
    return np.asarray(week * repeats + np.exp(-weeks * WEEK_HOURS / tau) * part)
