"""The least-squares problem behind `RecoveryFit`: the log gap after restoration, its error
covariance, the multi-start fit and the profile-likelihood intervals.

Parameters are fitted on transformed scales (logit for shares, log for hours) and the recovery
shape is `impact.model.shape`'s, the same the model integrates; `impact.calibration.recovery`
wraps this in the estimator contract.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize

from impact.calibration.baseline import Baseline
from impact.calibration.series import HOUR
from impact.exceptions import ConvergenceWarning
from impact.model import shape

__all__ = ["GapProblem", "fitted_frame", "gap_error_covariance", "natural"]

LN2 = math.log(2.0)
PARAMETERS = ("drop_at_restore", "half_life_hours", "quality_loss", "latency_hours")


def gap_curve(
    u_hours: np.ndarray,
    drop_at_restore: float,
    half_life_hours: float,
    quality_loss: float = 0.0,
    latency_hours: float = 0.0,
) -> np.ndarray:
    """Share of normal activity missing u hours after restoration: 1 − (1 − ge(u))·(1 − ga(u)).

    The shape is the model's own (`impact.model.shape.activity`, without churn); here
    `quality_loss` is the quality drop at restoration, aq.

    >>> gap_curve(np.array([0.0, 36.0]), 0.2, 36.0).round(3).tolist()
    [0.2, 0.1]
    """
    a = shape.activity(u_hours, drop_at_restore, half_life_hours, quality_loss, latency_hours)
    return np.asarray(1.0 - a)


def natural(p: np.ndarray) -> np.ndarray:
    """Transformed parameters (logit ae, log he, logit q, log L) to natural ones."""
    out = np.empty_like(p)
    out[0::2] = 1 / (1 + np.exp(-p[0::2]))
    out[1::2] = np.exp(p[1::2])
    return out


def _binned_ramp(u: np.ndarray, latency: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """max(0, 1 − s/L) averaged over s in [u − w/2, u + w/2], and its derivative in log L.

    A row of an hourly (daily) series totals an hour (a day), so the ramp's corner at s = L
    falls inside one row; averaging over the row there makes the fit smooth in L (a pointwise
    ramp has a kink at every row, and least squares stalls on them). Elsewhere the average of
    the linear ramp is its value at u.
    """
    a = u - width / 2
    linear = u + width / 2 <= latency
    inside = ~linear & (a < latency)
    part = np.where(inside, np.clip(latency - a, 0, None), 0.0)
    ramp = np.where(linear, 1 - u / latency, part**2 / (2 * latency * width))
    d_latency = np.where(
        linear, u / latency**2, np.where(inside, (latency**2 - a**2) / (2 * latency**2 * width), 0)
    )
    return ramp, d_latency * latency


def _log_gap(p: np.ndarray, u: np.ndarray, width: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """log(1 − gap(u)) and its Jacobian in the transformed parameters (rows `width` hours)."""
    theta = natural(p)
    ae, he = theta[0], theta[1]
    decay = np.exp2(-u / he)
    keep = 1 - ae * decay
    value = np.log(keep)
    jac = np.empty((u.size, p.size))
    jac[:, 0] = -decay / keep * ae * (1 - ae)
    jac[:, 1] = -ae * decay * LN2 * u / he / keep  # d/d(log he) = he · d/d(he)
    if p.size == 4:
        q, latency = theta[2], theta[3]
        ramp, d_ramp = _binned_ramp(u, latency, width)
        keep_q = 1 - q * ramp
        value = value + np.log(keep_q)
        jac[:, 2] = -ramp / keep_q * q * (1 - q)
        jac[:, 3] = -q * d_ramp / keep_q
    return value, jac


def fitted_frame(
    values: np.ndarray,
    level: np.ndarray,
    u: np.ndarray,
    theta: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
) -> pd.DataFrame:
    """Observed values, the normal level, and the observed and fitted relative gap, per row."""
    fitted_gap = np.full(values.size, np.nan)
    fitted_gap[post] = gap_curve(u, *theta)
    return pd.DataFrame(
        {
            "observed": values,
            "normal_level": level,
            "gap_observed": 1 - values / level,
            "gap_fitted": fitted_gap,
            "period": np.where(pre, "before", np.where(post, "recovery", "outage")),
        }
    )


MAX_MODES = 3  # local minima whose profiles are traced
MAX_STEPS = 30  # profile evaluations per end
TOLERANCE = 1e-6  # least squares: relative change in cost, step and gradient


def gap_error_covariance(
    baseline: Baseline, index: pd.DatetimeIndex, pre: np.ndarray, post: np.ndarray
) -> np.ndarray:
    """Covariance of the errors of the log gap after restoration, d = e_post − X_post·β̂_error.

    β̂_error = (XᵀX)⁻¹Xᵀ·e_pre is the error of the normal level fitted before the onset; all
    errors follow the baseline's AR(p) model, whose autocovariance γ makes Σ Toeplitz. With
    G the pre-period gain placed on the pre rows and C = Σ·Gᵀ:
    Cov(d) = Σ_post − X·C_postᵀ − C_post·Xᵀ + X·(G·C)·Xᵀ, X = X_post.
    """
    noise = baseline.noise
    n = index.size
    gamma = noise.autocovariance(n)
    rows = np.flatnonzero(post)
    sigma_post = linalg.toeplitz(gamma[: rows.size])  # post rows are consecutive
    gain = np.zeros((n, baseline.design_pre.shape[1]))
    gain[pre] = baseline.coefficient_gain().T
    c = np.asarray(linalg.matmul_toeplitz(gamma, gain)).reshape(n, -1)
    x_post = baseline.design(index[post])
    cross = x_post @ c[rows].T
    cov = sigma_post - cross - cross.T + x_post @ (gain.T @ c) @ x_post.T
    return np.asarray((cov + cov.T) / 2)


class _BetterOptimum(Exception):
    """Raised when profiling finds parameters with a lower cost than the fit."""

    def __init__(self, p: np.ndarray) -> None:
        super().__init__("a lower minimum")
        self.p = p


class GapProblem:
    """The log gap after restoration as a Gaussian model with a known error covariance.

    Residuals are whitened by the inverse Cholesky factor of that covariance, so the cost
    ½·‖r‖² is −log-likelihood up to a constant and 2·Δcost is the likelihood-ratio statistic.
    """

    def __init__(
        self,
        u: np.ndarray,
        gap_log: np.ndarray,
        cov: np.ndarray,
        step: pd.Timedelta,
        with_latency: bool,
    ) -> None:
        self.u = u
        scale = float(np.mean(np.diag(cov))) or 1.0
        try:
            chol = linalg.cholesky(cov, lower=True)
        except linalg.LinAlgError:
            chol = linalg.cholesky(cov + 1e-9 * scale * np.eye(u.size), lower=True)
        self.white = linalg.solve_triangular(chol, np.eye(u.size), lower=True)
        self.y = self.white @ gap_log
        self.gap_log = gap_log
        step_hours = step / HOUR
        self.width = step_hours
        span = max(float(u.max()), step_hours)
        head = gap_log[: max(1, int(6 / step_hours))]
        self.ae0 = float(np.clip(1 - np.exp(head.mean()), 0.02, 0.9))
        lower = [-12.0, math.log(step_hours / 4)]
        upper = [12.0, math.log(20 * span)]
        half_lives = [span / 20, span / 6, span / 2]
        if with_latency:
            lower += [-12.0, math.log(step_hours)]
            upper += [12.0, math.log(2 * span)]
            starts = [
                [self.ae0 / 2, h, self.ae0 / 2, lat]
                for h in half_lives
                for lat in (span / 6, span / 2, span)
            ]
            starts += [[self.ae0, h, 0.005, span / 2] for h in half_lives]  # hardly any ramp
        else:
            starts = [[self.ae0, h] for h in half_lives]
        self.lower, self.upper = np.array(lower), np.array(upper)
        self.starts = starts
        self._cache_key: bytes = b""
        self._cache = (np.empty(0), np.empty((0, 0)))

    def _model(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """_log_gap at p, remembered: least squares asks for residuals and Jacobian at one p."""
        key = p.tobytes()
        if key != self._cache_key:
            self._cache_key, self._cache = key, _log_gap(p, self.u, self.width)
        return self._cache

    def residual(self, p: np.ndarray) -> np.ndarray:
        return self.y - self.white @ self._model(p)[0]

    def jacobian(self, p: np.ndarray) -> np.ndarray:
        return -self.white @ self._model(p)[1]

    def _inside(self, p: np.ndarray) -> np.ndarray:
        return np.clip(p, self.lower + 1e-6, self.upper - 1e-6)

    def _solve(self, p0: np.ndarray, free: np.ndarray | None = None) -> Any:
        """Least squares from p0 over the `free` parameters (all when None); the rest fixed."""
        free = np.ones(p0.size, dtype=bool) if free is None else free
        fixed = self._inside(p0)

        def full(x: np.ndarray) -> np.ndarray:
            out = fixed.copy()
            out[free] = x
            return out

        solution = optimize.least_squares(
            lambda x: self.residual(full(x)),
            fixed[free],
            jac=lambda x: self.jacobian(full(x))[:, free],
            bounds=(self.lower[free], self.upper[free]),
            method="trf",
            x_scale="jac",
            ftol=TOLERANCE,
            xtol=TOLERANCE,
            gtol=TOLERANCE,
        )
        solution.x = full(solution.x)
        return solution

    def fit(self) -> tuple[np.ndarray, float, list[tuple[np.ndarray, float]]]:
        """Multi-start fit on the transformed scale: the estimate, its cost, the local minima.

        The local minima are distinct fitted curves, lowest cost first; with the latency ramp
        the likelihood can have several (a fast exponential plus a long ramp, a slow one and
        hardly any ramp), and each within the cut-off contributes to the intervals.
        """
        solutions = []
        for start in self.starts:
            p0 = np.array(start, dtype=float)
            p0[0::2] = np.log(p0[0::2] / (1 - p0[0::2]))
            p0[1::2] = np.log(p0[1::2])
            solutions.append(self._solve(p0))
        solutions.sort(key=lambda s: float(s.cost))
        best = solutions[0]
        if best.status <= 0:
            warnings.warn(
                ConvergenceWarning(
                    f"the recovery fit did not converge ({best.message}); "
                    "treat its estimates as rough"
                ),
                stacklevel=4,
            )
        modes: list[tuple[np.ndarray, float]] = []
        for solution in solutions:
            x = np.asarray(solution.x)
            if all(not self._same_curve(x, m) for m, _ in modes):
                modes.append((x, float(solution.cost)))
        return np.asarray(best.x), float(best.cost), modes

    def _same_curve(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether two parameter vectors fit (nearly) the same curve, in likelihood units."""
        curves = (_log_gap(x, self.u, self.width)[0] for x in (a, b))
        diff = self.white @ (next(curves) - next(curves))
        return float(diff @ diff) < 0.05

    def covariance(self, p: np.ndarray) -> np.ndarray:
        """Delta-method covariance (J_wᵀJ_w)⁻¹ of the transformed parameters."""
        jac = self.jacobian(p)
        return np.asarray(np.linalg.pinv(jac.T @ jac))

    def at_bound(self, p: np.ndarray) -> dict[str, bool]:
        span_bounds = self.upper - self.lower
        near = np.minimum(p - self.lower, self.upper - p) < 1e-3 * span_bounds
        return {n: bool(b) for n, b in zip(PARAMETERS, near, strict=False)}

    def profile_intervals(
        self, p_hat: np.ndarray, cost: float, modes: list[tuple[np.ndarray, float]], z: float
    ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, list[bool]]:
        """Profile-likelihood intervals {θ_i : 2·(min cost given θ_i − min cost) ≤ z²}.

        Each profile is traced from every local minimum within the cut-off (warm-started
        continuation cannot jump between them) and the interval is the hull of the pieces.
        If a profile finds a lower minimum than the fit, the fit moves there and starts over.
        Returns the (possibly improved) estimate and cost, the ends on the transformed scale,
        and per parameter whether an end is a bound of the search.
        """
        cut = z * z
        modes = list(modes)
        for _ in range(5):
            try:
                low, high = p_hat.copy(), p_hat.copy()
                edge = [False] * p_hat.size
                for p_mode, c_mode in modes[:MAX_MODES]:
                    excess = 2 * (c_mode - cost)
                    if excess >= cut:
                        continue
                    cov = self.covariance(p_mode)
                    for i in range(p_hat.size):
                        lo, hi, at_edge = self._trace(p_mode, cost, excess, cov, i, cut)
                        low[i], high[i] = min(low[i], lo), max(high[i], hi)
                        edge[i] = edge[i] or at_edge
                return p_hat, cost, low, high, edge
            except _BetterOptimum as better:
                solution = self._solve(better.p)
                p_hat, cost = np.asarray(solution.x), float(solution.cost)
                modes = [(p_hat, cost), *(m for m in modes if not self._same_curve(m[0], p_hat))]
        return p_hat, cost, low, high, edge

    def _trace(
        self, p_mode: np.ndarray, cost: float, excess: float, cov: np.ndarray, i: int, cut: float
    ) -> tuple[float, float, bool]:
        """Both ends of parameter i's profile traced from one local minimum.

        r(t) = √(2·(profile cost at t − cost) − excess) grows about linearly away from the
        minimum; the ends are where it reaches √(cut − excess), found by extrapolation and
        then by interpolation inside the bracket.
        """
        free = np.arange(p_mode.size) != i
        var = float(cov[i, i])
        se = math.sqrt(var) if var > 0 else 0.1
        slope = cov[:, i] / var if var > 0 else np.zeros(p_mode.size)
        target = math.sqrt(cut - excess)
        ends, edge = [], False
        for sign in (-1.0, 1.0):
            bound = float(self.lower[i] if sign < 0 else self.upper[i])
            t_in, r_in, p_in = float(p_mode[i]), 0.0, p_mode
            t_out, r_out = math.nan, math.nan
            t = t_in + sign * target * se
            end = t
            for _ in range(MAX_STEPS):
                t = float(np.clip(t, min(t_in, bound), max(t_in, bound)))
                p0 = p_in + slope * (t - t_in)
                p0[i] = t
                solution = self._solve(p0, free)
                deviance = 2 * (float(solution.cost) - cost)
                if deviance < -1e-6 * max(1.0, 2 * cost):
                    raise _BetterOptimum(np.asarray(solution.x))
                r = math.sqrt(max(deviance - excess, 0.0))
                if r < target:
                    t_in, r_in, p_in = t, r, np.asarray(solution.x)
                    if t == bound:
                        end, edge = bound, True
                        break
                else:
                    t_out, r_out = t, r
                end = t
                if abs(r - target) < 0.01 * target or abs(t_out - t_in) < 1e-3 * se:
                    break
                if math.isnan(t_out):  # extrapolate the (nearly linear) root
                    gone = abs(t_in - p_mode[i])
                    step = gone * (target / r_in - 1) if r_in > 0.05 * target else 4 * se
                    t = t_in + sign * min(max(step, 0.25 * se), 4 * max(gone, se))
                else:  # interpolate inside the bracket
                    w = (target - r_in) / (r_out - r_in)
                    t = t_in + min(max(w, 0.1), 0.9) * (t_out - t_in)
            ends.append(end)
        return ends[0], ends[1], edge
