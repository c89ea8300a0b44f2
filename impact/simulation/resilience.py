"""Resilience ROI: the current design against a candidate, over futures of several years.

A future is T years (the candidate's `cost.years`, up to its largest value T_max). Both designs
run the same years on common random numbers (`annual_block` with the same seed: the same years,
counts coupled by one uniform, the k-th outage of a year drawn from the same streams), so the
annual loss avoided, L_current − L_candidate, is paired year by year. Each future also draws the
costs of both designs from one uniform per cost key (child COST_STREAM of the block), and

    ΔK0 = one_off(candidate) − one_off(current)      Δk = per_year(candidate) − per_year(current)
    NPV = −ΔK0 + Σ_{t=1..T} (avoided_t − Δk) / (1 + r)^t          (r, T: the candidate's)

The payback year is the first t at which the running sum reaches 0 (none within T: 0). Futures
come in blocks of ⌊YEAR_BLOCK / T_max⌋ with their own seeds, so any number of workers gives the
same numbers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.distributions import Distribution
from impact.inputs.keys import COST_KEYS
from impact.inputs.scenario import MAX_TRIALS, Scenario
from impact.model.outputs import TOTAL
from impact.rng import (
    SCENARIO_SEED,
    RNGLike,
    ScenarioSeed,
    as_seed_sequence,
    root_entropy,
    seed_or_scenario,
)
from impact.simulation import annual as annual_module
from impact.simulation.annual import annual_block, frequency_of
from impact.simulation.blocks import run_blocks, worker_count
from impact.simulation.sampling import SamplingPlan, child, plan
from impact.simulation.signed_sketch import SignedSketch
from impact.simulation.sketch import Sketch

__all__ = ["COST_STREAM", "ResilienceResult", "cost_of", "npv_block", "simulate_resilience"]

FloatArray = NDArray[np.float64]
YEARS_STREAM, COST_STREAM = 0, 1


def cost_of(design: Scenario, key: str) -> Distribution:
    """A design's cost spec, or an InputError naming the missing key."""
    dist = design.distributions.get(key)
    if dist is None:
        raise InputError(
            f"{key}: missing in design {design.name!r}; a design needs [cost] with "
            f"{', '.join(k.split('.')[1] for k in COST_KEYS)} (each a spec)"
        )
    return dist


MAX_YEARS = 100  # a decision horizon; every future simulates each of its years


def horizon_of(candidate: Scenario) -> int:
    """T_max: the largest number of years the candidate's `cost.years` can draw."""
    high = cost_of(candidate, "cost.years").support()[1]
    if not math.isfinite(high):
        raise InputError("cost.years: unbounded; give a bounded spec, e.g. choice(5, 10)")
    if high > MAX_YEARS:
        raise InputError(f"cost.years: {high:g}: at most {MAX_YEARS} years; give a shorter horizon")
    return max(1, round(high))


@dataclass
class _Part:
    avoided: SignedSketch
    npv: SignedSketch
    current: Sketch
    candidate: Sketch
    positive: int
    payback: NDArray[np.int64]
    pv_avoided: float
    one_off: float
    annuity: float
    futures: int
    running_pv: float = 0.0


def npv_block(
    current: Scenario,
    candidate: Scenario,
    plans: tuple[SamplingPlan, SamplingPlan],
    horizon: int,
    futures: int,
    seq: np.random.SeedSequence,
) -> dict[str, FloatArray]:
    """Per future of one block: NPV, payback year, PV of avoided losses, ΔK0, annuity factor;
    and per year (futures × horizon, flattened): both designs' losses and the loss avoided."""
    years = futures * horizon
    years_seq = child(seq, YEARS_STREAM)
    loss_now = annual_block(current, plans[0], years, years_seq)[TOTAL]
    loss_new = annual_block(candidate, plans[1], years, years_seq)[TOTAL]
    avoided = (loss_now - loss_new).reshape(futures, horizon)
    costs = child(seq, COST_STREAM)
    u = {key: np.random.default_rng(child(costs, i)).random(futures) for i, key in
         enumerate(COST_KEYS)}  # fmt: skip
    draw = {
        (side, key): cost_of(design, key).ppf(u[key])
        for side, design in (("now", current), ("new", candidate))
        for key in COST_KEYS
    }
    one_off = draw["new", "cost.one_off_usd"] - draw["now", "cost.one_off_usd"]
    per_year = draw["new", "cost.per_year_usd"] - draw["now", "cost.per_year_usd"]
    n_years = np.clip(np.rint(draw["new", "cost.years"]), 1, horizon)
    rate = draw["new", "cost.discount_rate"]
    t = np.arange(1, horizon + 1)
    live = t[None, :] <= n_years[:, None]
    discount = np.where(live, (1.0 + rate[:, None]) ** -t[None, :], 0.0)
    flows = discount * (avoided - per_year[:, None])
    running = -one_off[:, None] + np.cumsum(flows, axis=1)
    paid = (running >= 0) & live
    payback = np.where(paid.any(axis=1), paid.argmax(axis=1) + 1, 0)
    return {
        "npv": running[:, -1],
        "payback": payback.astype(float),
        "pv_avoided": (discount * avoided).sum(axis=1),
        "one_off": one_off,
        "annuity": discount.sum(axis=1),
        "running_pv": per_year * discount.sum(axis=1),
        "avoided": (loss_now - loss_new).reshape(futures, horizon)[live],
        "loss_current": loss_now.reshape(futures, horizon)[live],
        "loss_candidate": loss_new.reshape(futures, horizon)[live],
    }


def _task(
    current: Scenario,
    candidate: Scenario,
    plans: tuple[SamplingPlan, SamplingPlan],
    horizon: int,
    seq: np.random.SeedSequence,
    index: int,
    n: int,
) -> _Part:
    out = npv_block(current, candidate, plans, horizon, n, seq)
    return _Part(
        avoided=SignedSketch.of(out["avoided"]),
        npv=SignedSketch.of(out["npv"]),
        current=Sketch.of(out["loss_current"]),
        candidate=Sketch.of(out["loss_candidate"]),
        positive=int(np.count_nonzero(out["npv"] > 0)),
        payback=np.bincount(out["payback"].astype(np.intp), minlength=horizon + 1),
        pv_avoided=float(out["pv_avoided"].sum()),
        one_off=float(out["one_off"].sum()),
        annuity=float(out["annuity"].sum()),
        futures=n,
        running_pv=float(out["running_pv"].sum()),
    )


@dataclass
class ResilienceResult:
    """What `simulate_resilience` returns."""

    current: Scenario
    candidate: Scenario
    n_futures: int
    seed: int
    horizon: int
    avoided: SignedSketch
    npv: SignedSketch
    loss_current: Sketch
    loss_candidate: Sketch
    npv_positive: int
    payback_counts: NDArray[np.int64]
    pv_avoided_sum: float
    one_off_sum: float
    annuity_sum: float
    running_pv_sum: float = 0.0
    elapsed_seconds: float = 0.0
    workers: int = 1
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def p_npv_positive(self) -> float:
        """P(NPV > 0): the share of futures in which the candidate pays for itself."""
        return self.npv_positive / self.n_futures

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
        (E[ΔK0] + E[Δk · Σ_t (1 + r)^−t]) / E[Σ_t (1 + r)^−t]."""
        return (self.one_off_sum + self.running_pv_sum) / self.annuity_sum

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
        if self._summary is None:
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
            self._summary = pd.DataFrame(rows).set_index("quantity")
        return self._summary

    def to_json(self) -> dict[str, object]:
        return {
            "current": self.current.name,
            "candidate": self.candidate.name,
            "futures": self.n_futures,
            "seed": self.seed,
            "p_npv_positive": self.p_npv_positive,
            "break_even_per_year_usd": self.break_even_per_year,
            "break_even_running_per_year_usd": self.break_even_running_per_year,
            "cost_per_year_usd": self.cost_per_year,
            "payback_share_by_year": {
                str(int(r["year"])): float(r["share"]) for _, r in self.payback.iterrows()
            },
            "summary": {
                str(q): {c: float(v) for c, v in row.items()} for q, row in self.summary.iterrows()
            },
        }


def simulate_resilience(
    current: Scenario,
    candidate: Scenario,
    n_futures: int = 20_000,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> ResilienceResult:
    """NPV of moving from `current` to `candidate` over `n_futures` simulated futures. `rng`
    defaults to the current design's `[sampling] seed`, else 20260125, as `impact resilience`
    does."""
    if isinstance(n_futures, bool) or not isinstance(n_futures, int) or n_futures < 1:
        raise InputError(f"trials: {n_futures!r}: must be a whole number ≥ 1")
    if n_futures > MAX_TRIALS:
        raise InputError(f"`n_futures`: {n_futures:,}: at most {MAX_TRIALS:,} futures a run")
    for design in (current, candidate):
        frequency_of(design)
        for key in COST_KEYS:
            cost_of(design, key)
    horizon = horizon_of(candidate)
    plans = (plan(current), plan(candidate))
    root = as_seed_sequence(seed_or_scenario(rng, current.seed))
    per_block = max(1, annual_module.YEAR_BLOCK // horizon)
    started = time.perf_counter()
    total = _Part(SignedSketch(), SignedSketch(), Sketch(), Sketch(), 0,
                  np.zeros(horizon + 1, np.int64), 0.0, 0.0, 0.0, 0)  # fmt: skip
    task = partial(_task, current, candidate, plans, horizon)
    for part in run_blocks(task, root, n_futures, per_block, workers=workers, scheduler=scheduler):
        total.avoided.merge(part.avoided)
        total.npv.merge(part.npv)
        total.current.merge(part.current)
        total.candidate.merge(part.candidate)
        total.positive += part.positive
        total.payback += part.payback
        total.pv_avoided += part.pv_avoided
        total.one_off += part.one_off
        total.annuity += part.annuity
        total.running_pv += part.running_pv
    return ResilienceResult(
        current=current,
        candidate=candidate,
        n_futures=n_futures,
        seed=root_entropy(root),
        horizon=horizon,
        avoided=total.avoided,
        npv=total.npv,
        loss_current=total.current,
        loss_candidate=total.candidate,
        npv_positive=total.positive,
        payback_counts=total.payback,
        pv_avoided_sum=total.pv_avoided,
        one_off_sum=total.one_off,
        annuity_sum=total.annuity,
        running_pv_sum=total.running_pv,
        elapsed_seconds=time.perf_counter() - started,
        workers=worker_count(workers, n_futures, per_block),
    )
