"""Checks of a simulation against the world: [expect] bands, published losses, downtime costs.

Each table is read off the streaming sketches (no stored trials): the share of trials outside a
band, the percentile at which a published loss falls in the predicted direct and total loss, and
where the implied direct loss per hour R·S sits against published downtime-cost ranges.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from impact.exceptions import ExpectationWarning
from impact.outputs import output
from impact.simulation.result import SimulationResult

__all__ = [
    "DOWNTIME_COST_RANGE_USD_PER_HOUR",
    "OUTSIDE_SHARE",
    "downtime_cost_check",
    "expectation_table",
    "observables_table",
    "published_table",
    "warn_on_expectations",
]

OUTSIDE_SHARE = 0.10  # a band is in conflict when more than this share of trials falls outside it
# Published hourly downtime costs (data/FACTS.md): Gartner "well over $300K per hour" (2014);
# ITIC 2024: more than $300K for over 90% of mid-size and large firms, $1M-$5M+ for 41%.
DOWNTIME_COST_RANGE_USD_PER_HOUR = (300_000.0, 5_000_000.0)
DOWNTIME_COST_SOURCES = (
    "Gartner 2014 https://blogs.gartner.com/andrew-lerner/2014/07/16/the-cost-of-downtime/ ; "
    "ITIC 2024 https://itic-corp.com/itic-2024-hourly-cost-of-downtime-report"
)


def expectation_table(result: SimulationResult) -> pd.DataFrame:
    """One row per [expect] band: the band, p05/p50/p95 and the shares of trials below/above it.

    `check` is the band's kind ("independent", "construction" or "unstated", see
    `impact.inputs.expect.Band`) and `restates` the input keys a construction check restates,
    joined by ", ".
    """
    rows = []
    for band in result.scenario.expect:
        sketch = result.sketches[band.quantity]
        below = sketch.share_below(band.low)
        above = float(sketch.exceedance(np.array([band.high]))[0])
        rows.append(
            {
                "quantity": band.quantity,
                "label": output(band.quantity).label,
                "unit": output(band.quantity).unit,
                "low": band.low,
                "high": band.high,
                "p05": sketch.quantile(0.05),
                "p50": sketch.quantile(0.50),
                "p95": sketch.quantile(0.95),
                "share_below": below,
                "share_above": above,
                "share_outside": below + above,
                "conflict": below + above > OUTSIDE_SHARE,
                "check": band.check,
                "restates": ", ".join(band.restates),
                "source": band.source,
            }
        )
    columns = ["quantity", "label", "unit", "low", "high", "p05", "p50", "p95"]
    columns += ["share_below", "share_above", "share_outside", "conflict", "check", "restates"]
    columns += ["source"]
    return pd.DataFrame(rows, columns=columns)


def observables_table(result: SimulationResult) -> pd.DataFrame:
    """The implied observables (mean, p05, p50, p95) with any [expect] band on each.

    Columns `expect_low`, `expect_high`, `share_outside`, `expect_check` (independent,
    construction or unstated) and `expect_restates` are empty where the scenario sets no band;
    this is observables.csv.
    """
    frame = result.observables.reset_index()
    bands = expectation_table(result).set_index("quantity")
    for column, source in (("expect_low", "low"), ("expect_high", "high")):
        frame[column] = frame["quantity"].map(bands[source].to_dict())
    frame["share_outside"] = frame["quantity"].map(bands["share_outside"].to_dict())
    frame["expect_check"] = frame["quantity"].map(bands["check"].to_dict())
    frame["expect_restates"] = frame["quantity"].map(bands["restates"].to_dict())
    return frame


def published_table(result: SimulationResult) -> pd.DataFrame:
    """Each published loss as a percentile (0-100) of the predicted direct and total loss.

    `checks` says which of the two the figure can test (a company figure the total, an analyst's
    revenue-per-hour arithmetic the direct part); `in_90` whether it lies inside that loss's
    90% interval (between its 5th and 95th percentiles).
    """
    direct = result.sketches["direct_revenue_loss_usd"]
    total = result.sketches["total_revenue_loss_usd"]
    rows = []
    for pub in result.scenario.published:
        direct_pct = 100 * direct.share_below(pub.loss_usd)
        total_pct = 100 * total.share_below(pub.loss_usd)
        checked = total_pct if pub.checks == "total" else direct_pct
        rows.append(
            {
                "published_usd": pub.loss_usd,
                "basis": pub.basis,
                "checks": pub.checks,
                "direct_percentile": direct_pct,
                "total_percentile": total_pct,
                "in_90": 5.0 <= checked <= 95.0,
                "source": pub.source,
            }
        )
    columns = ["published_usd", "basis", "checks", "direct_percentile", "total_percentile"]
    return pd.DataFrame(rows, columns=[*columns, "in_90", "source"])


def downtime_cost_check(result: SimulationResult) -> dict[str, float | bool | str]:
    """Where the implied direct loss per hour R·S sits against published downtime-cost ranges.

    `outside` is True when more than 10% of trials fall below the surveys' floor or above their
    top band; enterprise surveys do not reach platform scale, so this is a note, not an error.
    """
    sketch = result.sketches["direct_loss_per_hour_usd"]
    low, high = DOWNTIME_COST_RANGE_USD_PER_HOUR
    below = sketch.share_below(low)
    above = float(sketch.exceedance(np.array([high]))[0])
    return {
        "low_usd": low,
        "high_usd": high,
        "share_below": below,
        "share_above": above,
        "outside": below > OUTSIDE_SHARE or above > OUTSIDE_SHARE,
        "sources": DOWNTIME_COST_SOURCES,
    }


def warn_on_expectations(result: SimulationResult) -> None:
    """Warn (ExpectationWarning) for each [expect] band with > 10% of trials outside it.

    The warning says which kind of check failed: an independent band conflicts with a fact the
    inputs do not use; a construction band means the scenario contradicts the very fact that
    set its inputs (a slip in building it, not evidence about the model).
    """
    for _, row in expectation_table(result).iterrows():
        if not row["conflict"]:
            continue
        outside = (
            f"{result.scenario.name}: {row['quantity']}: {row['share_outside']:.0%} of trials "
            f"fall outside the expected band [{row['low']:g}, {row['high']:g}] "
            f"(median {row['p50']:.4g})"
        )
        if row["check"] == "construction":
            why = (
                f"; this is a construction check (it restates {row['restates']}, a fact an "
                "input already uses, so it cannot validate the model): the inputs contradict "
                "the fact they were built from"
            )
        elif row["check"] == "independent":
            why = "; the inputs conflict with the independent fact the band records"
        else:
            why = (
                "; the inputs conflict with the fact the band records (a band not classified "
                'as check = "independent" or "construction")'
            )
        warnings.warn(
            f"{outside}{why} (see the report's 'Checks against the world')",
            ExpectationWarning,
            stacklevel=3,
        )
