"""Small frozen distributions with validated fields, an inverse CDF `ppf(u)` and `sample(n, rng)`.

`sample` uses numpy's own samplers (the fast path for plain Monte Carlo); `ppf` pushes a
matrix of uniforms through the inverse CDF, which is how stratified and quasi-random designs
and correlated inputs are drawn. Both describe the same distribution. The inverse CDFs of the
beta, PERT, gamma, truncated normal and Poisson families come from `impact.inputs.inverse` (tables
checked against scipy), because scipy's own are too slow for a design of millions of rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from impact.exceptions import InputError
from impact.inputs.inverse import beta_ppf, gamma_ppf, poisson_ppf, truncated_normal_ppf

__all__ = [
    "Beta",
    "Choice",
    "Distribution",
    "Empirical",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Normal",
    "Pert",
    "Poisson",
    "Triangular",
    "Uniform",
    "Weibull",
]

Z95 = float(special.ndtri(0.95))  # 1.6448536…: p5 and p95 are mu ∓ Z95·sigma on the log scale
FloatArray = NDArray[np.float64]


def _problem(message: str) -> InputError:
    # The spec parser prefixes the key and the spec text; the classes only say what is wrong.
    return InputError(message)


def _finite(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise _problem(f"{name} must be a finite number, got {value}")


class Distribution:
    """Base class: one marginal distribution of a model input."""

    name: ClassVar[str] = ""
    discrete: ClassVar[bool] = False  # True when draws can repeat exactly (ties in ranks)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw `n` independent values with numpy's sampler for this family."""
        return self.ppf(rng.random(n))

    def ppf(self, u: ArrayLike) -> FloatArray:  # pragma: no cover - abstract
        """Inverse CDF: the value below which a share `u` of the mass lies."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        """Smallest and largest possible values (closed bounds)."""
        raise NotImplementedError

    def atoms(self) -> FloatArray | None:
        """The possible values of a discrete distribution with finitely many of them, else None."""
        return None

    @property
    def is_fixed(self) -> bool:
        """True when every draw gives the same value."""
        low, high = self.support()
        return low == high

    def mean(self) -> float:  # pragma: no cover - abstract
        """The expected value."""
        raise NotImplementedError

    def spec(self) -> str:  # pragma: no cover - abstract
        """The canonical spec text that parses back to this distribution."""
        raise NotImplementedError


def _fmt(x: float) -> str:
    # Ten digits read well; fall back to the shortest exact repr so spec() always parses back.
    short = f"{x:.10g}"
    return short if float(short) == x else repr(float(x))


@dataclass(frozen=True, slots=True)
class Fixed(Distribution):
    """A point value."""

    name: ClassVar[str] = "fixed"
    discrete: ClassVar[bool] = True
    value: float

    def __post_init__(self) -> None:
        _finite(value=self.value)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return np.full(n, self.value)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return np.full(np.shape(u), self.value)

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def atoms(self) -> FloatArray:
        return np.array([self.value])

    def mean(self) -> float:
        return self.value

    def spec(self) -> str:
        return _fmt(self.value)


@dataclass(frozen=True, slots=True)
class Uniform(Distribution):
    """Uniform on [low, high]."""

    name: ClassVar[str] = "uniform"
    low: float
    high: float

    def __post_init__(self) -> None:
        _finite(low=self.low, high=self.high)
        if not self.low < self.high:
            raise _problem("low must be below high (use a fixed value for a point)")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(self.low, self.high, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def spec(self) -> str:
        return f"uniform({_fmt(self.low)}, {_fmt(self.high)})"


@dataclass(frozen=True, slots=True)
class Triangular(Distribution):
    """Triangular with the given low, mode and high."""

    name: ClassVar[str] = "triangular"
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        _finite(low=self.low, mode=self.mode, high=self.high)
        if not self.low < self.high:
            raise _problem("low must be below high")
        if not self.low <= self.mode <= self.high:
            raise _problem("mode must lie between low and high")

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
        return f"triangular({_fmt(self.low)}, {_fmt(self.mode)}, {_fmt(self.high)})"


@dataclass(frozen=True, slots=True)
class Pert(Distribution):
    """Beta-PERT with lambda 4: low + (high - low)·Beta(α, β), α = 1 + 4(mode-low)/(high-low)."""

    name: ClassVar[str] = "pert"
    low: float
    mode: float
    high: float
    lam: float = 4.0

    def __post_init__(self) -> None:
        _finite(low=self.low, mode=self.mode, high=self.high)
        if not self.low < self.high:
            raise _problem("low must be below high")
        if not self.low <= self.mode <= self.high:
            raise _problem("mode must lie between low and high")

    @property
    def alpha(self) -> float:
        return 1 + self.lam * (self.mode - self.low) / (self.high - self.low)

    @property
    def beta(self) -> float:
        return 1 + self.lam * (self.high - self.mode) / (self.high - self.low)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.low + (self.high - self.low) * rng.beta(self.alpha, self.beta, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * beta_ppf(self.alpha, self.beta, u)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.lam * self.mode + self.high) / (self.lam + 2)

    def spec(self) -> str:
        return f"pert({_fmt(self.low)}, {_fmt(self.mode)}, {_fmt(self.high)})"


@dataclass(frozen=True, slots=True)
class Normal(Distribution):
    """Normal(mean, sd) truncated to [low, high] (the key's domain)."""

    name: ClassVar[str] = "normal"
    mu: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    _frozen: object = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        _finite(mean=self.mu, sd=self.sd)
        if not self.sd > 0:
            raise _problem("sd must be > 0 (use a fixed value for a point)")
        a, b = (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd
        mass = special.ndtr(b) - special.ndtr(a)
        if not mass > 1e-9:
            raise _problem(
                f"almost none of its mass lies in the allowed range [{self.low:g}, {self.high:g}]"
            )
        object.__setattr__(self, "_frozen", stats.truncnorm(a, b, loc=self.mu, scale=self.sd))

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
        return f"normal({_fmt(self.mu)}, {_fmt(self.sd)})"


@dataclass(frozen=True, slots=True)
class Lognormal(Distribution):
    """Lognormal: log(X) ~ Normal(mu, sigma); the median is exp(mu)."""

    name: ClassVar[str] = "lognormal"
    mu: float
    sigma: float

    def __post_init__(self) -> None:
        _finite(mu=self.mu, sigma=self.sigma)
        if not self.sigma > 0:
            raise _problem("sigma must be > 0 (use a fixed value for a point)")

    @classmethod
    def from_median(cls, median: float, sigma: float) -> Lognormal:
        if not median > 0:
            raise _problem("median must be > 0")
        return cls(math.log(median), sigma)

    @classmethod
    def from_interval(cls, p5: float, p95: float) -> Lognormal:
        """The lognormal whose 5th and 95th percentiles are p5 and p95."""
        if not 0 < p5 < p95:
            raise _problem("need 0 < p5 < p95")
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
        return f"lognormal(median={_fmt(math.exp(self.mu))}, sigma={_fmt(self.sigma)})"


@dataclass(frozen=True, slots=True)
class Beta(Distribution):
    """Beta(a, b) on [0, 1]."""

    name: ClassVar[str] = "beta"
    a: float
    b: float

    def __post_init__(self) -> None:
        _finite(a=self.a, b=self.b)
        if not (self.a > 0 and self.b > 0):
            raise _problem("a and b must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.beta(self.a, self.b, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return beta_ppf(self.a, self.b, u)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def spec(self) -> str:
        return f"beta({_fmt(self.a)}, {_fmt(self.b)})"


@dataclass(frozen=True, slots=True)
class Gamma(Distribution):
    """Gamma with the given shape and scale (mean shape·scale)."""

    name: ClassVar[str] = "gamma"
    shape: float
    scale: float

    def __post_init__(self) -> None:
        _finite(shape=self.shape, scale=self.scale)
        if not (self.shape > 0 and self.scale > 0):
            raise _problem("shape and scale must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.gamma(self.shape, self.scale, n)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return self.scale * gamma_ppf(self.shape, u)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return self.shape * self.scale

    def spec(self) -> str:
        return f"gamma({_fmt(self.shape)}, {_fmt(self.scale)})"


@dataclass(frozen=True, slots=True)
class Weibull(Distribution):
    """Weibull with the given shape and scale: P(X > x) = exp(-(x/scale)^shape)."""

    name: ClassVar[str] = "weibull"
    shape: float
    scale: float

    def __post_init__(self) -> None:
        _finite(shape=self.shape, scale=self.scale)
        if not (self.shape > 0 and self.scale > 0):
            raise _problem("shape and scale must be > 0")

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
        return f"weibull({_fmt(self.shape)}, {_fmt(self.scale)})"


@dataclass(frozen=True, slots=True)
class Poisson(Distribution):
    """Poisson counts with the given mean."""

    name: ClassVar[str] = "poisson"
    discrete: ClassVar[bool] = True
    lam: float

    def __post_init__(self) -> None:
        _finite(mean=self.lam)
        if not self.lam > 0:
            raise _problem("mean must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.poisson(self.lam, n).astype(float)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return poisson_ppf(self.lam, u)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return self.lam

    def spec(self) -> str:
        return f"poisson({_fmt(self.lam)})"


@dataclass(frozen=True, slots=True, eq=False)
class Choice(Distribution):
    """One of a few values, each with its probability."""

    name: ClassVar[str] = "choice"
    discrete: ClassVar[bool] = True
    values: tuple[float, ...]
    probs: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.values) == 0:
            raise _problem("needs at least one value")
        if len(self.probs) != len(self.values):
            raise _problem(
                f"{len(self.values)} values but {len(self.probs)} probabilities; "
                "give one p per value"
            )
        for v in self.values:
            _finite(value=v)
        if any(not (p >= 0 and math.isfinite(p)) for p in self.probs):
            raise _problem("probabilities must be ≥ 0")
        if abs(sum(self.probs) - 1) > 1e-9:
            raise _problem(f"probabilities must add up to 1, they add up to {sum(self.probs):g}")

    def _tables(self) -> tuple[FloatArray, FloatArray]:
        order = np.argsort(self.values, kind="stable")
        values = np.asarray(self.values, dtype=float)[order]
        cum = np.cumsum(np.asarray(self.probs, dtype=float)[order])
        # Normalise rather than set cum[-1] = 1: a zero-probability value sorted last must
        # never be drawn, and a sum a hair off 1 is spread over all values.
        cum /= cum[-1]
        return values, cum

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.ppf(rng.random(n))

    def ppf(self, u: ArrayLike) -> FloatArray:
        values, cum = self._tables()
        idx = np.searchsorted(cum, np.asarray(u, dtype=float), side="right")
        return values[np.minimum(idx, len(values) - 1)]

    def support(self) -> tuple[float, float]:
        used = [v for v, p in zip(self.values, self.probs, strict=True) if p > 0]
        return (min(used), max(used))

    def atoms(self) -> FloatArray:
        return np.asarray([v for v, p in zip(self.values, self.probs, strict=True) if p > 0])

    def mean(self) -> float:
        return float(np.dot(self.values, self.probs))

    def spec(self) -> str:
        vals = ", ".join(_fmt(v) for v in self.values)
        probs = ", ".join(_fmt(p) for p in self.probs)
        return f"choice({vals}; p={probs})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Choice) and self.values == other.values and self.probs == other.probs
        )

    def __hash__(self) -> int:
        return hash((self.values, self.probs))


@dataclass(frozen=True, slots=True, eq=False)
class Empirical(Distribution):
    """Resampling of observed values (the empirical distribution of `values`)."""

    name: ClassVar[str] = "empirical"
    discrete: ClassVar[bool] = True
    values: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        values = np.sort(np.asarray(self.values, dtype=float).ravel())
        if values.size == 0:
            raise _problem("no values to resample")
        if not np.all(np.isfinite(values)):
            raise _problem("values must be finite numbers (found NaN or infinity)")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.values[rng.integers(0, self.values.size, n)]

    def ppf(self, u: ArrayLike) -> FloatArray:
        u = np.asarray(u, dtype=float)
        idx = np.minimum((u * self.values.size).astype(np.intp), self.values.size - 1)
        return self.values[idx]

    def support(self) -> tuple[float, float]:
        return (float(self.values[0]), float(self.values[-1]))

    def atoms(self) -> FloatArray:
        return np.unique(self.values)

    def mean(self) -> float:
        return float(self.values.mean())

    def spec(self) -> str:
        return f"empirical({self.source})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Empirical) and np.array_equal(self.values, other.values)

    def __hash__(self) -> int:
        return hash(self.values.tobytes())
