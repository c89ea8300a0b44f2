"""Synthetic series around an outage with known true parameters, for examples and tests.

SYNTHETIC DATA: made up from the model, not observed. Hourly (or daily) views with a daily
and a weekly pattern, a slow trend, AR(1) noise on the log scale, an outage that removes a
share `severity` of views, then the activity after restoration of the current model (MODEL.md
version 3, `impact.model.core.activity`): (1 − ae·2^(−u/he_D))·(1 − aq·max(0, 1 − u/L_D)) with
ae = S·d·(1 − e^(−D/τe)), he_D = he·(1 − e^(−D/τe)), aq = S·q·(1 − e^(−D/τq)) and
L_D = L·(1 − e^(−D/τq)); no user churn. The truth holds the model's inputs (d, τe, he, q, τq,
L); its properties give what the series shows (ae, he_D, aq, L_D), which `RecoveryFit` estimates.
A control series shares the pattern and part of the noise but not the outage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from impact.calibration.fitted_specs import default_median
from impact.inputs.keys import KEYS
from impact.model.core import activity
from impact.rng import RNGLike

__all__ = ["SyntheticSeries", "SyntheticTruth", "synthetic_series"]


@dataclass(frozen=True)
class SyntheticTruth:
    """The true values behind a synthetic series (hours; shares in 0..1; noise on the log scale)."""

    start: str = "2025-03-03 00:00"  # a Monday
    days: int = 56
    onset: str = "2025-04-07 09:00"  # 5 weeks in
    outage_hours: float = 14.0  # D
    severity: float = 0.9  # S
    max_drop: float = 0.8  # d, engagement.max_drop
    decay_hours: float = field(default_factory=lambda: default_median("engagement.decay_hours"))
    half_life_hours: float = 150.0  # he, engagement.recovery_half_life_hours
    quality_loss: float = 0.30  # q, algorithm.quality_loss
    degrade_hours: float = field(default_factory=lambda: default_median("algorithm.degrade_hours"))
    latency_hours: float = 600.0  # L, algorithm.latency_hours
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

    def _ramp(self, tau: float) -> float:
        return -math.expm1(-self.outage_hours / tau)

    @property
    def drop_at_restore(self) -> float:
        """ae = S·d·(1 − e^(−D/τe)): the engagement gap at restoration, as the series shows it."""
        return self.severity * self.max_drop * self._ramp(self.decay_hours)

    @property
    def restore_half_life_hours(self) -> float:
        """he_D = he·(1 − e^(−D/τe)): the gap's half-life after this outage."""
        return self.half_life_hours * self._ramp(self.decay_hours)

    @property
    def quality_drop(self) -> float:
        """aq = S·q·(1 − e^(−D/τq)): the quality gap at restoration."""
        return self.severity * self.quality_loss * self._ramp(self.degrade_hours)

    @property
    def latency_ramp_hours(self) -> float:
        """L_D = L·(1 − e^(−D/τq)): how long the quality gap takes to close after this outage."""
        return self.latency_hours * self._ramp(self.degrade_hours)

    def model_inputs(self) -> dict[str, float]:
        """The model's inputs for this outage: the truth's keys, no churn, the rest neutral."""
        inputs = {info.key: 0.0 for info in KEYS}
        inputs.update(
            {
                "outage.hours": self.outage_hours,
                "outage.severity": self.severity,
                "engagement.max_drop": self.max_drop,
                "engagement.decay_hours": self.decay_hours,
                "engagement.recovery_half_life_hours": self.half_life_hours,
                "algorithm.quality_loss": self.quality_loss,
                "algorithm.degrade_hours": self.degrade_hours,
                "algorithm.latency_hours": self.latency_hours,
                "revenue.week_factor": 1.0,
                "revenue.deferral_hours": 24.0,
                "users.churn_scale_hours": 1.0,
                "users.churn_shape": 1.0,
                "creators.churn_scale_hours": 1.0,
                "creators.churn_shape": 1.0,
                "horizon.hours": 2160.0,
            }
        )
        return inputs


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
    >>> t = s.truth  # the model's inputs, and what the series shows after this 14-hour outage
    >>> round(t.drop_at_restore, 3), round(t.restore_half_life_hours, 1), round(t.quality_drop, 3)
    (0.165, 34.4, 0.096)
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
    share_kept[after] = activity(truth.model_inputs(), u[after])[0]  # MODEL.md v3
    frame = pd.DataFrame(
        {"views": np.round(counterfactual * share_kept), "views_control": np.round(control)},
        index=index,
    )
    return SyntheticSeries(frame, pd.Series(counterfactual, index=index, name="views"), truth)
