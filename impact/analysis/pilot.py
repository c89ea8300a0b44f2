"""First looks read off the engine's pilot sample: the activity band and input–output ranks.

The engine keeps the first `PILOT_TRIALS` trials' inputs and outputs (`result.pilot`); these
tables are computed from them after the run, not inside the trial loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.model.core import OUTPUTS, activity
from impact.simulation.correlation import rank_correlation
from impact.simulation.result import SimulationResult

__all__ = ["PATH_POINTS", "activity_band", "input_rank_correlations"]

PATH_POINTS = 91


def activity_band(result: SimulationResult) -> pd.DataFrame | None:
    """Mean, median and 90% band of a(u) across the pilot trials, over the median horizon."""
    pilot = result.pilot
    if pilot is None:
        return None
    horizon = float(result.scenario.distributions["horizon.hours"].ppf(0.5))
    grid = np.linspace(0.0, horizon, PATH_POINTS)
    paths = activity({key: pilot[key].to_numpy() for key in pilot.columns}, grid)
    p05, p50, p95 = np.quantile(paths, [0.05, 0.5, 0.95], axis=0)
    return pd.DataFrame(
        {
            "hours_after_restore": grid,
            "mean": paths.mean(axis=0),
            "p05": p05,
            "p50": p50,
            "p95": p95,
        }
    )


def input_rank_correlations(result: SimulationResult) -> pd.DataFrame | None:
    """Spearman's rho of each uncertain input (rows) with each output (columns), over the pilot
    trials: enough to rank the inputs that drive an output, and cheap."""
    keys = result.scenario.uncertain_keys
    if not keys or result.pilot is None:
        return None
    columns = [result.pilot[name].to_numpy() for name in (*keys, *OUTPUTS)]
    rho = rank_correlation(np.column_stack(columns))[: len(keys), len(keys) :]
    return pd.DataFrame(np.nan_to_num(rho), index=pd.Index(keys, name="key"), columns=OUTPUTS)
