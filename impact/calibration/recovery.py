"""RecoveryFit: measure the engagement gap after an outage, ae·2^(−u/he), and the latency ramp.

The normal level is fitted before the onset (`baseline`). The errors of the log gap after
restoration follow the AR(p) model fitted to the baseline's residuals and also carry the error
of the extrapolated normal level; together they have a known covariance, so the gap is fitted by
generalised least squares (scipy) as a Gaussian likelihood, and intervals are profile-likelihood
intervals: every value of one parameter whose likelihood ratio, the others re-fitted, stays
within the χ²₁ cut-off. Unlike local (delta-method) intervals they follow a likelihood that is far
from quadratic, as it is when the engagement gap and the latency ramp trade off.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from impact.calibration.baseline import Baseline, fit_baseline
from impact.calibration.fitted_specs import (
    beta_spec,
    checked,
    default_median,
    lognormal_spec,
    number,
)
from impact.calibration.gap_fit import (
    PARAMETERS,
    GapProblem,
    fitted_frame,
    gap_curve,
    gap_error_covariance,
    natural,
)
from impact.calibration.series import (
    DAY,
    HOUR,
    check_periods,
    check_varies,
    parse_time,
    series_step,
)
from impact.exceptions import InputError

__all__ = ["MIN_POST_ROWS", "RecoveryFit", "gap_curve"]

LN2 = math.log(2.0)
MIN_POST_ROWS = {HOUR: 48, DAY: 14}  # two days of hours or two weeks of days after restoration
SCALES = ("logit", "log", "logit", "log")  # the parameters are fitted on these scales
UNITS = ("share", "h", "share", "h")
_KEY_ORDER = [
    "engagement.recovery_half_life_hours", "engagement.decay_hours", "algorithm.quality_loss",
    "algorithm.latency_hours", "algorithm.degrade_hours",
]  # fmt: skip
WEAK_CORRELATION = 0.9


class RecoveryFit:
    """Fit the engagement gap after an outage (and, optionally, the latency ramp) to a series.

    Parameters are stored untouched; `fit(series)` takes the metric as a pandas Series indexed
    by time (hourly or daily, no gaps) and sets the learned values, which end in ``_``.

    The series shows the gap after *this* outage: the drop ae and the half-life he_D at
    restoration (and, with the latency ramp, aq and L_D). In the model (MODEL.md version 3)
    he_D = he·(1 − e^(−D/τe)) and L_D = L·(1 − e^(−D/τq)), so the specs written for the model's
    keys (`specs_`) divide by those factors, with τe (`decay_hours`) and τq (`degrade_hours`)
    the medians of their generic defaults unless given: the series cannot tell them apart.

    >>> from impact.calibration.synthetic import SyntheticTruth, synthetic_series
    >>> truth = SyntheticTruth(quality_loss=0.0)  # ae = 0.165, he_D = 34.4 h, no latency ramp
    >>> example = synthetic_series(truth, rng=2)
    >>> fit = RecoveryFit(example.onset, example.restored).fit(example.frame["views"])
    >>> round(fit.drop_at_restore_, 2), round(fit.half_life_hours_)
    (0.16, 30)
    >>> [round(v) for v in fit.intervals_["half_life_hours"]]  # 90% profile interval, hours
    [21, 41]
    """

    def __init__(
        self,
        onset: str | pd.Timestamp,
        restored: str | pd.Timestamp,
        *,
        with_latency: bool = False,
        confidence: float = 0.9,
        trend: bool = True,
        degrade_hours: float | None = None,
        decay_hours: float | None = None,
    ) -> None:
        self.onset = onset
        self.restored = restored
        self.with_latency = with_latency
        self.confidence = confidence
        self.trend = trend
        self.degrade_hours = degrade_hours
        self.decay_hours = decay_hours

    def _check(self, series: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp, str]:
        if not 0 < self.confidence < 1:
            raise InputError(f"confidence: {self.confidence!r}: must lie strictly between 0 and 1")
        if self.degrade_hours is not None and not self.with_latency:
            raise InputError(
                f"`degrade_hours`: {self.degrade_hours!r}: used only with `with_latency` (it "
                "turns the fitted quality drop into q); fit the latency ramp too, or leave it out"
            )
        if not isinstance(series.index, pd.DatetimeIndex):
            raise InputError("the series must be indexed by time (a pandas DatetimeIndex)")
        source = str(series.attrs.get("source", "the series"))
        onset = parse_time(self.onset, "`onset`")
        restored = parse_time(self.restored, "`restored`")
        step = series_step(series.index, source)
        check_periods(
            series.index, onset, restored, source=source, min_post_rows=MIN_POST_ROWS[step]
        )
        values = series.to_numpy(dtype=float)
        used = np.asarray((series.index < onset) | (series.index >= restored))
        bad = np.flatnonzero(used & ~(values > 0))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{source} column {series.name!r} at {series.index[i]}: {values[i]:g} is not > 0; "
                "the recovery is fitted to the relative gap on the log scale, so the metric "
                "must be positive outside the outage"
            )
        check_varies(values[series.index < onset], str(series.name), source, "before the onset")
        return onset, restored, source

    def fit(self, series: pd.Series) -> RecoveryFit:
        """Fit the normal level before the onset and the gap after restoration."""
        onset, restored, _ = self._check(series)
        index = pd.DatetimeIndex(series.index)
        step = series_step(index)
        values = series.to_numpy(dtype=float)
        pre = np.asarray(index < onset)
        post = np.asarray(index >= restored)
        log_pre = pd.Series(np.log(values[pre]), index=index[pre])
        baseline = fit_baseline(log_pre, step, trend=self.trend)
        level_log = baseline.log_level(index)
        u = np.asarray((index[post] - restored) / HOUR, dtype=float)
        gap_log = np.log(values[post]) - level_log[post]

        problem = GapProblem(
            u, gap_log, gap_error_covariance(baseline, index, pre, post), step, self.with_latency
        )
        p_hat, cost, modes = problem.fit()
        z = float(stats.norm.ppf(0.5 + self.confidence / 2))  # √χ²₁(confidence)
        p_hat, cost, low_p, high_p, open_ended = problem.profile_intervals(p_hat, cost, modes, z)
        cov = problem.covariance(p_hat)  # local (delta-method) covariance, for se_ and cov_
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        status = problem.at_bound(p_hat)
        self.open_ended_ = dict(zip(PARAMETERS, open_ended, strict=False))

        self.baseline_: Baseline = baseline
        self.noise_ = baseline.noise
        self.onset_, self.restored_ = onset, restored
        self.cov_ = cov
        self.se_ = se
        theta = natural(p_hat)
        low, high = natural(low_p), natural(high_p)
        self.drop_at_restore_ = float(theta[0])
        self.half_life_hours_ = float(theta[1])
        self.quality_loss_ = float(theta[2]) if self.with_latency else None
        self.latency_hours_ = float(theta[3]) if self.with_latency else None
        names = PARAMETERS[: p_hat.size]
        self.estimates_ = {n: float(v) for n, v in zip(names, theta, strict=True)}
        self.intervals_ = {
            n: (float(lo), float(hi)) for n, lo, hi in zip(names, low, high, strict=True)
        }
        self.at_bound_ = status
        self.fitted_ = fitted_frame(values, np.exp(level_log), u, theta, pre, post)
        self.fitted_.index = index
        outage = ~pre & ~post
        gap = self.fitted_["gap_observed"].to_numpy()
        self.severity_ = float(gap[outage].mean()) if outage.any() else math.nan
        self.degrade_hours_ = self._tau(self.degrade_hours, "degrade_hours")
        self.decay_hours_ = self._tau(self.decay_hours, "decay_hours")
        hours = (self.restored_ - self.onset_) / HOUR
        # v3: how far the persistence of each gap has built up in this outage's D hours
        self.half_life_scale_ = -math.expm1(-hours / self.decay_hours_)
        self.latency_scale_ = -math.expm1(-hours / self.degrade_hours_)
        self.quality_scale_ = self._quality_scale()
        scale = np.where(self.se_ > 0, self.se_, 1.0)
        correlation = cov / np.outer(scale, scale)
        np.fill_diagonal(correlation, 0.0)
        # Beyond this the data can barely tell the engagement gap from the latency ramp; the
        # profile intervals allow for it (the summary says why they are wide).
        self.tangled_ = bool(self.with_latency and np.abs(correlation).max() > WEAK_CORRELATION)
        self.summary_ = self._summary(theta, low, high)
        self.specs_ = self._specs()
        return self

    def _summary(self, theta: np.ndarray, low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
        rows = []
        for i, name in enumerate(PARAMETERS[: theta.size]):
            note = ""
            if self.tangled_:
                note = (
                    "the gap and the latency ramp trade off in this series, widening the interval"
                )
            if self.open_ended_.get(name):
                note = "the data do not bound the interval on one side: it ends at the search range"
            if self.at_bound_.get(name):
                note = "at the edge of what the data can identify; the interval is not reliable"
            rows.append(
                {
                    "parameter": name,
                    "estimate": theta[i],
                    "ci_low": low[i],
                    "ci_high": high[i],
                    "unit": UNITS[i],
                    "scale": SCALES[i],
                    "se_on_scale": self.se_[i],
                    "note": note,
                }
            )
        rows.append(
            {
                "parameter": "severity_during_outage",
                "estimate": self.severity_,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "unit": "share",
                "scale": "",
                "se_on_scale": math.nan,
                "note": "mean share of the normal level missing between onset and restoration",
            }
        )
        return pd.DataFrame(rows).set_index("parameter")

    def _lognormal(self, name: str, scale: float = 1.0) -> str | None:
        """The lognormal whose central interval is the parameter's over `scale` (None if
        open-ended)."""
        low, high = (end / scale for end in self.intervals_[name])
        if self.open_ended_.get(name) or not 0 < low < high:
            return None
        z = float(stats.norm.ppf(0.5 + self.confidence / 2))
        return lognormal_spec(math.sqrt(low * high), math.log(high / low) / (2 * z))

    def _tau(self, given: float | None, name: str) -> float:
        """τq (`degrade_hours`) or τe (`decay_hours`), used to read the model's q, L and he off
        what the series shows: the parameter, else the median of the key's generic default
        (the series cannot tell q from τq, nor he from τe: it sees only their products)."""
        if given is not None:
            if not (given > 0 and math.isfinite(given)):
                raise InputError(f"`{name}`: {given!r}: must be > 0")
            return float(given)
        key = "algorithm.degrade_hours" if name == "degrade_hours" else "engagement.decay_hours"
        return default_median(key)  # as written into calibration.toml

    def _quality_scale(self) -> float:
        """S·(1 − e^(−D/τq)): model v2's aq = q · this, for the outage in the series (NaN when
        the outage removed nothing measurable)."""
        hours = (self.restored_ - self.onset_) / HOUR
        S = self.severity_
        if not (S == S and S > 0 and hours > 0):  # NaN or no drop
            return math.nan
        return float(min(S, 1.0) * -math.expm1(-hours / self.degrade_hours_))

    def half_life_interval(self) -> tuple[float, float]:
        """The interval of he (`engagement.recovery_half_life_hours`): the fitted half-life's
        over 1 − e^(−D/τe) (MODEL.md v3: he_D = he·(1 − e^(−D/τe)))."""
        low, high = self.intervals_["half_life_hours"]
        return low / self.half_life_scale_, high / self.half_life_scale_

    def latency_interval(self) -> tuple[float, float] | None:
        """The interval of L (`algorithm.latency_hours`): the fitted ramp's over 1 − e^(−D/τq)
        (v3: L_D = L·(1 − e^(−D/τq))); None without the latency ramp."""
        if not self.with_latency:
            return None
        low, high = self.intervals_["latency_hours"]
        return low / self.latency_scale_, high / self.latency_scale_

    def quality_loss_interval(self) -> tuple[float, float] | None:
        """The interval of q (model v2's `algorithm.quality_loss`), or None when it cannot be
        read off: the fitted quality drop's interval divided by S·(1 − e^(−D/τq))."""
        if not self.with_latency or not self.quality_scale_ > 0:
            return None
        low, high = self.intervals_["quality_loss"]
        return low / self.quality_scale_, high / self.quality_scale_

    def _specs(self) -> dict[str, str]:
        """Scenario keys whose specs carry the fitted uncertainty: each has the interval's ends
        as its central quantiles (the estimate itself need not be the spec's median)."""
        specs = {}
        half_life = self._lognormal("half_life_hours", self.half_life_scale_)
        if half_life:
            # v3: the fitted half-life is he_D = he·(1 − e^(−D/τe)); τe goes beside he.
            specs["engagement.recovery_half_life_hours"] = checked(
                "engagement.recovery_half_life_hours", half_life
            )
            specs["engagement.decay_hours"] = checked(
                "engagement.decay_hours", number(self.decay_hours_, 4)
            )
        if self.with_latency:
            # Model v2: the fitted drop at restoration is aq = S·q·(1 − e^(−D/τq)), so q is the
            # drop over S·(1 − e^(−D/τq)), with τq written beside it to keep the two consistent.
            q = self.quality_loss_interval()
            if q is not None and not self.open_ended_["quality_loss"] and 0 < q[0] < q[1] < 1:
                specs["algorithm.quality_loss"] = checked(
                    "algorithm.quality_loss", beta_spec(q[0], q[1], self.confidence)
                )
                specs["algorithm.degrade_hours"] = checked(
                    "algorithm.degrade_hours", number(self.degrade_hours_, 4)
                )
            latency = self._lognormal("latency_hours", self.latency_scale_)
            if latency:  # v3: the fitted ramp is L_D = L·(1 − e^(−D/τq)), with the same τq
                specs["algorithm.latency_hours"] = checked("algorithm.latency_hours", latency)
                specs["algorithm.degrade_hours"] = checked(
                    "algorithm.degrade_hours", number(self.degrade_hours_, 4)
                )
        return {key: specs[key] for key in sorted(specs, key=_KEY_ORDER.index)}

    def to_json(self) -> dict[str, Any]:
        """The `impact calibrate recovery --json` object."""
        ci = self.intervals_
        out: dict[str, Any] = {
            "drop_at_restore": self.drop_at_restore_,
            "drop_ci": list(ci["drop_at_restore"]),
            "half_life_hours": self.half_life_hours_,
            "half_life_ci": list(ci["half_life_hours"]),
            "decay_hours": self.decay_hours_,
            "recovery_half_life_ci": list(self.half_life_interval()),  # he, model v3
        }
        if self.with_latency:
            q = self.quality_loss_interval()
            out |= {
                "quality_drop": self.quality_loss_,  # aq, fitted
                "quality_drop_ci": list(ci["quality_loss"]),
                "quality_loss": None
                if q is None or self.quality_loss_ is None
                else self.quality_loss_ / self.quality_scale_,
                "quality_loss_ci": None if q is None else list(q),  # q, model v2
                "degrade_hours": self.degrade_hours_,
                "latency_hours": self.latency_hours_,
                "latency_ci": list(ci["latency_hours"]),
                "latency_key_ci": list(self.latency_interval() or ()),  # L, model v3
            }
        out |= {
            "confidence": self.confidence,
            "severity_during_outage": None if math.isnan(self.severity_) else self.severity_,
            "specs": self.specs_,
        }
        return out

    def describe(self) -> str:
        """One line: 'drop at restore 0.25 (90% CI 0.22–0.28), half-life 36 h (…)'."""
        pct = f"{self.confidence:.0%}"
        parts = []
        for name, label, unit in zip(
            PARAMETERS,
            ("drop at restore", "half-life", "quality drop at restore", "latency"),
            UNITS,
            strict=True,
        ):
            if name in self.intervals_:
                value = self.estimates_[name]
                lo, hi = self.intervals_[name]
                suffix = " h" if unit == "h" else ""
                interval = f"{number(lo, 3)}–{number(hi, 3)}{suffix}"
                parts.append(f"{label} {number(value, 3)}{suffix} ({pct} CI {interval})")
        return ", ".join(parts)
