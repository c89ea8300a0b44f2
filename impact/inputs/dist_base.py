"""The base class of every input distribution, and the checks and number formatting they share."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from impact.exceptions import InputError

__all__ = ["Z95", "Distribution", "FloatArray"]

Z95 = float(special.ndtri(0.95))  # 1.6448536…: p5 and p95 are mu ∓ Z95·sigma on the log scale
FloatArray = NDArray[np.float64]


def problem(message: str) -> InputError:
    # The spec parser prefixes the key and the spec text; the classes only say what is wrong.
    return InputError(message)


def finite(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise problem(f"{name} must be a finite number, got {value}")


class Distribution:
    """Base class: one marginal distribution of a model input."""

    name: ClassVar[str] = ""
    discrete: ClassVar[bool] = False  # True when draws can repeat exactly (ties in ranks)
    # True when every draw, by `sample` or `ppf`, is finite and lies in `support()` (to
    # rounding) whatever the parameters: uniform, triangular, and PERT, whose beta shapes stay
    # in [1, 5]. The engine then skips scanning them for overflow (impact.simulation.overflow);
    # not so beta or gamma, whose inverse CDFs give NaN for extreme shapes.
    draws_in_support: ClassVar[bool] = False

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


def fmt(x: float) -> str:
    # Ten digits read well; fall back to the shortest exact repr so spec() always parses back.
    short = f"{x:.10g}"
    return short if float(short) == x else repr(float(x))
