"""What `simulate` returns: a sketch of every output, and the summaries read off them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from impact.exceptions import InputError
from impact.inputs.scenario import Scenario
from impact.model.core import OUTPUTS
from impact.simulation.sketch import Sketch

__all__ = [
    "INTERVAL_PERCENTILES",
    "METRIC_UNITS",
    "PER_CREATOR",
    "STATISTICS",
    "TAIL_INDEX_LIMIT",
    "TRACKED",
    "SimulationResult",
]

PER_CREATOR = "creator_earnings_loss_per_creator_usd"
TRACKED = (*OUTPUTS, PER_CREATOR)
STATISTICS = ("mean", "std", "p05", "p50", "p95", "p99", "cvar95", "se_mean")
INTERVAL_PERCENTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95, "p99": 0.99}
# Below a tail index of 2 the variance is infinite (or the sample cannot tell it from infinite),
# so std / √n understates how far the mean may be off.
TAIL_INDEX_LIMIT = 2.0
METRIC_UNITS = {
    "outage_hours": "h",
    "direct_revenue_loss_usd": "USD",
    "attrition_revenue_loss_usd": "USD",
    "engagement_revenue_loss_usd": "USD",
    "latency_revenue_loss_usd": "USD",
    "total_revenue_loss_usd": "USD",
    "loss_hours": "h",
    "users_churned": "users",
    "users_lost": "users",
    "users_to_rivals": "users",
    "creators_lost": "creators",
    "creator_earnings_loss_usd": "USD",
    PER_CREATOR: "USD",
}


@dataclass
class SimulationResult:
    """What `simulate` returns: sketches of every output, and per-trial samples if asked for.

    `method` is the sampling design (mc, lhs or sobol). With correlated inputs, `correlations`
    has one row per pair of correlated keys: the rank correlation given (`target`), the one
    imposed after any repair (`used`) and the one achieved (`achieved`, Spearman's rho averaged
    over blocks of trials). `input_rank_correlations` holds Spearman's rho of each uncertain
    input (rows) with each output (columns) over the first 10,000 trials, a cheap first look at
    what drives what (`impact.analysis.sensitivity` goes further). With a precision target, `rounds`
    lists the trial count after each round and `converged` says whether the target was met.
    """

    scenario: Scenario
    n_trials: int
    seed: int
    method: str
    sketches: dict[str, Sketch]
    samples: pd.DataFrame | None = None
    elapsed_seconds: float = 0.0
    workers: int = 1
    activity_path: pd.DataFrame | None = None
    input_rank_correlations: pd.DataFrame | None = None
    correlations: pd.DataFrame | None = None
    target_precision: float | None = None
    converged: bool | None = None
    rounds: tuple[int, ...] = ()
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per output (index `metric`): unit, mean, std, p05…p99, cvar95, se_mean."""
        if self._summary is None:
            rows = []
            for name in OUTPUTS:
                s = self.sketches[name]
                rows.append(
                    {
                        "metric": name,
                        "unit": METRIC_UNITS[name],
                        "mean": s.average,
                        "std": s.std,
                        "p05": s.quantile(0.05),
                        "p50": s.quantile(0.50),
                        "p95": s.quantile(0.95),
                        "p99": s.quantile(0.99),
                        "cvar95": s.tail_mean(0.95),
                        "se_mean": s.se_mean,
                    }
                )
            self._summary = pd.DataFrame(rows).set_index("metric")
        return self._summary

    def tiers(self) -> pd.DataFrame:
        """Creator figures by tier: creators in it, earnings share, loss in total and per creator.

        A tier's loss is the creators' total earnings loss times the tier's earnings share; its
        loss per creator is the loss per active creator times earnings share / creator share.
        Both are exact rescalings of tracked outputs, so their percentiles are exact too.
        """
        total = self.sketches["creator_earnings_loss_usd"]
        per = self.sketches[PER_CREATOR]
        creators = self.scenario.distributions["creators.count"].mean()
        rows = []
        for tier in self.scenario.tiers:
            scale = tier.earnings_share / tier.creator_share if tier.creator_share > 0 else 0.0
            rows.append(
                {
                    "tier": tier.name,
                    "creator_share": tier.creator_share,
                    "earnings_share": tier.earnings_share,
                    "creators": creators * tier.creator_share,
                    "loss_mean_usd": total.mean * tier.earnings_share,
                    "loss_p50_usd": total.quantile(0.5) * tier.earnings_share,
                    "loss_p95_usd": total.quantile(0.95) * tier.earnings_share,
                    "loss_per_creator_p50_usd": per.quantile(0.5) * scale,
                    "loss_per_creator_p95_usd": per.quantile(0.95) * scale,
                }
            )
        return pd.DataFrame(rows)

    def quantile_interval(self, metric: str, q: float, level: float = 0.95) -> tuple[float, float]:
        """A distribution-free `level` interval for the q-quantile of `metric`."""
        if metric not in self.sketches:
            raise InputError(f"metric: {metric!r}: unknown; choose one of {', '.join(OUTPUTS)}")
        return self.sketches[metric].quantile_interval(q, level)

    def percentile_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """`level` intervals of p05, p50, p95 and p99 for every output (index `metric`).

        Columns `p05_low`, `p05_high`, … come from `quantile_interval`: binomial order
        statistics widened to the sketch's bucket edges, valid whatever the distribution and
        the trial count (for lhs and sobol designs, which are more even than independent
        draws, they are conservative).
        """
        rows = []
        for name in OUTPUTS:
            row: dict[str, object] = {"metric": name}
            for label, q in INTERVAL_PERCENTILES.items():
                row[f"{label}_low"], row[f"{label}_high"] = self.quantile_interval(name, q, level)
            rows.append(row)
        return pd.DataFrame(rows).set_index("metric")

    def tail_diagnostics(self) -> pd.DataFrame:
        """Whether `se_mean` can be trusted, per output (index `metric`).

        `tail_index` is Hill's estimate from the top 0.1% of trials (`Sketch.tail_index`);
        `se_mean_reliable` is False when it is below `TAIL_INDEX_LIMIT` (2): the tail is then
        too heavy for the standard error to describe the mean's Monte Carlo error, and a few
        extreme trials can move the mean by more than it says.
        """
        rows = []
        for name in OUTPUTS:
            alpha = self.sketches[name].tail_index()
            rows.append(
                {
                    "metric": name,
                    "tail_index": alpha,
                    "se_mean_reliable": not alpha < TAIL_INDEX_LIMIT,
                }
            )
        return pd.DataFrame(rows).set_index("metric")

    def to_json(self) -> dict[str, object]:
        """The summary as INTERFACE.md's JSON object (plus correlations and precision if any)."""
        metrics = {
            name: {stat: float(row[stat]) for stat in STATISTICS}
            for name, row in self.summary.iterrows()
        }
        out: dict[str, object] = {
            "scenario": self.scenario.name,
            "trials": self.n_trials,
            "seed": self.seed,
            "method": self.method,
            "metrics": metrics,
        }
        if self.correlations is not None:
            out["correlations"] = {
                f"{row['key_a']} ~ {row['key_b']}": {
                    "target": float(row["target"]),
                    "used": float(row["used"]),
                    "achieved": float(row["achieved"]),
                }
                for row in self.correlations.to_dict("records")
            }
        if self.target_precision is not None:
            out["target_precision"] = self.target_precision
            out["converged"] = self.converged
        return out
