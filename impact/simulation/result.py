"""What `simulate` returns: a sketch of every output, and the summaries read off them."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.inputs.scenario import Scenario
from impact.outputs import (
    FULL_STATISTICS,
    OBSERVABLES,
    OUTPUTS,
    PER_CREATOR,
    REGISTRY,
    TRACKED,
    output,
)
from impact.simulation.evidence_weights import Conditioned
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

STATISTICS = FULL_STATISTICS
INTERVAL_PERCENTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95, "p99": 0.99}
# Below a tail index of 2 the variance is infinite (or the sample cannot tell it from infinite),
# so std / √n understates how far the mean may be off.
TAIL_INDEX_LIMIT = 2.0
METRIC_UNITS = {o.name: o.unit for o in REGISTRY}
TIER_COLUMNS = (
    "tier", "creator_share", "earnings_share", "creators", "loss_mean_usd", "loss_p50_usd",
    "loss_p95_usd", "loss_per_creator_p50_usd", "loss_per_creator_p95_usd",
)  # fmt: skip


TOTAL = "total_revenue_loss_usd"


def _compact(value: float) -> str:
    """3 significant figures with a k/M/B suffix: 118,700,000 -> '119M'."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _headline_line(sketch: Sketch, metric: str) -> str:
    p05, p50, p95 = (float(sketch.quantile(q)) for q in (0.05, 0.5, 0.95))
    return (
        f"  {metric}: median {_compact(p50)} {METRIC_UNITS[metric]} "
        f"(90% interval {_compact(p05)} to {_compact(p95)})"
    )


class Sketches(dict[str, Sketch]):
    """A result's sketches by name; asking for one the run did not summarise (a run with
    `outputs=`) is an InputError that says so, not a bare KeyError."""

    def __missing__(self, name: str) -> Sketch:
        if name in TRACKED:
            raise InputError(
                f"`outputs`: {name!r}: not summarised in this run; simulate with it among "
                "`outputs`, or without `outputs` for every one"
            )
        raise InputError(f"metric: {name!r}: unknown; choose one of {', '.join(TRACKED)}")


def _summary_of(sketches: dict[str, Sketch]) -> pd.DataFrame:
    rows = []
    for name in (name for name in OUTPUTS if name in sketches):  # all but with `outputs`
        s = sketches[name]
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
    return pd.DataFrame(rows).set_index("metric")


def _html(caption: str, frame: pd.DataFrame) -> str:
    table = frame.to_html(float_format=lambda v: _compact(float(v)), border=0)
    return f"<div><p><b>{html.escape(caption)}</b></p>{table}</div>"


@dataclass(repr=False)
class SimulationResult:
    """What `simulate` returns: sketches of every output, and per-trial samples if asked for.

    `method` is the sampling design (mc, lhs or sobol). With correlated inputs, `correlations`
    has one row per pair of correlated keys: the rank correlation given (`target`), the one
    imposed after any repair (`used`) and the one achieved (`achieved`, Spearman's rho averaged
    over blocks of trials). `pilot` holds the first 10,000 trials' inputs and outputs, for cheap
    first looks (`impact.analysis.pilot`: the activity band, what drives what). With a precision
    target, `rounds` lists the trial count after each round and `converged` says whether the
    target was met.
    """

    scenario: Scenario
    n_trials: int
    seed: int
    method: str
    sketches: dict[str, Sketch]
    samples: pd.DataFrame | None = None
    elapsed_seconds: float = 0.0
    workers: int = 1
    pilot: pd.DataFrame | None = field(default=None, repr=False)
    correlations: pd.DataFrame | None = None
    target_precision: float | None = None
    converged: bool | None = None
    rounds: tuple[int, ...] = ()
    conditioned: Conditioned | None = field(default=None, repr=False)
    prior_sketches: dict[str, Sketch] | None = field(default=None, repr=False)
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.sketches = Sketches(self.sketches)
        if self.prior_sketches is not None:
            self.prior_sketches = Sketches(self.prior_sketches)

    @property
    def outputs_summarised(self) -> list[str]:
        """The outputs this run summarised, in registry order: all of them unless `simulate`
        was given `outputs=`."""
        return [name for name in OUTPUTS if name in self.sketches]

    @property
    def complete(self) -> bool:
        """Whether every tracked quantity was summarised (a report needs every one)."""
        return all(name in self.sketches for name in TRACKED)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per output (index `metric`): unit, mean, std, p05…p99, cvar95, se_mean.

        With `[evidence]` these are the weighted (conditioned) figures; `prior_summary` has
        the same table before conditioning.
        """
        if self._summary is None:
            self._summary = _summary_of(self.sketches)
        return self._summary

    @property
    def prior_summary(self) -> pd.DataFrame:
        """`summary` before the evidence (the same table when there is none)."""
        if self.prior_sketches is None:
            return self.summary
        return _summary_of(self.prior_sketches)

    @property
    def ess(self) -> float:
        """The effective sample size: the trial count without evidence, (Σw)²/Σw² with it."""
        return float(self.n_trials) if self.conditioned is None else self.conditioned.ess

    @property
    def weights(self) -> np.ndarray | None:
        """Each kept trial's evidence weight (all 1 without evidence); None without samples."""
        if self.samples is None:
            return None
        if "weight" in self.samples:
            return self.samples["weight"].to_numpy()
        return np.ones(len(self.samples))

    @property
    def observables(self) -> pd.DataFrame:
        """The implied observables (index `quantity`): unit, label, mean, p05, p50, p95.

        Quantities someone could check against the world (the activity gap at restoration and
        after 7 and 30 days, direct loss per hour, the share of users lost), one row each.
        """
        rows = []
        for name in (name for name in OBSERVABLES if name in self.sketches):
            s = self.sketches[name]
            rows.append(
                {
                    "quantity": name,
                    "unit": output(name).unit,
                    "label": output(name).label,
                    "mean": s.average,
                    "p05": s.quantile(0.05),
                    "p50": s.quantile(0.50),
                    "p95": s.quantile(0.95),
                }
            )
        columns = ["quantity", "unit", "label", "mean", "p05", "p50", "p95"]
        return pd.DataFrame(rows, columns=columns).set_index("quantity")

    def __repr__(self) -> str:
        """A few lines: scenario, trials, seed and the headline total, not every field.

        >>> from impact.inputs.scenario import load_scenario
        >>> from impact.simulation.engine import simulate
        >>> print(simulate(load_scenario("meta-2024"), 2000, 7))  # doctest: +ELLIPSIS
        SimulationResult(scenario='meta-2024', trials=2,000, seed=7, method='mc')
          total_revenue_loss_usd: median ... USD (90% interval ... to ...)

        A changed scenario says what was changed:

        >>> what_if = load_scenario("meta-2024").with_overrides({"outage.hours": 2})
        >>> print(simulate(what_if, 2000, 7))  # doctest: +ELLIPSIS
        SimulationResult(scenario='meta-2024', modified='outage.hours', trials=2,000, ...)
        ...
        """
        modified = self.scenario.modified
        changed = f"modified={', '.join(modified)!r}, " if modified else ""
        return (
            f"SimulationResult(scenario={self.scenario.name!r}, {changed}"
            f"trials={self.n_trials:,}, seed={self.seed}, method={self.method!r})\n"
            + _headline_line(self.sketches[TOTAL], TOTAL)
        )

    def _repr_html_(self) -> str:
        """A small table of the summary for notebooks."""
        label, modified = self.scenario.label, self.scenario.modified
        if modified and "(modified:" not in label:
            label += f" (modified: {', '.join(modified)})"
        return _html(
            f"{label}: {self.n_trials:,} trials, seed {self.seed}, {self.method}",
            self.summary[["unit", "mean", "p05", "p50", "p95"]],
        )

    def tiers(self) -> pd.DataFrame:
        """Creator figures by tier: creators in it, earnings share, loss in total and per creator.

        A tier's loss is the creators' total earnings loss times the tier's earnings share; its
        loss per creator is the loss per active creator times earnings share / creator share.
        Both are exact rescalings of tracked outputs, so their percentiles are exact too. A
        scenario without creators (their count and earnings fixed at 0) has no tier rows.
        """
        if not self.scenario.counts_creators:
            return pd.DataFrame(columns=list(TIER_COLUMNS))
        total = self.sketches["creator_earnings_loss_usd"]  # InputError if not summarised
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
        return pd.DataFrame(rows, columns=list(TIER_COLUMNS))

    def quantile_interval(self, metric: str, q: float, level: float = 0.95) -> tuple[float, float]:
        """A distribution-free `level` interval for the q-quantile of `metric`."""
        return self.sketches[metric].quantile_interval(q, level)

    def percentile_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """`level` intervals of p05, p50, p95 and p99 for every output (index `metric`).

        Columns `p05_low`, `p05_high`, … come from `quantile_interval`: binomial order
        statistics widened to the sketch's bucket edges, valid whatever the distribution and
        the trial count (for lhs and sobol designs, which are more even than independent
        draws, they are conservative).
        """
        rows = []
        for name in self.outputs_summarised:
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
        for name in self.outputs_summarised:
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
        if self.conditioned is not None:
            prior = self.prior_summary
            out["evidence"] = {
                "observations": {e.quantity: e.spec for e in self.scenario.evidence},
                "effective_sample_size": self.ess,
                "prior_metrics": {
                    name: {stat: float(row[stat]) for stat in STATISTICS}
                    for name, row in prior.iterrows()
                },
            }
        return out
