"""Fast inverse CDFs for the families whose scipy inverse is iterative (beta/PERT, gamma, …).

`scipy.special.betaincinv` and `gammaincinv` solve F(x) = u value by value, at about a million
values a second: pushing a 22-column Latin hypercube or Sobol design through them would cost far
more than the model. Here each distribution gets a table, built once with scipy's exact inverse:

* on the logit scale w = log(u / (1 − u)) the inverse CDF x(w) is smooth even where x(u) is
  not (near u = 0, a beta's x ~ u^(1/a) = exp(w/a)), so a uniform grid in w needs no special
  handling of the tails;
* the grid has `CELLS` cells over |w| ≤ `W_MAX` (u from 1e-12 to 1 − 1e-12); each node holds the
  exact x and the exact slope dx/dw = u·(1 − u)/f(x), and a cubic Hermite polynomial joins them;
* values of u outside the grid (a share 2e-12 of uniform draws) go to scipy, as do shapes whose
  density is unbounded (beta a < 1 or b < 1, gamma shape < 1), where x(w) is not smooth.

The result agrees with scipy to |F(x) − u| ≤ 1e-11 (tests/test_inverse.py checks 1e-10 on dense
grids of u, tails included) at 10–20 times scipy's speed; `benchmarks/bench_sampling.py`
measures it. A table is a few hundred kB and takes a few milliseconds to build; tables are
cached per parameter set, in each process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "CELLS",
    "W_MAX",
    "HermiteTable",
    "beta_ppf",
    "gamma_ppf",
    "poisson_ppf",
    "truncated_normal_ppf",
]

FloatArray = NDArray[np.float64]
CELLS = 4096
W_MAX = 27.6  # logit(1 − 1e-12) ≈ 27.63: the grid covers u in [1.03e-12, 1 − 1.03e-12]
POISSON_TABLE_MAX_MEAN = 1e6  # above this, a table of the CDF would be too long


@dataclass(frozen=True, eq=False)
class HermiteTable:
    """Cubic Hermite pieces of x(w), w = logit(u), on a uniform grid; scipy outside it."""

    coefficients: FloatArray  # (CELLS, 4): x = c0 + t·(c1 + t·(c2 + t·c3)), t in [0, 1)
    exact: Callable[[FloatArray], FloatArray]

    def __call__(self, u: ArrayLike) -> FloatArray:
        u = np.asarray(u, dtype=float)
        flat = u.ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.log(flat / (1.0 - flat))  # u = 0 → −inf, u = 1 → inf, outside [0, 1] → nan
        t += W_MAX
        t *= CELLS / (2 * W_MAX)
        inside = (t >= 0.0) & (t < CELLS)
        cell = np.where(inside, t, 0.0).astype(np.intp)
        t -= cell
        c = self.coefficients[cell]
        out = c[:, 3] * t
        out += c[:, 2]
        out *= t
        out += c[:, 1]
        out *= t
        out += c[:, 0]
        if not inside.all():
            outside = ~inside
            out[outside] = self.exact(flat[outside])
        return out.reshape(u.shape)


def _grid() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Nodes w, u = expit(w), log u and log(1 − u), the last two without cancellation."""
    w = np.linspace(-W_MAX, W_MAX, CELLS + 1)
    return w, special.expit(w), -np.logaddexp(0.0, -w), -np.logaddexp(0.0, w)


def _table(
    x: FloatArray, log_pdf: FloatArray, exact: Callable[[FloatArray], FloatArray]
) -> HermiteTable:
    """The Hermite table through nodes x with slopes u(1 − u)/f(x) per unit of t (one cell)."""
    _, _, log_u, log_v = _grid()
    with np.errstate(over="ignore"):
        slope = np.exp(log_u + log_v - log_pdf) * (2 * W_MAX / CELLS)
    slope = np.where(np.isfinite(slope), slope, 0.0)
    x0, x1, s0, s1 = x[:-1], x[1:], slope[:-1], slope[1:]
    dx = x1 - x0
    coefficients = np.stack([x0, s0, 3 * dx - 2 * s0 - s1, s0 + s1 - 2 * dx], axis=1)
    return HermiteTable(np.ascontiguousarray(coefficients), exact)


@lru_cache(maxsize=256)
def _beta_table(a: float, b: float) -> HermiteTable | None:
    if a < 1 or b < 1:  # unbounded density: x(w) is not smooth at an end; scipy throughout
        return None
    _, u, _, _ = _grid()
    upper = u > 0.5
    # Above the median, solve for 1 − x from the upper tail: accurate where u is close to 1.
    x = np.where(
        upper,
        1.0 - special.betaincinv(b, a, special.expit(-_grid()[0])),
        special.betaincinv(a, b, u),
    )
    log_pdf = special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - special.betaln(a, b)
    return _table(x, log_pdf, lambda v: np.asarray(special.betaincinv(a, b, v), dtype=float))


def beta_ppf(a: float, b: float, u: ArrayLike) -> FloatArray:
    """Inverse CDF of Beta(a, b) at u, like `scipy.special.betaincinv(a, b, u)`, but fast.

    >>> round(float(beta_ppf(2.0, 3.0, 0.5)), 12) == round(float(special.betaincinv(2, 3, 0.5)), 12)
    True
    """
    table = _beta_table(float(a), float(b))
    if table is None:
        return np.asarray(special.betaincinv(a, b, np.asarray(u, dtype=float)), dtype=float)
    return table(u)


@lru_cache(maxsize=256)
def _gamma_table(shape: float) -> HermiteTable | None:
    if shape < 1:  # unbounded density at 0
        return None
    w, u, _, _ = _grid()
    x = np.where(
        u > 0.5,
        special.gammainccinv(shape, special.expit(-w)),
        special.gammaincinv(shape, u),
    )
    log_pdf = special.xlogy(shape - 1, x) - x - special.gammaln(shape)
    return _table(x, log_pdf, lambda v: np.asarray(special.gammaincinv(shape, v), dtype=float))


def gamma_ppf(shape: float, u: ArrayLike) -> FloatArray:
    """Inverse CDF of Gamma(shape, scale 1) at u, like `scipy.special.gammaincinv`, but fast."""
    table = _gamma_table(float(shape))
    if table is None:
        return np.asarray(special.gammaincinv(shape, np.asarray(u, dtype=float)), dtype=float)
    return table(u)


def truncated_normal_ppf(mu: float, sd: float, low: float, high: float, u: ArrayLike) -> FloatArray:
    """Inverse CDF of Normal(mu, sd) truncated to [low, high], in closed form with `ndtri`.

    Each side is solved from its own tail, z = Φ⁻¹(Φ(a) + u·m) below the median and
    z = −Φ⁻¹(Φ(−b) + (1 − u)·m) above (m the mass kept), so neither tail loses precision.
    """
    u = np.asarray(u, dtype=float)
    a, b = (low - mu) / sd, (high - mu) / sd
    if a >= 0:  # the whole range lies above the mean: take the mass from the upper tails
        mass = float(special.ndtr(-a) - special.ndtr(-b))
    else:
        mass = float(special.ndtr(b) - special.ndtr(a))
    below = float(special.ndtr(a)) + u * mass  # Φ(z)
    above = float(special.ndtr(-b)) + (1.0 - u) * mass  # 1 − Φ(z), summed without cancelling
    z = np.where(below <= 0.5, special.ndtri(below), -special.ndtri(above))
    return np.asarray(np.clip(mu + sd * z, low, high), dtype=float)


@lru_cache(maxsize=64)
def _poisson_cdf(lam: float) -> FloatArray | None:
    from scipy import stats  # on use: scipy.stats is slow to import

    if lam > POISSON_TABLE_MAX_MEAN:
        return None
    top = stats.poisson.isf(1e-16, lam)
    if not np.isfinite(top):  # pragma: no cover - scipy gives a count for any finite mean
        return None
    cdf = np.asarray(stats.poisson.cdf(np.arange(int(top) + 3), lam), dtype=float)
    # Where the CDF is within 1e-10 of 1 it is flat to a few ulps and k is ill-defined: the
    # table stops there and scipy answers for the rest (a share below 1e-10 of draws).
    return cdf[: int(np.searchsorted(cdf, 1.0 - 1e-10, side="left")) + 1]


def poisson_ppf(lam: float, u: ArrayLike) -> FloatArray:
    """Inverse CDF of Poisson(lam): the least k with F(k) ≥ u, read off a table of the CDF."""
    from scipy import stats  # on use: scipy.stats is slow to import

    u = np.asarray(u, dtype=float)
    cdf = _poisson_cdf(float(lam))
    if cdf is None:
        return np.asarray(np.maximum(stats.poisson.ppf(u, lam), 0.0), dtype=float)
    k = np.searchsorted(cdf, u, side="left").astype(float)
    beyond = (k >= cdf.size) | ~(u < 1.0)  # u = 1 (inf) and NaN as scipy gives them
    if beyond.any():
        k[beyond] = np.maximum(stats.poisson.ppf(u[beyond], lam), 0.0)
    return k
