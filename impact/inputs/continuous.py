"""Continuous input distributions: uniform, triangular, PERT, normal, lognormal, beta, gamma…"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from impact.inputs.dist_base import Z95, Distribution, FloatArray, finite, fmt, problem
from impact.inputs.inverse import beta_ppf, gamma_ppf, truncated_normal_ppf

__all__ = ["Beta", "Gamma", "Lognormal", "Normal", "Pert", "Triangular", "Uniform", "Weibull"]


@dataclass(frozen=True, slots=True)
class Uniform(Distribution):
    """Uniform on [low, high]."""

    name: ClassVar[str] = "uniform"
    draws_in_support: ClassVar[bool] = True
    low: float
    high: float

    def __post_init__(self) -> None:
        finite(low=self.low, high=self.high)
        if not self.low < self.high:
            raise problem("low must be below high (use a fixed value for a point)")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(self.low, self.high, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def spec(self) -> str:
        return f"uniform({fmt(self.low)}, {fmt(self.high)})"


@dataclass(frozen=True, slots=True)
class Triangular(Distribution):
    """Triangular with the given low, mode and high."""

    name: ClassVar[str] = "triangular"
    draws_in_support: ClassVar[bool] = True
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        finite(low=self.low, mode=self.mode, high=self.high)
        if not self.low < self.high:
            raise problem("low must be below high")
        if not self.low <= self.mode <= self.high:
            raise problem("mode must lie between low and high")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.triangular(self.low, self.mode, self.high, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.mode, self.high
        cut = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < cut, left, right)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def spec(self) -> str:
        return f"triangular({fmt(self.low)}, {fmt(self.mode)}, {fmt(self.high)})"


@dataclass(frozen=True, slots=True)
class Pert(Distribution):
    """Beta-PERT with lambda 4: low + (high - low)·Beta(α, β), α = 1 + 4(mode-low)/(high-low)."""

    name: ClassVar[str] = "pert"
    draws_in_support: ClassVar[bool] = True
    low: float
    mode: float
    high: float
    lam: float = 4.0

    def __post_init__(self) -> None:
        finite(low=self.low, mode=self.mode, high=self.high)
        if not self.low < self.high:
            raise problem("low must be below high")
        if not self.low <= self.mode <= self.high:
            raise problem("mode must lie between low and high")

    @property
    def alpha(self) -> float:
        return 1 + self.lam * (self.mode - self.low) / (self.high - self.low)

    @property
    def beta(self) -> float:
        return 1 + self.lam * (self.high - self.mode) / (self.high - self.low)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        x = rng.beta(self.alpha, self.beta, n)
        x *= self.high - self.low  # in place: no temporaries
        x += self.low
        return x

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * beta_ppf(self.alpha, self.beta, u)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.lam * self.mode + self.high) / (self.lam + 2)

    def spec(self) -> str:
        return f"pert({fmt(self.low)}, {fmt(self.mode)}, {fmt(self.high)})"


@dataclass(frozen=True, slots=True)
class Normal(Distribution):
    """Normal(mean, sd) truncated to [low, high] (the key's domain)."""

    name: ClassVar[str] = "normal"
    mu: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    _scipy: object = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        finite(mean=self.mu, sd=self.sd)
        if not self.sd > 0:
            raise problem("sd must be > 0 (use a fixed value for a point)")
        a, b = (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd
        mass = special.ndtr(b) - special.ndtr(a)
        if not mass > 1e-9:
            raise problem(
                f"almost none of its mass lies in the allowed range [{self.low:g}, {self.high:g}]"
            )

    @property
    def _frozen(self) -> object:
        """scipy's truncnorm of this distribution, made on first use: scipy.stats is slow to
        import, and parsing a spec (`impact validate`) needs none of it."""
        if self._scipy is None:
            from scipy import stats

            a, b = (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd
            frozen = stats.truncnorm(a, b, loc=self.mu, scale=self.sd)
            object.__setattr__(self, "_scipy", frozen)
        return self._scipy

    def ppf(self, u: ArrayLike) -> FloatArray:
        return truncated_normal_ppf(self.mu, self.sd, self.low, self.high, u)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        if self.low == -math.inf and self.high == math.inf:
            return rng.normal(self.mu, self.sd, n)
        return self.ppf(rng.random(n))

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return float(self._frozen.mean())  # type: ignore[attr-defined]

    def spec(self) -> str:
        return f"normal({fmt(self.mu)}, {fmt(self.sd)})"


@dataclass(frozen=True, slots=True)
class Lognormal(Distribution):
    """Lognormal: log(X) ~ Normal(mu, sigma); the median is exp(mu)."""

    name: ClassVar[str] = "lognormal"
    mu: float
    sigma: float

    def __post_init__(self) -> None:
        finite(mu=self.mu, sigma=self.sigma)
        if not self.sigma > 0:
            raise problem("sigma must be > 0 (use a fixed value for a point)")

    @classmethod
    def from_median(cls, median: float, sigma: float) -> Lognormal:
        if not median > 0:
            raise problem("median must be > 0")
        return cls(math.log(median), sigma)

    @classmethod
    def from_interval(cls, p5: float, p95: float) -> Lognormal:
        """The lognormal whose 5th and 95th percentiles are p5 and p95."""
        if not 0 < p5 < p95:
            raise problem("need 0 < p5 < p95")
        lo, hi = math.log(p5), math.log(p95)
        return cls((lo + hi) / 2, (hi - lo) / (2 * Z95))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.lognormal(self.mu, self.sigma, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return np.exp(self.mu + self.sigma * special.ndtri(np.asarray(u, dtype=float)))

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def spec(self) -> str:
        return f"lognormal(median={fmt(math.exp(self.mu))}, sigma={fmt(self.sigma)})"


@dataclass(frozen=True, slots=True)
class Beta(Distribution):
    """Beta(a, b) on [0, 1]."""

    name: ClassVar[str] = "beta"
    a: float
    b: float

    def __post_init__(self) -> None:
        finite(a=self.a, b=self.b)
        if not (self.a > 0 and self.b > 0):
            raise problem("a and b must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.beta(self.a, self.b, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return beta_ppf(self.a, self.b, u)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def spec(self) -> str:
        return f"beta({fmt(self.a)}, {fmt(self.b)})"


@dataclass(frozen=True, slots=True)
class Gamma(Distribution):
    """Gamma with the given shape and scale (mean shape·scale)."""

    name: ClassVar[str] = "gamma"
    shape: float
    scale: float

    def __post_init__(self) -> None:
        finite(shape=self.shape, scale=self.scale)
        if not (self.shape > 0 and self.scale > 0):
            raise problem("shape and scale must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.gamma(self.shape, self.scale, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.scale * gamma_ppf(self.shape, u)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return self.shape * self.scale

    def spec(self) -> str:
        return f"gamma({fmt(self.shape)}, {fmt(self.scale)})"


@dataclass(frozen=True, slots=True)
class Weibull(Distribution):
    """Weibull with the given shape and scale: P(X > x) = exp(-(x/scale)^shape)."""

    name: ClassVar[str] = "weibull"
    shape: float
    scale: float

    def __post_init__(self) -> None:
        finite(shape=self.shape, scale=self.scale)
        if not (self.shape > 0 and self.scale > 0):
            raise problem("shape and scale must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.scale * rng.weibull(self.shape, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        u = np.asarray(u, dtype=float)
        return self.scale * (-np.log1p(-u)) ** (1.0 / self.shape)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    def spec(self) -> str:
        return f"weibull({fmt(self.shape)}, {fmt(self.scale)})"
