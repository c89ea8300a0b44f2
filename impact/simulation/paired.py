"""Two scenarios run on common random numbers: the same blocks, seeds and per-key streams.

Both scenarios draw block i from the same child of the root seed, and inside a block each key
from its own stream (`impact.simulation.sampling`), so a key the two share draws the same values
in both and only the keys that differ move. Per block, the paired difference B − A of every
output is sketched beside A and B themselves; two identical scenarios give exactly 0.

In `mode="year"` both run `annual_block` (years of outages): years, counts and the k-th outage
of each year pair up the same way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.scenario import MAX_TRIALS, Scenario
from impact.model.core import evaluate
from impact.outputs import OUTPUTS
from impact.rng import (
    SCENARIO_SEED,
    RNGLike,
    ScenarioSeed,
    as_seed_sequence,
    root_entropy,
    seed_or_scenario,
)
from impact.simulation.annual import (
    ANNUAL_METRICS,
    ANNUAL_UNITS,
    YEAR_BLOCK,
    annual_block,
    annual_plan,
)
from impact.simulation.engine import BLOCK_SIZE
from impact.simulation.runner import Runner, worker_count
from impact.simulation.sampling import SamplingPlan, draw_block, plan
from impact.simulation.signed_sketch import SignedSketch
from impact.simulation.sketch import Sketch

__all__ = ["DIFF_STATISTICS", "Mode", "PairedResult", "paired_block", "simulate_paired"]

Mode = Literal["outage", "year"]
FloatArray = NDArray[np.float64]
DIFF_STATISTICS = (
    "mean_a", "mean_b", "mean_diff", "se_diff", "se_diff_independent", "diff_p05", "diff_p50",
    "diff_p95", "p_b_below_a", "p_b_above_a", "variance_reduction",
)  # fmt: skip


def metrics_of(mode: Mode) -> tuple[str, ...]:
    return OUTPUTS if mode == "outage" else ANNUAL_METRICS


def paired_block(
    a: Scenario,
    b: Scenario,
    plans: tuple[SamplingPlan, SamplingPlan],
    mode: Mode,
    n: int,
    seq: np.random.SeedSequence,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """The per-trial (or per-year) outputs of A and of B for one block, on the same streams."""
    if mode == "year":
        return annual_block(a, plans[0], n, seq), annual_block(b, plans[1], n, seq)
    out_a = evaluate(draw_block(a, plans[0], n, seq)[0])
    out_b = evaluate(draw_block(b, plans[1], n, seq)[0])
    return out_a, out_b


@dataclass
class _Part:
    a: dict[str, Sketch]
    b: dict[str, Sketch]
    diff: dict[str, SignedSketch]


def _task(
    a: Scenario,
    b: Scenario,
    plans: tuple[SamplingPlan, SamplingPlan],
    mode: Mode,
    seq: np.random.SeedSequence,
    index: int,
    n: int,
) -> _Part:
    out_a, out_b = paired_block(a, b, plans, mode, n, seq)
    names = metrics_of(mode)
    return _Part(
        {m: Sketch.of(out_a[m]) for m in names},
        {m: Sketch.of(out_b[m]) for m in names},
        {m: SignedSketch.of(np.asarray(out_b[m]) - np.asarray(out_a[m])) for m in names},
    )


def variance_reduction(var_a: float, var_b: float, var_diff: float) -> float:
    """(var A + var B) / var(B − A): how many times fewer trials CRN needs than independent runs
    for the same standard error of the mean difference (inf when the difference is constant)."""
    independent = var_a + var_b
    if var_diff > 0:
        return independent / var_diff
    return math.inf if independent > 0 else math.nan


@dataclass
class PairedResult:
    """What `simulate_paired` returns: sketches of A, B and B − A for every output."""

    a: Scenario
    b: Scenario
    n_trials: int
    seed: int
    mode: Mode
    sketches_a: dict[str, Sketch]
    sketches_b: dict[str, Sketch]
    diffs: dict[str, SignedSketch]
    elapsed_seconds: float = 0.0
    workers: int = 1
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        """Two lines: A, B, trials, seed, and the mean difference B − A of the first metric
        (the total loss, or the annual loss with --annual) with its paired standard error."""
        metric = metrics_of(self.mode)[0]
        d = self.diffs[metric]
        return (
            f"PairedResult(a={self.a.name!r}, b={self.b.name!r}, mode={self.mode!r}, "
            f"trials={self.n_trials:,}, seed={self.seed})\n  {metric}: B − A mean "
            f"{d.average:.4g} (paired se {d.se_mean:.2g})"
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row per output (index `metric`): unit, the means of A and B, the mean difference
        B − A with its paired standard error (and the one independent runs of the same size
        would have), p05/p50/p95 of the difference, P(B < A), P(B > A), var A, var B,
        var(B − A) and the variance reduction (var A + var B) / var(B − A)."""
        if self._summary is None:
            rows = []
            for m in metrics_of(self.mode):
                sa, sb, d = self.sketches_a[m], self.sketches_b[m], self.diffs[m]
                var_a, var_b, var_d = sa.std**2, sb.std**2, d.variance
                rows.append(
                    {
                        "metric": m,
                        "unit": ANNUAL_UNITS[m],
                        "mean_a": sa.average,
                        "mean_b": sb.average,
                        "mean_diff": d.average,
                        "se_diff": d.se_mean,
                        "se_diff_independent": math.sqrt((var_a + var_b) / self.n_trials),
                        "diff_p05": d.quantile(0.05),
                        "diff_p50": d.quantile(0.50),
                        "diff_p95": d.quantile(0.95),
                        "p_b_below_a": d.share_below_zero,
                        "p_b_above_a": d.above_zero / d.n,
                        "var_a": var_a,
                        "var_b": var_b,
                        "var_diff": var_d,
                        "variance_reduction": variance_reduction(var_a, var_b, var_d),
                    }
                )
            self._summary = pd.DataFrame(rows).set_index("metric")
        return self._summary

    def to_json(self) -> dict[str, object]:
        """Every paired difference, named with "diff" in its key (INTERFACE.md)."""

        def number(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "a": self.a.name,
            "b": self.b.name,
            "trials": self.n_trials,
            "seed": self.seed,
            "mode": self.mode,
            "metrics": {
                str(m): {s: number(float(row[s])) for s in DIFF_STATISTICS}
                for m, row in self.summary.iterrows()
            },
        }


def _check_whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"{name}: {value!r}: must be a whole number ≥ 1")
    return int(value)


def simulate_paired(
    a: Scenario,
    b: Scenario,
    n_trials: int = 100_000,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    mode: Mode = "outage",
    method: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> PairedResult:
    """Run A and B on common random numbers; the same seed gives the same numbers for any
    `workers`. `mode="year"` compares years of outages (both need `[frequency]`). `rng`
    defaults to A's `[sampling] seed`, else 20260125, as `impact compare` does."""
    if mode not in ("outage", "year"):
        raise InputError(f"mode: {mode!r}: must be 'outage' or 'year'")
    n_trials = _check_whole(n_trials, "trials")
    if n_trials > MAX_TRIALS:
        raise InputError(f"`n_trials`: {n_trials:,}: at most {MAX_TRIALS:,} paired trials a run")
    workers = _check_whole(workers, "workers")
    planner = annual_plan if mode == "year" else plan  # years draw future outages
    plans = (planner(a, method), planner(b, method))
    if plans[0].method != plans[1].method:
        raise InputError(
            f"sampling.method: A uses {plans[0].method!r} and B {plans[1].method!r}; "
            "pairing needs one design (pass --method)"
        )
    root = as_seed_sequence(seed_or_scenario(rng, a.seed))
    size = YEAR_BLOCK if mode == "year" else BLOCK_SIZE
    names = metrics_of(mode)
    started = time.perf_counter()
    sa = {m: Sketch() for m in names}
    sb = {m: Sketch() for m in names}
    sd = {m: SignedSketch() for m in names}
    task = partial(_task, a, b, plans, mode)
    workers = worker_count(workers, n_trials, size)
    with Runner(workers, scheduler) as runner:
        for part in runner.blocks(task, root, n_trials, size):
            for m in names:
                sa[m].merge(part.a[m])
                sb[m].merge(part.b[m])
                sd[m].merge(part.diff[m])
    return PairedResult(
        a=a,
        b=b,
        n_trials=n_trials,
        seed=root_entropy(root),
        mode=mode,
        sketches_a=sa,
        sketches_b=sb,
        diffs=sd,
        elapsed_seconds=time.perf_counter() - started,
        workers=workers,
    )
