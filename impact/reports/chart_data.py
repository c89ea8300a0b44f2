"""Which charts a simulate report has, and the data they are drawn from, known without
matplotlib: the process that writes the report can send the charts to others to draw
(`impact.reports.drawing`) without loading it itself."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from impact.analysis.summaries import ReportData

__all__ = ["SIMULATE_CHARTS", "ChartData"]

# The charts of `impact.reports.charts.CHARTS`, in its order (tests/test_drawing.py checks).
SIMULATE_CHARTS = (
    "total_loss_distribution.png",
    "loss_exceedance.png",
    "loss_breakdown.png",
    "activity_path.png",
    "creator_tiers.png",
)


@dataclass(frozen=True)
class ChartData:
    """What the report's charts draw: a few small tables of `ReportData`, without the result's
    sketches and weights (tens of MB), so that a chart can be sent to another process."""

    summary: pd.DataFrame
    distribution: pd.DataFrame
    exceedance: pd.DataFrame
    breakdown: pd.DataFrame
    activity_path: pd.DataFrame | None
    tiers: pd.DataFrame
    n_trials: int
    label: str  # the scenario's, for the footnotes

    @classmethod
    def of(cls, data: ReportData, *, activity: bool = True) -> ChartData:
        """The charts' tables; without `activity`, not the activity band (None), the one that
        takes long to compute (45 ms of 100,000 trials), so that the other charts can be sent
        off before it is."""
        return cls(
            summary=data.summary,
            distribution=data.distribution,
            exceedance=data.exceedance,
            breakdown=data.breakdown,
            activity_path=data.activity_path if activity else None,
            tiers=data.tiers,
            n_trials=data.result.n_trials,
            label=data.result.scenario.label,
        )
