"""Annual risk: a mixed-Poisson count of outages per simulated year, each outage drawn afresh.

A year draws its rate λ from `[frequency] events_per_year`, then its count N ~ Poisson(λ); each
of its N outages draws every input from the scenario and is evaluated by the model, and the
year's figures are the sums over its outages. No Python loop runs over years or outages: a block
of years is handled as arrays, and the outages are summed into their years with `np.add.reduceat`
over the flattened outages.

Random streams (so that any number of workers gives the same numbers, and two designs compared
on common random numbers pair up year by year and outage by outage). Years come in blocks of
`YEAR_BLOCK`; block b uses the b-th child of the root seed, and inside it:

* child 0: a uniform per year, pushed through the rate's inverse CDF (λ);
* child 1: a uniform per year, pushed through Poisson(λ)'s inverse CDF (N). A design with a
  higher rate has at least as many outages in the same year;
* child 2 + k: the k-th outage of every year of the block, drawn by `draw_block` (the engine's
  per-key streams) for all the block's years and kept for the years with N > k. The k-th outage
  of year y thus has the same inputs whatever the other years hold and whatever another design's
  rate: keys two designs share draw the same values. The only loop is over k, up to the largest
  count in the block (a handful), each step vectorised over every year.

Future outages draw `outage.hours` and `outage.severity` from `[frequency] hours` and `severity`
when given (`impact.simulation.future`), the rate is updated by the platform's own record
(`impact.simulation.rate`), a design's change contains some outages, and each outage adds the
value beyond the horizon of the users and creators it loses for good; a cover turns the year's
losses into recoveries (`impact.simulation.cover`). The figures a year adds up:

    annual_loss = Σ (total_i + later_i)          later_i = (users_lost_i·Vu + creators_lost_i·Vc)
    net_annual_loss = annual_loss − recovery + premium              × later_factor(h_i, Tv, rv)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.distributions import Distribution
from impact.inputs.families import number
from impact.inputs.keys import FREQUENCY_KEY
from impact.inputs.record import BANDS
from impact.inputs.scenario import DEFAULT_TRIALS, MAX_TRIALS, Scenario
from impact.model.core import evaluate
from impact.outputs import AFTER_RESTORATION, ANNUAL_STATISTICS, OUTPUTS, TOTAL
from impact.rng import (
    SCENARIO_SEED,
    RNGLike,
    ScenarioSeed,
    as_seed_sequence,
    root_entropy,
    seed_or_scenario,
)
from impact.simulation.cover import covered_loss, outage_recovery, year_recovery
from impact.simulation.future import (
    HOURS_PER_YEAR,
    contain,
    future_outages,
    has_change,
    has_cover,
    later_factor,
    outage_terms,
    year_terms,
)
from impact.simulation.rate import MAX_OUTAGES_PER_YEAR, RateUpdate, check_rate, rate_update
from impact.simulation.result import METRIC_UNITS
from impact.simulation.runner import Runner, worker_count
from impact.simulation.sampling import SamplingPlan, child, draw_block, plan
from impact.simulation.sketch import Sketch

__all__ = [
    "ANNUAL_LOSS",
    "ANNUAL_METRICS",
    "ANNUAL_STATISTICS",
    "BAND_COUNT",
    "BAND_LOSS",
    "DEFAULT_THRESHOLDS",
    "LATER",
    "NET",
    "OUTAGES",
    "PER_OUTAGE",
    "PREMIUM",
    "RECOVERY",
    "YEAR_BLOCK",
    "AnnualResult",
    "annual_block",
    "annual_plan",
    "frequency_of",
    "nice_amount",
    "poisson_counts",
    "scaled_thresholds",
    "simulate_annual",
]

FloatArray = NDArray[np.float64]
YEAR_BLOCK = 65_536
RATE_STREAM, COUNT_STREAM, FIRST_OUTAGE_STREAM = 0, 1, 2
OUTAGES = "outages"
LATER = "value_beyond_horizon_usd"  # lost users' and creators' value after the horizon
ANNUAL_LOSS = "annual_loss_usd"  # total revenue loss + value beyond the horizon
RECOVERY = "cover_recovery_usd"
PREMIUM = "cover_premium_usd"
NET = "net_annual_loss_usd"  # annual loss − recovery + premium
ANNUAL_METRICS: tuple[str, ...] = (OUTAGES, *OUTPUTS, LATER, ANNUAL_LOSS, RECOVERY, PREMIUM, NET)
ANNUAL_UNITS = {name: METRIC_UNITS[name] for name in ANNUAL_METRICS}  # the registry's units
BAND_LOSS = {b.name: f"loss_{b.name}_usd" for b in BANDS}  # annual loss from outages per band
BAND_COUNT = {b.name: f"outages_{b.name}" for b in BANDS}
PER_OUTAGE = "loss_per_outage_usd"  # one value per outage, not per year
SKETCHED = (*ANNUAL_METRICS, *BAND_LOSS.values(), *BAND_COUNT.values(), PER_OUTAGE)
DEFAULT_THRESHOLDS: tuple[float, ...] = (10e6, 100e6, 1e9)
# Without thresholds, P(annual loss > X) is counted at amounts scaled to the platform: the
# p50, p90 and p99 of one outage's total loss, rounded to 1-2-5 steps, from a pilot of outages
# drawn from a stream of the root seed that no block of years uses.
THRESHOLD_QUANTILES = (0.5, 0.9, 0.99)
PILOT_OUTAGES = 10_000
PILOT_STREAM = 2**32 - 1
# MAX_OUTAGES_PER_YEAR (impact.simulation.rate): each drawn outage is one more pass over a block
Progress = Callable[[int, int], None]


def _year_block() -> int:
    return YEAR_BLOCK  # read at call time, so that tests can make blocks small


def frequency_of(scenario: Scenario) -> Distribution:
    """The scenario's rate of outages per year, updated by its `[frequency.record]` when it has
    one (`impact.simulation.rate`), or an InputError saying how to give one."""
    dist = scenario.distributions.get(FREQUENCY_KEY)
    if dist is None:
        raise InputError(
            f"{FREQUENCY_KEY}: missing in scenario {scenario.name!r}; add `[frequency] "
            f'events_per_year = "SPEC"` to the file or pass --set {FREQUENCY_KEY}=SPEC'
        )
    update = rate_update(scenario)
    if update is None:
        check_rate(dist)  # before drawing: poisson(1e12)'s quantiles take scipy minutes
        return dist
    return update.posterior


def annual_plan(scenario: Scenario, method: str | None = None) -> SamplingPlan:
    """The sampling plan of a scenario's future outages (what `annual_block` draws)."""
    return plan(future_outages(scenario), method)


def poisson_counts(rate: FloatArray, u: FloatArray) -> FloatArray:
    """N = the Poisson(rate) inverse CDF at u, per year (0 where the rate is 0).

    N is 0 exactly when u ≤ P(N = 0) = exp(−rate), so the (slow) general inverse CDF is only
    evaluated for the years with at least one outage.
    """
    from scipy import stats  # on use: `impact validate` imports this module for frequency_of

    counts = np.zeros(np.shape(rate))
    some = u > np.exp(-rate)
    if some.any():
        counts[some] = np.maximum(stats.poisson.ppf(u[some], rate[some]), 1.0)
    return counts


def annual_block(
    scenario: Scenario,
    sampling: SamplingPlan,
    n: int,
    seq: np.random.SeedSequence,
    *,
    valuation: tuple[FloatArray, FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """Every annual metric for `n` years: the outage count and each output summed over the year,
    the value beyond the horizon, the annual loss, a cover's recovery and premium, the loss and
    count per duration band; and `PER_OUTAGE`, the annual loss of each outage (any length).

    `sampling` is `annual_plan(scenario)`. `valuation` gives, per year, the years and discount
    rate over which a lost user's value counts (resilience: the decision's); by default the
    scenario's `value.years` and `value.discount_rate`."""
    future = future_outages(scenario)
    terms = year_terms(scenario, n, seq)
    frequency = frequency_of(scenario)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing rate is named below
        rate = frequency.ppf(np.random.default_rng(child(seq, RATE_STREAM)).random(n))
    top = float(np.max(rate, initial=0.0))
    if not (np.all(np.isfinite(rate)) and top <= MAX_OUTAGES_PER_YEAR):
        shown = f"{top:.3g} outages a year" if np.isfinite(top) else "an infinite or undefined rate"
        raise InputError(
            f"{FREQUENCY_KEY}: {frequency.spec()}: draws {shown}; at most "
            f"{MAX_OUTAGES_PER_YEAR:,} outages a year are simulated (outages like the scenario's)"
        )
    rate = rate * terms["change.rate_factor"]
    counts = poisson_counts(rate, np.random.default_rng(child(seq, COUNT_STREAM)).random(n))
    if counts.max(initial=0) > MAX_OUTAGES_PER_YEAR:
        raise InputError(
            f"{FREQUENCY_KEY}: {frequency.spec()}: draws a year with {counts.max():,.0f} outages; "
            f"at most {MAX_OUTAGES_PER_YEAR:,} a year are simulated (outages like the scenario's)"
        )
    value_years, value_rate = (
        valuation if valuation is not None else (terms["value.years"], terms["value.discount_rate"])
    )
    change, cover = has_change(scenario), has_cover(scenario)
    contained_share = terms["change.regional_share"] * terms["change.failover_share"]
    years: list[NDArray[np.intp]] = []
    parts: dict[str, list[FloatArray]] = {name: [] for name in (*OUTPUTS, "hours", LATER, RECOVERY)}
    for k in range(int(counts.max(initial=0))):  # the k-th outage of every year with N > k
        outage_seq = child(seq, FIRST_OUTAGE_STREAM + k)
        inputs, _ = draw_block(future, sampling, n, outage_seq)
        hit = np.flatnonzero(counts > k)
        x = {key: values[hit] for key, values in inputs.items()}
        if change:
            drawn = outage_terms(scenario, n, outage_seq)
            x["outage.hours"], x["outage.severity"] = contain(
                x["outage.hours"],
                x["outage.severity"],
                drawn["contained"][hit] < contained_share[hit],
                drawn["change.failover_hours"][hit],
                drawn["change.severity_factor"][hit],
            )
        outputs = {name: np.asarray(v, dtype=float) for name, v in evaluate(x).items()}
        hours = np.asarray(x["outage.hours"], dtype=float)
        start = (hours + np.asarray(x["horizon.hours"], dtype=float)) / HOURS_PER_YEAR
        lost_per_year = (
            outputs["users_lost"] * terms["value.user_per_year_usd"][hit]
            + outputs["creators_lost"] * terms["value.creator_per_year_usd"][hit]
        )
        later = lost_per_year * later_factor(start, value_years[hit], value_rate[hit])
        if cover:
            after = sum((outputs[name] for name in AFTER_RESTORATION), np.zeros_like(hours))
            covered = covered_loss(
                hours, outputs["direct_revenue_loss_usd"], after, terms["cover.waiting_hours"][hit]
            )
            recovered = outage_recovery(
                covered,
                terms["cover.indemnity_share"][hit],
                terms["cover.retention_usd"][hit],
                terms["cover.limit_usd"][hit],
            )
        else:
            recovered = np.zeros(hit.size)
        years.append(hit)
        for name in OUTPUTS:
            parts[name].append(outputs[name])
        parts["hours"].append(hours)
        parts[LATER].append(later)
        parts[RECOVERY].append(recovered)
    return _per_year(counts, years, parts, terms, cover)


def _per_year(
    counts: FloatArray,
    years: list[NDArray[np.intp]],
    parts: dict[str, list[FloatArray]],
    terms: dict[str, FloatArray],
    cover: bool,
) -> dict[str, FloatArray]:
    """Sum each year's outages (grouped with `np.add.reduceat`) into the annual metrics."""
    n = counts.size
    some = counts > 0
    flat: dict[str, FloatArray] = {}
    if some.any():
        order = np.argsort(np.concatenate(years), kind="stable")  # outages grouped by year
        flat = {name: np.concatenate(values)[order] for name, values in parts.items()}
    else:
        flat = {name: np.zeros(0) for name in parts}
    per_year = counts[some].astype(np.intp)
    starts = np.cumsum(per_year) - per_year

    def summed(values: FloatArray) -> FloatArray:
        total = np.zeros(n)
        if values.size:
            total[some] = np.add.reduceat(values, starts)
        return total

    out = {OUTAGES: counts}
    for name in OUTPUTS:
        out[name] = summed(flat[name])
    loss = flat[TOTAL] + flat[LATER]
    out[LATER] = summed(flat[LATER])
    out[ANNUAL_LOSS] = out[TOTAL] + out[LATER]
    if cover:
        out[RECOVERY] = year_recovery(summed(flat[RECOVERY]), terms["cover.aggregate_limit_usd"])
        out[PREMIUM] = terms["cover.premium_usd"]
    else:
        out[RECOVERY] = np.zeros(n)
        out[PREMIUM] = np.zeros(n)
    out[NET] = out[ANNUAL_LOSS] - out[RECOVERY] + out[PREMIUM]
    for band in BANDS:
        inside = (flat["hours"] >= band.low) & (flat["hours"] < band.high)
        out[BAND_LOSS[band.name]] = summed(np.where(inside, loss, 0.0))
        out[BAND_COUNT[band.name]] = summed(inside.astype(float))
    out[PER_OUTAGE] = loss
    return out


@dataclass
class _AnnualBlock:
    sketches: dict[str, Sketch]
    exceed: NDArray[np.int64]
    with_outage: int


def _annual_task(
    scenario: Scenario,
    sampling: SamplingPlan,
    thresholds: tuple[float, ...],
    seq: np.random.SeedSequence,
    index: int,
    n: int,
) -> _AnnualBlock:
    years = annual_block(scenario, sampling, n, seq)
    loss = years[ANNUAL_LOSS]
    exceed = np.array([np.count_nonzero(loss > x) for x in thresholds], dtype=np.int64)
    return _AnnualBlock(
        {name: Sketch.of(years[name]) for name in SKETCHED},
        exceed,
        int(np.count_nonzero(years[OUTAGES])),
    )


def nice_amount(x: float) -> float:
    """The largest 1-2-5 step at most `x` (> 0), so that some outages exceed it.

    >>> nice_amount(64_100), nice_amount(160e3), nice_amount(1.09e8), nice_amount(5e5)
    (50000.0, 100000.0, 100000000.0, 500000.0)
    """
    decade = 10.0 ** math.floor(math.log10(x))
    return max(decade * m for m in (1, 2, 5, 10) if decade * m <= x * (1 + 1e-12))


def scaled_thresholds(
    scenario: Scenario, sampling: SamplingPlan, root: np.random.SeedSequence
) -> tuple[float, ...]:
    """Amounts X for P(annual loss > X) on the scale of the platform: one outage's total loss
    at its p50, p90 and p99 (from `PILOT_OUTAGES` outages drawn as a year's are), each rounded
    down to a 1-2-5 step, without repeats. A $60k-an-outage platform gets $50k, $100k, $200k
    rather than $10M, $100M and $1B, which no simulated year reaches."""
    inputs, _ = draw_block(scenario, sampling, PILOT_OUTAGES, child(root, PILOT_STREAM))
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.asarray(evaluate(inputs)[TOTAL], dtype=float)
    loss = loss[np.isfinite(loss)]
    quantiles = np.quantile(loss, THRESHOLD_QUANTILES) if loss.size else np.zeros(0)
    amounts = sorted({nice_amount(float(q)) for q in quantiles if q > 0})
    return tuple(amounts) or DEFAULT_THRESHOLDS


def _check_thresholds(thresholds: Sequence[float]) -> tuple[float, ...]:
    out = []
    for x in thresholds:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < 0:
            raise InputError(f"threshold: {x!r}: must be an amount in USD ≥ 0 (e.g. 100M)")
        out.append(float(x))
    return tuple(sorted(set(out)))


def _finite(value: object) -> float | None:
    """A float for JSON, None where there is none (no outage simulated: no loss given one)."""
    x = float(value)  # type: ignore[arg-type]
    return x if math.isfinite(x) else None


def _check_whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"{name}: {value!r}: must be a whole number ≥ 1")
    return int(value)


@dataclass
class AnnualResult:
    """What `simulate_annual` returns: a sketch of every annual metric, and exact tail counts."""

    scenario: Scenario
    n_years: int
    seed: int
    method: str
    sketches: dict[str, Sketch]
    thresholds: tuple[float, ...]
    exceed_counts: tuple[int, ...]
    years_with_outage: int
    elapsed_seconds: float = 0.0
    workers: int = 1
    rate: RateUpdate | None = None  # the rate learned from [frequency.record], if any
    with_cover: bool = False
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        """Two lines: scenario (and what a what-if modified), years, seed, and the headline:
        the expected annual loss with its standard error and P(any outage in a year)."""
        modified = self.scenario.modified
        changed = f"modified={', '.join(modified)!r}, " if modified else ""
        loss = self.sketches[ANNUAL_LOSS]
        return (
            f"AnnualResult(scenario={self.scenario.name!r}, {changed}years={self.n_years:,}, "
            f"seed={self.seed})\n  {ANNUAL_LOSS}: mean {loss.average:.4g} USD a year "
            f"(se {loss.se_mean:.2g}); P(any outage in a year) = {self.p_any_outage:.1%}"
        )

    @property
    def frequency_spec(self) -> str:
        """The rate's spec as simulated (the updated one when a record updated it)."""
        if self.rate is not None:
            g = self.rate.posterior
            return f"gamma({number(g.shape)}, {number(g.scale)})"
        return str(self.scenario.specs.get(FREQUENCY_KEY, ""))

    @property
    def bands(self) -> pd.DataFrame:
        """The expected annual loss split by the outage's duration band: columns band, label,
        outages_per_year, loss_usd (mean a year), se_usd, share (of the expected annual loss)."""
        total = sum(self.sketches[BAND_LOSS[b.name]].average for b in BANDS)
        rows = []
        for band in BANDS:
            loss = self.sketches[BAND_LOSS[band.name]]
            rows.append(
                {
                    "band": band.name,
                    "label": band.label,
                    "outages_per_year": self.sketches[BAND_COUNT[band.name]].average,
                    "loss_usd": loss.average,
                    "se_usd": loss.se_mean,
                    "share": loss.average / total if total > 0 else math.nan,
                }
            )
        return pd.DataFrame(rows)

    @property
    def per_outage(self) -> pd.DataFrame:
        """The loss given an outage (total revenue loss plus value beyond the horizon, one row):
        outages simulated, mean, se_mean, p50, p90, p99; NaN when none was simulated."""
        s = self.sketches[PER_OUTAGE]
        row = {"outages": s.n, "mean": s.average, "se_mean": s.se_mean}
        row |= {f"p{round(q * 100)}": s.quantile(q) if s.n else math.nan for q in (0.5, 0.9, 0.99)}
        return pd.DataFrame([row])

    @property
    def cover(self) -> dict[str, float] | None:
        """With a cover: expected recovery and premium a year, the loss ratio (recovery /
        premium), the break-even premium (= the expected recovery), VaR99 of the annual loss
        before and net of the cover (loss − recovery + premium); None without one."""
        if not self.with_cover:
            return None
        recovery, premium = self.sketches[RECOVERY].average, self.sketches[PREMIUM].average
        return {
            "expected_recovery_usd": recovery,
            "expected_recovery_se_usd": self.sketches[RECOVERY].se_mean,
            "premium_usd": premium,
            "loss_ratio": recovery / premium if premium > 0 else math.inf,
            "break_even_premium_usd": recovery,
            "var99_gross_usd": self.sketches[ANNUAL_LOSS].quantile(0.99),
            "var99_net_usd": self.sketches[NET].quantile(0.99),
            "tvar99_net_usd": self.sketches[NET].tail_mean(0.99),
        }

    @property
    def summary(self) -> pd.DataFrame:
        """One row per annual metric (index `metric`): unit, mean, std, p50…p99, VaR and CVaR at
        95% and 99% (VaR is the percentile; CVaR the mean of the years beyond it), se_mean."""
        if self._summary is None:
            rows = []
            for name in ANNUAL_METRICS:
                s = self.sketches[name]
                rows.append(
                    {
                        "metric": name,
                        "unit": ANNUAL_UNITS[name],
                        "mean": s.average,
                        "std": s.std,
                        "p50": s.quantile(0.50),
                        "p90": s.quantile(0.90),
                        "p95": s.quantile(0.95),
                        "p99": s.quantile(0.99),
                        "var95": s.quantile(0.95),
                        "cvar95": s.tail_mean(0.95),
                        "var99": s.quantile(0.99),
                        "cvar99": s.tail_mean(0.99),
                        "se_mean": s.se_mean,
                    }
                )
            self._summary = pd.DataFrame(rows).set_index("metric")
        return self._summary

    def _share(self, count: int) -> tuple[float, float]:
        p = count / self.n_years
        return p, math.sqrt(p * (1 - p) / self.n_years)

    @property
    def p_any_outage(self) -> float:
        """P(at least one outage in a year), counted exactly over the simulated years."""
        return self._share(self.years_with_outage)[0]

    @property
    def risk(self) -> pd.DataFrame:
        """P(at least one outage) and P(annual loss > X) for each threshold, with binomial
        standard errors: columns event, threshold_usd, probability, se."""
        rows = [
            {
                "event": "at least one outage",
                "threshold_usd": math.nan,
                "probability": self._share(self.years_with_outage)[0],
                "se": self._share(self.years_with_outage)[1],
            }
        ]
        for x, count in zip(self.thresholds, self.exceed_counts, strict=True):
            p, se = self._share(count)
            rows.append(
                {"event": "annual loss > threshold", "threshold_usd": x, "probability": p, "se": se}
            )
        return pd.DataFrame(rows)

    def to_json(self) -> dict[str, object]:
        """The summary and the risk table as one JSON-ready object."""
        return {
            "scenario": self.scenario.name,
            "years": self.n_years,
            "seed": self.seed,
            "method": self.method,
            "events_per_year": self.frequency_spec,
            "events_per_year_prior": str(self.scenario.specs.get(FREQUENCY_KEY, "")),
            "p_any_outage": self.p_any_outage,
            "loss_given_outage": {
                str(k): _finite(v) for k, v in self.per_outage.iloc[0].to_dict().items()
            },
            "bands": {
                str(r["band"]): {
                    "outages_per_year": float(r["outages_per_year"]),
                    "loss_usd": float(r["loss_usd"]),
                    "share": _finite(r["share"]),
                }
                for _, r in self.bands.iterrows()
            },
            "rate_update": None
            if self.rate is None
            else self.rate.table().set_index("rate").to_dict("index"),
            "cover": None if self.cover is None else {k: _finite(v) for k, v in self.cover.items()},
            "p_loss_above": {
                f"{x:.10g}": count / self.n_years
                for x, count in zip(self.thresholds, self.exceed_counts, strict=True)
            },
            "metrics": {
                str(name): {stat: float(row[stat]) for stat in ANNUAL_STATISTICS}
                for name, row in self.summary.iterrows()
            },
        }


def simulate_annual(
    scenario: Scenario,
    n_years: int | None = None,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    thresholds: Sequence[float] | None = None,
    method: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> AnnualResult:
    """Simulate `n_years` years of outages of `scenario` (which needs `[frequency]`).

    `n_years` defaults to the scenario's `[sampling] trials`, else 100,000, and `rng` to its
    `[sampling] seed`, else 20260125, as `impact annual` does; `rng` is otherwise an int seed, a
    SeedSequence, a Generator or None (fresh entropy), normalised once. The same scenario, seed
    and year count give the same numbers whatever `workers` is. Memory is bounded
    by one block of years per worker (sketches keep the distributions). `thresholds` are the
    amounts X (USD) for which P(annual loss > X) is counted; by default they are scaled to the
    platform (`scaled_thresholds`: one outage's p50, p90 and p99, rounded to 1-2-5 steps).

    >>> import impact
    >>> s = impact.load_scenario("meta-2024")
    >>> result = simulate_annual(s, 20_000, rng=1)
    >>> bool(result.summary.loc["total_revenue_loss_usd", "mean"] > 0)
    True
    """
    if n_years is None:
        n_years = scenario.trials or DEFAULT_TRIALS
    n_years = _check_whole(n_years, "years")
    if n_years > MAX_TRIALS:
        raise InputError(f"`n_years`: {n_years:,}: at most {MAX_TRIALS:,} simulated years a run")
    workers = _check_whole(workers, "workers")
    xs = None if thresholds is None else _check_thresholds(thresholds)
    frequency_of(scenario)  # fail before any work
    sampling = annual_plan(scenario, method)
    root = as_seed_sequence(seed_or_scenario(rng, scenario.seed))
    if xs is None:
        xs = scaled_thresholds(scenario, sampling, root)
    started = time.perf_counter()
    sketches = {name: Sketch() for name in SKETCHED}
    rate = rate_update(scenario)  # fail before any work, too
    with_cover = has_cover(scenario)
    exceed = np.zeros(len(xs), dtype=np.int64)
    with_outage = done = 0
    task = partial(_annual_task, scenario, sampling, xs)
    size = _year_block()
    workers = worker_count(workers, n_years, size)
    with Runner(workers, scheduler) as runner:
        for part in runner.blocks(task, root, n_years, size):
            for name in SKETCHED:
                sketches[name].merge(part.sketches[name])
            exceed += part.exceed
            with_outage += part.with_outage
            done += part.sketches[OUTAGES].n
            if progress is not None:
                progress(done, n_years)
    return AnnualResult(
        scenario=scenario,
        n_years=n_years,
        seed=root_entropy(root),
        method=sampling.method,
        sketches=sketches,
        thresholds=xs,
        exceed_counts=tuple(int(c) for c in exceed),
        years_with_outage=with_outage,
        elapsed_seconds=time.perf_counter() - started,
        workers=workers,
        rate=rate,
        with_cover=with_cover,
    )
