"""What the model implies for each catalogued observation, its likelihood and its percentile.

For one case (its duration D and severity S) and a sample of after-effect inputs, the model's
own functions (`impact.model.core.activity` and `users_away`) give a(u) and c(u) at the
observation hours; each kind of observation (`impact.calibration.recoveries.KINDS`) then reads
them with a normal measurement error of sd σ on the observed relative gap y:

- bracket, c ≤ dip ≤ G with G = 1 − a: two bounds, each with the measurement's error, as
  `[evidence]` weighs a daily-user dip (`<=` and `>=`): Φ((y − c)/σ)·Φ((G − y)/σ);
- away_at_most, c ≤ dip: Φ((y − c)/σ); gap_at_most, G ≤ gap: Φ((y − G)/σ);
- gap (and gap_present, with G = 1 − a/(1 − c)): the normal density of y − G, scaled to a peak
  of 1 (a likelihood ratio, as `[evidence]` does). The point readings of one case taken from
  one page (TikTok 2025's hourly DNS readings, relayed by one aggregator) share their source's
  error: they are jointly normal with correlation `SAME_SOURCE_CORRELATION`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from impact.model.core import activity, users_away

__all__ = ["implied", "log_likelihood", "percentile", "point_precision"]

FloatArray = NDArray[np.float64]
# Inputs of the model that no after-effect observation reads (revenue, horizon, creators) and
# deferred demand, which calibration takes as ψ = 0 (docs/model.md): values without effect.
_FIXED = {
    "revenue.hourly_loss": 1.0,
    "horizon.hours": 2160.0,
    "users.count": 1.0,
    "revenue.deferred_share": 0.0,
}
_LOG_FLOOR = 1e-300
# Readings of one case from one page share the page's (panel's, aggregator's) error: half of
# their variance, an assumption (a shared part of 1.5-3 points per reading, docs/model.md).
SAME_SOURCE_CORRELATION = 0.5
_POINTS = ("gap", "gap_present")


def implied(
    theta: Mapping[str, FloatArray], hours: FloatArray, duration: float, severity: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(c, G): users away c(u) and the activity gap 1 − a(u), trials × observation hours."""
    inputs: dict[str, FloatArray | float] = {**_FIXED, **theta}
    inputs["outage.hours"] = duration
    inputs["outage.severity"] = severity
    u = np.asarray(hours, dtype=float)
    gap = 1.0 - activity(inputs, u)
    away = users_away(inputs, u)
    return away, gap


def _gap_present(away: FloatArray, gap: FloatArray) -> FloatArray:
    """1 − a/(1 − c): the gap among the users present (0 where everyone is away)."""
    present = 1.0 - away
    safe = np.where(present > 0, present, 1.0)
    return np.where(present > 0, 1.0 - (1.0 - gap) / safe, 0.0)


def point_precision(observations: pd.DataFrame) -> FloatArray:
    """The inverse covariance of a case's point readings (`gap`, `gap_present`), in order:
    sd_j·sd_k·ρ between two readings of the same page, 0 between pages."""
    points = observations[observations["kind"].isin(_POINTS)]
    sd = points["sd"].to_numpy(dtype=float)
    source = points["source_url"].to_numpy()
    corr = np.where(source[:, None] == source[None, :], SAME_SOURCE_CORRELATION, 0.0)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(np.linalg.inv(corr * np.outer(sd, sd)), dtype=float)


def log_likelihood(observations: pd.DataFrame, away: FloatArray, gap: FloatArray) -> FloatArray:
    """The log-likelihood of each trial (trials,) given all of a case's observations."""
    total = np.zeros(away.shape[0])
    residuals = []
    for j, (_, obs) in enumerate(observations.iterrows()):
        y, sd, kind = float(obs["observed"]), float(obs["sd"]), str(obs["kind"])
        c, g = away[:, j], gap[:, j]
        if kind in _POINTS:
            level = _gap_present(c, g) if kind == "gap_present" else g
            residuals.append(level - y)
            continue
        like = special.ndtr((y - c) / sd) if kind != "gap_at_most" else special.ndtr((y - g) / sd)
        if kind == "bracket":
            like = like * special.ndtr((g - y) / sd)
        total += np.log(np.maximum(like, _LOG_FLOOR))
    if residuals:
        r = np.column_stack(residuals)
        total -= 0.5 * np.einsum("ni,ij,nj->n", r, point_precision(observations), r)
    return total


def _uniform_shift_cdf(y: float, low: FloatArray, high: FloatArray, sd: float) -> FloatArray:
    """P(X + ε ≤ y) for X uniform on [low, high] and ε ~ N(0, sd²), in closed form.

    With Ψ(x) = x·Φ(x) + φ(x) (so Ψ' = Φ), the mean of Φ((y − t)/sd) over t in [low, high] is
    sd/(high − low)·[Ψ((y − low)/sd) − Ψ((y − high)/sd)]; a bracket of width 0 is Φ((y − low)/sd).
    """
    width = high - low

    def psi(x: FloatArray) -> FloatArray:
        return np.asarray(x * special.ndtr(x) + np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))

    point = special.ndtr((y - low) / sd)
    wide = width > 1e-9 * sd
    safe = np.where(wide, width, 1.0)
    spread = sd / safe * (psi((y - low) / sd) - psi((y - high) / sd))
    return np.asarray(np.where(wide, spread, point), dtype=float)


def percentile(
    kind: str, y: float, sd: float, away: FloatArray, gap: FloatArray, weights: FloatArray
) -> float:
    """The percentile (0–100) of the observed value y in what the model predicts it to be.

    The prediction adds the measurement error to the quantity observed. A bracket's dip is
    placed uniformly between c and 1 − a (the model says only that it lies in between), a
    bound's value against the quantity it bounds (c for away_at_most, 1 − a for gap_at_most).
    """
    if kind == "bracket":
        below = _uniform_shift_cdf(y, away, gap, sd)
    else:
        level = {"away_at_most": away, "gap_present": _gap_present(away, gap)}.get(kind, gap)
        below = special.ndtr((y - level) / sd)
    return float(100.0 * np.sum(weights * below) / np.sum(weights))
