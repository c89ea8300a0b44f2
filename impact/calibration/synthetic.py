"""Synthetic series around an outage with known true parameters, for examples and tests.

SYNTHETIC DATA: made up from the model, not observed. Hourly (or daily) views with a daily
and a weekly pattern, a slow trend, AR(1) noise on the log scale, an outage that removes a
share `severity` of views, then the gap of MODEL.md: (1 − ae·2^(−u/he))·(1 − q·max(0, 1 − u/L)).
A control series shares the pattern and part of the noise but not the outage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from impact.rng import RNGLike

__all__ = ["SyntheticSeries", "SyntheticTruth", "synthetic_series"]


@dataclass(frozen=True)
class SyntheticTruth:
    """The true values behind a synthetic series (hours; shares in 0..1; noise on the log scale)."""

    start: str = "2025-03-03 00:00"  # a Monday
    days: int = 56
    onset: str = "2025-04-07 09:00"  # 5 weeks in
    outage_hours: float = 14.0
    severity: float = 0.9
    drop_at_restore: float = 0.25
    half_life_hours: float = 36.0
    quality_loss: float = 0.10
    latency_hours: float = 240.0
    level: float = 100_000.0
    trend_per_week: float = 0.005
    noise_sd: float = 0.03
    noise_ar: float = 0.6
    shared_noise: float = 0.7
    control_scale: float = 0.6
    freq: str = "h"

    @property
    def restored(self) -> pd.Timestamp:
        return pd.Timestamp(self.onset) + pd.Timedelta(hours=self.outage_hours)


@dataclass(frozen=True)
class SyntheticSeries:
    """A synthetic series, the counterfactual without the outage, and the truth behind them."""

    frame: pd.DataFrame
    counterfactual: pd.Series
    truth: SyntheticTruth = field(default_factory=SyntheticTruth)

    @property
    def onset(self) -> pd.Timestamp:
        return pd.Timestamp(self.truth.onset)

    @property
    def restored(self) -> pd.Timestamp:
        return self.truth.restored

    def true_effect(self, end: pd.Timestamp | None = None) -> float:
        """Σ (observed − counterfactual) of views from the onset to `end` (default the last row)."""
        index = self.frame.index
        window = (index >= self.onset) & (index <= (end if end is not None else index[-1]))
        return float((self.frame["views"] - self.counterfactual)[window].sum())


def _ar1(n: int, sd: float, phi: float, rng: np.random.Generator) -> np.ndarray:
    shocks = rng.normal(0.0, sd, n)
    out = np.empty(n)
    out[0] = shocks[0] / math.sqrt(1 - phi**2)  # start in the stationary distribution
    for t in range(1, n):
        out[t] = phi * out[t - 1] + shocks[t]
    return out


def synthetic_series(truth: SyntheticTruth | None = None, rng: RNGLike = None) -> SyntheticSeries:
    """Draw a synthetic series around an outage with known truth.

    >>> s = synthetic_series(rng=1)
    >>> s.frame.shape, str(s.restored)
    ((1344, 2), '2025-04-07 23:00:00')
    """
    truth = truth or SyntheticTruth()
    rng = np.random.default_rng(rng)
    step = pd.Timedelta(hours=1) if truth.freq == "h" else pd.Timedelta(days=1)
    n = int(pd.Timedelta(days=truth.days) / step)
    index = pd.date_range(truth.start, periods=n, freq=step, name="time")
    hour = np.asarray(index.hour, dtype=float)
    weekend = np.asarray(index.day_of_week >= 5, dtype=float)
    weeks = np.asarray((index - index[0]) / pd.Timedelta(weeks=1), dtype=float)
    # Views peak around 20:00 and bottom out before dawn; weekends run 8% higher.
    pattern = 0.08 * weekend + truth.trend_per_week * weeks
    if truth.freq == "h":
        pattern += 0.35 * np.cos(2 * np.pi * (hour - 20) / 24)
        pattern += 0.08 * np.cos(4 * np.pi * (hour - 20) / 24)
    shared_sd = truth.noise_sd * math.sqrt(truth.shared_noise)
    own_sd = truth.noise_sd * math.sqrt(1 - truth.shared_noise)
    shared = _ar1(n, shared_sd, truth.noise_ar, rng)
    own, control_own = (_ar1(n, own_sd, truth.noise_ar, rng) for _ in range(2))
    counterfactual = truth.level * np.exp(pattern + shared + own)
    control = truth.control_scale * truth.level * np.exp(pattern + shared + control_own)

    onset, restored = pd.Timestamp(truth.onset), truth.restored
    after = np.asarray(index >= restored)
    during = np.asarray(index >= onset) & ~after
    u = np.asarray((index - restored) / pd.Timedelta(hours=1), dtype=float)
    share_kept = np.ones(n)
    share_kept[during] = 1 - truth.severity
    ramp = np.clip(1 - u[after] / truth.latency_hours, 0, None) if truth.latency_hours > 0 else 0
    share_kept[after] = (1 - truth.drop_at_restore * np.exp2(-u[after] / truth.half_life_hours)) * (
        1 - truth.quality_loss * ramp
    )
    frame = pd.DataFrame(
        {"views": np.round(counterfactual * share_kept), "views_control": np.round(control)},
        index=index,
    )
    return SyntheticSeries(frame, pd.Series(counterfactual, index=index, name="views"), truth)
