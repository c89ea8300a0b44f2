"""Tables a report is made of, derived from a simulation result: every number a report shows.

The report layer (`impact.reports`) only formats and draws these DataFrames (STYLE.md point 9):
the breakdown of the total into its parts, the Monte Carlo precision of each output, attrition,
creator tiers, the assumptions with their sources, and the distribution and exceedance curve of
the total loss, read from its streaming sketch so that no per-trial values are needed.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from impact.analysis.evidence import EvidenceTables, evidence_tables
from impact.analysis.onset import loss_by_onset
from impact.analysis.pilot import activity_band
from impact.analysis.sensitivity import drivers
from impact.inputs.keys import KEYS
from impact.inputs.scenario import Scenario
from impact.outputs import PARTS, PEOPLE, TOTAL
from impact.simulation.engine import SimulationResult

__all__ = [
    "ATTRITION_METRICS",
    "PARTS",
    "TOTAL",
    "ReportData",
    "assumptions",
    "attrition",
    "breakdown",
    "distribution",
    "exceedance_curve",
    "precision",
    "report_data",
    "tier_table",
]

ATTRITION_METRICS = PEOPLE  # users and creators who left, in registry order
HISTOGRAM_BINS = 60
HISTOGRAM_RANGE = (0.001, 0.995)  # quantiles at the histogram's edges: the far tail is cut off
EXCEEDANCE_POINTS = 600


def breakdown(result: SimulationResult) -> pd.DataFrame:
    """The total loss by part: mean, p05, p50, p95 and each part's share of the mean total.

    Means add up (the total is the sum of its parts in every trial), so the shares of the mean
    total add up to 1; percentiles of the parts do not add up to the total's percentiles.
    """
    summary = result.summary
    total_mean = float(summary["mean"].to_dict()[TOTAL])
    rows = []
    for part, metric in PARTS.items():
        row = summary.loc[metric].to_dict()
        mean = float(row["mean"])
        rows.append(
            {
                "part": part,
                "metric": metric,
                "mean": mean,
                "p05": float(row["p05"]),
                "p50": float(row["p50"]),
                "p95": float(row["p95"]),
                "share_of_mean_total": mean / total_mean if total_mean > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)


def precision(result: SimulationResult, level: float = 0.95) -> pd.DataFrame:
    """Monte Carlo precision of every output: the standard error of the mean (also relative to
    the mean), distribution-free `level` intervals for p50 and p95 from order statistics, and
    whether the tail lets `se_mean` be trusted (`SimulationResult.tail_diagnostics`)."""
    rows = []
    tails = result.tail_diagnostics().to_dict("index")
    for metric, row in result.summary.iterrows():
        mean, se = float(row["mean"]), float(row["se_mean"])
        p50_low, p50_high = result.quantile_interval(str(metric), 0.50, level)
        p95_low, p95_high = result.quantile_interval(str(metric), 0.95, level)
        rows.append(
            {
                "metric": metric,
                "unit": row["unit"],
                "mean": mean,
                "se_mean": se,
                "se_mean_relative": se / mean if mean > 0 else 0.0,
                "p50": float(row["p50"]),
                "p50_low": p50_low,
                "p50_high": p50_high,
                "p95": float(row["p95"]),
                "p95_low": p95_low,
                "p95_high": p95_high,
                "tail_index": float(tails[metric]["tail_index"]),
                "se_mean_reliable": bool(tails[metric]["se_mean_reliable"]),
            }
        )
    return pd.DataFrame(rows)


def attrition(result: SimulationResult) -> pd.DataFrame:
    """Users churned, lost for good and gone to rivals, and creators lost: the summary's rows."""
    frame = result.summary.loc[list(ATTRITION_METRICS), ["unit", "mean", "p05", "p50", "p95"]]
    return frame.reset_index()


def tier_table(result: SimulationResult) -> pd.DataFrame:
    """`result.tiers()` with each tier's source note from the scenario file (no rows when the
    scenario has no creators)."""
    frame = result.tiers()
    frame["source"] = [tier.source for tier in result.scenario.tiers] if len(frame) else []
    return frame


def assumptions(scenario: Scenario) -> pd.DataFrame:
    """Every input key in model order: what it means, its unit, its spec and its source note."""
    rows = [
        {
            "key": info.key,
            "description": info.description,
            "unit": info.unit,
            "spec": scenario.specs.get(info.key, ""),
            "source": scenario.sources.get(info.key, "") or "no note given in the scenario file",
        }
        for info in KEYS
    ]
    return pd.DataFrame(rows)


def _nice_width(span: float, bins: int) -> float:
    """A round bin width (1, 2, 2.5 or 5 times a power of ten) giving about `bins` bins."""
    raw = span / bins
    power = 10.0 ** np.floor(np.log10(raw))
    return float(power * next(m for m in (1, 2, 2.5, 5, 10) if m * power >= raw))


def distribution(
    result: SimulationResult, metric: str = TOTAL, bins: int = HISTOGRAM_BINS
) -> pd.DataFrame:
    """A histogram of `metric` from its sketch: left and right bin edges, count and share of trials.

    Bins have a round width and cover the 0.1st to the 99.5th percentile, so the far tail does
    not squash the bulk; the share of trials outside the bins is 1 minus the sum of `share`.
    """
    sketch = result.sketches[metric]
    low, high = (sketch.quantile(q) for q in HISTOGRAM_RANGE)
    if high > low:
        width = _nice_width(high - low, bins)
        edges = np.arange(np.floor(low / width), np.ceil(high / width) + 1) * width
    else:  # a fixed output: one narrow bin around its value
        pad = max(abs(low) * 0.05, 1.0)
        edges = np.array([low - pad, high + pad])
    counts = sketch.histogram(edges)
    return pd.DataFrame(
        {"left": edges[:-1], "right": edges[1:], "count": counts, "share": counts / sketch.n}
    )


def exceedance_curve(
    result: SimulationResult, metric: str = TOTAL, points: int = EXCEEDANCE_POINTS
) -> pd.DataFrame:
    """P(metric > value) on a grid from the metric's minimum to its maximum."""
    sketch = result.sketches[metric]
    values = np.linspace(sketch.min, sketch.max, points)
    return pd.DataFrame({"value": values, "probability": sketch.exceedance(values)})


class ReportData:
    """Everything a report shows, each table computed from the result when it is first asked
    for, then kept: whoever writes the report asks for the charts' tables first, so that the
    charts can be drawn elsewhere while the rest is computed (`impact.reports.folder`)."""

    def __init__(self, result: SimulationResult) -> None:
        self.result = result

    @property
    def summary(self) -> pd.DataFrame:
        return self.result.summary  # kept by the result itself

    @cached_property
    def precision(self) -> pd.DataFrame:
        return precision(self.result)

    @cached_property
    def breakdown(self) -> pd.DataFrame:
        return breakdown(self.result)

    @cached_property
    def attrition(self) -> pd.DataFrame:
        return attrition(self.result)

    @cached_property
    def tiers(self) -> pd.DataFrame:
        return tier_table(self.result)

    @cached_property
    def assumptions(self) -> pd.DataFrame:
        return assumptions(self.result.scenario)

    @cached_property
    def distribution(self) -> pd.DataFrame:
        return distribution(self.result)

    @cached_property
    def exceedance(self) -> pd.DataFrame:
        return exceedance_curve(self.result)

    @cached_property
    def activity_path(self) -> pd.DataFrame | None:
        """None when the result kept no pilot trials (`has_activity_path` says so at no cost)."""
        return activity_band(self.result)

    @property
    def has_activity_path(self) -> bool:
        return self.result.pilot is not None

    @cached_property
    def drivers(self) -> pd.DataFrame:
        return drivers(self.result)

    @cached_property
    def onset(self) -> pd.DataFrame | None:
        """Loss by onset hour, with a revenue profile."""
        return loss_by_onset(self.result)

    @property
    def has_evidence(self) -> bool:
        return self.result.conditioned is not None and self.result.prior_sketches is not None

    @cached_property
    def evidence(self) -> EvidenceTables | None:
        """What the evidence changed, with [evidence]."""
        return evidence_tables(self.result)


def report_data(result: SimulationResult) -> ReportData:
    """Every table of the report of a simulation result, each computed when first read.

    >>> import impact
    >>> data = report_data(impact.simulate(impact.load_scenario("meta-2024"), 2_000, rng=1))
    >>> round(float(data.breakdown["share_of_mean_total"].sum()), 12)
    1.0
    """
    return ReportData(result)
