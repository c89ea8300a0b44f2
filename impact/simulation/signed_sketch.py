"""A mergeable sketch of values of either sign (differences, net present values).

`Sketch` summarises non-negative values. A signed stream is kept as two of them, the values
≥ 0 and the negated values < 0, plus its own running moments; a rank falls in one part or the
other, so quantiles keep the buckets' resolution, and exact zeros stay exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from impact.simulation.sketch import Sketch, merged_moments

__all__ = ["SignedSketch"]


@dataclass
class SignedSketch:
    """Running summary of a stream of real values: moments, counts by sign, quantiles."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    below_zero: int = 0
    above_zero: int = 0
    positive: Sketch = field(default_factory=Sketch)  # values ≥ 0
    negative: Sketch = field(default_factory=Sketch)  # −values, for values < 0

    @classmethod
    def of(cls, values: NDArray[np.float64]) -> SignedSketch:
        """Summarise one block of values."""
        x = np.asarray(values, dtype=np.float64).ravel()
        if x.size == 0:
            return cls()
        mean = float(x.mean())
        dev = x - mean
        neg = x < 0
        return cls(
            n=int(x.size),
            mean=mean,
            m2=float(np.einsum("i,i->", dev, dev)),  # no BLAS threads (see Sketch.of)
            below_zero=int(neg.sum()),
            above_zero=int((x > 0).sum()),
            positive=Sketch.of(x[~neg]),
            negative=Sketch.of(-x[neg]),
        )

    def merge(self, other: SignedSketch) -> SignedSketch:
        """Fold `other` into this sketch (in place, in the caller's fixed order) and return it."""
        if other.n == 0:
            return self
        self.mean, self.m2 = merged_moments(
            self.n, self.mean, self.m2, other.n, other.mean, other.m2
        )
        self.n += other.n
        self.below_zero += other.below_zero
        self.above_zero += other.above_zero
        self.positive.merge(other.positive)
        self.negative.merge(other.negative)
        return self

    @property
    def average(self) -> float:
        """The mean; exactly 0 when every value is 0."""
        if self.n == 0:
            return math.nan
        if self.below_zero == 0 and self.above_zero == 0:
            return 0.0
        return self.mean

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof = 1); exactly 0 when every value is 0."""
        if self.n < 2 or (self.below_zero == 0 and self.above_zero == 0):
            return 0.0
        return math.sqrt(max(self.m2, 0.0) / (self.n - 1))

    @property
    def variance(self) -> float:
        return self.std**2

    @property
    def se_mean(self) -> float:
        """Monte Carlo standard error of the mean."""
        return self.std / math.sqrt(self.n) if self.n else math.nan

    @property
    def share_below_zero(self) -> float:
        """P(value < 0), counted exactly."""
        return self.below_zero / self.n if self.n else math.nan

    def value_at_rank(self, rank: int) -> float:
        """The `rank`-th smallest value (1-based)."""
        if self.n == 0:
            return math.nan
        rank = min(max(int(rank), 1), self.n)
        k = self.negative.n
        if rank <= k:
            return -self.negative.value_at_rank(k - rank + 1)
        return self.positive.value_at_rank(rank - k)

    def quantile(self, q: float) -> float:
        """The q-quantile as the ⌈q·n⌉-th smallest value."""
        return self.value_at_rank(math.ceil(q * self.n - 1e-9))
