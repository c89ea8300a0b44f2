"""Which assumptions drive the loss: tornado swings, rank correlations and Sobol indices.

Three views of one question, each a DataFrame with one row per uncertain input (fixed inputs
cannot drive anything and are left out), most important first:

* `tornado`: the metric with one input at its 10th and then its 90th percentile, every other
  input at its median, the model evaluated directly (`impact.model.evaluate`). Quick and easy to
  read, but blind to interactions and to how likely each swing is.
* `rank_correlations`: Spearman's rank correlation of each input with the metric over a
  simulation, with the scenario's sampling design and correlations. Signed, and counts every
  input's whole range, but mixes up inputs that are correlated with each other.
* `sobol`: first-order and total Sobol indices (`scipy.stats.sobol_indices`, Saltelli 2010) with
  bootstrap intervals: the share of the metric's variance each input explains alone, and with
  all its interactions. They treat the inputs as independent (a `[correlations]` table is not
  applied there). Cost: n·(d + 2) model evaluations for d inputs, n a power of two.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.analysis.pilot import input_rank_correlations
from impact.analysis.sobol import BOOTSTRAP_RESAMPLES, sobol_table
from impact.exceptions import InputError
from impact.inputs.keys import KEYS
from impact.inputs.scenario import Scenario
from impact.model.core import OUTPUTS, evaluate
from impact.rng import RNGLike, as_seed_sequence, root_entropy
from impact.simulation import cluster
from impact.simulation.correlation import rank_correlation
from impact.simulation.engine import PILOT_TRIALS, simulate
from impact.simulation.result import SimulationResult

__all__ = [
    "DEFAULT_METRIC",
    "SensitivityResult",
    "analyse",
    "drivers",
    "rank_correlations",
    "sobol",
    "sobol_base_samples",
    "tornado",
]

DEFAULT_METRIC = "total_revenue_loss_usd"
SWING = (0.10, 0.90)  # the percentiles each input is swung between in the tornado
MIN_SOBOL_POWER = 10  # at least 1,024 base samples, whatever the budget
LEVEL = 0.95


def _check_metric(metric: str) -> str:
    if metric not in OUTPUTS:
        raise InputError(f"metric: {metric!r}: unknown; choose one of {', '.join(OUTPUTS)}")
    return metric


def _fixed_inputs(scenario: Scenario, n: int) -> dict[str, np.ndarray]:
    """Every input at its median, as arrays of length n (to be overwritten where swept)."""
    return {info.key: np.full(n, float(scenario.distributions[info.key].ppf(0.5))) for info in KEYS}


def tornado(scenario: Scenario, metric: str = DEFAULT_METRIC) -> pd.DataFrame:
    """Each uncertain input swung from its p10 to its p90, the others at their medians.

    Columns: key, input_low and input_high (the input's p10 and p90), low and high (the metric
    there), swing (|high − low|); sorted by swing, largest first. `attrs["base"]` is the metric
    with every input at its median.

    >>> from impact.inputs.scenario import load_scenario
    >>> frame = tornado(load_scenario("tiktok-us-2026"))
    >>> frame.iloc[0]["key"]
    'outage.severity'
    """
    _check_metric(metric)
    keys = scenario.uncertain_keys
    inputs = _fixed_inputs(scenario, 2 * len(keys) + 1)
    for i, key in enumerate(keys):
        dist = scenario.distributions[key]
        inputs[key][2 * i], inputs[key][2 * i + 1] = (float(v) for v in dist.ppf(np.array(SWING)))
    values = evaluate(inputs, scenario.profile_weights)[metric]
    frame = pd.DataFrame(
        {
            "key": list(keys),
            "input_low": [inputs[k][2 * i] for i, k in enumerate(keys)],
            "input_high": [inputs[k][2 * i + 1] for i, k in enumerate(keys)],
            "low": values[0 : 2 * len(keys) : 2],
            "high": values[1 : 2 * len(keys) : 2],
        }
    )
    frame["swing"] = (frame["high"] - frame["low"]).abs()
    frame = frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    frame.attrs["base"] = float(values[-1])
    return frame


def rank_correlations(
    samples: pd.DataFrame, keys: tuple[str, ...], metric: str = DEFAULT_METRIC
) -> pd.DataFrame:
    """Spearman's rank correlation of each input column with `metric`, largest |rho| first.

    Columns: key, spearman, and se, its standard error (1 − rho²)·√(1.06 / (n − 3)) (Fieller,
    Hartley & Pearson 1957), enough to tell a real driver from noise.
    """
    _check_metric(metric)
    if not keys:
        return pd.DataFrame({"key": [], "spearman": [], "se": []})
    columns = np.column_stack([samples[k].to_numpy(float) for k in keys] + [samples[metric]])
    rho = rank_correlation(columns)[-1, :-1]
    n = len(samples)
    se = (1 - rho**2) * math.sqrt(1.06 / max(n - 3, 1))
    frame = pd.DataFrame({"key": list(keys), "spearman": np.nan_to_num(rho), "se": se})
    order = np.argsort(-np.abs(frame["spearman"].to_numpy()), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def sobol_base_samples(budget: int, d: int) -> int:
    """The largest power of two n with n·(d + 2) ≤ budget (at least 2^MIN_SOBOL_POWER)."""
    n = 2 ** max(MIN_SOBOL_POWER, math.floor(math.log2(max(budget // (d + 2), 1))))
    return int(n)


def sobol(
    scenario: Scenario,
    metric: str = DEFAULT_METRIC,
    n: int = 8192,
    rng: RNGLike = None,
    *,
    level: float = LEVEL,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> pd.DataFrame:
    """First-order and total Sobol indices of each uncertain input, with bootstrap intervals.

    `n` (a power of two) base samples cost n·(d + 2) model evaluations, all in one vectorised
    call; fixed inputs stay at their values. See `impact.analysis.sobol.sobol_table` for the design,
    the estimators and the intervals. Sorted by total index, largest first.
    """
    _check_metric(metric)
    keys = scenario.uncertain_keys
    fixed = {info.key: float(scenario.distributions[info.key].ppf(0.5)) for info in KEYS}

    def model(x: np.ndarray) -> np.ndarray:
        inputs: dict[str, np.ndarray | float] = dict(fixed)
        inputs.update({key: x[i] for i, key in enumerate(keys)})
        return evaluate(inputs, scenario.profile_weights)[metric]

    dists = [scenario.distributions[key] for key in keys]
    return sobol_table(model, dists, keys, n, rng, level=level, resamples=resamples)


def drivers(result: SimulationResult, metric: str = DEFAULT_METRIC, top: int = 5) -> pd.DataFrame:
    """The `top` inputs most rank-correlated with `metric` in a simulation: key, spearman.

    From the per-trial samples when the run kept them here, else from the first block of trials
    the engine keeps (`impact.analysis.pilot`), as for samples kept on a dask cluster (ranks
    over all of them would bring them back); empty if neither is there.
    """
    _check_metric(metric)
    keys = result.scenario.uncertain_keys
    if result.samples is not None and not cluster.is_dask_frame(result.samples):
        frame = rank_correlations(result.samples, keys, metric)[["key", "spearman"]]
        trials = len(result.samples)
    elif (ranks := input_rank_correlations(result)) is not None:
        series = ranks[metric]
        frame = pd.DataFrame({"key": series.index, "spearman": series.to_numpy()})
        order = np.argsort(-np.abs(frame["spearman"].to_numpy()), kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        trials = min(result.n_trials, PILOT_TRIALS)
    else:
        return pd.DataFrame({"key": [], "spearman": []})
    frame = frame.head(top).reset_index(drop=True)
    frame.attrs["trials"] = trials
    return frame


@dataclass(frozen=True, repr=False)
class SensitivityResult:
    """The three views for one metric, with what is needed to repeat them."""

    scenario: Scenario
    metric: str
    trials: int
    sobol_samples: int
    seed: int
    method: str
    base: float
    tornado: pd.DataFrame
    spearman: pd.DataFrame
    sobol: pd.DataFrame

    def __repr__(self) -> str:
        """A few lines: scenario, metric, trials, seed and the top inputs by total Sobol index."""
        top = ", ".join(
            f"{row['key']} {row['total']:.2f}" for row in self.sobol.head(5).to_dict("records")
        )
        return (
            f"SensitivityResult(scenario={self.scenario.name!r}, metric={self.metric!r}, "
            f"trials={self.trials:,}, seed={self.seed}, method={self.method!r})\n"
            f"  top inputs by total Sobol index: {top or 'none (no uncertain input)'}"
        )

    def _repr_html_(self) -> str:
        """The ten top inputs: total and first-order Sobol indices and Spearman's rho."""
        table = self.sobol[["key", "first", "total"]].head(10)
        table = table.merge(self.spearman[["key", "spearman"]], on="key", how="left")
        caption = html.escape(
            f"What drives {self.metric} in {self.scenario.label} ({self.trials:,} trials, "
            f"seed {self.seed})"
        )
        body = table.to_html(index=False, float_format=lambda v: f"{v:.2f}", border=0)
        return f"<div><p><b>{caption}</b></p>{body}</div>"

    def to_json(self) -> dict[str, object]:
        """{"metric", "tornado": {key: low, high, swing}, "spearman": {key: r}, "sobol": {…}}."""
        return {
            "metric": self.metric,
            "tornado": {
                row["key"]: {
                    "low": float(row["low"]),
                    "high": float(row["high"]),
                    "swing": float(row["swing"]),
                }
                for row in self.tornado.to_dict("records")
            },
            "spearman": {
                row["key"]: float(row["spearman"]) for row in self.spearman.to_dict("records")
            },
            "sobol": {
                row["key"]: {
                    "first": float(row["first"]),
                    "total": float(row["total"]),
                    "first_ci": [float(row["first_low"]), float(row["first_high"])],
                    "total_ci": [float(row["total_low"]), float(row["total_high"])],
                }
                for row in self.sobol.to_dict("records")
            },
        }


def analyse(
    scenario: Scenario,
    metric: str = DEFAULT_METRIC,
    n_trials: int = 100_000,
    rng: RNGLike = None,
    *,
    method: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> SensitivityResult:
    """Tornado, rank correlations (a simulation of `n_trials`) and Sobol indices (about
    `n_trials` model evaluations) of `metric`; see the module docstring for what each shows.

    The simulation and the Sobol design draw from two children of the root seed, so the same
    seed gives the same numbers.
    """
    _check_metric(metric)
    if not scenario.uncertain_keys:
        raise InputError(
            f"scenario {scenario.name!r}: every input is fixed, so nothing drives {metric}; "
            "give at least one input a distribution"
        )
    root = as_seed_sequence(rng)
    sim_seed, sobol_seed = root.spawn(2)
    # The analysis explains the assumptions: its trials are not weighted by [evidence] (the
    # report says so), so the simulation does not compute weights it would not use.
    result = simulate(
        scenario.without_evidence(), n_trials, sim_seed, method=method, workers=workers,
        samples=True, scheduler=scheduler,
    )  # fmt: skip
    keys = scenario.uncertain_keys
    samples = result.samples if result.samples is not None else pd.DataFrame()
    n = sobol_base_samples(n_trials, len(keys))
    table = tornado(scenario, metric)
    return SensitivityResult(
        scenario=scenario,
        metric=metric,
        trials=result.n_trials,
        sobol_samples=n,
        seed=root_entropy(root),
        method=result.method,
        base=float(table.attrs["base"]),
        tornado=table,
        spearman=rank_correlations(samples, keys, metric),
        sobol=sobol(scenario, metric, n, sobol_seed),
    )
