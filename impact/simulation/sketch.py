"""A mergeable streaming accumulator for one output: moments, extremes, quantiles and tail means.

Quantiles of 1e8 trials must not need 1e8 stored values. Each value is put in a log-linear
bucket read straight off its float64 bits (the exponent and the top 12 bits of the mantissa),
so a bucket spans at most 2^-12 ≈ 0.024% of its lower edge; each bucket keeps its count and the
sum of its values. A quantile is the mean of the bucket that holds its rank, which is exact
whenever the values in that bucket are equal (always for a fixed input) and otherwise within
the bucket's width. Exact zeros have a bucket of their own; other values below 1e-6 (dollars,
users or hours) share one bucket.

The bucket width does not shrink with the trial count, but the Monte Carlo error of a quantile
does, so for a narrowly spread output (or any output at 1e8 trials) the width can exceed the
error. `quantile_interval` therefore reports the order-statistic interval widened to the edges
of the buckets that hold its two ranks: it always contains the interval the exact order
statistics would give, so it covers at least as often, whatever the trial count.

Counts merge exactly; sums merge in a fixed order (the engine's), so results do not depend on
how many workers ran. No library does this vectorised: `ddsketch` and `tdigest` add one value
per Python call, far too slow for 1e7 values a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "HILL_SHARE",
    "MANTISSA_BITS",
    "TINY",
    "Sketch",
    "binom_ppf",
    "bucket_bounds",
    "bucket_edge",
    "merged_moments",
    "order_statistic_ranks",
]

MANTISSA_BITS = 12
TINY = 1e-6
HILL_SHARE = 0.001  # the top 0.1% of trials (at least HILL_MIN) estimate the tail index
HILL_MIN = 100
_SHIFT = 52 - MANTISSA_BITS
_TINY_INDEX = int(np.array([TINY]).view(np.int64)[0] >> _SHIFT)


def bucket_edge(index: int) -> float:
    """The lower edge of bucket `index` (the smallest float whose shifted bits equal it).

    >>> bucket_edge(int(np.array([3.0]).view(np.int64)[0] >> _SHIFT))
    3.0
    """
    return float(np.array([index << _SHIFT], dtype=np.int64).view(np.float64)[0])


_TINY_EDGE = bucket_edge(_TINY_INDEX + 1)  # every pooled tiny value lies in (0, _TINY_EDGE)


def bucket_bounds(value: float) -> tuple[float, float]:
    """The edges of the bucket a value falls in (low inclusive, high exclusive).

    >>> bucket_bounds(1.0001)
    (1.0, 1.000244140625)
    """
    if value <= 0:
        return (0.0, 0.0)
    index = int(np.array([float(value)]).view(np.int64)[0] >> _SHIFT)
    if index <= _TINY_INDEX:
        return (0.0, _TINY_EDGE)
    return (bucket_edge(index), bucket_edge(index + 1))


def slot_bounds(slot: int, offset: int, low: float, high: float) -> tuple[float, float]:
    """The edges of a sketch's `slot` (0: zeros, 1: pooled tiny values, then the buckets from
    `offset` on), kept within the observed [low, high]."""
    if slot == 0:
        edges = (0.0, 0.0)
    elif slot == 1:
        edges = (0.0, _TINY_EDGE)
    else:
        edges = (bucket_edge(offset + slot - 2), bucket_edge(offset + slot - 1))
    return (max(edges[0], low), min(edges[1], high))


def merged_moments(
    n_a: float, mean_a: float, m2_a: float, n_b: float, mean_b: float, m2_b: float
) -> tuple[float, float]:
    """The mean and Σ(x − mean)² of two streams together, from each stream's count (or total
    weight), mean and Σ(x − mean)² (Chan et al.'s pairwise update): the one formula every
    sketch merges with.

    >>> merged_moments(2, 1.0, 0.5, 2, 3.0, 0.5)
    (2.0, 5.0)
    """
    n = n_a + n_b
    delta = mean_b - mean_a
    return mean_a + delta * n_b / n, m2_a + (m2_b + delta * delta * n_a * n_b / n)


@lru_cache(maxsize=256)
def order_statistic_ranks(n: int, q: float, level: float = 0.95) -> tuple[int, int]:
    """Ranks (1-based, within 1…n) whose order statistics bracket the q-quantile at `level`:
    l is the smallest rank with P(B ≤ l) ≥ (1 − level)/2 and u one more than the smallest with
    P(B ≤ u − 1) ≥ (1 + level)/2, for B ~ Binomial(n, q).

    >>> order_statistic_ranks(100_000, 0.95)
    (94864, 95136)
    """
    alpha = (1 - level) / 2
    lo = int(binom_ppf(alpha, n, q))
    hi = int(binom_ppf(1 - alpha, n, q)) + 1
    return max(lo, 1), min(hi, n)


def binom_ppf(p: float, n: float, q: float) -> float:
    """The p-quantile of Binomial(n, q): `scipy.stats.binom.ppf(p, n, q)`, the same double,
    without importing scipy.stats (about 0.4 s, which every run's quantile intervals paid).

    scipy 1.17: `rv_discrete.ppf` (`stats/_distn_infrastructure.py`) gives NaN unless n is a
    whole number ≥ 0 and 0 ≤ q ≤ 1 (`binom_gen._argcheck`) and p is in [0, 1], a − 1 = −1 at
    p = 0, b = n at p = 1, and `binom_gen._ppf` (`stats/_discrete_distns.py`) in between, which
    is `scipy.special._ufuncs._binom_ppf` (Boost's binomial quantile), loaded with
    scipy.special. Not `ceil(bdtrik(p, n, q))` stepped down by `bdtr`, scipy's formula before
    Boost: that differs from scipy 1.17's by one on near-ties (3,522 of 200,000 random
    (p, n, q), and n = 160,592, q = 0.75 at level 0.99 among the intervals' own). A scipy
    without the ufunc falls back to scipy.stats itself. tests/test_precision.py compares with
    scipy.stats over a grid.
    """
    if not (n >= 0 and n == np.round(n) and 0 <= q <= 1):
        return math.nan
    if p == 0:
        return -1.0
    if p == 1:
        return float(n)
    if not 0 < p < 1:
        return math.nan
    from scipy.special import _ufuncs

    ppf = getattr(_ufuncs, "_binom_ppf", None)
    if ppf is None:  # pragma: no cover - an older or newer scipy: its own binom, slower to load
        from scipy import stats

        return float(stats.binom.ppf(p, n, q))
    return float(ppf(p, n, q))


@dataclass
class Sketch:
    """Running summary of a stream of non-negative values."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    zero_count: int = 0
    tiny_count: int = 0
    tiny_sum: float = 0.0
    offset: int = 0
    counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    sums: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, np.float64))

    @classmethod
    def of(cls, values: NDArray[np.float64]) -> Sketch:
        """Summarise one block of values (negative values are counted as 0)."""
        x = np.asarray(values, dtype=np.float64).ravel()
        n = int(x.size)
        if n == 0:
            return cls()
        low = float(x.min())
        if not low > 0.0:  # zeros, negatives (counted as 0), -0.0 or NaN: take them out first
            x = np.maximum(x, 0.0) + 0.0  # + 0.0: no -0.0
            low = float(x.min())
        mean = float(x.mean())
        work = np.subtract(x, mean)  # the deviations, then (same buffer) the bucket indices
        # einsum, not np.dot: a BLAS dot on 65,536 values wakes threaded OpenBLAS, which costs
        # milliseconds a call on a busy machine (and fights the worker processes for the cores)
        m2 = float(np.einsum("i,i->", work, work))
        sketch = cls(n=n, mean=mean, m2=m2, min=low, max=float(x.max()))
        idx = np.right_shift(x.view(np.int64), _SHIFT, out=work.view(np.int64))
        # Non-negative doubles order like their bits, so the smallest value has the lowest index
        # (a NaN, which sorts nowhere, makes the minimum NaN: then the indices are searched).
        lowest = int(np.array([low]).view(np.int64)[0] >> _SHIFT) if low == low else int(idx.min())
        if lowest <= _TINY_INDEX:  # zeros or values below TINY: counted apart
            tiny = idx <= _TINY_INDEX
            sketch.zero_count = int(np.count_nonzero(x[tiny] == 0.0))
            sketch.tiny_count = int(np.count_nonzero(tiny)) - sketch.zero_count
            sketch.tiny_sum = float(x[tiny].sum())
            keep = ~tiny
            idx, x = idx[keep], x[keep]
            lowest = int(idx.min()) if idx.size else 0
        if idx.size:
            idx -= lowest
            sketch.offset = lowest
            sketch.counts = np.bincount(idx).astype(np.int64, copy=False)
            sketch.sums = np.asarray(np.bincount(idx, weights=x), dtype=np.float64)
        return sketch

    def merge(self, other: Sketch) -> Sketch:
        """Fold `other` into this sketch (in place) and return it."""
        if other.n == 0:
            return self
        if self.n == 0:
            self.__dict__.update(other.copy().__dict__)
            return self
        self.mean, self.m2 = merged_moments(
            self.n, self.mean, self.m2, other.n, other.mean, other.m2
        )
        self.n += other.n
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.zero_count += other.zero_count
        self.tiny_count += other.tiny_count
        self.tiny_sum += other.tiny_sum
        if other.counts.size:
            if not self.counts.size:
                self.offset, self.counts, self.sums = (
                    other.offset,
                    other.counts.copy(),
                    other.sums.copy(),
                )
            else:
                lo = min(self.offset, other.offset)
                hi = max(self.offset + self.counts.size, other.offset + other.counts.size)
                if lo != self.offset or hi != self.offset + self.counts.size:
                    counts = np.zeros(hi - lo, np.int64)
                    sums = np.zeros(hi - lo, np.float64)
                    start = self.offset - lo
                    counts[start : start + self.counts.size] = self.counts
                    sums[start : start + self.sums.size] = self.sums
                    self.offset, self.counts, self.sums = lo, counts, sums
                start = other.offset - self.offset
                self.counts[start : start + other.counts.size] += other.counts
                self.sums[start : start + other.sums.size] += other.sums
        return self

    def copy(self) -> Sketch:
        out = Sketch(**self.__dict__)
        out.counts, out.sums = self.counts.copy(), self.sums.copy()
        return out

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof = 1); exactly 0 when every value is the same."""
        if self.n < 2 or self.min == self.max:
            return 0.0
        return math.sqrt(self.m2 / (self.n - 1))

    @property
    def average(self) -> float:
        """The mean, kept within [min, max] (so exact when every value is the same)."""
        return min(max(self.mean, self.min), self.max) if self.n else math.nan

    @property
    def se_mean(self) -> float:
        """Monte Carlo standard error of the mean."""
        return self.std / math.sqrt(self.n) if self.n else math.nan

    def _buckets(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        counts = np.concatenate([[self.zero_count, self.tiny_count], self.counts])
        sums = np.concatenate([[0.0, self.tiny_sum], self.sums])
        return counts, sums

    def _bucket_of_rank(self, rank: int) -> tuple[int, NDArray[np.int64], NDArray[np.float64]]:
        counts, sums = self._buckets()
        rank = min(max(int(rank), 1), self.n)
        return int(np.searchsorted(np.cumsum(counts), rank)), counts, sums

    def value_at_rank(self, rank: int) -> float:
        """The `rank`-th smallest value (1-based), to the bucket resolution."""
        if self.n == 0:
            return math.nan
        i, counts, sums = self._bucket_of_rank(rank)
        value = sums[i] / counts[i] if i else 0.0
        return float(min(max(value, self.min), self.max))

    def bounds_at_rank(self, rank: int) -> tuple[float, float]:
        """Bounds that surely hold the `rank`-th smallest value: its bucket's edges, within
        [min, max] (so a single value when every value is the same).

        >>> Sketch.of(np.array([0.0, 1.0, 1.0001, 5.0])).bounds_at_rank(2)
        (1.0, 1.000244140625)
        """
        if self.n == 0:
            return (math.nan, math.nan)
        i, _, _ = self._bucket_of_rank(rank)
        return slot_bounds(i, self.offset, self.min, self.max)

    def quantile(self, q: float) -> float:
        """The q-quantile as the ⌈q·n⌉-th smallest value (numpy's 'inverted_cdf')."""
        return self.value_at_rank(math.ceil(q * self.n - 1e-9))

    def quantile_interval(self, q: float, level: float = 0.95) -> tuple[float, float]:
        """A distribution-free interval for the q-quantile from binomial order statistics.

        The ranks l and u come from Binomial(n, q); the interval runs from the lower edge of
        the bucket holding the l-th smallest value to the upper edge of the bucket holding the
        u-th, so it contains [X(l), X(u)] and covers at least as often as that exact interval.
        """
        if self.n == 0:
            return (math.nan, math.nan)
        lo, hi = order_statistic_ranks(self.n, q, level)
        return (self.bounds_at_rank(lo)[0], self.bounds_at_rank(hi)[1])

    def tail_index(self, share: float = HILL_SHARE) -> float:
        """Hill's estimate of the tail index α from the top `share` of values (at least 100).

        P(X > x) falling like x^-α means moments of order α and above are infinite; below
        α = 2 the variance is, and `se_mean` cannot be trusted. Read off the buckets (values
        to 2^-12 relative, far finer than the estimate's own noise, about α/√k). NaN with
        fewer than 10·100 values or a non-positive threshold; inf for a flat top.
        """
        k = max(math.ceil(share * self.n - 1e-9), HILL_MIN)
        if self.n < 10 * HILL_MIN:
            return math.nan
        threshold = self.value_at_rank(self.n - k)
        if not threshold > 0:
            return math.nan
        values, counts = self.points()
        above_rank = np.cumsum(counts[::-1])  # values from the top, with how many lie at or above
        values, counts = values[::-1], counts[::-1]
        i = int(np.searchsorted(above_rank, k))
        take = counts[: i + 1].astype(np.float64)
        take[i] -= above_rank[i] - k  # only part of the bucket holding the k-th largest
        hill = float(np.einsum("i,i->", take, np.log(values[: i + 1] / threshold))) / k
        return 1.0 / hill if hill > 0 else math.inf

    def tail_mean(self, q: float = 0.95) -> float:
        """Mean of the worst ⌈(1-q)·n⌉ values (CVaR, expected shortfall)."""
        if self.n == 0:
            return math.nan
        m = max(1, math.ceil((1 - q) * self.n - 1e-9))
        counts, sums = self._buckets()
        counts, sums = counts[::-1], sums[::-1]
        cum = np.cumsum(counts)
        i = int(np.searchsorted(cum, m))
        whole = float(sums[:i].sum())
        taken = int(cum[i - 1]) if i else 0
        partial = (m - taken) * sums[i] / counts[i] if counts[i] else 0.0
        return min(max((whole + partial) / m, self.min), self.max)

    def points(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Each non-empty bucket as (value, count), values increasing; a value is its bucket's mean.

        The values with their counts stand for the whole stream to the bucket resolution, so a
        histogram or exceedance curve drawn from them needs no stored trials.
        """
        counts, sums = self._buckets()
        keep = counts > 0
        values = np.divide(sums, counts, out=np.zeros(counts.size), where=keep)[keep]
        if self.n:
            values = np.clip(values, self.min, self.max)
        return values, counts[keep]

    def histogram(self, edges: NDArray[np.float64]) -> NDArray[np.int64]:
        """Counts per bin [edges[i], edges[i+1]) (the last bin closed), like `np.histogram`.

        Values outside [edges[0], edges[-1]] are not counted.

        >>> Sketch.of(np.array([1.0, 2.0, 2.0, 9.0])).histogram(np.array([0.0, 1.5, 3.0])).tolist()
        [1, 2]
        """
        values, counts = self.points()
        binned, _ = np.histogram(values, bins=np.asarray(edges, dtype=float), weights=counts)
        return np.rint(binned).astype(np.int64)

    def exceedance(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(value > x) for each x: the share of the stream strictly above it.

        >>> Sketch.of(np.array([1.0, 2.0, 2.0, 9.0])).exceedance(np.array([0.0, 2.0, 9.0])).tolist()
        [1.0, 0.25, 0.0]
        """
        values, counts = self.points()
        if self.n == 0:
            return np.full(np.shape(x), np.nan)
        below = np.concatenate([[0], np.cumsum(counts)])
        at_or_below = below[np.searchsorted(values, np.asarray(x, dtype=float), side="right")]
        return np.asarray((self.n - at_or_below) / self.n, dtype=np.float64)

    def share_below(self, x: float) -> float:
        """P(value < x): the share of the stream strictly below `x`, read off the bucket counts.

        A bucket counts as below when its mean is, so the answer is exact unless `x` falls
        inside a bucket holding values on both sides of it (then it is off by at most that
        bucket's count over n).

        >>> Sketch.of(np.array([1.0, 2.0, 2.0, 9.0])).share_below(2.0)
        0.25
        """
        if self.n == 0:
            return math.nan
        values, counts = self.points()
        below = int(counts[: int(np.searchsorted(values, float(x), side="left"))].sum())
        return below / self.n
