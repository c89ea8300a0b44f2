"""Inputs whose draws repeat exactly: a fixed value, Poisson counts, a choice, resampled data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from impact.inputs.dist_base import Distribution, FloatArray, finite, fmt, problem
from impact.inputs.inverse import poisson_ppf

__all__ = ["Choice", "Empirical", "Fixed", "Poisson"]


@dataclass(frozen=True, slots=True)
class Fixed(Distribution):
    """A point value."""

    name: ClassVar[str] = "fixed"
    discrete: ClassVar[bool] = True
    value: float

    def __post_init__(self) -> None:
        finite(value=self.value)

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
        return fmt(self.value)


@dataclass(frozen=True, slots=True)
class Poisson(Distribution):
    """Poisson counts with the given mean."""

    name: ClassVar[str] = "poisson"
    discrete: ClassVar[bool] = True
    lam: float

    def __post_init__(self) -> None:
        finite(mean=self.lam)
        if not self.lam > 0:
            raise problem("mean must be > 0")

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return rng.poisson(self.lam, n).astype(float)

    def ppf(self, u: ArrayLike) -> FloatArray:
        return poisson_ppf(self.lam, u)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return self.lam

    def spec(self) -> str:
        return f"poisson({fmt(self.lam)})"


@dataclass(frozen=True, slots=True, eq=False)
class Choice(Distribution):
    """One of a few values, each with its probability."""

    name: ClassVar[str] = "choice"
    discrete: ClassVar[bool] = True
    values: tuple[float, ...]
    probs: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.values) == 0:
            raise problem("needs at least one value")
        if len(self.probs) != len(self.values):
            raise problem(
                f"{len(self.values)} values but {len(self.probs)} probabilities; "
                "give one p per value"
            )
        for v in self.values:
            finite(value=v)
        if any(not (p >= 0 and math.isfinite(p)) for p in self.probs):
            raise problem("probabilities must be ≥ 0")
        if abs(sum(self.probs) - 1) > 1e-9:
            raise problem(f"probabilities must add up to 1, they add up to {sum(self.probs):g}")

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
        vals = ", ".join(fmt(v) for v in self.values)
        probs = ", ".join(fmt(p) for p in self.probs)
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
            raise problem("no values to resample")
        if not np.all(np.isfinite(values)):
            raise problem("values must be finite numbers (found NaN or infinity)")
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
