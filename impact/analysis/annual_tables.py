"""Tables an annual-risk report is made of, read from the sketches of an `AnnualResult`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.analysis.summaries import assumptions
from impact.inputs.keys import COVER_KEYS, FREQUENCY_KEY, VALUE_KEYS, key_info
from impact.inputs.record import BANDS
from impact.outputs import PARTS, PEOPLE, TOTAL
from impact.simulation.annual import ANNUAL_LOSS, LATER, NET, OUTAGES, RECOVERY, AnnualResult
from impact.simulation.future import future_outages

__all__ = [
    "ANNUAL_ATTRITION",
    "AnnualReportData",
    "annual_assumptions",
    "annual_exceedance",
    "annual_report_data",
    "annual_rows",
    "outage_counts",
    "per_year",
]

ANNUAL_ATTRITION = PEOPLE  # users and creators lost per year, in registry order


def annual_rows(with_cover: bool) -> tuple[str, ...]:
    """The rows of the annual loss table (report and web page alike), in order: the year's loss,
    what makes it (the outages' total, the value beyond the horizon), the direct part and the
    creators' share, then, with a cover, what it recovers and the loss net of it."""
    rows = (ANNUAL_LOSS, TOTAL, LATER, PARTS["direct"], "creator_earnings_loss_usd")
    return (*rows, RECOVERY, NET) if with_cover else rows


EXCEEDANCE_POINTS = 400


def annual_exceedance(
    result: AnnualResult, metric: str = ANNUAL_LOSS, points: int = EXCEEDANCE_POINTS
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


def _row(result: AnnualResult, key: str) -> dict[str, str]:
    info = key_info(key)
    scenario = result.scenario
    given = key in scenario.specs
    return {
        "key": key,
        "description": info.description,
        "unit": info.unit,
        "spec": scenario.specs[key] if given else info.default or "",
        "source": (scenario.sources.get(key, "") or "no note given")
        if given
        else f"default: {info.default_source}",
    }


def annual_assumptions(result: AnnualResult) -> pd.DataFrame:
    """The rate of outages per year (its prior, as stated), the record that updated it, the
    value of lost users and creators, a cover's terms; then every input of one future outage
    (durations and severities from [frequency] where given), with their sources."""
    scenario = result.scenario
    rows = [_row(result, FREQUENCY_KEY)]
    if scenario.record is not None:
        for name, value in (("years", scenario.record.years), *scenario.record.counts.items()):
            rows.append(
                {
                    "key": f"frequency.record.{name}",
                    "description": "years of the platform's own record"
                    if name == "years"
                    else f"outages {next((b.label for b in BANDS if b.name == name), 'in all')} "
                    "in that record",
                    "unit": "years" if name == "years" else "outages",
                    "spec": f"{value:g}",
                    "source": scenario.record.sources.get(name, "") or "no note given",
                }
            )
    rows += [_row(result, key) for key in VALUE_KEYS]
    if result.with_cover:
        rows += [_row(result, key) for key in COVER_KEYS]
    frame = assumptions(future_outages(scenario))
    return pd.concat([pd.DataFrame(rows), frame], ignore_index=True)


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
    bands: pd.DataFrame
    per_outage: pd.DataFrame
    rate: pd.DataFrame | None
    cover: pd.DataFrame | None


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
        bands=result.bands,
        per_outage=result.per_outage,
        rate=None if result.rate is None else result.rate.table(),
        cover=None if result.cover is None else pd.DataFrame([result.cover]),
    )
