"""The report's "Checks against the world": implied observables, [expect] bands, published losses.

Renders the tables of `impact.simulation.world_checks` (it computes nothing): the quantities someone
could check against the world with p05/p50/p95, the bands the scenario expects them in (one
table per kind of check: independent, construction, not classified) and any conflict, each
published loss as a percentile of the predicted direct and total loss, and a note when the
implied direct loss per hour is outside published downtime-cost ranges.
"""

from __future__ import annotations

import pandas as pd

from impact.inputs.expect import CHECKS, UNSTATED
from impact.reports.format import format_usd, format_value
from impact.reports.md import table
from impact.simulation.result import SimulationResult
from impact.simulation.world_checks import (
    OUTSIDE_SHARE,
    downtime_cost_check,
    expectation_table,
    observables_table,
    published_table,
)

__all__ = ["CHECK_HEADINGS", "format_observable", "observables_section"]

# One group per kind of [expect] band; only an independent check is ever called validation.
CHECK_HEADINGS = {
    "independent": (
        "**Independent checks (validation)**: facts that no input uses, so the simulation "
        "could fail them."
    ),
    "construction": (
        "**Construction checks (restate a fact an input already uses; they cannot validate the "
        "model)**: they catch a slip in building the scenario, nothing more."
    ),
    UNSTATED: (
        '**Bands not classified (say check = "independent" or "construction")**: the scenario '
        "does not say whether these facts also set an input, so they are not counted as "
        "validation."
    ),
}


def format_observable(value: float, unit: str) -> str:
    """'5.2%' for a share, '$410k/h' for USD per hour, the unit's own format otherwise."""
    if pd.isna(value):
        return ""
    if unit == "share":
        return f"{100 * value:.3g}%"
    if unit == "USD/h":
        return f"{format_usd(value)}/h"
    return format_value(value, unit, compact=True)


def _observables(result: SimulationResult) -> str:
    frame = observables_table(result)
    rows = []
    for _, r in frame.iterrows():
        unit = str(r["unit"])
        row = [str(r["label"])]
        row += [format_observable(float(r[c]), unit) for c in ("p05", "p50", "p95")]
        rows.append(row)
    return table(["implied quantity", "p05", "p50", "p95"], rows, "lrrr")


def _band_rows(frame: pd.DataFrame, restates: bool) -> list[list[str]]:
    rows = []
    for _, r in frame.iterrows():
        unit = str(r["unit"])
        band = f"{format_observable(float(r['low']), unit)}–"
        band += format_observable(float(r["high"]), unit)
        share = float(r["share_outside"])
        row = [str(r["label"]), band]
        if restates:
            row.append(str(r["restates"]))
        row += [format_observable(float(r[c]), unit) for c in ("p05", "p50", "p95")]
        row += [f"{share:.0%}" + (" **conflict**" if r["conflict"] else ""), str(r["source"])]
        rows.append(row)
    return rows


def _bands(result: SimulationResult) -> str:
    """The [expect] bands, one table per kind of check, independent ones first."""
    frame = expectation_table(result)
    parts = []
    for check in (*CHECKS, UNSTATED):
        group = frame[frame["check"] == check]
        if group.empty:
            continue
        restates = check == "construction"
        header = ["implied quantity", "band"] + (["restates"] if restates else [])
        header += ["p05", "p50", "p95", "trials outside", "source"]
        align = "ll" + ("l" if restates else "") + "rrrrl"
        parts.append(
            f"{CHECK_HEADINGS[check]}\n\n{table(header, _band_rows(group, restates), align)}"
        )
    return "\n\n".join(parts)


def _conflicts(result: SimulationResult) -> str:
    frame = expectation_table(result)
    if frame.empty:
        return ""
    bad = frame[frame["conflict"]]
    if bad.empty:
        held = (
            "Every band of the scenario's `[expect]` table holds at least "
            f"{1 - OUTSIDE_SHARE:.0%} of the trials."
        )
        if not (frame["check"] == "independent").any():
            held += " None of them is an independent check, so none of them validates the model."
        return held
    lines = []
    for _, r in bad.iterrows():
        share = float(r["share_outside"])
        if r["check"] == "construction":
            lines.append(
                f"- **{r['label']}** (construction check, restates {r['restates']}): {share:.0%} "
                "of trials fall outside the band; the inputs contradict the fact they were built "
                "from, a slip in building the scenario rather than a test of the model."
            )
        else:
            kind = "independent check" if r["check"] == "independent" else "not classified"
            lines.append(
                f"- **{r['label']}** ({kind}): {share:.0%} of trials fall outside the expected "
                "band; the inputs conflict with the fact it records."
            )
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
        "comparison is not circular):\n\n" + table(header, rows, "llrrll")
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
        _bands(result),
        _conflicts(result),
        _published(result),
        _downtime_cost(result),
    ]
    return "\n\n".join(p for p in parts if p)
