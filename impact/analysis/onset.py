"""The loss by onset hour of the week: what the same outages would cost had they begun at each hour.

The first `ONSET_TRIALS` trials of a run (drawn again from its seed and design) are each
re-evaluated with the onset moved to every hour of the week, keeping the trial's own minutes
past the hour and every other input: 168 × n evaluations in one vectorised call. Each hour's
median and 90% band are then over the same trials (common random numbers), so the curve's
shape is the profile's doing, not sampling noise between hours. This is the loss given the
onset; it assumes the onset is not correlated with the other inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.inputs.hour_of_week import WEEK_HOURS, format_hour
from impact.inputs.scenario import Scenario
from impact.model.core import evaluate
from impact.outputs import TOTAL
from impact.rng import RNGLike, as_seed_sequence
from impact.simulation.engine import draw_inputs
from impact.simulation.result import SimulationResult
from impact.simulation.sampling import child, plan

__all__ = [
    "ONSET",
    "ONSET_TRIALS",
    "OnsetExtremes",
    "loss_by_onset",
    "onset_extremes",
    "onset_table",
]

ONSET = "outage.onset_hour_of_week"
ONSET_TRIALS = 2_000


def onset_table(
    scenario: Scenario,
    rng: RNGLike,
    *,
    method: str | None = None,
    metric: str = TOTAL,
    trials: int = ONSET_TRIALS,
) -> pd.DataFrame:
    """One row per hour of the week: hour, label ('Mon 00:00'), weight (the profile), onset_share
    (the share of drawn onsets in that hour), and the metric's mean, p05, p50 and p95 over the
    first `trials` trials with the onset moved to that hour. `attrs["trials"]` says how many."""
    profile = scenario.profile.weights
    root = as_seed_sequence(rng)
    inputs = draw_inputs(scenario, trials, child(root, 0), plan(scenario, method))
    drawn = np.mod(inputs[ONSET], WEEK_HOURS)
    hours = np.arange(WEEK_HOURS, dtype=float)
    moved = {key: value[None, :] for key, value in inputs.items()}
    moved[ONSET] = hours[:, None] + (drawn - np.floor(drawn))[None, :]
    values = np.broadcast_to(evaluate(moved, profile)[metric], (WEEK_HOURS, trials))
    p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95], axis=1)
    counts = np.bincount(np.floor(drawn).astype(np.int64), minlength=WEEK_HOURS)
    frame = pd.DataFrame(
        {
            "hour": np.arange(WEEK_HOURS),
            "label": [format_hour(h) for h in range(WEEK_HOURS)],
            "weight": profile,
            "onset_share": counts / trials,
            "mean": values.mean(axis=1),
            "p05": p05,
            "p50": p50,
            "p95": p95,
        }
    )
    frame.attrs.update(trials=trials, metric=metric)
    return frame


def loss_by_onset(result: SimulationResult, metric: str = TOTAL) -> pd.DataFrame | None:
    """`onset_table` for a run (its seed, design and first trials); None without a profile."""
    if result.scenario.profile.is_flat:
        return None
    trials = min(ONSET_TRIALS, result.n_trials)
    return onset_table(
        result.scenario, result.seed, method=result.method, metric=metric, trials=trials
    )


@dataclass(frozen=True)
class OnsetExtremes:
    """The dearest and cheapest onset hours and their losses."""

    worst: str
    worst_value: float
    cheapest: str
    cheapest_value: float

    @property
    def ratio(self) -> float:
        """How many times the cheapest onset hour's loss the dearest one's is."""
        return self.worst_value / self.cheapest_value if self.cheapest_value > 0 else math.inf


def onset_extremes(table: pd.DataFrame, by: str = "mean") -> OnsetExtremes:
    """The dearest and cheapest onset hours by `by`: the mean loss (whose ranking is that of the
    expected loss) or "p50"."""
    values = table[by].to_numpy(dtype=float)
    worst, cheapest = int(np.argmax(values)), int(np.argmin(values))
    return OnsetExtremes(
        str(table["label"].iloc[worst]),
        float(values[worst]),
        str(table["label"].iloc[cheapest]),
        float(values[cheapest]),
    )
