"""Refuse inputs whose draws or outputs overflow: the message names the key responsible.

A value such as `revenue.hourly_loss = 1e308` is a valid number, but the model's outputs (and
the sums and squares a summary takes of them) overflow a double, and the failure would surface
far away, in a chart's axis limits. Every block is checked here, vectorised, so the error names
the key and the spec instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from impact.exceptions import InputError
from impact.inputs.scenario import Scenario

__all__ = ["LIMIT", "check_inputs", "check_outputs"]

# No quantity of this model comes near 1e100 (world GDP is about 1e14 dollars, the world's
# population 1e10); beyond it, squares (for the variance) of a block's sums overflow a double.
LIMIT = 1e100


def _bad(values: np.ndarray) -> np.ndarray:
    """True where a value is NaN, infinite or beyond ±LIMIT."""
    return ~(np.abs(values) < LIMIT)


def _all_fine(values: np.ndarray) -> bool:
    """Whether every value is finite and within ±LIMIT: two reductions, no temporary array (a
    NaN makes both the min and the max NaN, so the comparison fails)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1 and values.strides == (0,):  # a fixed input: one value, n times
        values = values[:1]
    return values.size == 0 or bool(values.min() > -LIMIT and values.max() < LIMIT)


def _spec(scenario: Scenario, key: str) -> str:
    return scenario.specs.get(key) or scenario.distributions[key].spec()


def check_inputs(scenario: Scenario, inputs: Mapping[str, np.ndarray]) -> None:
    """Refuse a block in which some key's draws are not finite or beyond ±1e100."""
    for key, values in inputs.items():
        dist = scenario.distributions[key]
        low, high = dist.support()
        if dist.draws_in_support and low > -LIMIT and high < LIMIT:
            continue  # every draw lies in [low, high] (not so for beta's or gamma's ppf)
        if _all_fine(values):
            continue
        bad = _bad(np.asarray(values, dtype=float))
        if bad.any():
            first = float(np.asarray(values, dtype=float)[np.argmax(bad)])
            if scenario.distributions[key].is_fixed:
                raise InputError(
                    f"{key}: {_spec(scenario, key)}: must be finite and below {LIMIT:g}; give a "
                    "value of a realistic size"
                )
            raise InputError(
                f"{key}: {_spec(scenario, key)}: draws {first:g} in {int(bad.sum()):,} trials of "
                f"a block; values must be finite and below {LIMIT:g}: narrow the distribution "
                "or give a value of a realistic size"
            )


def check_outputs(
    scenario: Scenario, inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]
) -> None:
    """Refuse a block whose outputs overflow; name the input with the largest values in the
    trials that overflow, which is the one to fix."""
    rows: np.ndarray | None = None
    culprit = ""
    for name, values in outputs.items():
        if _all_fine(values):
            continue
        bad = _bad(np.asarray(values, dtype=float))
        if bad.any():
            rows = bad if rows is None else rows | bad
            culprit = culprit or name
    if rows is None:
        return
    # A NaN input (an inverse CDF pushed past its range) is the likeliest culprit: it counts as
    # infinitely large, where max() would otherwise pass it over.
    sizes = {
        key: float(np.nan_to_num(np.max(np.abs(np.asarray(v, dtype=float)[rows])), nan=np.inf))
        for key, v in inputs.items()
    }
    key = max(sizes, key=lambda k: sizes[k])
    raise InputError(
        f"{key}: {_spec(scenario, key)}: makes {culprit} overflow (not finite or beyond "
        f"{LIMIT:g}) in {int(rows.sum()):,} trials of a block; this key has the largest values "
        "there: give it a value of a realistic size"
    )
