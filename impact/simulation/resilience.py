"""Resilience ROI: the current design against one or more candidates, over futures of T years.

Every design is the same platform (the base scenario) with its own change, cost and cover
(`impact.inputs.designs`). A future is T years (the current design's `cost.years`: one
decision, one horizon, up to its largest value T_max); every design runs the same years on
common random numbers (`annual_block` with the same seed: the same years, counts coupled by one
uniform, the k-th outage of a year drawn from the same streams, and a change's draws shared),
so the annual loss avoided is paired year by year. Each future draws every design's costs from
one uniform per cost key (child COST_STREAM of the block), and T and r once, from the current
design's specs. With L the annual loss (revenue and later value; a lost user's value counts
over the decision's T years at its rate r) less a cover's recovery, and premiums part of the
running cost, per candidate B against the current A:

    ΔK0 = one_off(B) − one_off(A)      Δk_t = per_year(B) + premium_B,t − per_year(A) − premium_A,t
    NPV = −ΔK0 + Σ_{t=1..T} (L_A,t − L_B,t − Δk_t) / (1 + r)^t

The payback year is the first t at which the running sum reaches 0 (none within T: 0); P(best)
is the share of futures in which a design has the highest NPV, the current design's being 0
(ties go to the current design). Futures come in blocks of ⌊YEAR_BLOCK / T_max⌋ with their
own seeds, so any number of workers gives the same numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.designs import Design, as_design
from impact.inputs.distributions import Distribution
from impact.inputs.keys import COST_KEYS
from impact.inputs.scenario import MAX_TRIALS, Scenario
from impact.rng import (
    SCENARIO_SEED,
    RNGLike,
    ScenarioSeed,
    as_seed_sequence,
    root_entropy,
    seed_or_scenario,
)
from impact.simulation import annual as annual_module
from impact.simulation.annual import (
    ANNUAL_LOSS,
    PREMIUM,
    RECOVERY,
    Progress,
    annual_block,
    annual_plan,
    frequency_of,
)
from impact.simulation.future import has_cover
from impact.simulation.runner import Runner, worker_count
from impact.simulation.sampling import SamplingPlan, child
from impact.simulation.signed_sketch import SignedSketch
from impact.simulation.sketch import Sketch

__all__ = [
    "COST_STREAM",
    "PairResult",
    "ResilienceResult",
    "cost_of",
    "npv_block",
    "simulate_resilience",
]

FloatArray = NDArray[np.float64]
YEARS_STREAM, COST_STREAM = 0, 1
DECISION_KEYS = ("cost.years", "cost.discount_rate")
MAX_YEARS = 100  # a decision horizon; every future simulates each of its years
Designs = Design | Scenario | Sequence[Design | Scenario]


def cost_of(design: Scenario, key: str) -> Distribution:
    """A design's cost spec, or an InputError naming the missing key."""
    dist = design.distributions.get(key)
    if dist is None:
        raise InputError(
            f"{key}: missing in design {design.name!r}; a design needs [cost] with "
            f"{', '.join(k.split('.')[1] for k in COST_KEYS)} (each a spec)"
        )
    return dist


def horizon_of(current: Scenario) -> int:
    """T_max: the largest number of years the decision's `cost.years` can draw."""
    high = cost_of(current, "cost.years").support()[1]
    if not math.isfinite(high):
        raise InputError("cost.years: unbounded; give a bounded spec, e.g. choice(5, 10)")
    if high > MAX_YEARS:
        raise InputError(f"cost.years: {high:g}: at most {MAX_YEARS} years; give a shorter horizon")
    return max(1, round(high))


def _check(current: Design, candidates: Sequence[Design]) -> None:
    for design in (current, *candidates):
        frequency_of(design.scenario)
        has_cover(design.scenario)
        for key in ("cost.one_off_usd", "cost.per_year_usd"):
            cost_of(design.scenario, key)
    for key in DECISION_KEYS:
        spec = cost_of(current.scenario, key).spec()
        for design in candidates:
            dist = design.scenario.distributions.get(key)
            if dist is not None and dist.spec() != spec:
                raise InputError(
                    f"{key}: {design.name} gives {dist.spec()} but the current design "
                    f"{current.name} gives {spec}; one decision has one horizon and discount rate "
                    "(the current design's)"
                )


def npv_block(
    designs: Sequence[Scenario],
    plans: Sequence[SamplingPlan],
    horizon: int,
    futures: int,
    seq: np.random.SeedSequence,
) -> dict[str, FloatArray]:
    """One block of futures. `designs[0]` is the current design. Per candidate j (1, 2, …):
    `npv_j`, `payback_j`, `pv_avoided_j`, `one_off_j` (ΔK0), `k0_j` (its own one-off),
    `running_pv_j` (PV of Δk), per future; `avoided_j`, `loss_j` per live year; `loss_0` the
    current design's; and `annuity` (Σ_t (1 + r)^−t) per future."""
    years = futures * horizon
    years_seq = child(seq, YEARS_STREAM)
    costs = child(seq, COST_STREAM)
    u = {key: np.random.default_rng(child(costs, i)).random(futures) for i, key in
         enumerate(COST_KEYS)}  # fmt: skip
    now = designs[0]
    n_years = np.clip(np.rint(cost_of(now, "cost.years").ppf(u["cost.years"])), 1, horizon)
    rate = cost_of(now, "cost.discount_rate").ppf(u["cost.discount_rate"])
    valuation = (np.repeat(n_years, horizon).astype(float), np.repeat(rate, horizon))
    t = np.arange(1, horizon + 1)
    live = t[None, :] <= n_years[:, None]
    discount = np.where(live, (1.0 + rate[:, None]) ** -t[None, :], 0.0)
    out: dict[str, FloatArray] = {"annuity": discount.sum(axis=1)}
    loss, premium, one_off, per_year = [], [], [], []
    for design, sampling in zip(designs, plans, strict=True):
        year = annual_block(design, sampling, years, years_seq, valuation=valuation)
        loss.append((year[ANNUAL_LOSS] - year[RECOVERY]).reshape(futures, horizon))
        premium.append(year[PREMIUM].reshape(futures, horizon))
        one_off.append(cost_of(design, "cost.one_off_usd").ppf(u["cost.one_off_usd"]))
        per_year.append(cost_of(design, "cost.per_year_usd").ppf(u["cost.per_year_usd"]))
    out["loss_0"] = loss[0][live]
    for j in range(1, len(designs)):
        avoided = loss[0] - loss[j]
        extra = (per_year[j] - per_year[0])[:, None] + premium[j] - premium[0]
        flows = discount * (avoided - extra)
        running = -(one_off[j] - one_off[0])[:, None] + np.cumsum(flows, axis=1)
        paid = (running >= 0) & live
        out[f"npv_{j}"] = running[:, -1]
        out[f"payback_{j}"] = np.where(paid.any(axis=1), paid.argmax(axis=1) + 1, 0).astype(float)
        out[f"pv_avoided_{j}"] = (discount * avoided).sum(axis=1)
        out[f"one_off_{j}"] = one_off[j] - one_off[0]
        out[f"k0_{j}"] = one_off[j]
        out[f"running_pv_{j}"] = (discount * extra).sum(axis=1)
        out[f"avoided_{j}"] = avoided[live]
        out[f"loss_{j}"] = loss[j][live]
    return out


# The per-future parts of a candidate's NPV, in `_Pair.cross`'s order.
NPV_PARTS = ("pv_avoided", "one_off", "running_pv", "annuity")


@dataclass
class _Pair:
    """Mergeable running figures of one candidate against the current design."""

    avoided: SignedSketch
    npv: SignedSketch
    loss: Sketch
    positive: int
    payback: NDArray[np.int64]
    best: int = 0
    pv_avoided: float = 0.0
    one_off: float = 0.0
    k0: float = 0.0
    running_pv: float = 0.0
    # Σ x xᵀ of the per-future vector x = (PV avoided, ΔK0, PV of Δk, annuity): the Monte Carlo
    # errors of the NPV's parts and of the ratios over the annuity (`PairResult.standard_error`).
    cross: NDArray[np.float64] = field(default_factory=lambda: np.zeros((len(NPV_PARTS),) * 2))

    @classmethod
    def empty(cls, horizon: int) -> _Pair:
        return cls(SignedSketch(), SignedSketch(), Sketch(), 0, np.zeros(horizon + 1, np.int64))

    def merge(self, other: _Pair) -> None:
        self.avoided.merge(other.avoided)
        self.npv.merge(other.npv)
        self.loss.merge(other.loss)
        self.positive += other.positive
        self.payback += other.payback
        self.best += other.best
        self.pv_avoided += other.pv_avoided
        self.one_off += other.one_off
        self.k0 += other.k0
        self.running_pv += other.running_pv
        self.cross = self.cross + other.cross


@dataclass
class _Part:
    pairs: list[_Pair]
    loss_current: Sketch
    best_current: int
    annuity: float
    futures: int


def _task(
    designs: tuple[Scenario, ...],
    plans: tuple[SamplingPlan, ...],
    horizon: int,
    seq: np.random.SeedSequence,
    index: int,
    n: int,
) -> _Part:
    out = npv_block(designs, plans, horizon, n, seq)
    m = len(designs) - 1
    npv = np.column_stack([np.zeros(n), *(out[f"npv_{j}"] for j in range(1, m + 1))])
    best = np.bincount(np.argmax(npv, axis=1), minlength=m + 1)  # ties: the first (current)
    pairs = [
        _Pair(
            avoided=SignedSketch.of(out[f"avoided_{j}"]),
            npv=SignedSketch.of(out[f"npv_{j}"]),
            loss=Sketch.of(out[f"loss_{j}"]),
            positive=int(np.count_nonzero(out[f"npv_{j}"] > 0)),
            payback=np.bincount(out[f"payback_{j}"].astype(np.intp), minlength=horizon + 1),
            best=int(best[j]),
            pv_avoided=float(out[f"pv_avoided_{j}"].sum()),
            one_off=float(out[f"one_off_{j}"].sum()),
            k0=float(out[f"k0_{j}"].sum()),
            running_pv=float(out[f"running_pv_{j}"].sum()),
            cross=_cross(out, j),
        )
        for j in range(1, m + 1)
    ]
    return _Part(pairs, Sketch.of(out["loss_0"]), int(best[0]), float(out["annuity"].sum()), n)


def _cross(out: dict[str, FloatArray], j: int) -> NDArray[np.float64]:
    columns = [out[name] if name == "annuity" else out[f"{name}_{j}"] for name in NPV_PARTS]
    x = np.column_stack(columns)
    return np.asarray(np.einsum("fi,fj->ij", x, x), dtype=np.float64)  # no BLAS (issue 13)


@dataclass
class PairResult:
    """One candidate against the current design, over the result's futures."""

    candidate: Design
    n_futures: int
    horizon: int
    avoided: SignedSketch
    npv: SignedSketch
    loss_current: Sketch
    loss_candidate: Sketch
    npv_positive: int
    payback_counts: NDArray[np.int64]
    best: int
    pv_avoided_sum: float
    one_off_sum: float
    k0_sum: float
    annuity_sum: float
    running_pv_sum: float
    cross: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((len(NPV_PARTS),) * 2), repr=False
    )

    def standard_error(self, numerator: dict[str, float], denominator: str | None = None) -> float:
        """The Monte Carlo standard error of the estimate of E[Σ c·part] (`numerator`: a weight
        per name of NPV_PARTS), or, with a `denominator` part, of the ratio E[Σ c·part] /
        E[denominator] (the delta method: Var(a − R·b) / (n·E[b]²), R the ratio), from the
        futures' own cross-products; 0 when the figure does not vary."""
        n = self.n_futures
        if n < 2:
            return math.nan
        weights = np.array([numerator.get(name, 0.0) for name in NPV_PARTS])
        sums = np.array(
            [self.pv_avoided_sum, self.one_off_sum, self.running_pv_sum, self.annuity_sum]
        )
        if denominator is not None:
            mean_b = sums[NPV_PARTS.index(denominator)] / n
            ratio = float(np.sum(weights * sums)) / (n * mean_b)
            weights = weights.copy()
            weights[NPV_PARTS.index(denominator)] -= ratio
            scale = mean_b
        else:
            scale = 1.0
        mean = float(np.sum(weights * sums)) / n
        spread = float(np.einsum("i,ij,j->", weights, self.cross, weights))
        variance = (spread - n * mean * mean) / (n - 1)
        return math.sqrt(max(variance, 0.0) / n) / abs(scale)

    @property
    def p_npv_positive(self) -> float:
        """P(NPV > 0): the share of futures in which the candidate pays for itself."""
        return self.npv_positive / self.n_futures

    @property
    def p_best(self) -> float:
        """The share of futures in which the candidate has the highest NPV of all designs."""
        return self.best / self.n_futures

    @property
    def break_even_one_off(self) -> float:
        """The candidate's one-off cost at which E[NPV] = 0 (its other costs as assumed):
        E[NPV] + E[K0]; negative: it would not pay even if building it cost nothing."""
        return self.npv.average + self.k0_sum / self.n_futures

    @property
    def break_even_per_year(self) -> float:
        """The all-in extra cost per year (one-off spread over the horizon plus running) at which
        the expected NPV is 0: E[PV of losses avoided] / E[Σ_t (1 + r)^−t]."""
        return self.pv_avoided_sum / self.annuity_sum

    @property
    def break_even_running_per_year(self) -> float:
        """The extra running cost per year, given the one-off, at which the expected NPV is 0:
        (E[PV of losses avoided] − E[ΔK0]) / E[Σ_t (1 + r)^−t] (negative: never, even free)."""
        return (self.pv_avoided_sum - self.one_off_sum) / self.annuity_sum

    @property
    def cost_per_year(self) -> float:
        """The candidate's assumed all-in extra cost per year on the same footing:
        (E[ΔK0] + E[PV of Δk]) / E[Σ_t (1 + r)^−t]."""
        return (self.one_off_sum + self.running_pv_sum) / self.annuity_sum

    @property
    def payback_median(self) -> float:
        """The year by which half the futures have paid back (NaN: not within the horizon)."""
        cumulative = np.cumsum(self.payback_counts[1:]) / self.n_futures
        reached = np.flatnonzero(cumulative >= 0.5)
        return float(reached[0] + 1) if reached.size else math.nan

    @property
    def payback(self) -> pd.DataFrame:
        """Share of futures that pay back in year 1, 2, …, T_max, and within none (year 0)."""
        counts = self.payback_counts
        return pd.DataFrame(
            {
                "year": np.arange(counts.size),
                "futures": counts,
                "share": counts / self.n_futures,
                "cumulative_share": np.concatenate([[0.0], np.cumsum(counts[1:])]) / self.n_futures,
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """Rows: annual loss of each design, annual loss avoided, NPV (index `quantity`);
        columns: mean, se_mean, p05, p50, p95."""
        rows = []
        for name, s in (
            ("annual_loss_current_usd", self.loss_current),
            ("annual_loss_candidate_usd", self.loss_candidate),
            ("annual_loss_avoided_usd", self.avoided),
            ("npv_usd", self.npv),
        ):
            rows.append(
                {
                    "quantity": name,
                    "mean": s.average,
                    "se_mean": s.se_mean,
                    "p05": s.quantile(0.05),
                    "p50": s.quantile(0.50),
                    "p95": s.quantile(0.95),
                }
            )
        return pd.DataFrame(rows).set_index("quantity")


@dataclass
class ResilienceResult:
    """What `simulate_resilience` returns: every candidate against the current design."""

    current: Design
    pairs: tuple[PairResult, ...]
    n_futures: int
    seed: int
    horizon: int
    loss_current: Sketch
    best_current: int
    elapsed_seconds: float = 0.0
    workers: int = 1
    _ranking: pd.DataFrame | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        """Two lines: base, current design, futures, seed, years, and the design with the
        highest expected NPV against the current one, with its standard error."""
        best = max(self.pairs, key=lambda p: p.npv.average)
        return (
            f"ResilienceResult(base={self.base.name!r}, current={self.current.name!r}, "
            f"candidates={len(self.pairs)}, futures={self.n_futures:,}, seed={self.seed}, "
            f"years={self.horizon})\n  best: {best.candidate.name!r}, expected NPV "
            f"{best.npv.average:.4g} USD (se {best.npv.se_mean:.2g})"
        )

    @property
    def base(self) -> Scenario:
        """The platform every design is applied over: its name and title head the report."""
        return self.current.scenario

    @property
    def candidates(self) -> tuple[Design, ...]:
        return tuple(p.candidate for p in self.pairs)

    @property
    def candidate(self) -> Design:
        """The first candidate (the one of a two-design comparison)."""
        return self.pairs[0].candidate

    @property
    def p_npv_positive(self) -> float:
        """P(NPV > 0) of the first candidate."""
        return self.pairs[0].p_npv_positive

    @property
    def summary(self) -> pd.DataFrame:
        """The first candidate's summary (see `PairResult.summary`)."""
        return self.pairs[0].summary

    @property
    def payback(self) -> pd.DataFrame:
        return self.pairs[0].payback

    @property
    def break_even_per_year(self) -> float:
        return self.pairs[0].break_even_per_year

    @property
    def ranking(self) -> pd.DataFrame:
        """One row per design, the current one included (NPV 0), best expected NPV first:
        design, title, expected_npv_usd, se_npv_usd, p_npv_positive, p_best, payback_years
        (median; NaN: not within the horizon), break_even_one_off_usd, break_even_per_year_usd,
        cost_per_year_usd (assumed, all-in), annual_loss_usd, annual_loss_avoided_usd."""
        if self._ranking is None:
            rows = [
                {
                    "design": self.current.name,
                    "title": self.current.label,
                    "expected_npv_usd": 0.0,
                    "se_npv_usd": 0.0,
                    "p_npv_positive": 0.0,
                    "p_best": self.best_current / self.n_futures,
                    "payback_years": math.nan,
                    "break_even_one_off_usd": math.nan,
                    "break_even_per_year_usd": math.nan,
                    "cost_per_year_usd": 0.0,
                    "annual_loss_usd": self.loss_current.average,
                    "annual_loss_avoided_usd": 0.0,
                    "current": True,
                }
            ]
            for p in self.pairs:
                rows.append(
                    {
                        "design": p.candidate.name,
                        "title": p.candidate.label,
                        "expected_npv_usd": p.npv.average,
                        "se_npv_usd": p.npv.se_mean,
                        "p_npv_positive": p.p_npv_positive,
                        "p_best": p.p_best,
                        "payback_years": p.payback_median,
                        "break_even_one_off_usd": p.break_even_one_off,
                        "break_even_per_year_usd": p.break_even_per_year,
                        "cost_per_year_usd": p.cost_per_year,
                        "annual_loss_usd": p.loss_candidate.average,
                        "annual_loss_avoided_usd": p.avoided.average,
                        "current": False,
                    }
                )
            frame = pd.DataFrame(rows)
            self._ranking = frame.sort_values(
                "expected_npv_usd", ascending=False, kind="stable"
            ).reset_index(drop=True)
        return self._ranking

    def to_json(self) -> dict[str, object]:
        """The ranking and each candidate's figures as one JSON-ready object."""
        ranking = self.ranking.drop(columns=["title"])
        return {
            "base": self.base.name,
            "current": self.current.name,
            "candidates": [d.name for d in self.candidates],
            "futures": self.n_futures,
            "seed": self.seed,
            "years": self.horizon,
            "ranking": [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in ranking.to_dict("records")
            ],
            "designs": {
                p.candidate.name: {
                    "p_npv_positive": p.p_npv_positive,
                    "p_best": p.p_best,
                    "break_even_one_off_usd": p.break_even_one_off,
                    "break_even_per_year_usd": p.break_even_per_year,
                    "break_even_running_per_year_usd": p.break_even_running_per_year,
                    "cost_per_year_usd": p.cost_per_year,
                    "payback_share_by_year": {
                        str(int(r["year"])): float(r["share"]) for _, r in p.payback.iterrows()
                    },
                    "summary": {
                        str(q): {c: float(v) for c, v in row.items()}
                        for q, row in p.summary.iterrows()
                    },
                }
                for p in self.pairs
            },
        }


def _as_list(current: Design, candidates: Designs) -> list[Design]:
    """The candidates as Designs, each named apart from the others and the current one (two
    Scenarios of one name become `name`, `name-2`, …)."""
    given = [candidates] if isinstance(candidates, Design | Scenario) else list(candidates)
    out, seen = [], {current.name}
    for design in (as_design(c) for c in given):
        name, i = design.name, 1
        while name in seen:
            i += 1
            name = f"{design.name}-{i}"
        seen.add(name)
        out.append(design if name == design.name else replace(design, name=name))
    return out


def simulate_resilience(
    current: Design | Scenario,
    candidates: Designs,
    n_futures: int = 20_000,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> ResilienceResult:
    """NPV of moving from `current` to each of `candidates` over `n_futures` simulated futures
    (designs over one base, or Scenarios with [frequency] and [cost]). `rng` defaults to the
    base's `[sampling] seed`, else 20260125, as `impact resilience` does. `progress(done,
    n_futures)` is called after each block of futures (it may raise to stop the run)."""
    if isinstance(n_futures, bool) or not isinstance(n_futures, int) or n_futures < 1:
        raise InputError(f"trials: {n_futures!r}: must be a whole number ≥ 1")
    if n_futures > MAX_TRIALS:
        raise InputError(f"`n_futures`: {n_futures:,}: at most {MAX_TRIALS:,} futures a run")
    now = as_design(current)
    others = _as_list(now, candidates)
    if not others:
        raise InputError("--candidate: none given; compare at least one design with the current")
    _check(now, others)
    horizon = horizon_of(now.scenario)
    scenarios = tuple(d.scenario for d in (now, *others))
    plans = tuple(annual_plan(s) for s in scenarios)
    root = as_seed_sequence(seed_or_scenario(rng, now.scenario.seed))
    per_block = max(1, annual_module.YEAR_BLOCK // horizon)
    started = time.perf_counter()
    pairs = [_Pair.empty(horizon) for _ in others]
    loss_current, best_current, annuity, done = Sketch(), 0, 0.0, 0
    task = partial(_task, scenarios, plans, horizon)
    workers = worker_count(workers, n_futures, per_block)
    with Runner(workers, scheduler) as runner:
        for part in runner.blocks(task, root, n_futures, per_block):
            for total, piece in zip(pairs, part.pairs, strict=True):
                total.merge(piece)
            loss_current.merge(part.loss_current)
            best_current += part.best_current
            annuity += part.annuity
            done += part.futures
            if progress is not None:
                progress(done, n_futures)
    return ResilienceResult(
        current=now,
        pairs=tuple(
            PairResult(
                candidate=design,
                n_futures=n_futures,
                horizon=horizon,
                avoided=p.avoided,
                npv=p.npv,
                loss_current=loss_current,
                loss_candidate=p.loss,
                npv_positive=p.positive,
                payback_counts=p.payback,
                best=p.best,
                pv_avoided_sum=p.pv_avoided,
                one_off_sum=p.one_off,
                k0_sum=p.k0,
                annuity_sum=annuity,
                running_pv_sum=p.running_pv,
                cross=p.cross,
            )
            for design, p in zip(others, pairs, strict=True)
        ),
        n_futures=n_futures,
        seed=root_entropy(root),
        horizon=horizon,
        loss_current=loss_current,
        best_current=best_current,
        elapsed_seconds=time.perf_counter() - started,
        workers=workers,
    )
