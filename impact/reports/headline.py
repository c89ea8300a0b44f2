"""The one-sentence headline of a simulation, shared by report.md and the terminal summary."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from impact.analysis.summaries import TOTAL
from impact.inputs.scenario import Scenario
from impact.reports.format import format_count, format_usd
from impact.reports.tables import stat

__all__ = ["evidence_line", "evidence_not_applied", "headline", "readings_line"]


def headline(label: str, summary: pd.DataFrame) -> str:
    """'An outage like <label> cost an estimated $X in revenue (90% interval …), and lost …'."""
    p05, p50, p95 = (stat(summary, TOTAL, c) for c in ("p05", "p50", "p95"))
    users = format_count(stat(summary, "users_lost", "p50"))
    creators = format_count(stat(summary, "creators_lost", "p50"))
    return (
        f"An outage like {label} cost an estimated {format_usd(p50)} in revenue "
        f"(90% interval {format_usd(p05)}–{format_usd(p95)}), and lost {users} users and "
        f"{creators} creators for good."
    )


def evidence_line(summary: pd.DataFrame, prior: pd.DataFrame, ess: float, trials: int) -> str:
    """'Conditioned on the evidence (effective sample size …); before it: $X (90% interval …).'"""
    p05, p50, p95 = (stat(prior, TOTAL, c) for c in ("p05", "p50", "p95"))
    after = stat(summary, TOTAL, "p50")
    return (
        f"Conditioned on the evidence: {format_usd(after)} (effective sample size {ess:,.0f} of "
        f"{trials:,} trials, {ess / trials:.0%}); from the assumptions alone: {format_usd(p50)} "
        f"(90% interval {format_usd(p05)}–{format_usd(p95)})."
    )


def readings_line(readings: pd.DataFrame) -> str:
    """'Under each reading of the evidence: all of it from the outage $X; half $Y; none $Z.'
    (medians of the total, the attribution share fixed at each reading); empty without."""
    if readings.empty:
        return ""
    parts = [
        f"{r['reading']} {format_usd(float(r['total_p50']))} "
        f"({format_usd(float(r['total_p05']))}–{format_usd(float(r['total_p95']))})"
        for _, r in readings.iloc[1:].iterrows()
    ]
    return "Under each reading of the evidence (median, 90% interval): " + "; ".join(parts) + "."


def evidence_not_applied(scenarios: Iterable[Scenario]) -> str:
    """The paragraph the annual, compare, resilience and sensitivity reports add when a scenario
    they run has `[evidence]`: those observations are of one outage and are not applied, so the
    trials draw from the assumptions alone. Empty when no scenario has evidence."""
    observed = sorted({e.quantity for s in scenarios for e in s.evidence})
    if not observed:
        return ""
    names = ", ".join(f"`{q}`" for q in observed)
    return (
        f"**Evidence not applied.** The scenario's `[evidence]` ({names}) observes the one outage "
        "it describes. It is not applied here: the trials draw their inputs from the assumptions "
        'alone, as in what `impact simulate` prints after "from the assumptions alone", not as '
        "in its conditioned figures. `docs/model.md`, *Annual risk*, says why."
    )
