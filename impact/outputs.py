"""The output registry: every quantity the model yields, declared once.

An entry names the column, its unit, what people call it (`label`), what it means in one plain
line (`meaning`), its formula, the part of the revenue loss it is (if any, with the sentence the
breakdown prints), its kind, the group of quantities the model computes with it, and the
statistics reported for it. Everything downstream (the engine's sketches, the model's choice of
what to compute, summary.csv, the reports' labels, meanings and tables, the breakdown, JSON)
reads this table, so a new output is one entry here plus the line of the model that computes it.

It lives in the base layer (beside `rng.py` and `exceptions.py`) and imports nothing from
`impact`, so every stage may read it: inputs name quantities in [expect] bands and [evidence].

Kinds:
- "output": a column of MODEL.md's contract (summary.csv, samples, `--json`);
- "tracked": kept for tables derived from the outputs (creator loss per creator, for tiers);
- "observable": a quantity implied per trial that someone could check against the world
  (the activity gap at restoration, direct loss per hour, ...), reported with p05/p50/p95;
- "annual": a figure of a simulated year (`impact annual`) that is not one outage's output
  (the count of outages, the value beyond the horizon, a cover's recovery, ...); a year's
  outputs are the sums of its outages', under their own entries.

Groups (what the model computes together; `impact.model.core.evaluate_all(names=...)`
computes the "revenue" group and the groups of the names asked for):
- "revenue": the revenue parts, the total and the hours, always computed;
- "users": users who left, were lost, went to rivals; "creators": creators lost for good;
- "earnings": creator earnings lost (in all and per creator);
- "observables": the implied observables; "year": the annual figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "AFTER_RESTORATION",
    "ANNUAL",
    "ANNUAL_STATISTICS",
    "FULL_STATISTICS",
    "GROUPS",
    "OBSERVABLES",
    "OUTPUTS",
    "PARTS",
    "PEOPLE",
    "PER_CREATOR",
    "REGISTRY",
    "TOTAL",
    "TRACKED",
    "Output",
    "output",
]

Kind = Literal["output", "tracked", "observable", "annual"]
Group = Literal["revenue", "users", "creators", "earnings", "observables", "year"]
FULL_STATISTICS = ("mean", "std", "p05", "p50", "p95", "p99", "cvar95", "se_mean")
BAND_STATISTICS = ("mean", "p05", "p50", "p95")
ANNUAL_STATISTICS = (
    "mean", "std", "p50", "p90", "p95", "p99", "var95", "cvar95", "var99", "cvar99", "se_mean",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Output:
    """One quantity the model yields: per trial, or (kind "annual") per simulated year."""

    name: str
    unit: str
    label: str
    meaning: str  # one plain line, as the reports' "meaning" columns print it
    formula: str = ""  # in the model's symbols (docs/model.md), where the label has none
    kind: Kind = "output"
    group: Group = "revenue"
    part: str | None = None  # "direct", "attrition", ... for the parts of the total loss
    part_label: str = ""  # a part's sentence in the breakdown table and chart
    after_restoration: bool = False  # a part lost after restoration (what a BI cover's waiting
    # period does not apply to: `impact.simulation.cover`)
    statistics: tuple[str, ...] = FULL_STATISTICS

    @property
    def support(self) -> tuple[float, float]:
        """Where its values can lie: every quantity is a count, a duration, a loss or a share,
        never negative, and a share is at most 1 (tests/test_registry.py checks the model's
        values). Evidence with almost no mass here is refused (`impact.inputs.evidence`)."""
        return (0.0, 1.0 if self.unit == "share" else math.inf)


def _observable(name: str, unit: str, label: str, meaning: str) -> Output:
    return Output(
        name, unit, label, meaning, kind="observable", group="observables",
        statistics=BAND_STATISTICS,
    )  # fmt: skip


def _annual(name: str, unit: str, label: str, meaning: str) -> Output:
    return Output(
        name, unit, label, meaning, kind="annual", group="year", statistics=ANNUAL_STATISTICS
    )


REGISTRY: tuple[Output, ...] = (
    Output(
        "outage_hours",
        "h",
        "Outage duration",
        "how long the platform was disrupted, from onset to full restoration",
        "D",
    ),
    Output(
        "direct_revenue_loss_usd",
        "USD",
        "Direct revenue loss (while down)",
        "revenue not made while the platform was down, net of demand that came back later",
        "R·(S·D − F): revenue not made while the platform was disrupted, net of the deferred "
        "demand F that came back after restoration",
        part="direct",
        part_label="Direct: revenue not made while the platform was down",
    ),
    Output(
        "attrition_revenue_loss_usd",
        "USD",
        "Attrition revenue loss",
        "revenue of users who stayed away after restoration, for a while or for good",
        "R·∫c(u)du: revenue of users away for a while or for good",
        part="attrition",
        after_restoration=True,
        part_label="Attrition: users away for a while or for good",
    ),
    Output(
        "engagement_revenue_loss_usd",
        "USD",
        "Engagement revenue loss",
        "revenue of activity that drained away and came back slowly",
        "R·∫(1−c)·ge du: activity that drained away and came back slowly",
        part="engagement",
        after_restoration=True,
        part_label="Engagement: activity that drained away and came back slowly",
    ),
    Output(
        "latency_revenue_loss_usd",
        "USD",
        "Latency revenue loss",
        "revenue lost to degraded recommendations while feeds re-learned",
        "R·∫(1−c)(1−ge)·ga du: degraded recommendations while feeds re-learned",
        part="latency",
        after_restoration=True,
        part_label="Latency: degraded recommendations while feeds re-learned",
    ),
    Output(
        "total_revenue_loss_usd",
        "USD",
        "Total revenue loss",
        "the sum of the parts: the direct loss, make-goods and the after-effects",
        "direct + make-goods + attrition + engagement + latency = R·(loss_hours + μ·S·D)",
    ),
    Output(
        "loss_hours",
        "h",
        "Hours of normal activity lost",
        "hours of normal activity lost during the outage and after it, before pricing",
        "S·D − F + ∫(1 − a(u))du: hours of normal activity lost, without R",
    ),
    Output(
        "users_churned",
        "users",
        "Users who left",
        "left after the outage, for a while or for good",
        "N·p",
        group="users",
    ),
    Output(
        "users_lost",
        "users",
        "Users lost for good",
        "left and did not come back within the horizon",
        "N·p·(1 − ρu)",
        group="users",
    ),
    Output(
        "users_to_rivals",
        "users",
        "Users gone to rival apps",
        "of those who left, moved to rival apps",
        "N·p·m",
        group="users",
    ),
    Output(
        "creators_lost",
        "creators",
        "Creators lost for good",
        "stopped posting for good",
        "Nc·pc·(1 − ρc)",
        group="creators",
    ),
    Output(
        "creator_earnings_loss_usd",
        "USD",
        "Creator earnings lost",
        "what creators did not earn because of the outage and its after-effects",
        "C·loss_hours, split over tiers by their share of earnings",
        group="earnings",
    ),
    Output(
        "make_good_cost_usd",
        "USD",
        "Credits, refunds and make-goods",
        "compensation owed for the interruption itself: credits, refunds and make-good ads",
        "μ·R·S·D: compensation owed for the interruption itself (model v3)",
        part="make_goods",
        part_label="Make-goods: credits, refunds and make-good ads owed for the interruption",
    ),
    Output(
        "recovered_revenue_usd",
        "USD",
        "Revenue that came back after restoration",
        "demand deferred by the outage and made up after restoration; not a loss",
        "R·F: deferred demand made up after restoration; reported, not part of the total (v3)",
    ),
    Output(
        "creator_earnings_loss_per_creator_usd",
        "USD",
        "Creator earnings lost per creator",
        "creator earnings lost per active creator (0 without creators)",
        "C·loss_hours / Nc (0 without creators); scaled per tier",
        kind="tracked",
        group="earnings",
    ),
    _observable(
        "activity_gap_at_restore",
        "share",
        "Activity gap at restoration, 1 − a(0)",
        "share of normal activity still missing when service is restored",
    ),
    _observable(
        "activity_gap_7d",
        "share",
        "Activity gap 7 days after restoration, 1 − a(168 h)",
        "share of normal activity still missing a week after restoration",
    ),
    _observable(
        "activity_gap_30d",
        "share",
        "Activity gap 30 days after restoration, 1 − a(720 h)",
        "share of normal activity still missing a month after restoration",
    ),
    _observable(
        "direct_loss_per_hour_usd",
        "USD/h",
        "Direct loss per hour of outage, R·S",
        "revenue lost per hour while disrupted",
    ),
    _observable(
        "users_lost_share",
        "share",
        "Share of users lost for good, p·(1 − ρu)",
        "share of affected users who leave and do not come back",
    ),
    _observable(
        "users_away_at_restore",
        "share",
        "Share of users away at restoration, c(0)",
        "share of affected users away when service is restored (a daily-user dip is at least this)",
    ),
    _observable(
        "users_away_30d",
        "share",
        "Share of users away 30 days after restoration, c(720 h)",
        "share of affected users still away a month after restoration",
    ),
    _annual("outages", "outages", "Outages in the year", "how many outages the year had"),
    _annual(
        "value_beyond_horizon_usd",
        "USD",
        "Value of users and creators lost, after the horizon",
        "what users and creators lost for good would have brought after the horizon, discounted",
    ),
    _annual(
        "annual_loss_usd",
        "USD",
        "Annual loss (revenue and later value)",
        "the total revenue loss of the year's outages plus the value beyond the horizon",
    ),
    _annual(
        "cover_recovery_usd",
        "USD",
        "Recovered from the cover",
        "what the insurance cover pays for the year's outages",
    ),
    _annual(
        "cover_premium_usd",
        "USD",
        "Premium of the cover",
        "what the insurance cover costs for the year",
    ),
    _annual(
        "net_annual_loss_usd",
        "USD",
        "Net of the cover (loss − recovery + premium)",
        "the annual loss less what the cover pays, plus its premium",
    ),
)

_BY_NAME = {o.name: o for o in REGISTRY}
OUTPUTS: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.kind == "output")
OBSERVABLES: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.kind == "observable")
TRACKED: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.kind != "annual")  # per trial
ANNUAL: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.kind == "annual")
PARTS: dict[str, str] = {o.part: o.name for o in REGISTRY if o.part is not None}
AFTER_RESTORATION: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.after_restoration)
GROUPS: dict[str, tuple[str, ...]] = {
    g: tuple(o.name for o in REGISTRY if o.group == g) for g in get_args(Group)
}
PEOPLE: tuple[str, ...] = (*GROUPS["users"], *GROUPS["creators"])  # who left: the counts of people
TOTAL = "total_revenue_loss_usd"
PER_CREATOR = "creator_earnings_loss_per_creator_usd"


def output(name: str) -> Output:
    """The registry entry of a quantity, by name (KeyError names the choices)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        choices = ", ".join(o.name for o in REGISTRY)
        raise KeyError(f"{name!r}: not a model output; one of {choices}") from None
