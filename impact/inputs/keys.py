"""The scenario keys of the model: domains, units, defaults and the sources of the defaults."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CHANGE_KEYS",
    "COST_KEYS",
    "COVER_KEYS",
    "EXTRA_KEYS",
    "FREQUENCY_KEY",
    "KEYS",
    "REQUIRED_KEYS",
    "VALUE_KEYS",
    "Domain",
    "KeyInfo",
    "key_info",
]


@dataclass(frozen=True, slots=True)
class Domain:
    """An interval of allowed values; `low_open`/`high_open` exclude the end point."""

    low: float = 0.0
    high: float = float("inf")
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def contains(self, value: float) -> bool:
        if value != value:  # NaN
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        if self.high == float("inf"):
            return f"must be > {self.low:g}" if self.low_open else f"must be ≥ {self.low:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"must lie in {left}{self.low:g}, {self.high:g}{right}"


HOURS = Domain(0.0, low_open=True)
NONNEG = Domain(0.0)
SHARE = Domain(0.0, 1.0)
WEEK = Domain(0.0, 168.0, high_open=True)  # an hour of the week


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One input of the model: where it lives in a scenario file and what it means."""

    key: str
    symbol: str
    unit: str
    domain: Domain
    default: str | None
    default_source: str
    description: str
    flag: str | None = None

    @property
    def field(self) -> str:
        """The keyword name used by `impact.estimate`: 'outage.hours' -> 'outage_hours'."""
        return self.key.replace(".", "_")


_A = "assumption (no published measurement; generic default of impact, see docs/model.md)"

# Order matters: a key's position fixes which random stream it draws from, so overriding one
# key never changes the draws of another (common random numbers between scenario variants).
# New keys go at the end, or every later key's stream moves.
KEYS: tuple[KeyInfo, ...] = (
    KeyInfo(
        "outage.hours",
        "D",
        "h",
        HOURS,
        None,
        "required",
        "hours from onset to full restoration",
        "--outage-hours",
    ),
    KeyInfo(
        "outage.severity",
        "S",
        "share",
        SHARE,
        "1",
        "assumption: a total outage unless stated",
        "mean share of revenue-generating activity lost while disrupted",
        "--severity",
    ),
    KeyInfo(
        "outage.zero_view_hours",
        "Z",
        "h",
        NONNEG,
        "0",
        "assumption: no zero-view effect unless stated",
        "hours during which creators saw wrong or zero view counts",
        "--zero-view-hours",
    ),
    KeyInfo(
        "revenue.hourly_loss",
        "R",
        "USD/h",
        NONNEG,
        None,
        "required",
        "revenue lost per hour of total outage",
        "--hourly-loss",
    ),
    KeyInfo(
        "engagement.max_drop",
        "d",
        "share",
        SHARE,
        "pert(0.05, 0.15, 0.4)",
        _A,
        "engagement lost at restoration after an arbitrarily long outage",
        "--engagement-drop",
    ),
    KeyInfo(
        "engagement.decay_hours",
        "τe",
        "h",
        HOURS,
        "lognormal(p5=12, p95=240)",
        _A,
        "time constant of engagement decay while disrupted",
        "--engagement-decay-hours",
    ),
    KeyInfo(
        "engagement.recovery_half_life_hours",
        "he",
        "h",
        HOURS,
        "lognormal(p5=48, p95=720)",
        "assumption informed by Roblox 2021 (daily users back within 1-2 months) and the "
        "Splunk/Oxford Economics 2024 survey (about 75 days for lost revenue to recover)",
        "half-life of the engagement gap after restoration",
        "--recovery-half-life-hours",
    ),
    KeyInfo(
        "algorithm.quality_loss",
        "q",
        "share",
        SHARE,
        "pert(0, 0.05, 0.2)",
        "assumption: no published study measures recommender recovery after a data-center loss",
        "engagement lost at restoration because recommendations are degraded",
        "--quality-loss",
    ),
    KeyInfo(
        "algorithm.latency_hours",
        "L",
        "h",
        NONNEG,
        "pert(24, 168, 672)",
        "assumption: no published study measures recommender recovery after a data-center loss",
        "hours for recommendations to re-stabilise",
        "--latency-hours",
    ),
    KeyInfo(
        "users.count",
        "N",
        "users",
        NONNEG,
        "0",
        "platform-specific: 0 (user attrition not counted) unless stated",
        "affected users",
        "--users",
    ),
    KeyInfo(
        "users.churn_max",
        "cu",
        "share",
        SHARE,
        "pert(0, 0.02, 0.1)",
        _A,
        "share of users who leave after an arbitrarily long disruption",
        "--churn-max",
    ),
    KeyInfo(
        "users.churn_scale_hours",
        "τu",
        "h",
        HOURS,
        "lognormal(p5=48, p95=720)",
        _A,
        "effective disruption hours at which user churn reaches 63% of churn_max",
    ),
    KeyInfo(
        "users.return_share",
        "ρu",
        "share",
        SHARE,
        "pert(0.5, 0.8, 0.95)",
        "assumption informed by Roblox 2021 and Facebook 2021 (daily users recovered within weeks)",
        "share of churned users who come back",
    ),
    KeyInfo(
        "users.return_after_hours",
        "Tr",
        "h",
        NONNEG,
        "pert(168, 720, 1440)",
        _A,
        "how long returning users stay away",
    ),
    KeyInfo(
        "users.rival_share",
        "m",
        "share",
        SHARE,
        "pert(0.1, 0.3, 0.6)",
        _A,
        "share of churned users who move to rival apps",
    ),
    KeyInfo(
        "creators.count",
        "Nc",
        "creators",
        NONNEG,
        "0",
        "platform-specific: 0 (creator attrition not counted) unless stated",
        "active creators",
    ),
    KeyInfo(
        "creators.churn_max",
        "cc",
        "share",
        SHARE,
        "pert(0, 0.02, 0.1)",
        _A,
        "share of creators who stop posting for good after an arbitrarily long disruption",
    ),
    KeyInfo(
        "creators.churn_scale_hours",
        "τc",
        "h",
        HOURS,
        "lognormal(p5=48, p95=720)",
        _A,
        "effective disruption hours at which creator churn reaches 63% of churn_max",
    ),
    KeyInfo(
        "creators.zero_view_weight",
        "wz",
        "h/h",
        # At most 1: a zero-view hour inside the outage adds wz·(1 − S) to creators' exposure
        # and the outage itself S, so above 1 more severity would lower creator churn (MODEL.md
        # v2 wants creators_lost non-decreasing in S). See docs/model.md §10.
        SHARE,
        "0.5",
        _A,
        "disruption-hours one zero-view hour counts for, for creators",
    ),
    KeyInfo(
        "creators.return_share",
        "ρc",
        "share",
        SHARE,
        "pert(0.3, 0.6, 0.9)",
        _A,
        "share of departed creators who come back",
    ),
    KeyInfo(
        "creators.earnings_per_hour",
        "C",
        "USD/h",
        NONNEG,
        "0",
        "platform-specific: 0 (creator earnings not counted) unless stated",
        "creators' combined earnings per hour at normal activity",
    ),
    KeyInfo(
        "horizon.hours",
        "H",
        "h",
        NONNEG,
        "2160",
        "MODEL.md default: 90 days, near the 75 days the Splunk/Oxford Economics 2024 survey "
        "gives for lost revenue to recover",
        "hours after restoration over which after-effects are counted",
        "--horizon-hours",
    ),
    KeyInfo(
        "algorithm.degrade_hours",
        "τq",
        "h",
        HOURS,
        "lognormal(p5=6, p95=168)",
        "assumption (model v2): a recommender's features and candidate pools go stale over hours "
        "to days without fresh interactions; no published measurement, so the range is wide",
        "time constant of the recommender's degradation while disrupted (63% of q after τq "
        "hours of a total outage)",
        "--degrade-hours",
    ),
    KeyInfo(
        "outage.onset_hour_of_week",
        "o",
        "h",
        WEEK,
        "0",
        "no effect without a revenue profile; with one, uniform(0, 168) unless given "
        "(the onset is unknown)",
        "hour of the week the outage begins, hours since Monday 00:00 in the profile's time "
        "zone ('Sun 04:00' = 148)",
        "--onset",
    ),
    KeyInfo(
        "revenue.week_factor",
        "f",
        "×",
        NONNEG,
        "1",
        "assumption: an ordinary week unless stated",
        "multiplier of revenue in the first 168 hours of the outage (a seasonal premium, "
        "e.g. 1.3 for a holiday week); applies to the direct loss only",
        "--week-factor",
    ),
    # Model v3 (MODEL.md version 3), appended in the contract's order so every earlier key keeps
    # its random stream. Their defaults switch each effect off (ζ = ψ = μ = 0, k = 1).
    KeyInfo(
        "outage.zero_view_share",
        "ζ",
        "h/h",
        NONNEG,
        "0",
        "assumption: no zero-view effect unless stated",
        "zero-view hours per outage hour: creators saw zero or wrong view counts for "
        "Z = ζ·D + zero_view_hours hours (may exceed 1 when analytics lag past restoration)",
        "--zero-view-share",
    ),
    KeyInfo(
        "revenue.deferred_share",
        "ψ",
        "share",
        SHARE,
        "0",
        "assumption: nothing wanted during the outage is made up afterwards unless stated",
        "share of the activity wanted during a very short outage that is done after "
        "restoration (users' retries, re-delivered ad budgets)",
        "--deferred-share",
    ),
    KeyInfo(
        "revenue.deferral_hours",
        "τψ",
        "h",
        HOURS,
        "24",
        "assumption: deferred demand goes stale within about a day unless stated "
        "(no effect while revenue.deferred_share is 0)",
        "how fast deferred demand goes stale: an activity wanted D − t hours before "
        "restoration is made up with probability ψ·e^(−(D−t)/τψ)",
        "--deferral-hours",
    ),
    KeyInfo(
        "revenue.make_good_share",
        "μ",
        "share",
        NONNEG,
        "0",
        "assumption: no credits, refunds or make-goods unless a company reported them",
        "credits, refunds, extensions and make-good ads paid, as a share of the gross revenue "
        "the outage interrupted (R·S·D)",
        "--make-good-share",
    ),
    KeyInfo(
        "users.churn_shape",
        "ku",
        "",
        Domain(1.0),
        "1",
        "model default: 1 keeps version 2's hazard-linear churn",
        "users' tolerance: churn grows as (Eu/τu)^ku; above 1 people shrug off short outages "
        "and leave after long ones",
        "--churn-shape",
    ),
    KeyInfo(
        "creators.churn_shape",
        "kc",
        "",
        Domain(1.0),
        "1",
        "model default: 1 keeps version 2's hazard-linear churn",
        "creators' tolerance: churn grows as (Ec/τc)^kc",
        "--creator-churn-shape",
    ),
)

# Keys of a year and of a design, not of one outage: they are not model inputs (no random stream
# per outage, no part of `KEYS`' order), and only `impact annual` and `impact resilience` read
# them. A scenario without them still simulates single outages.
FREQUENCY_KEY = "frequency.events_per_year"
EXTRA_KEYS: tuple[KeyInfo, ...] = (
    KeyInfo(
        FREQUENCY_KEY,
        "λ",
        "outages/year",
        NONNEG,
        None,
        "required by `impact annual`",
        "expected outages per year (the rate λ of a mixed Poisson count); each draws its "
        "duration and severity from frequency.hours and frequency.severity when given",
    ),
    KeyInfo(
        "cost.one_off_usd",
        "K0",
        "USD",
        NONNEG,
        None,
        "required by `impact resilience`",
        "one-off cost of the design, paid at the start (year 0)",
    ),
    KeyInfo(
        "cost.per_year_usd",
        "k",
        "USD/year",
        NONNEG,
        None,
        "required by `impact resilience`",
        "running cost of the design per year, paid at the end of each year",
    ),
    KeyInfo(
        "cost.years",
        "T",
        "years",
        Domain(1.0),
        None,
        "required by `impact resilience`",
        "horizon of the decision in whole years (a fractional draw is rounded)",
    ),
    KeyInfo(
        "cost.discount_rate",
        "r",
        "share/year",
        Domain(-1.0, low_open=True),
        None,
        "required by `impact resilience`",
        "annual discount rate of the cash flows (> −1)",
    ),
    # Future outages (annual risk, resilience): their own durations and severities, apart from
    # the reference outage's. Each draws from the stream of the model key it stands for, so a
    # scenario with and without them pairs up outage by outage.
    KeyInfo(
        "frequency.hours",
        "D'",
        "h",
        HOURS,
        None,
        "default: outage.hours (every future outage as long as the reference one)",
        "hours from onset to full restoration of a future outage",
    ),
    KeyInfo(
        "frequency.severity",
        "S'",
        "share",
        SHARE,
        None,
        "default: outage.severity",
        "mean share of revenue-generating activity lost during a future outage",
    ),
    # What users and creators lost for good are worth after the horizon (docs/model.md §14).
    KeyInfo(
        "value.user_per_year_usd",
        "Vu",
        "USD/year",
        NONNEG,
        "0",
        "platform-specific: 0 (lost users' later revenue not counted) unless stated",
        "revenue a user lost for good would have brought each year",
    ),
    KeyInfo(
        "value.creator_per_year_usd",
        "Vc",
        "USD/year",
        NONNEG,
        "0",
        "platform-specific: 0 (lost creators' later value not counted) unless stated",
        "revenue the platform loses each year per creator lost for good, beyond their audience "
        "(which users lost already count)",
    ),
    KeyInfo(
        "value.years",
        "Tv",
        "years",
        NONNEG,
        "5",
        "assumption: a five-year decision, as the built-in designs take",
        "years after an outage over which a lost user's or creator's value is counted (annual "
        "risk; resilience takes the decision's cost.years)",
    ),
    KeyInfo(
        "value.discount_rate",
        "rv",
        "share/year",
        Domain(-1.0, low_open=True),
        "0.08",
        "assumption: a corporate cost of capital of about 8% a year",
        "annual discount rate of that later value (annual risk; resilience takes the decision's "
        "cost.discount_rate)",
    ),
    # A design's change to the platform's future outages (impact resilience; docs/model.md §16).
    KeyInfo(
        "change.rate_factor",
        "f_λ",
        "×",
        NONNEG,
        "1",
        "no change",
        "multiplies the rate of outages (hardening that prevents some of them: below 1)",
    ),
    KeyInfo(
        "change.regional_share",
        "g",
        "share",
        SHARE,
        "0",
        "no change",
        "share of outages that are the loss of one site or region, which a failover can contain",
    ),
    KeyInfo(
        "change.failover_share",
        "s",
        "share",
        SHARE,
        "1",
        "no change",
        "chance that the failover works when a site or region is lost",
    ),
    KeyInfo(
        "change.failover_hours",
        "F",
        "h",
        NONNEG,
        None,
        "required with change.regional_share",
        "a contained outage lasts at most this long: D' = min(D, F)",
    ),
    KeyInfo(
        "change.severity_factor",
        "f_S",
        "×",
        SHARE,
        "1",
        "no change",
        "multiplies the severity of a contained outage (the failed region's share of traffic)",
    ),
    # An insurance cover (INTERFACE.md, third round): per outage, then per year.
    KeyInfo(
        "cover.waiting_hours",
        "W",
        "h",
        NONNEG,
        None,
        "required by a [cover]",
        "waiting period: an outage no longer than this recovers nothing",
    ),
    KeyInfo(
        "cover.retention_usd",
        "K",
        "USD",
        NONNEG,
        None,
        "required by a [cover]",
        "retention (deductible) per outage, taken from the loss after the waiting period",
    ),
    KeyInfo(
        "cover.limit_usd",
        "M",
        "USD",
        NONNEG,
        None,
        "required by a [cover]",
        "most the cover pays for one outage",
    ),
    KeyInfo(
        "cover.aggregate_limit_usd",
        "A",
        "USD/year",
        NONNEG,
        None,
        "required by a [cover]",
        "most the cover pays in a year",
    ),
    KeyInfo(
        "cover.premium_usd",
        "P",
        "USD/year",
        NONNEG,
        None,
        "required by a [cover]",
        "premium paid each year",
    ),
    KeyInfo(
        "cover.indemnity_share",
        "η",
        "share",
        SHARE,
        "1",
        "default: the whole covered loss (business-interruption forms pay lost income less "
        "saved costs; a scenario says so)",
        "share of the covered loss that the policy indemnifies",
    ),
)
COST_KEYS: tuple[str, ...] = tuple(k.key for k in EXTRA_KEYS if k.key.startswith("cost."))
CHANGE_KEYS: tuple[str, ...] = tuple(k.key for k in EXTRA_KEYS if k.key.startswith("change."))
COVER_KEYS: tuple[str, ...] = tuple(k.key for k in EXTRA_KEYS if k.key.startswith("cover."))
VALUE_KEYS: tuple[str, ...] = tuple(k.key for k in EXTRA_KEYS if k.key.startswith("value."))

REQUIRED_KEYS: tuple[str, ...] = tuple(k.key for k in KEYS if k.default is None)
_BY_KEY = {k.key: k for k in (*KEYS, *EXTRA_KEYS)}
_BY_FIELD = {k.field: k for k in (*KEYS, *EXTRA_KEYS)}


def key_info(name: str) -> KeyInfo:
    """Look a key up by its dotted name ('outage.hours') or its field name ('outage_hours')."""
    info = _BY_KEY.get(name) or _BY_FIELD.get(name)
    if info is None:
        from difflib import get_close_matches

        from impact.exceptions import InputError

        hint = get_close_matches(name, list(_BY_KEY), n=1)
        fix = f"did you mean {hint[0]!r}?" if hint else "see `impact validate` or docs/model.md"
        raise InputError(f"{name}: unknown scenario key; {fix}")
    return info
