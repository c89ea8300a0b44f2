"""Tables an annual-risk report is made of, read from the sketches of an `AnnualResult`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.analysis.summaries import assumptions
from impact.inputs.keys import FREQUENCY_KEY, key_info
from impact.model.outputs import TOTAL
from impact.simulation.annual import OUTAGES, AnnualResult

__all__ = [
    "ANNUAL_ATTRITION",
    "AnnualReportData",
    "annual_assumptions",
    "annual_exceedance",
    "annual_report_data",
    "outage_counts",
    "per_year",
]

ANNUAL_ATTRITION = ("users_churned", "users_lost", "users_to_rivals", "creators_lost")
EXCEEDANCE_POINTS = 400


def annual_exceedance(
    result: AnnualResult, metric: str = TOTAL, points: int = EXCEEDANCE_POINTS
) -> pd.DataFrame:
    """P(annual `metric` > x) on a log-spaced grid from its smallest non-zero value to its largest.

    Columns: value, probability. Years without an outage are in every probability's denominator.
    """
    sketch = result.sketches[metric]
    values, _ = sketch.points()
    positive = values[values > 0]
    if positive.size == 0:
        return pd.DataFrame({"value": [0.0], "probability": [0.0]})
    grid = np.geomspace(positive[0] * 0.999, max(positive[-1], positive[0] * 1.001), points)
    return pd.DataFrame({"value": grid, "probability": sketch.exceedance(grid)})


def outage_counts(result: AnnualResult) -> pd.DataFrame:
    """The share of years with 0, 1, 2, … outages: columns outages, years, share."""
    values, counts = result.sketches[OUTAGES].points()
    k = np.rint(values).astype(int)
    years = np.bincount(k, weights=counts)
    present = np.flatnonzero(years)
    return pd.DataFrame(
        {
            "outages": present,
            "years": years[present].astype(np.int64),
            "share": years[present] / result.n_years,
        }
    )


def per_year(result: AnnualResult, metrics: tuple[str, ...] = ANNUAL_ATTRITION) -> pd.DataFrame:
    """Users and creators lost per year: mean, p50, p90, p99 of each (index `metric`)."""
    return result.summary.loc[list(metrics), ["unit", "mean", "p50", "p90", "p99"]]


def annual_assumptions(result: AnnualResult) -> pd.DataFrame:
    """Every input of one outage, then the rate of outages per year, with their sources."""
    frame = assumptions(result.scenario)
    info = key_info(FREQUENCY_KEY)
    row = {
        "key": FREQUENCY_KEY,
        "description": info.description,
        "unit": info.unit,
        "spec": result.frequency_spec,
        "source": result.scenario.sources.get(FREQUENCY_KEY, "") or "no note given",
    }
    return pd.concat([pd.DataFrame([row]), frame], ignore_index=True)


@dataclass(frozen=True)
class AnnualReportData:
    """Everything an annual report shows, computed once; the report layer only renders it."""

    result: AnnualResult
    summary: pd.DataFrame
    risk: pd.DataFrame
    exceedance: pd.DataFrame
    counts: pd.DataFrame
    per_year: pd.DataFrame
    assumptions: pd.DataFrame


def annual_report_data(result: AnnualResult) -> AnnualReportData:
    """Compute every table of the annual report from an annual result."""
    return AnnualReportData(
        result=result,
        summary=result.summary,
        risk=result.risk,
        exceedance=annual_exceedance(result),
        counts=outage_counts(result),
        per_year=per_year(result),
        assumptions=annual_assumptions(result),
    )
