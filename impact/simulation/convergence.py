"""When to stop: the precision of a run's total loss, and how many trials the next round needs.

A precision target REL is met when both
  * the standard error of the mean total loss is at most REL × the mean, and
  * the 95% distribution-free interval of its 95th percentile (binomial order statistics) is at
    most REL × p95 wide.
The p95 interval reaches to the sketch's bucket edges, so it is never narrower than one bucket
(2^-13 to 2^-12 of p95): a target below about 3e-4 may not be met. Both shrink like 1/√n until
then, so from a round's precision the trials still needed are estimated as
n·(achieved / REL)², with 10% to spare; rounds grow by at least one block and at most ×4 (an
early estimate can be noisy) and always end on a block boundary. Every decision depends only
on the results so far, which depend only on the seed, so the same seed and target give the same
rounds and the same numbers, whatever the number of workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from impact.simulation.sketch import Sketch

__all__ = ["GROWTH_LIMIT", "Precision", "next_total", "precision"]

GROWTH_LIMIT = 4.0
MARGIN = 1.1
LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Precision:
    """The relative precision of a run's total: se_mean / mean and p95-interval width / p95."""

    se_relative: float
    p95_width_relative: float

    def meets(self, target: float) -> bool:
        return self.se_relative <= target and self.p95_width_relative <= target

    @property
    def worst(self) -> float:
        return max(self.se_relative, self.p95_width_relative)


def _ratio(spread: float, centre: float) -> float:
    if spread == 0:
        return 0.0
    return spread / abs(centre) if centre != 0 else math.inf


def precision(sketch: Sketch, level: float = LEVEL) -> Precision:
    """How precise a sketch's mean and p95 are, relative to their values."""
    low, high = sketch.quantile_interval(0.95, level)
    return Precision(_ratio(sketch.se_mean, sketch.mean), _ratio(high - low, sketch.quantile(0.95)))


def next_total(achieved: Precision, target: float, done: int, block: int, cap: int) -> int:
    """The trial count to reach in the next round (a multiple of `block`, at most `cap`)."""
    if math.isfinite(achieved.worst):
        wanted = done * (achieved.worst / target) ** 2 * MARGIN
    else:
        wanted = math.inf
    wanted = min(max(wanted, done + block), done * GROWTH_LIMIT)
    return int(min(math.ceil(wanted / block) * block, cap))
