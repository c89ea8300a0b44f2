"""The report's "Checks against the world": implied observables, [expect] bands, published losses.

Renders the tables of `impact.simulation.checks` (it computes nothing): the quantities someone
could check against the world with p05/p50/p95, the bands the scenario expects them in and any
conflict, each published loss as a percentile of the predicted direct and total loss, and a
note when the implied direct loss per hour is outside published downtime-cost ranges.
"""

from __future__ import annotations

import pandas as pd

from impact.reports.format import format_usd, format_value
from impact.simulation.checks import (
    OUTSIDE_SHARE,
    downtime_cost_check,
    observables_table,
    published_table,
)
from impact.simulation.result import SimulationResult

__all__ = ["format_observable", "observables_section"]


def format_observable(value: float, unit: str) -> str:
    """'5.2%' for a share, '$410k/h' for USD per hour, the unit's own format otherwise."""
    if pd.isna(value):
        return ""
    if unit == "share":
        return f"{100 * value:.3g}%"
    if unit == "USD/h":
        return f"{format_usd(value)}/h"
    return format_value(value, unit, compact=True)


def _table(header: list[str], rows: list[list[str]], align: str) -> str:
    from impact.reports.markdown import table  # markdown imports this module

    return table(header, rows, align)


def _observables(result: SimulationResult) -> str:
    frame = observables_table(result)
    has_bands = frame["expect_low"].notna().any()
    rows = []
    for _, r in frame.iterrows():
        unit = str(r["unit"])
        row = [str(r["label"])]
        row += [format_observable(float(r[c]), unit) for c in ("p05", "p50", "p95")]
        if has_bands:
            if pd.notna(r["expect_low"]):
                band = f"{format_observable(float(r['expect_low']), unit)}–"
                band += format_observable(float(r["expect_high"]), unit)
                share = float(r["share_outside"])
                flag = " **conflict**" if share > OUTSIDE_SHARE else ""
                row += [band, f"{share:.0%}{flag}"]
            else:
                row += ["", ""]
        rows.append(row)
    header = ["implied quantity", "p05", "p50", "p95"]
    if has_bands:
        header += ["expected (scenario's [expect])", "trials outside"]
    return _table(header, rows, "lrrrrr" if has_bands else "lrrr")


def _conflicts(result: SimulationResult) -> str:
    frame = observables_table(result)
    bad = frame[frame["share_outside"] > OUTSIDE_SHARE]
    if bad.empty:
        if frame["expect_low"].notna().any():
            return (
                "Every band of the scenario's `[expect]` table holds at least "
                f"{1 - OUTSIDE_SHARE:.0%} of the trials."
            )
        return ""
    lines = [
        f"- **{r['label']}**: {float(r['share_outside']):.0%} of trials fall outside the "
        "expected band; the inputs conflict with the fact it records."
        for _, r in bad.iterrows()
    ]
    return "**Conflicts with the scenario's `[expect]` bands:**\n\n" + "\n".join(lines)


def _published(result: SimulationResult) -> str:
    frame = published_table(result)
    if frame.empty:
        return ""
    rows = []
    for _, r in frame.iterrows():
        what = (
            "a company figure: checks the whole total"
            if r["checks"] == "total"
            else "a third-party estimate (revenue per hour × hours): checks the direct part only"
        )
        rows.append(
            [
                format_usd(float(r["published_usd"])),
                what,
                f"{float(r['direct_percentile']):.0f}th",
                f"{float(r['total_percentile']):.0f}th",
                "yes" if r["in_90"] else "**no**",
                str(r["source"]),
            ]
        )
    header = [
        "published loss",
        "what it is",
        "percentile of direct loss",
        "percentile of total loss",
        "inside the 90% interval of what it checks",
        "source",
    ]
    return (
        "Published estimates of this outage's loss, placed in the simulated distributions (the "
        "scenario's revenue per hour comes from annual revenue, not from these figures, so the "
        "comparison is not circular):\n\n" + _table(header, rows, "llrrll")
    )


def _downtime_cost(result: SimulationResult) -> str:
    check = downtime_cost_check(result)
    if not check["outside"]:
        return ""
    low, high = format_usd(float(check["low_usd"])), format_usd(float(check["high_usd"]))
    parts = []
    if float(check["share_below"]) > OUTSIDE_SHARE:
        parts.append(f"{float(check['share_below']):.0%} of trials below {low}/h")
    if float(check["share_above"]) > OUTSIDE_SHARE:
        parts.append(f"{float(check['share_above']):.0%} above {high}/h")
    return (
        f"Note: the implied direct loss per hour R·S lies outside the published downtime-cost "
        f"ranges of {low}–{high}+ per hour ({'; '.join(parts)}). Those surveys describe "
        f"enterprises, not platforms of this size, so this is a note, not an error "
        f"({check['sources']})."
    )


def observables_section(result: SimulationResult) -> str:
    """The report's section of checks against the world, in markdown."""
    parts = [
        "## Checks against the world\n\n"
        "Quantities the model implies that someone could check against the world: the share "
        "of normal activity still missing at restoration, after 7 and after 30 days, the direct "
        "loss per hour of outage and the share of users lost for good. Also in "
        "`observables.csv`.",
        _observables(result),
        _conflicts(result),
        _published(result),
        _downtime_cost(result),
    ]
    return "\n\n".join(p for p in parts if p)
