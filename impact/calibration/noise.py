"""An AR(p) model of autocorrelated residuals, and the covariance it implies for linear estimates.

Hourly residuals of views or revenue are strongly autocorrelated: treating them as independent
makes intervals several times too narrow. The order p is chosen by BIC (Levinson–Durbin on the
sample autocovariance, statsmodels), and the implied autocovariance gives the exact covariance
G·Σ·Gᵀ of any estimate that is, to first order, a linear function G·ε of the errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.linalg import matmul_toeplitz
from scipy.signal import lfilter
from statsmodels.tsa.arima_process import arma_acovf
from statsmodels.tsa.statespace.tools import (
    constrain_stationary_univariate,
    unconstrain_stationary_univariate,
)
from statsmodels.tsa.stattools import acovf, levinson_durbin

__all__ = ["ArNoise", "fit_ar_noise"]


@dataclass(frozen=True)
class ArNoise:
    """e_t = Σ φ_i e_(t−i) + w_t, w_t ~ N(0, sigma2)."""

    ar: tuple[float, ...]
    sigma2: float

    @property
    def order(self) -> int:
        return len(self.ar)

    def autocovariance(self, n_lags: int) -> np.ndarray:
        """γ(0), …, γ(n_lags − 1) of the process."""
        if not self.ar:
            out = np.zeros(n_lags)
            out[0] = self.sigma2
            return out
        poly = np.r_[1.0, -np.asarray(self.ar)]
        return np.asarray(arma_acovf(poly, np.r_[1.0], nobs=n_lags, sigma2=self.sigma2))

    def whiten(self, x: np.ndarray) -> np.ndarray:
        """w_t = x_t − Σ φ_i x_(t−i) along the first axis (rows before the start count as 0)."""
        if not self.ar:
            return np.asarray(x, dtype=float)
        return np.asarray(lfilter(np.r_[1.0, -np.asarray(self.ar)], [1.0], x, axis=0))

    def covariance_of(self, gain: np.ndarray) -> np.ndarray:
        """Cov(G·e) = G·Σ·Gᵀ for a k×n gain matrix over n consecutive steps (Σ Toeplitz)."""
        gain = np.atleast_2d(gain)
        gamma = self.autocovariance(gain.shape[1])
        sigma_g = matmul_toeplitz(gamma, gain.T)  # Σ·Gᵀ without forming the n×n matrix
        cov = gain @ np.asarray(sigma_g).reshape(gain.shape[1], -1)
        return np.asarray((cov + cov.T) / 2)


def fit_ar_noise(residuals: np.ndarray, max_lag: int, design: np.ndarray | None = None) -> ArNoise:
    """The AR(p), p ≤ max_lag chosen by BIC, that best describes `residuals` (mean ~0).

    When the residuals come from a regression on `design`, the fitted coefficients have
    absorbed part of the errors (the day-of-week dummies, for instance, soak up slow swings),
    so the residuals look less persistent than the errors; the AR parameters are then
    corrected by matching the residuals' autocovariances to their expectation (`_debias`).

    >>> rng = np.random.default_rng(1)
    >>> e = np.zeros(5000)
    >>> for t in range(1, e.size):
    ...     e[t] = 0.6 * e[t - 1] + rng.normal()
    >>> noise = fit_ar_noise(e, max_lag=10)
    >>> noise.order, round(noise.ar[0], 1)
    (1, 0.6)
    """
    resid = np.asarray(residuals, dtype=float)
    n = resid.size
    max_lag = int(min(max_lag, n // 4))
    gamma = np.asarray(acovf(resid, nlag=max_lag, fft=True, demean=False))
    if gamma[0] <= 0:
        return ArNoise((), 0.0)
    if max_lag < 1:
        return ArNoise((), float(gamma[0]))
    recursion = levinson_durbin(gamma, nlags=max_lag, isacov=True)
    # sigma[0] of the recursion is a placeholder; the order-0 variance is γ(0).
    variances = np.r_[gamma[0], np.asarray(recursion.sigma)[1:]]
    variances = np.maximum(variances, np.finfo(float).tiny)
    bic = n * np.log(variances) + np.arange(variances.size) * np.log(n)
    order = int(np.argmin(bic))
    if order == 0:
        return ArNoise((), float(gamma[0]))
    chosen = levinson_durbin(gamma[: order + 1], nlags=order, isacov=True)
    noise = ArNoise(tuple(float(c) for c in chosen.arcoefs), float(chosen.sigma_v))
    if design is not None:
        noise = _debias(noise, gamma[: order + 1], np.asarray(design, dtype=float))
    return noise


def _expected_residual_acov(noise: ArNoise, q: np.ndarray, n_lags: int) -> np.ndarray:
    """E[(1/n) Σ_t ê_t ê_(t+l)], l < n_lags, for residuals ê = M·e, M = I − Q·Qᵀ.

    M·Σ·M = Σ − QQᵀΣ − ΣQQᵀ + Q(QᵀΣQ)Qᵀ; with W = Σ·Q each term's l-th diagonal sums in O(n·k).
    """
    n = q.shape[0]
    gamma = noise.autocovariance(n)
    w = np.asarray(matmul_toeplitz(gamma, q)).reshape(n, -1)
    inner = q.T @ w
    qk = q @ inner
    out = np.empty(n_lags)
    for lag in range(n_lags):
        head, tail = slice(0, n - lag), slice(lag, n)
        total = (n - lag) * gamma[lag]
        total -= np.sum(q[head] * w[tail]) + np.sum(w[head] * q[tail])
        total += np.sum(qk[head] * q[tail])
        out[lag] = total / n
    return out


def _debias(noise: ArNoise, sample_acov: np.ndarray, design: np.ndarray) -> ArNoise:
    """The AR(p) whose residuals after the regression have the observed autocovariances.

    The p + 1 moments (lags 0..p) identify p coefficients and the innovation variance; the
    coefficients are searched over the stationary region only.
    """
    q, _ = np.linalg.qr(design)
    order = noise.order

    def unpack(x: np.ndarray) -> ArNoise:
        ar = constrain_stationary_univariate(x[:order]) if order else np.empty(0)
        return ArNoise(tuple(float(c) for c in ar), float(np.exp(x[order])))

    def miss(x: np.ndarray) -> np.ndarray:
        expected = _expected_residual_acov(unpack(x), q, order + 1)
        return (expected - sample_acov) / sample_acov[0]

    start = np.r_[
        unconstrain_stationary_univariate(np.asarray(noise.ar)) if order else np.empty(0),
        np.log(noise.sigma2),
    ]
    solution = optimize.least_squares(miss, start, method="lm")
    return unpack(solution.x) if solution.success else noise
