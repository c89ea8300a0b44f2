"""The output registry: every quantity the model yields per trial, declared once.

An entry names the column, its unit, what people call it, the part of the revenue loss it is
(if any), its kind and the statistics reported for it. Everything downstream (the engine's
sketches, summary.csv, the report's labels, the breakdown, JSON) reads this table, so a new
output is one entry here plus the line of the model that computes it.

Kinds:
- "output": a column of MODEL.md's contract (summary.csv, samples, `--json`);
- "tracked": kept for tables derived from the outputs (creator loss per creator, for tiers);
- "observable": a quantity implied per trial that someone could check against the world
  (the activity gap at restoration, direct loss per hour, ...), reported with p05/p50/p95.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FULL_STATISTICS",
    "OBSERVABLES",
    "OUTPUTS",
    "PARTS",
    "PER_CREATOR",
    "REGISTRY",
    "TOTAL",
    "TRACKED",
    "Output",
    "output",
]

Kind = Literal["output", "tracked", "observable"]
FULL_STATISTICS = ("mean", "std", "p05", "p50", "p95", "p99", "cvar95", "se_mean")
BAND_STATISTICS = ("mean", "p05", "p50", "p95")


@dataclass(frozen=True, slots=True)
class Output:
    """One per-trial quantity of the model."""

    name: str
    unit: str
    label: str
    description: str
    kind: Kind = "output"
    part: str | None = None  # "direct", "attrition", ... for the parts of the total loss
    statistics: tuple[str, ...] = FULL_STATISTICS


REGISTRY: tuple[Output, ...] = (
    Output("outage_hours", "h", "Outage duration", "hours from onset to full restoration, D"),
    Output(
        "direct_revenue_loss_usd",
        "USD",
        "Direct revenue loss (while down)",
        "R·(S·D − F): revenue not made while the platform was disrupted, net of the deferred "
        "demand F that came back after restoration",
        part="direct",
    ),
    Output(
        "attrition_revenue_loss_usd",
        "USD",
        "Attrition revenue loss",
        "R·∫c(u)du: revenue of users away for a while or for good",
        part="attrition",
    ),
    Output(
        "engagement_revenue_loss_usd",
        "USD",
        "Engagement revenue loss",
        "R·∫(1−c)·ge du: activity that drained away and came back slowly",
        part="engagement",
    ),
    Output(
        "latency_revenue_loss_usd",
        "USD",
        "Latency revenue loss",
        "R·∫(1−c)(1−ge)·ga du: degraded recommendations while feeds re-learned",
        part="latency",
    ),
    Output(
        "total_revenue_loss_usd",
        "USD",
        "Total revenue loss",
        "direct + make-goods + attrition + engagement + latency = R·(loss_hours + μ·S·D)",
    ),
    Output(
        "loss_hours",
        "h",
        "Hours of normal activity lost",
        "S·D − F + ∫(1 − a(u))du: hours of normal activity lost, without R",
    ),
    Output("users_churned", "users", "Users who left", "N·p"),
    Output("users_lost", "users", "Users lost for good", "N·p·(1 − ρu)"),
    Output("users_to_rivals", "users", "Users gone to rival apps", "N·p·m"),
    Output("creators_lost", "creators", "Creators lost for good", "Nc·pc·(1 − ρc)"),
    Output(
        "creator_earnings_loss_usd",
        "USD",
        "Creator earnings lost",
        "C·loss_hours, split over tiers by their share of earnings",
    ),
    Output(
        "make_good_cost_usd",
        "USD",
        "Credits, refunds and make-goods",
        "μ·R·S·D: compensation owed for the interruption itself (model v3)",
        part="make_goods",
    ),
    Output(
        "recovered_revenue_usd",
        "USD",
        "Revenue that came back after restoration",
        "R·F: deferred demand made up after restoration; reported, not part of the total (v3)",
    ),
    Output(
        "creator_earnings_loss_per_creator_usd",
        "USD",
        "Creator earnings lost per creator",
        "C·loss_hours / Nc (0 without creators); scaled per tier",
        kind="tracked",
    ),
    Output(
        "activity_gap_at_restore",
        "share",
        "Activity gap at restoration, 1 − a(0)",
        "share of normal activity still missing when service is restored",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
    Output(
        "activity_gap_7d",
        "share",
        "Activity gap 7 days after restoration, 1 − a(168 h)",
        "share of normal activity still missing a week after restoration",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
    Output(
        "activity_gap_30d",
        "share",
        "Activity gap 30 days after restoration, 1 − a(720 h)",
        "share of normal activity still missing a month after restoration",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
    Output(
        "direct_loss_per_hour_usd",
        "USD/h",
        "Direct loss per hour of outage, R·S",
        "revenue lost per hour while disrupted",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
    Output(
        "users_lost_share",
        "share",
        "Share of users lost for good, p·(1 − ρu)",
        "share of affected users who leave and do not come back",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
    Output(
        "users_away_at_restore",
        "share",
        "Share of users away at restoration, c(0)",
        "share of affected users away when service is restored (a daily-user dip is at least this)",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
    Output(
        "users_away_30d",
        "share",
        "Share of users away 30 days after restoration, c(720 h)",
        "share of affected users still away a month after restoration",
        kind="observable",
        statistics=BAND_STATISTICS,
    ),
)

_BY_NAME = {o.name: o for o in REGISTRY}
OUTPUTS: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.kind == "output")
OBSERVABLES: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.kind == "observable")
TRACKED: tuple[str, ...] = tuple(o.name for o in REGISTRY)
PARTS: dict[str, str] = {o.part: o.name for o in REGISTRY if o.part is not None}
TOTAL = "total_revenue_loss_usd"
PER_CREATOR = "creator_earnings_loss_per_creator_usd"


def output(name: str) -> Output:
    """The registry entry of a per-trial quantity, by name (KeyError names the choices)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r}: not a model output; one of {', '.join(TRACKED)}") from None
