"""The normal level of a series: OLS (statsmodels) on a trend and daily/weekly seasonal dummies.

Fitted on the rows before the onset, on the log scale (seasonality that scales with the level),
and extrapolated over the outage and the recovery. The residuals' AR(p) model gives the
covariance of the extrapolation error together with that of everything fitted after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from impact.calibration.noise import ArNoise, fit_ar_noise
from impact.calibration.series import HOUR

__all__ = ["Baseline", "fit_baseline", "seasonal_design"]


def seasonal_design(
    index: pd.DatetimeIndex, origin: pd.Timestamp, step: pd.Timedelta, *, trend: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Columns: constant, trend (weeks since `origin`), hour of day (hourly data), day of week."""
    columns: list[np.ndarray] = [np.ones(len(index))]
    names = ["const"]
    if trend:
        columns.append(np.asarray((index - origin) / pd.Timedelta(weeks=1), dtype=float))
        names.append("trend_per_week")
    if step == HOUR:
        hours = np.asarray(index.hour)
        columns += [(hours == h).astype(float) for h in range(1, 24)]
        names += [f"hour_{h:02d}" for h in range(1, 24)]
    weekdays = np.asarray(index.day_of_week)
    columns += [(weekdays == d).astype(float) for d in range(1, 7)]
    names += [f"weekday_{d}" for d in range(1, 7)]
    return np.column_stack(columns), names


@dataclass(frozen=True)
class Baseline:
    """A fitted normal level: log-scale coefficients and how its errors are correlated."""

    params: np.ndarray
    names: tuple[str, ...]
    origin: pd.Timestamp
    step: pd.Timedelta
    trend: bool
    design_pre: np.ndarray
    noise: ArNoise
    r_squared: float

    def design(self, index: pd.DatetimeIndex) -> np.ndarray:
        return seasonal_design(index, self.origin, self.step, trend=self.trend)[0]

    def log_level(self, index: pd.DatetimeIndex) -> np.ndarray:
        """The fitted normal log level at these times."""
        return self.design(index) @ self.params

    def coefficient_gain(self) -> np.ndarray:
        """(XᵀX)⁻¹Xᵀ: how the coefficients respond to the pre-period errors."""
        x = self.design_pre
        return np.linalg.solve(x.T @ x, x.T)


def fit_baseline(log_y: pd.Series, step: pd.Timedelta, *, trend: bool = True) -> Baseline:
    """Fit the normal log level to the pre-period `log_y` (a Series indexed by time)."""
    index = pd.DatetimeIndex(log_y.index)
    origin = index[0]
    x, names = seasonal_design(index, origin, step, trend=trend)
    result = sm.OLS(np.asarray(log_y, dtype=float), x).fit()
    max_lag = 24 if step == HOUR else 7  # one day of hours or one week of days
    noise = fit_ar_noise(np.asarray(result.resid), max_lag, design=x)
    return Baseline(
        params=np.asarray(result.params),
        names=tuple(names),
        origin=origin,
        step=step,
        trend=trend,
        design_pre=x,
        noise=noise,
        r_squared=float(result.rsquared),
    )
