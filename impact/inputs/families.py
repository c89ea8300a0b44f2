"""The distribution families of the spec grammar, each declared once.

A row gives the spec name, the parameters as a spec names them, the `impact` distribution
class, and, for the families calibration fits to data (lognormal, gamma, Weibull), the
maximum-likelihood fit (scipy.stats with the location fixed at 0), the scipy frozen form, and
the spec that writes a fit back into the grammar.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from impact.inputs.continuous import (
    Beta,
    Gamma,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    Weibull,
)
from impact.inputs.discrete import Choice, Empirical, Poisson
from impact.inputs.dist_base import Distribution

__all__ = ["FAMILIES", "FITTED", "Family", "Fit", "NormalForm", "number"]

Params = tuple[float, float]
_NORM_PDF_C = np.sqrt(2 * np.pi)  # scipy.stats' own constants (`_norm_pdf_C`), the same doubles
_NORM_PDF_LOGC = np.log(_NORM_PDF_C)


@dataclass(frozen=True)
class Fit:
    """How a two-parameter family is fitted to positive data and written back as a spec."""

    mle: Callable[[np.ndarray], Params]
    frozen: Callable[[Params], Any]  # the scipy.stats frozen distribution
    spec: Callable[[Params], str]


@dataclass(frozen=True)
class Family:
    """One family: its spec name, parameter names, signature for help texts, and class."""

    name: str
    parameters: tuple[str, ...]
    distribution: type[Distribution]
    signature: str = ""
    fit: Fit | None = None
    # The scipy.stats frozen form of an instance, for its density (evidence; a normal's is
    # `NormalForm`, scipy's numbers without scipy.stats); None: no density over a continuous
    # quantity (a choice, Poisson counts).
    scipy: Callable[[Any], Any] | None = None

    @property
    def usage(self) -> str:
        """How to write it: 'pert(low, mode, high)'."""
        return self.signature or f"{self.name}({', '.join(self.parameters)})"


def _stats() -> Any:
    # Imported on use: `impact --help`, and `impact validate` of a scenario without [evidence]
    # (whose densities it checks), need no scipy.stats (tests/test_architecture.py).
    from scipy import stats

    return stats


@dataclass(frozen=True, slots=True)
class NormalForm:
    """A normal measurement's frozen form, computed as scipy.stats' `norm(loc=, scale=)` is, bit
    for bit (scipy 1.17 `_continuous_distns.py`: `_norm_pdf`, `_norm_logpdf`, `_norm_cdf`,
    `_norm_sf`, `_norm_ppf`; `_distn_infrastructure.py` rv_continuous `pdf`/`cdf`/`sf`/`ppf`
    standardise to z = (x − loc)/scale and scale back), with scipy.special alone: importing
    scipy.stats costs about 0.4 s of a run whose evidence is all normal measurements (every
    built-in scenario's). `loc` finite and `scale` finite and > 0 (the `Normal` class checks
    both), so scipy's argument checks have nothing to refuse; tests/test_families.py compares
    every method with scipy's on edge values too."""

    loc: float
    scale: float

    def _z(self, x: Any) -> np.ndarray:
        return np.asarray((np.asarray(x, dtype=np.float64) - self.loc) / self.scale)

    def pdf(self, x: Any) -> Any:
        z = self._z(x)  # scipy: _norm_pdf(z) / scale; 0 at ±inf and NaN at NaN, as scipy's
        return (np.exp(-(z**2) / 2.0) / _NORM_PDF_C / self.scale)[()]

    def logpdf(self, x: Any) -> Any:
        z = self._z(x)  # scipy: _norm_logpdf(z) − log(scale)
        return (-(z**2) / 2.0 - _NORM_PDF_LOGC - np.log(self.scale))[()]

    def cdf(self, x: Any) -> Any:
        from scipy import special  # scipy: ndtr(z), which is 0 and 1 at ∓inf as scipy places

        return np.asarray(special.ndtr(self._z(x)))[()]

    def sf(self, x: Any) -> Any:
        from scipy import special  # scipy: _norm_sf(z) = ndtr(−z)

        return np.asarray(special.ndtr(-self._z(x)))[()]

    def ppf(self, q: Any) -> Any:
        from scipy import special  # scipy: ndtri(q) * scale + loc; ±inf at 0 and 1, NaN outside

        q = np.asarray(q, dtype=np.float64)
        return np.asarray(special.ndtri(q) * self.scale + self.loc)[()]

    def mean(self) -> float:
        return float(0.0 * self.scale + self.loc)  # scipy: mu * scale + loc with mu = 0.0

    def var(self) -> float:
        return float(1.0 * self.scale * self.scale)  # scipy: mu2 * scale * scale, mu2 = 1.0

    def std(self) -> float:
        return float(np.sqrt(self.var()))

    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)


def _normal_form(d: Normal) -> Any:
    # Normal checks sd finite and > 0; the guard keeps scipy's own form for anything else.
    if math.isfinite(d.mu) and math.isfinite(d.sd) and d.sd > 0:
        return NormalForm(d.mu, d.sd)
    return _stats().norm(loc=d.mu, scale=d.sd)


def _lognormal_mle(x: np.ndarray) -> Params:
    stats = _stats()
    sigma, _, median = stats.lognorm.fit(x, floc=0)
    return float(median), float(sigma)


def _shape_scale_mle(name: str) -> Callable[[np.ndarray], Params]:
    def mle(x: np.ndarray) -> Params:
        shape, _, scale = getattr(_stats(), name).fit(x, floc=0)
        return float(shape), float(scale)

    return mle


def number(x: float, digits: int = 4) -> str:
    """A short number for a spec: 4 significant digits, no exponent for everyday sizes.

    >>> number(36.24718), number(0.0123456), number(1234567.0), number(0.525), number(217.0)
    ('36.25', '0.01235', '1234567', '0.525', '217')
    """
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{round(x, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_ROWS = (
    Family(
        "uniform",
        ("low", "high"),
        Uniform,
        scipy=lambda d: _stats().uniform(loc=d.low, scale=d.high - d.low),
    ),
    Family(
        "triangular",
        ("low", "mode", "high"),
        Triangular,
        scipy=lambda d: _stats().triang(
            (d.mode - d.low) / (d.high - d.low), loc=d.low, scale=d.high - d.low
        ),
    ),
    Family(
        "pert",
        ("low", "mode", "high"),
        Pert,
        scipy=lambda d: _stats().beta(d.alpha, d.beta, loc=d.low, scale=d.high - d.low),
    ),
    Family(
        "normal",
        ("mean", "sd"),
        Normal,
        scipy=_normal_form,  # a measurement: not truncated
    ),
    Family(
        "lognormal",
        ("median", "sigma"),
        Lognormal,
        "lognormal(median=…, sigma=…) or lognormal(p5=…, p95=…)",
        Fit(
            _lognormal_mle,
            lambda p: _stats().lognorm(p[1], scale=p[0]),
            lambda p: f"lognormal(median={number(p[0])}, sigma={number(p[1])})",
        ),
        scipy=lambda d: _stats().lognorm(d.sigma, scale=math.exp(d.mu)),
    ),
    Family("beta", ("a", "b"), Beta, scipy=lambda d: _stats().beta(d.a, d.b)),
    Family(
        "gamma",
        ("shape", "scale"),
        Gamma,
        fit=Fit(
            _shape_scale_mle("gamma"),
            lambda p: _stats().gamma(p[0], scale=p[1]),
            lambda p: f"gamma({number(p[0])}, {number(p[1])})",
        ),
        scipy=lambda d: _stats().gamma(d.shape, scale=d.scale),
    ),
    Family(
        "weibull",
        ("shape", "scale"),
        Weibull,
        fit=Fit(
            _shape_scale_mle("weibull_min"),
            lambda p: _stats().weibull_min(p[0], scale=p[1]),
            lambda p: f"weibull({number(p[0])}, {number(p[1])})",
        ),
        scipy=lambda d: _stats().weibull_min(d.shape, scale=d.scale),
    ),
    Family("poisson", ("mean",), Poisson),
    Family("choice", ("values", "p"), Choice, "choice(v1, v2, …; p=p1, p2, …)"),
    Family(
        "empirical",
        ("path:column",),
        Empirical,
        "empirical(path.csv:column)",
        scipy=lambda d: _stats().gaussian_kde(d.values),
    ),
)
FAMILIES: dict[str, Family] = {family.name: family for family in _ROWS}
FITTED: dict[str, Family] = {f.name: f for f in _ROWS if f.fit is not None}
_BY_CLASS: dict[type[Distribution], Family] = {f.distribution: f for f in _ROWS}


def family_of(dist: Distribution) -> Family | None:
    """The registry row of a distribution's family (None for a fixed value)."""
    return _BY_CLASS.get(type(dist))
