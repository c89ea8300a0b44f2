"""RetroImpact: what did an outage cost? A structural time-series counterfactual, after the fact.

A statsmodels `UnobservedComponents` model — a random-walk level with drift, daily and weekly
seasonality (fixed trigonometric terms), an AR(1) component, noise, and optional control
series as regressors whose coefficients are states, so their uncertainty is carried — is
fitted by maximum likelihood on the rows before the onset and forecast over the rows after.

Pointwise intervals are the forecast's own (Gaussian); the cumulative and relative effects
and the tail probability come from paths simulated from the fitted model, started from the
filtered state distribution at the onset, so they carry the correlation between hours that
summing pointwise intervals would ignore. Paths are seeded: the same `rng` gives the same
intervals on every run.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning as SmConvergenceWarning

from impact.calibration.series import HOUR, check_periods, check_varies, parse_time, series_step
from impact.exceptions import ConvergenceWarning, InputError
from impact.rng import RNGLike, as_seed_sequence, root_entropy

__all__ = ["RetroImpact"]

# statsmodels says this when its default AR start values are not stationary; it then starts
# from zeros, which is harmless, so the message is expected and not passed on.
_EXPECTED_WARNINGS = ("Non-stationary starting autoregressive parameters",)


def _seasonality(step: pd.Timedelta) -> list[dict[str, int]]:
    if step == HOUR:
        return [{"period": 24, "harmonics": 4}, {"period": 168, "harmonics": 3}]
    return [{"period": 7, "harmonics": 3}]


def _state_draws(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws of the state (k × n), by an eigen-decomposition that tolerates a singular cov."""
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    return mean[:, None] + root @ rng.standard_normal((mean.size, n))


def _maximise(model: Any, method: str, start: np.ndarray | None) -> tuple[Any, bool]:
    """Fit by maximum likelihood; statsmodels' own convergence warnings become the return flag."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmConvergenceWarning)
        for message in _EXPECTED_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=UserWarning)
        result = model.fit(start_params=start, method=method, disp=False, maxiter=500)
    for item in caught:
        if not issubclass(item.category, SmConvergenceWarning):
            warnings.warn(item.message, item.category, stacklevel=3)
    flagged = any(issubclass(item.category, SmConvergenceWarning) for item in caught)
    return result, not flagged and bool(result.mle_retvals.get("converged", True))


def _rng_keyword(func: Any) -> str:
    """statsmodels ≥ 0.15 takes `rng`, older versions `random_state`."""
    return "rng" if "rng" in inspect.signature(func).parameters else "random_state"


def _effects(
    observed: np.ndarray, mean: np.ndarray, band: np.ndarray, paths: np.ndarray, tail: float
) -> pd.DataFrame:
    """Per row: observed, counterfactual and band, pointwise and cumulative effect with bands."""
    cumulative_paths = np.cumsum(observed)[:, None] - np.cumsum(paths, axis=0)
    cum_low, cum_high = np.quantile(cumulative_paths, [tail, 1 - tail], axis=1)
    return pd.DataFrame(
        {
            "observed": observed,
            "counterfactual": mean,
            "counterfactual_low": band[:, 0],
            "counterfactual_high": band[:, 1],
            "effect": observed - mean,
            "effect_low": observed - band[:, 1],
            "effect_high": observed - band[:, 0],
            "cumulative_effect": np.cumsum(observed - mean),
            "cumulative_low": cum_low,
            "cumulative_high": cum_high,
        }
    )


class RetroImpact:
    """Estimate the effect of an outage on a metric: observed minus a modelled counterfactual.

    `fit(data)` takes a DataFrame indexed by time (hourly or daily, no gaps) with the metric
    (`metric`, default the first column) and any `controls`, or a Series of the metric alone.
    A loss is negative.

    >>> from impact.calibration.synthetic import SyntheticTruth, synthetic_series
    >>> truth = SyntheticTruth(freq="D", days=140, onset="2025-06-02", outage_hours=48)
    >>> data = synthetic_series(truth, rng=2)
    >>> retro = RetroImpact("2025-06-02", n_paths=500, rng=1).fit(data.frame)
    >>> lo, hi = retro.cumulative_ci_
    >>> bool(lo < data.true_effect() < hi), bool(retro.p_value_ < 0.05)
    (True, True)
    """

    def __init__(
        self,
        onset: str | pd.Timestamp,
        end: str | pd.Timestamp | None = None,
        *,
        metric: str | None = None,
        controls: Sequence[str] = (),
        confidence: float = 0.9,
        n_paths: int = 2000,
        trend: bool = True,
        rng: RNGLike = None,
    ) -> None:
        self.onset = onset
        self.end = end
        self.metric = metric
        self.controls = controls
        self.confidence = confidence
        self.n_paths = n_paths
        self.trend = trend
        self.rng = rng

    def _frame(self, data: pd.DataFrame | pd.Series) -> tuple[pd.Series, pd.DataFrame, str]:
        frame = data.to_frame() if isinstance(data, pd.Series) else data
        source = str(data.attrs.get("source", "the series"))
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise InputError("the series must be indexed by time (a pandas DatetimeIndex)")
        metric = self.metric if self.metric is not None else str(frame.columns[0])
        for name in (metric, *self.controls):
            if name not in frame.columns:
                raise InputError(
                    f"{source} has no column {name!r}; columns are {list(frame.columns)}"
                )
        return frame[metric].astype(float), frame[list(self.controls)].astype(float), source

    def fit(self, data: pd.DataFrame | pd.Series) -> RetroImpact:
        """Fit the model before the onset and measure the effect from the onset to `end`."""
        if not 0 < self.confidence < 1:
            raise InputError(f"confidence: {self.confidence!r}: must lie strictly between 0 and 1")
        if not self.n_paths >= 100:
            raise InputError(f"n_paths: {self.n_paths!r}: use at least 100 simulated paths")
        y, x, source = self._frame(data)
        index = pd.DatetimeIndex(y.index)
        step = series_step(index, source)
        onset = parse_time(self.onset, "`onset`")
        end = parse_time(self.end, "`end`") if self.end is not None else index[-1]
        check_periods(index, onset, source=source)
        if not onset <= end <= index[-1]:
            raise InputError(f"`end` {end}: must lie between `onset` {onset} and {index[-1]}")
        pre = np.asarray(index < onset)
        post = np.asarray((index >= onset) & (index <= end))
        y_pre = y.to_numpy()[pre]
        check_varies(y_pre, str(y.name), source, "before the onset")
        centre, spread = float(y_pre.mean()), float(y_pre.std())
        exog_pre = exog_post = None
        if self.controls:
            x_pre = x.to_numpy()[pre]
            x_centre, x_spread = x_pre.mean(axis=0), x_pre.std(axis=0)
            if not (x_spread > 0).all():
                flat = x.columns[int(np.argmin(x_spread))]
                raise InputError(f"{source} control column {flat!r} is constant before the onset")
            exog_pre = (x_pre - x_centre) / x_spread
            exog_post = (x.to_numpy()[post] - x_centre) / x_spread
        result = self._fit_model((y_pre - centre) / spread, exog_pre, step)

        seed = as_seed_sequence(self.rng)
        rng = np.random.default_rng(seed)
        steps = int(post.sum())
        forecast = result.get_forecast(steps=steps, exog=exog_post)
        mean = np.asarray(forecast.predicted_mean) * spread + centre
        band = np.asarray(forecast.conf_int(alpha=1 - self.confidence)) * spread + centre
        paths = self._paths(result, steps, exog_post, rng) * spread + centre

        observed = y.to_numpy()[post]
        tail = (1 - self.confidence) / 2
        self.effects_ = _effects(observed, mean, band, paths, tail)
        self.effects_.index = index[post]
        self._totals(observed, mean, paths, tail)
        # One-step predictions are wild while the diffuse initial states settle: skip a week.
        fitted = np.full(int(pre.sum()), np.nan)
        burn = max(int(result.loglikelihood_burn), int(pd.Timedelta(weeks=1) / step))
        fitted[burn:] = np.asarray(result.fittedvalues)[burn:] * spread + centre
        self.before_ = pd.DataFrame({"observed": y_pre, "fitted": fitted}, index=index[pre])
        self.model_result_ = result
        self.seed_ = root_entropy(seed)
        self.onset_, self.end_ = onset, end
        self.n_pre_, self.n_post_ = int(pre.sum()), steps
        self.summary_ = self._summary(observed, mean, paths, tail)
        return self

    def _fit_model(self, endog: np.ndarray, exog: np.ndarray | None, step: pd.Timedelta) -> Any:
        seasonal = _seasonality(step)
        model = sm.tsa.UnobservedComponents(
            endog,
            exog=exog,
            level=True,
            stochastic_level=True,
            trend=self.trend,
            stochastic_trend=False,
            irregular=True,
            autoregressive=1,
            freq_seasonal=seasonal,
            stochastic_freq_seasonal=[False] * len(seasonal),
            mle_regression=False,
        )
        result, converged = _maximise(model, method="lbfgs", start=None)
        if not converged:
            # L-BFGS can stall where a variance is ~0 (the likelihood is flat there); Powell's
            # derivative-free search from where it stopped, then L-BFGS again, usually finishes.
            result, _ = _maximise(model, method="powell", start=result.params)
            result, converged = _maximise(model, method="lbfgs", start=result.params)
        if not converged:
            warnings.warn(
                ConvergenceWarning(
                    "the counterfactual model's maximum-likelihood fit did not converge; "
                    "its intervals are less certain than they look"
                ),
                stacklevel=3,
            )
        return result

    def _paths(
        self, result: Any, steps: int, exog: np.ndarray | None, rng: np.random.Generator
    ) -> np.ndarray:
        """Counterfactual paths (steps × n_paths) simulated from the fitted model from the onset."""
        start = _state_draws(
            np.asarray(result.predicted_state[:, -1]),
            np.asarray(result.predicted_state_cov[:, :, -1]),
            self.n_paths,
            rng,
        )
        simulated = result.simulate(
            nsimulations=steps,
            repetitions=self.n_paths,
            anchor="end",
            exog=exog,
            initial_state=start,
            **{_rng_keyword(result.simulate): rng},
        )
        return np.asarray(simulated, dtype=float).reshape(steps, self.n_paths)

    def _totals(
        self, observed: np.ndarray, mean: np.ndarray, paths: np.ndarray, tail: float
    ) -> None:
        total = float(observed.sum())
        path_totals = paths.sum(axis=0)
        self.cumulative_effect_ = total - float(mean.sum())
        lo, hi = np.quantile(total - path_totals, [tail, 1 - tail])
        self.cumulative_ci_ = (float(lo), float(hi))
        self.relative_effect_ = self.cumulative_effect_ / float(mean.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = (total - path_totals) / path_totals
        lo, hi = np.nanquantile(relative, [tail, 1 - tail])
        self.relative_ci_ = (float(lo), float(hi))
        # CausalImpact's one-sided tail area: the share of paths at least as extreme as observed.
        extreme = min(np.sum(path_totals >= total), np.sum(path_totals <= total))
        self.p_value_ = float((extreme + 1) / (path_totals.size + 1))

    def _summary(
        self, observed: np.ndarray, mean: np.ndarray, paths: np.ndarray, tail: float
    ) -> pd.DataFrame:
        n = observed.size
        rows = {}
        for label, scale in (("average", 1 / n), ("cumulative", 1.0)):
            pred = paths.sum(axis=0) * scale
            p_low, p_high = np.quantile(pred, [tail, 1 - tail])
            lo, hi = self.cumulative_ci_
            rows[label] = {
                "observed": observed.sum() * scale,
                "counterfactual": mean.sum() * scale,
                "counterfactual_low": p_low,
                "counterfactual_high": p_high,
                "effect": self.cumulative_effect_ * scale,
                "effect_low": lo * scale,
                "effect_high": hi * scale,
                "relative_effect": self.relative_effect_,
                "relative_low": self.relative_ci_[0],
                "relative_high": self.relative_ci_[1],
                "p_value": self.p_value_,
            }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "over_the_window"
        return frame

    def to_json(self) -> dict[str, Any]:
        """The `impact retro --json` object."""
        return {
            "cumulative_effect": self.cumulative_effect_,
            "cumulative_ci": list(self.cumulative_ci_),
            "relative_effect": self.relative_effect_,
            "relative_ci": list(self.relative_ci_),
            "p_value": self.p_value_,
            "confidence": self.confidence,
            "onset": str(self.onset_),
            "end": str(self.end_),
            "rows_before": self.n_pre_,
            "rows_after": self.n_post_,
            "seed": self.seed_,
        }

    @property
    def significant_(self) -> bool:
        """Whether the interval of the cumulative effect excludes 0."""
        lo, hi = self.cumulative_ci_
        return not lo <= 0 <= hi and not math.isnan(lo)
