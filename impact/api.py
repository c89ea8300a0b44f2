"""The one-call convenience: keyword specs in, a summary DataFrame out."""

from __future__ import annotations

import pandas as pd

from impact.inputs.scenario import load_scenario, scenario_from_specs
from impact.rng import RNGLike
from impact.simulation.engine import simulate

__all__ = ["estimate"]


def estimate(
    scenario: str | None = None,
    *,
    n_trials: int = 100_000,
    rng: RNGLike = 20260125,
    workers: int = 1,
    **specs: str | float | int,
) -> pd.DataFrame:
    """Estimate an outage's losses from keyword specs; return the per-metric summary.

    Keywords are scenario keys with underscores (``outage_hours``, ``hourly_loss`` is accepted
    for ``revenue_hourly_loss``, ``users_count``, …). Without `scenario`, keys not given take
    impact's documented defaults and ``outage_hours`` and ``revenue_hourly_loss`` are required;
    with `scenario` (a built-in name or a path) the keywords override that scenario.

    >>> summary = estimate(outage_hours="lognormal(p5=24, p95=240)",
    ...                    hourly_loss="uniform(300k, 500k)", n_trials=20_000)
    >>> row = summary.loc["total_revenue_loss_usd"]
    >>> bool(row["p05"] < row["p50"] < row["p95"])
    True
    """
    aliases = {"hourly_loss": "revenue_hourly_loss", "severity": "outage_severity"}
    specs = {aliases.get(k, k): v for k, v in specs.items()}
    if scenario is None:
        base = scenario_from_specs(specs)
    else:
        base = load_scenario(scenario).with_overrides(specs, source="given by the caller")
    result = simulate(base, n_trials, rng, workers=workers)
    summary = result.summary.copy()
    summary.attrs.update(scenario=base.name, trials=result.n_trials, seed=result.seed)
    return summary
