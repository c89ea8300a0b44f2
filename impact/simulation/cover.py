"""An insurance cover turns outage losses into recoveries: per outage, then per year.

Per outage (hours D, direct loss, after-effects within the horizon, terms W, η, K, M):

    covered   = 0                                                   if D ≤ W
              = direct·(D − W)/D + after-effects                    otherwise
    recovery  = min(max(η·covered − K, 0), M)

The direct loss is apportioned over the outage's hours evenly (the share after the waiting
period, (D − W)/D; a revenue profile's hours are not re-weighted), and the after-effects inside
the horizon (attrition, engagement, latency: lost income of an extended indemnity period) count
in full once the waiting period is met. Make-goods (contractual credits) and the value of users
lost beyond the horizon are not indemnified. Per year, the recoveries are summed and capped at
the aggregate limit A: min(Σ recovery, A).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["covered_loss", "outage_recovery", "year_recovery"]

FloatArray = NDArray[np.float64]


def covered_loss(
    hours: FloatArray, direct: FloatArray, after_effects: FloatArray, waiting_hours: FloatArray
) -> FloatArray:
    """The loss a cover can indemnify: the direct loss after the waiting period plus the
    after-effects, for an outage longer than the waiting period; 0 otherwise.

    >>> hours, direct, after, waiting = (np.array([v]) for v in (10.0, 100.0, 5.0, 4.0))
    >>> float(covered_loss(hours, direct, after, waiting)[0])
    65.0
    """
    hours = np.asarray(hours, dtype=float)
    longer = hours > waiting_hours
    share = np.where(longer, (hours - waiting_hours) / np.where(hours > 0, hours, 1.0), 0.0)
    return np.where(longer, direct * share + after_effects, 0.0)


def outage_recovery(
    covered: FloatArray, share: FloatArray, retention: FloatArray, limit: FloatArray
) -> FloatArray:
    """min(max(η·covered − K, 0), M) for each outage."""
    return np.minimum(np.maximum(share * covered - retention, 0.0), limit)


def year_recovery(recovered: FloatArray, aggregate_limit: FloatArray) -> FloatArray:
    """A year's recoveries (summed over its outages), capped at the aggregate limit."""
    return np.minimum(recovered, aggregate_limit)
