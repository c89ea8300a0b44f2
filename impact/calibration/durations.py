"""DurationFit: fit lognormal, gamma and Weibull distributions to outage durations, and compare.

Maximum likelihood with the location fixed at 0 (scipy.stats `fit(x, floc=0)`), AIC, the
Kolmogorov–Smirnov distance with a parametric-bootstrap p-value (which allows for the
parameters having been fitted to the same data, as Lilliefors' test does), and BCa
intervals for the parameters from a nonparametric bootstrap (resampled outages). Bootstrap
replicates solve the same likelihood equations, vectorised (`_mle_many`).

Every fit is written as a spec of impact's grammar (`lognormal(median=…, sigma=…)`,
`gamma(shape, scale)`, `weibull(shape, scale)`); the best by AIC goes into calibration.toml.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import special

from impact.calibration.fitted_specs import checked
from impact.exceptions import InputError
from impact.inputs.families import FITTED, Fit
from impact.rng import RNGLike, as_seed_sequence, root_entropy

__all__ = ["FAMILIES", "DurationFit"]

FAMILIES = tuple(FITTED)  # lognormal, gamma, weibull
MIN_DURATIONS = 5


def _mle(family: str, x: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood parameters by scipy.stats with the location fixed at 0."""
    return _fit(family).mle(x)


def _fit(family: str) -> Fit:
    return cast(Fit, FITTED[family].fit)  # FITTED holds only families with a fit


def _gamma_shape(s: np.ndarray) -> np.ndarray:
    """Solve log(a) − ψ(a) = s for a (s > 0), vectorised: Minka's start and Newton steps."""
    a = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
    for _ in range(8):
        a = a - (np.log(a) - special.digamma(a) - s) / (1 / a - special.polygamma(1, a))
        a = np.maximum(a, 1e-8)
    return a


def _weibull_shape(x: np.ndarray) -> np.ndarray:
    """Solve the Weibull profile score Σxᶜ·log x / Σxᶜ − 1/c = mean(log x) for c, row-wise.

    The left side increases with c, so bisection on log c brackets the unique root.
    """
    logs = np.log(x / x.max(axis=1, keepdims=True))  # rescaling x leaves c unchanged
    mean_log = logs.mean(axis=1)
    lo = np.full(x.shape[0], math.log(1e-3))
    hi = np.full(x.shape[0], math.log(1e3))
    for _ in range(60):
        mid = (lo + hi) / 2
        c = np.exp(mid)[:, None]
        w = np.exp(c * logs)
        score = (w * logs).sum(axis=1) / w.sum(axis=1) - 1 / c[:, 0] - mean_log
        lo = np.where(score < 0, mid, lo)
        hi = np.where(score < 0, hi, mid)
    return np.exp((lo + hi) / 2)


def _mle_many(family: str, x: np.ndarray) -> np.ndarray:
    """Maximum-likelihood parameters of each row of `x` (B × n), as a B × 2 array."""
    logs = np.log(x)
    if family == "lognormal":
        return np.column_stack([np.exp(logs.mean(axis=1)), logs.std(axis=1)])
    if family == "gamma":
        mean = x.mean(axis=1)
        s = np.log(mean) - logs.mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            shape = np.where(s > 0, _gamma_shape(np.maximum(s, 1e-12)), np.nan)
        return np.column_stack([shape, mean / shape])
    shape = _weibull_shape(x)
    scale = np.mean(x ** shape[:, None], axis=1) ** (1 / shape)
    return np.column_stack([shape, scale])


def _cdf_many(family: str, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    a, b = params[:, :1], params[:, 1:]
    if family == "lognormal":
        return np.asarray(special.ndtr(np.log(x / a) / b))
    if family == "gamma":
        return np.asarray(special.gammainc(a, x / b))
    return -np.expm1(-((x / b) ** a))


def _ks_many(family: str, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Kolmogorov–Smirnov distance of each row of `x` from its fitted distribution."""
    x = np.sort(x, axis=1)
    n = x.shape[1]
    cdf = _cdf_many(family, x, params)
    steps = np.arange(1, n + 1) / n
    return np.maximum((steps - cdf).max(axis=1), (cdf - (steps - 1 / n)).max(axis=1))


def _bca_interval(
    family: str, x: np.ndarray, params: np.ndarray, resampled: np.ndarray, tail: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated (BCa) bootstrap intervals for both parameters.

    Plain percentiles of the bootstrap undercover for small catalogues: the MLE of a spread
    (lognormal sigma) is biased low and skewed, and with 22 outages a percentile interval for
    sigma covered the truth 75% of the time for a nominal 90%. BCa (Efron 1987) corrects the
    percentiles for the bootstrap's median bias (z0) and for the skew, from the jackknife (a).
    """
    boot = _mle_many(family, resampled)
    boot = boot[np.isfinite(boot).all(axis=1)]
    n = x.size
    leave_one_out = np.broadcast_to(x, (n, n))[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    jack = _mle_many(family, leave_one_out)
    share_below = (boot < params).mean(axis=0) + 0.5 * (boot == params).mean(axis=0)
    z0 = special.ndtri(np.clip(share_below, 1 / boot.shape[0], 1 - 1 / boot.shape[0]))
    spread = jack.mean(axis=0) - jack
    denominator = 6 * np.sum(spread**2, axis=0) ** 1.5
    accel = np.divide(
        np.sum(spread**3, axis=0), denominator, where=denominator > 0, out=np.zeros(2)
    )
    bounds = []
    for z_alpha in special.ndtri([tail, 1 - tail]):
        shifted = z0 + (z0 + z_alpha) / (1 - accel * (z0 + z_alpha))
        levels = special.ndtr(shifted)
        bounds.append([np.quantile(boot[:, i], levels[i]) for i in range(2)])
    return np.array(bounds[0]), np.array(bounds[1])


def _spec(family: str, params: tuple[float, float]) -> str:
    return checked("outage.hours", _fit(family).spec(params))


def check_durations(values: Any, source: str = "durations") -> np.ndarray:
    """Durations as a float array, each a positive finite number; InputError naming the culprit
    (and `source`, the file they came from, when there are too few)."""
    x = np.asarray(values, dtype=float).ravel()
    bad = np.flatnonzero(~(np.isfinite(x) & (x > 0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"duration #{i + 1}: {x[i]!r} is not a positive number of hours")
    if x.size < MIN_DURATIONS or np.unique(x).size < 3:
        raise InputError(
            f"{source}: {x.size} durations ({np.unique(x).size} distinct); fitting two-parameter "
            f"distributions needs at least {MIN_DURATIONS} values and 3 distinct ones"
        )
    return x


class DurationFit:
    """Fit lognormal, gamma and Weibull distributions to outage durations (hours) and compare.

    >>> fit = DurationFit(n_boot=200, rng=1).fit([2, 6, 12, 14, 48, 73, 8, 1.5, 180])
    >>> fit.best_, fit.spec_
    ('lognormal', 'lognormal(median=13.54, sigma=1.512)')
    """

    def __init__(
        self,
        families: tuple[str, ...] = FAMILIES,
        *,
        n_boot: int = 2000,
        confidence: float = 0.9,
        rng: RNGLike = None,
    ) -> None:
        self.families = families
        self.n_boot = n_boot
        self.confidence = confidence
        self.rng = rng

    def _check(self) -> None:
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown or not self.families:
            raise InputError(f"families: {unknown or '()'}: choose from {', '.join(FAMILIES)}")
        if not self.n_boot >= 100:
            raise InputError(f"n_boot: {self.n_boot!r}: use at least 100 bootstrap replicates")
        if not 0 < self.confidence < 1:
            raise InputError(f"confidence: {self.confidence!r}: must lie strictly between 0 and 1")

    def fit(self, durations: Any) -> DurationFit:
        """Fit every family to `durations` (hours, each > 0)."""
        self._check()
        x = check_durations(durations)
        seed = as_seed_sequence(self.rng)
        resample_seed, parametric_seed = seed.spawn(2)
        resampled = x[
            np.random.default_rng(resample_seed).integers(0, x.size, (self.n_boot, x.size))
        ]
        parametric_rng = np.random.default_rng(parametric_seed)
        tail = (1 - self.confidence) / 2
        fits: dict[str, dict[str, Any]] = {}
        for family in self.families:
            params = _mle(family, x)
            frozen = _fit(family).frozen(params)
            loglik = float(np.sum(frozen.logpdf(x)))
            ks = float(_ks_many(family, x[None, :], np.array([params]))[0])
            low, high = _bca_interval(family, x, np.array(params), resampled, tail)
            # Parametric bootstrap of the KS distance: samples from the fit, each refitted.
            draws = frozen.rvs(size=(self.n_boot, x.size), random_state=parametric_rng)
            draws = np.maximum(draws, np.finfo(float).tiny)
            ks_null = _ks_many(family, draws, _mle_many(family, draws))
            names = FITTED[family].parameters
            fits[family] = {
                "params": dict(zip(names, params, strict=True)),
                "ci": {
                    n: [float(lo), float(hi)] for n, lo, hi in zip(names, low, high, strict=True)
                },
                "log_likelihood": loglik,
                "aic": 2 * 2 - 2 * loglik,
                "ks": ks,
                "ks_p_value": float((1 + np.sum(ks_null >= ks)) / (1 + ks_null.size)),
                "spec": _spec(family, params),
            }
        best_aic = min(f["aic"] for f in fits.values())
        for f in fits.values():
            f["delta_aic"] = f["aic"] - best_aic
        self.n_ = int(x.size)
        self.durations_ = x
        self.seed_ = root_entropy(seed)
        self.fits_ = fits
        self.best_ = min(fits, key=lambda f: fits[f]["aic"])
        self.spec_ = fits[self.best_]["spec"]
        self.summary_ = self._summary()
        return self

    def frozen(self, family: str) -> Any:
        """The scipy.stats frozen form of the fitted `family`."""
        return _fit(family).frozen(tuple(self.fits_[family]["params"].values()))

    def _summary(self) -> pd.DataFrame:
        rows = []
        for family, f in self.fits_.items():
            for name, value in f["params"].items():
                rows.append(
                    {
                        "family": family,
                        "parameter": name,
                        "estimate": value,
                        "ci_low": f["ci"][name][0],
                        "ci_high": f["ci"][name][1],
                        "aic": f["aic"],
                        "delta_aic": f["delta_aic"],
                        "ks_statistic": f["ks"],
                        "ks_p_value": f["ks_p_value"],
                        "spec": f["spec"] or "",
                    }
                )
        return pd.DataFrame(rows).set_index(["family", "parameter"])

    def to_json(self) -> dict[str, Any]:
        """The `impact calibrate durations --json` object."""
        return {
            "n": self.n_,
            "best": self.best_,
            "fits": {
                family: {
                    "aic": f["aic"],
                    "params": f["params"],
                    "spec": f["spec"],
                    "ci": f["ci"],
                    "delta_aic": f["delta_aic"],
                    "ks": f["ks"],
                    "ks_p_value": f["ks_p_value"],
                }
                for family, f in self.fits_.items()
            },
            "confidence": self.confidence,
            "seed": self.seed_,
            "calibration": {"family": self.best_, "spec": self.spec_},
        }
