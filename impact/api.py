"""The one-call convenience: keyword specs in, a summary DataFrame out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from impact.inputs.scenario import load_scenario, scenario_from_specs
from impact.rng import SCENARIO_SEED, RNGLike, ScenarioSeed
from impact.simulation.engine import simulate

if TYPE_CHECKING:
    from impact.simulation.result import SimulationResult

__all__ = ["estimate", "write_report"]


def estimate(
    scenario: str | None = None,
    *,
    n_trials: int | None = None,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    workers: int = 1,
    **specs: str | float | int,
) -> pd.DataFrame:
    """Estimate an outage's losses from keyword specs; return the summary as a pandas DataFrame.

    The DataFrame has one row per metric (index ``metric``) and the columns of summary.csv
    (``unit``, ``mean``, ``std``, ``p05``, ``p50``, ``p95``, ``p99``, ``cvar95``, ``se_mean``);
    ``summary.attrs`` holds the scenario's name, the trials and the seed. For the full result
    (samples, tiers, a report folder) use `impact.simulate`.

    Keywords are scenario keys with underscores (``outage_hours``, ``hourly_loss`` is accepted
    for ``revenue_hourly_loss``, ``users_count``, …). Without `scenario`, keys not given take
    impact's documented defaults and ``outage_hours`` and ``revenue_hourly_loss`` are required;
    with `scenario` (a built-in name or a path) the keywords override that scenario. As in
    `impact simulate`, `n_trials` and `rng` default to the scenario's `[sampling]` trials and
    seed, else 100,000 trials and seed 20260125.

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


def write_report(
    result: SimulationResult, out: str | Path, *, samples_format: str | None = None
) -> list[Path]:
    """Write the report folder `impact simulate` writes (report.md, CSVs, charts) into `out`.

    The folder is replaced atomically; returns the paths written. `samples_format` ('csv' or
    'parquet') adds the per-trial samples of a result simulated with ``samples=True``.
    """
    from impact.reports.folder import write_report as write  # matplotlib loads only now

    return write(result, out, samples_format=samples_format)
