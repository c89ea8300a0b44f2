"""The weighted twin of `Sketch`: the same log buckets, each holding a sum of trial weights.

With `[evidence]`, trial i carries a weight w_i (the product of the observations' densities at
its implied values); every summary is then the self-normalised importance-sampling estimate:
the weighted mean, standard deviation, percentiles (the first bucket where the cumulative
weight reaches q·Σw), tail mean, exceedance and histogram. Weights are summed per bucket as
floats, and Σw and Σw² give the effective sample size ESS = (Σw)²/Σw²: standard errors and
the percentile intervals use ESS where an unweighted sketch uses n. Blocks are folded in the
engine's order, so the float sums are the same for any number of workers.

`n` stays the number of trials drawn (with any weight, 0 included) so that code written for
`Sketch` (shares = counts / n) reads a weighted sketch the same way: `histogram` returns
weights rescaled to sum to n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from impact.simulation.sketch import (
    _SHIFT,
    _TINY_INDEX,
    HILL_MIN,
    HILL_SHARE,
    Sketch,
    merged_moments,
    order_statistic_ranks,
    slot_bounds,
)

__all__ = ["WeightedSketch"]


def _zeros() -> NDArray[np.float64]:
    return np.zeros(0, np.float64)


@dataclass
class WeightedSketch(Sketch):
    """Running weighted summary of a stream of non-negative values.

    `mean` and `m2` are the weighted mean and Σw(x − mean)²; `min` and `max` range over the
    trials of positive weight; `weights` and `sums` (Σw·x) are per bucket, `counts` per bucket
    trial counts (any weight), so that the prior is still recognisable.
    """

    w_sum: float = 0.0
    w2_sum: float = 0.0
    zero_weight: float = 0.0
    tiny_weight: float = 0.0
    weights: NDArray[np.float64] = field(default_factory=_zeros)
    # The buckets' weights and sums with the zero and tiny ones in front, and the cumulative
    # weights: every quantile reads them (a report asks for hundreds); `merge` clears them.
    _cumulative: tuple[NDArray[np.float64], ...] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def of_weighted(
        cls, values: NDArray[np.float64], weights: NDArray[np.float64]
    ) -> WeightedSketch:
        """Summarise one block of values with their weights (negative values count as 0)."""
        x = np.maximum(np.asarray(values, dtype=np.float64).ravel(), 0.0) + 0.0
        w = np.asarray(weights, dtype=np.float64).ravel()
        n = int(x.size)
        sketch = cls(n=n)
        if n == 0:
            return sketch
        w_sum = float(w.sum())
        # einsum, not np.dot: a BLAS dot on a block wakes threaded OpenBLAS (see Sketch.of),
        # which cost 14 ms a call here, most of a conditioned run's time on a busy machine.
        sketch.w_sum, sketch.w2_sum = w_sum, float(np.einsum("i,i->", w, w))
        positive = w > 0
        if w_sum > 0:
            mean = float(np.einsum("i,i->", w, x)) / w_sum
            dev = x - mean
            sketch.mean, sketch.m2 = mean, float(np.einsum("i,i,i->", w, dev, dev))
            kept = x if positive.all() else x[positive]  # one copy for both (min, max exact)
            sketch.min, sketch.max = float(kept.min()), float(kept.max())
        idx = x.view(np.int64) >> _SHIFT
        tiny = idx <= _TINY_INDEX
        if tiny.any():
            zero = x == 0.0
            sketch.zero_count = int(np.count_nonzero(zero))
            sketch.tiny_count = int(tiny.sum()) - sketch.zero_count
            sketch.zero_weight = float(w[zero].sum())
            sketch.tiny_weight = float(w[tiny & ~zero].sum())
            sketch.tiny_sum = float(np.einsum("i,i->", w[tiny], x[tiny]))
            keep = ~tiny
            idx, x, w = idx[keep], x[keep], w[keep]
        if idx.size:
            lo = int(idx.min())
            rel = idx - lo
            sketch.offset = lo
            sketch.counts = np.bincount(rel).astype(np.int64)
            sketch.weights = np.asarray(np.bincount(rel, weights=w), dtype=np.float64)
            sketch.sums = np.asarray(np.bincount(rel, weights=w * x), dtype=np.float64)
        return sketch

    def merge(self, other: Sketch) -> WeightedSketch:
        """Fold another weighted sketch into this one (in place) and return it."""
        if not isinstance(other, WeightedSketch):
            raise TypeError("a weighted sketch merges only weighted sketches")
        self._cumulative = None
        if other.n == 0:
            return self
        if self.n == 0:
            self.__dict__.update(other.copy().__dict__)
            return self
        w = self.w_sum + other.w_sum
        if other.w_sum > 0:
            self.mean, self.m2 = merged_moments(
                self.w_sum, self.mean, self.m2, other.w_sum, other.mean, other.m2
            )
            self.min, self.max = min(self.min, other.min), max(self.max, other.max)
        self.w_sum, self.w2_sum = w, self.w2_sum + other.w2_sum
        self.n += other.n
        self.zero_count += other.zero_count
        self.tiny_count += other.tiny_count
        self.zero_weight += other.zero_weight
        self.tiny_weight += other.tiny_weight
        self.tiny_sum += other.tiny_sum
        if other.counts.size:
            lo = min(self.offset, other.offset) if self.counts.size else other.offset
            hi = other.offset + other.counts.size
            if self.counts.size:
                hi = max(hi, self.offset + self.counts.size)
            counts = np.zeros(hi - lo, np.int64)
            sums = np.zeros(hi - lo, np.float64)
            weights = np.zeros(hi - lo, np.float64)
            if self.counts.size:
                mine = slice(self.offset - lo, self.offset - lo + self.counts.size)
                counts[mine], sums[mine], weights[mine] = self.counts, self.sums, self.weights
            start = other.offset - lo
            counts[start : start + other.counts.size] += other.counts
            sums[start : start + other.sums.size] += other.sums
            weights[start : start + other.weights.size] += other.weights
            self.offset, self.counts, self.sums, self.weights = lo, counts, sums, weights
        return self

    def __getstate__(self) -> dict[str, object]:  # sent without its cache, rebuilt on demand
        return {**self.__dict__, "_cumulative": None}

    def copy(self) -> WeightedSketch:
        out = WeightedSketch(**self.__dict__)
        out.counts, out.sums, out.weights = (
            self.counts.copy(),
            self.sums.copy(),
            self.weights.copy(),
        )
        return out

    @property
    def ess(self) -> float:
        """The effective sample size (Σw)²/Σw² (n when every weight is equal)."""
        return self.w_sum**2 / self.w2_sum if self.w2_sum > 0 else 0.0

    @property
    def std(self) -> float:
        """Weighted standard deviation, with the reliability correction ESS / (ESS − 1)."""
        ess = self.ess
        if ess <= 1 or self.min == self.max:
            return 0.0
        return math.sqrt(self.m2 / self.w_sum * ess / (ess - 1))

    @property
    def average(self) -> float:
        return min(max(self.mean, self.min), self.max) if self.w_sum > 0 else math.nan

    @property
    def se_mean(self) -> float:
        """Monte Carlo standard error of the weighted mean: std / √ESS."""
        return self.std / math.sqrt(self.ess) if self.w_sum > 0 else math.nan

    def _cached_buckets(self) -> tuple[NDArray[np.float64], ...]:
        if self._cumulative is None:
            weights = np.concatenate([[self.zero_weight, self.tiny_weight], self.weights])
            sums = np.concatenate([[0.0, self.tiny_sum], self.sums])
            self._cumulative = (weights, sums, np.cumsum(weights))
        return self._cumulative

    def _weighted_buckets(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        weights, sums, _ = self._cached_buckets()
        return weights, sums

    def _bucket_of_weight(self, target: float) -> int:
        weights, _, cum = self._cached_buckets()
        i = int(np.searchsorted(cum, min(target, cum[-1]) * (1 - 1e-12)))
        while weights[i] <= 0:  # never land on an empty bucket
            i += 1
        return i

    def _value_at_weight(self, target: float) -> float:
        i = self._bucket_of_weight(target)
        weights, sums = self._weighted_buckets()
        value = sums[i] / weights[i] if i else 0.0
        return float(min(max(value, self.min), self.max))

    def _bounds_at_weight(self, target: float) -> tuple[float, float]:
        i = self._bucket_of_weight(target)
        return slot_bounds(i, self.offset, self.min, self.max)

    def value_at_rank(self, rank: int) -> float:
        return self.quantile(rank / self.n) if self.n else math.nan

    def bounds_at_rank(self, rank: int) -> tuple[float, float]:
        if self.w_sum <= 0:
            return (math.nan, math.nan)
        return self._bounds_at_weight(rank / self.n * self.w_sum)

    def quantile(self, q: float) -> float:
        """The weighted q-quantile: the first bucket where the cumulative weight reaches q·Σw."""
        if self.w_sum <= 0:
            return math.nan
        return self._value_at_weight(max(q, 1e-12) * self.w_sum)

    def quantile_interval(self, q: float, level: float = 0.95) -> tuple[float, float]:
        """As `Sketch.quantile_interval`, with the binomial ranks taken on ESS trials (an
        approximation: importance weights make the order statistics only asymptotically so)."""
        ess = math.floor(self.ess)
        if ess < 1:
            return (math.nan, math.nan)
        lo, hi = order_statistic_ranks(ess, q, level)
        return (
            self._bounds_at_weight(lo / ess * self.w_sum)[0],
            self._bounds_at_weight(hi / ess * self.w_sum)[1],
        )

    def tail_index(self, share: float = HILL_SHARE) -> float:
        """Hill's estimate from the top `share` of the weight (at least 100 effective trials)."""
        ess = self.ess
        if ess < 10 * HILL_MIN:
            return math.nan
        top = max(share, HILL_MIN / ess) * self.w_sum
        threshold = self._value_at_weight(self.w_sum - top)
        if not threshold > 0:
            return math.nan
        values, weights = self._points()
        above = np.cumsum(weights[::-1])
        values, weights = values[::-1], weights[::-1]
        i = int(np.searchsorted(above, top))
        i = min(i, values.size - 1)
        take = weights[: i + 1].copy()
        take[i] -= max(above[i] - top, 0.0)
        logs = np.log(np.maximum(values[: i + 1], threshold) / threshold)
        hill = float(np.einsum("i,i->", take, logs)) / top
        return 1.0 / hill if hill > 0 else math.inf

    def tail_mean(self, q: float = 0.95) -> float:
        """Weighted mean of the worst (1 − q) of the weight (CVaR)."""
        if self.w_sum <= 0:
            return math.nan
        m = (1 - q) * self.w_sum
        weights, sums = self._weighted_buckets()
        weights, sums = weights[::-1], sums[::-1]
        cum = np.cumsum(weights)
        i = min(int(np.searchsorted(cum, m)), weights.size - 1)
        whole = float(sums[:i].sum())
        taken = float(cum[i - 1]) if i else 0.0
        partial = (m - taken) * sums[i] / weights[i] if weights[i] > 0 else 0.0
        return min(max((whole + partial) / m, self.min), self.max)

    def _points(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        weights, sums = self._weighted_buckets()
        keep = weights > 0
        values = np.divide(sums, weights, out=np.zeros(weights.size), where=keep)[keep]
        if self.w_sum > 0:
            values = np.clip(values, self.min, self.max)
        return values, weights[keep]

    def points(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Buckets of positive weight as (value, weight); the weights are floats."""
        values, weights = self._points()
        return values, weights  # type: ignore[return-value]

    def histogram(self, edges: NDArray[np.float64]) -> NDArray[np.int64]:
        """Weight per bin, rescaled so that all the weight counts as n trials."""
        values, weights = self._points()
        binned, _ = np.histogram(values, bins=np.asarray(edges, dtype=float), weights=weights)
        scale = self.n / self.w_sum if self.w_sum > 0 else 0.0
        return np.rint(binned * scale).astype(np.int64)

    def exceedance(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """The weighted share strictly above each x."""
        if self.w_sum <= 0:
            return np.full(np.shape(x), np.nan)
        values, weights = self._points()
        below = np.concatenate([[0.0], np.cumsum(weights)])
        at_or_below = below[np.searchsorted(values, np.asarray(x, dtype=float), side="right")]
        return np.asarray(np.clip((self.w_sum - at_or_below) / self.w_sum, 0, 1), np.float64)

    def share_below(self, x: float) -> float:
        """The weighted share strictly below `x` (to the bucket resolution)."""
        if self.w_sum <= 0:
            return math.nan
        values, weights = self._points()
        return float(weights[: int(np.searchsorted(values, float(x), side="left"))].sum()) / (
            self.w_sum
        )
