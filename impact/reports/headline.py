"""The one-sentence headline of a simulation, shared by report.md and the terminal summary."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from impact.analysis.summaries import TOTAL
from impact.inputs.scenario import Scenario
from impact.reports.format import format_people, format_usd
from impact.reports.tables import stat

__all__ = [
    "evidence_line",
    "evidence_not_applied",
    "headline",
    "readings_line",
    "scenario_headline",
]


def headline(
    label: str, summary: pd.DataFrame, *, users: bool = True, creators: bool = True
) -> str:
    """'<label>: an outage like this cost an estimated $X in revenue (90% interval …), and lost
    N users and M creators for good.'

    The label comes first, then a colon, so the sentence reads as English whatever the title
    ("Mid-size platform, one region of three down for 3-6 hours: an outage like this cost …").
    People are whole numbers; `users` or `creators` False leaves out those the scenario does not
    count (a count fixed at 0), rather than claim that it lost none of them.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"p05": [1e6, 10.0, 0.0], "p50": [2e6, 19.5, 0.0], "p95": [3e6, 30, 0]},
    ...                  index=["total_revenue_loss_usd", "users_lost", "creators_lost"])
    >>> print(headline("My app, a 2-day outage", s, creators=False))
    My app, a 2-day outage: an outage like this cost an estimated $2M in revenue
    (90% interval $1M–$3M), and lost 20 users for good.
    """
    p05, p50, p95 = (stat(summary, TOTAL, c) for c in ("p05", "p50", "p95"))
    people = [
        f"{format_people(stat(summary, f'{who}_lost', 'p50'))} {who}"
        for who, counted in (("users", users), ("creators", creators))
        if counted
    ]
    lost = f", and lost {' and '.join(people)} for good" if people else ""
    return (
        f"{label}: an outage like this cost an estimated {format_usd(p50)} in revenue "
        f"(90% interval {format_usd(p05)}–{format_usd(p95)}){lost}."
    )


def scenario_headline(scenario: Scenario, summary: pd.DataFrame) -> str:
    """`headline` for a scenario: its label, and only the people it counts."""
    return headline(
        scenario.label,
        summary,
        users=not scenario.is_zero("users.count"),
        creators=not scenario.is_zero("creators.count"),
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
