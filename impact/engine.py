"""Run the model over many trials: random streams per block, chunked, optionally in parallel.

Trials are cut into blocks of `BLOCK_SIZE`. Block i draws from the i-th child of the root
SeedSequence (the child `SeedSequence.spawn` would give), and within a block each input key has
its own child stream, so (a) results do not depend on the number of workers, chunks or memory,
and (b) overriding one key leaves every other key's draws unchanged (common random numbers
when two scenarios are compared). Blocks are grouped into tasks of `BLOCKS_PER_TASK`; each task
folds its blocks into one sketch per output in block order, and tasks are merged in task order,
so even the floating-point sums are the same whatever runs them.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.keys import KEYS, key_info
from impact.model import OUTPUTS, activity, evaluate, loss_per_creator
from impact.rng import RNGLike, as_seed_sequence, root_entropy
from impact.scenario import Scenario
from impact.sketch import Sketch

__all__ = [
    "BLOCKS_PER_TASK",
    "BLOCK_SIZE",
    "METRIC_UNITS",
    "SimulationResult",
    "draw_inputs",
    "simulate",
]

BLOCK_SIZE = 65_536
BLOCKS_PER_TASK = 16
PER_CREATOR = "creator_earnings_loss_per_creator_usd"
TRACKED = (*OUTPUTS, PER_CREATOR)
PATH_TRIALS = 10_000  # trials (the first ones) whose activity path a(u) is traced
PATH_POINTS = 91
STATISTICS = ("mean", "std", "p05", "p50", "p95", "p99", "cvar95", "se_mean")
METRIC_UNITS = {
    "outage_hours": "h",
    "direct_revenue_loss_usd": "USD",
    "attrition_revenue_loss_usd": "USD",
    "engagement_revenue_loss_usd": "USD",
    "latency_revenue_loss_usd": "USD",
    "total_revenue_loss_usd": "USD",
    "loss_hours": "h",
    "users_churned": "users",
    "users_lost": "users",
    "users_to_rivals": "users",
    "creators_lost": "creators",
    "creator_earnings_loss_usd": "USD",
    PER_CREATOR: "USD",
}
Progress = Callable[[int, int], None]


def _child(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The i-th child that `seq.spawn` gives, made directly so that it needs no spawn counter."""
    return np.random.SeedSequence(
        seq.entropy, spawn_key=(*seq.spawn_key, i), pool_size=seq.pool_size
    )


def draw_inputs(scenario: Scenario, n: int, seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw `n` values of every input for one block (plain Monte Carlo, independent inputs)."""
    out: dict[str, np.ndarray] = {}
    for j, info in enumerate(KEYS):
        dist = scenario.distributions[info.key]
        if dist.is_fixed:
            out[info.key] = np.full(n, dist.support()[0])
        else:
            out[info.key] = dist.sample(n, np.random.default_rng(_child(seq, j)))
    return out


@dataclass
class _TaskResult:
    index: int
    trials: int
    sketches: dict[str, Sketch]
    samples: pd.DataFrame | None
    path: pd.DataFrame | None = None


def activity_band(scenario: Scenario, inputs: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean, median and 90% band of a(u) across the given trials, over the median horizon."""
    horizon = float(scenario.distributions["horizon.hours"].ppf(0.5))
    grid = np.linspace(0.0, horizon, PATH_POINTS)
    paths = activity(inputs, grid)
    p05, p50, p95 = np.quantile(paths, [0.05, 0.5, 0.95], axis=0)
    return pd.DataFrame(
        {
            "hours_after_restore": grid,
            "mean": paths.mean(axis=0),
            "p05": p05,
            "p50": p50,
            "p95": p95,
        }
    )


def _run_task(
    scenario: Scenario,
    root: np.random.SeedSequence,
    task: int,
    n_trials: int,
    keep_samples: bool,
) -> _TaskResult:
    first_block = task * BLOCKS_PER_TASK
    sketches = {name: Sketch() for name in TRACKED}
    frames: list[pd.DataFrame] = []
    path = None
    done = 0
    for block in range(first_block, first_block + BLOCKS_PER_TASK):
        start = block * BLOCK_SIZE
        n = min(BLOCK_SIZE, n_trials - start)
        if n <= 0:
            break
        inputs = draw_inputs(scenario, n, _child(root, block))
        outputs = evaluate(inputs)
        outputs[PER_CREATOR] = loss_per_creator(inputs, outputs)
        for name in TRACKED:
            sketches[name].merge(Sketch.of(outputs[name]))
        if block == 0:
            path = activity_band(scenario, {k: v[:PATH_TRIALS] for k, v in inputs.items()})
        if keep_samples:
            frame = pd.DataFrame({"trial": np.arange(start, start + n)})
            for key in scenario.uncertain_keys:
                frame[key] = inputs[key]
            for name in OUTPUTS:
                frame[name] = outputs[name]
            frames.append(frame)
        done += n
    samples = pd.concat(frames, ignore_index=True) if frames else None
    return _TaskResult(task, done, sketches, samples, path)


@dataclass
class SimulationResult:
    """What `simulate` returns: sketches of every output, and per-trial samples if asked for."""

    scenario: Scenario
    n_trials: int
    seed: int
    method: str
    sketches: dict[str, Sketch]
    samples: pd.DataFrame | None = None
    elapsed_seconds: float = 0.0
    workers: int = 1
    activity_path: pd.DataFrame | None = None
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per output (index `metric`): unit, mean, std, p05…p99, cvar95, se_mean."""
        if self._summary is None:
            rows = []
            for name in OUTPUTS:
                s = self.sketches[name]
                rows.append(
                    {
                        "metric": name,
                        "unit": METRIC_UNITS[name],
                        "mean": s.average,
                        "std": s.std,
                        "p05": s.quantile(0.05),
                        "p50": s.quantile(0.50),
                        "p95": s.quantile(0.95),
                        "p99": s.quantile(0.99),
                        "cvar95": s.tail_mean(0.95),
                        "se_mean": s.se_mean,
                    }
                )
            self._summary = pd.DataFrame(rows).set_index("metric")
        return self._summary

    def tiers(self) -> pd.DataFrame:
        """Creator figures by tier: creators in it, earnings share, loss in total and per creator.

        A tier's loss is the creators' total earnings loss times the tier's earnings share; its
        loss per creator is the loss per active creator times earnings share / creator share.
        Both are exact rescalings of tracked outputs, so their percentiles are exact too.
        """
        total = self.sketches["creator_earnings_loss_usd"]
        per = self.sketches[PER_CREATOR]
        creators = self.scenario.distributions["creators.count"].mean()
        rows = []
        for tier in self.scenario.tiers:
            scale = tier.earnings_share / tier.creator_share if tier.creator_share > 0 else 0.0
            rows.append(
                {
                    "tier": tier.name,
                    "creator_share": tier.creator_share,
                    "earnings_share": tier.earnings_share,
                    "creators": creators * tier.creator_share,
                    "loss_mean_usd": total.mean * tier.earnings_share,
                    "loss_p50_usd": total.quantile(0.5) * tier.earnings_share,
                    "loss_p95_usd": total.quantile(0.95) * tier.earnings_share,
                    "loss_per_creator_p50_usd": per.quantile(0.5) * scale,
                    "loss_per_creator_p95_usd": per.quantile(0.95) * scale,
                }
            )
        return pd.DataFrame(rows)

    def quantile_interval(self, metric: str, q: float, level: float = 0.95) -> tuple[float, float]:
        """A distribution-free `level` interval for the q-quantile of `metric`."""
        if metric not in self.sketches:
            raise InputError(f"metric: {metric!r}: unknown; choose one of {', '.join(OUTPUTS)}")
        return self.sketches[metric].quantile_interval(q, level)

    def to_json(self) -> dict[str, object]:
        """The summary as INTERFACE.md's JSON object."""
        metrics = {
            name: {stat: float(row[stat]) for stat in STATISTICS}
            for name, row in self.summary.iterrows()
        }
        return {
            "scenario": self.scenario.name,
            "trials": self.n_trials,
            "seed": self.seed,
            "method": self.method,
            "metrics": metrics,
        }


def _tasks(n_trials: int) -> int:
    return math.ceil(n_trials / (BLOCK_SIZE * BLOCKS_PER_TASK))


def _run_serial(
    scenario: Scenario, root: np.random.SeedSequence, n_trials: int, samples: bool
) -> Iterator[_TaskResult]:
    for task in range(_tasks(n_trials)):
        yield _run_task(scenario, root, task, n_trials, samples)


def _run_parallel(
    scenario: Scenario, root: np.random.SeedSequence, n_trials: int, samples: bool, workers: int
) -> Iterator[_TaskResult]:
    """Run tasks in processes, at most 2 per worker in flight, yielding them in task order."""
    n_tasks = _tasks(n_trials)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: dict[int, Future[_TaskResult]] = {}
        submitted = 0
        for task in range(n_tasks):
            while submitted < n_tasks and len(pending) < 2 * workers:
                pending[submitted] = pool.submit(
                    _run_task, scenario, root, submitted, n_trials, samples
                )
                submitted += 1
            yield pending.pop(task).result()


def simulate(
    scenario: Scenario,
    n_trials: int = 100_000,
    rng: RNGLike = None,
    *,
    workers: int = 1,
    samples: bool = False,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate `n_trials` outages of `scenario` and summarise every output.

    `rng` is an int seed, a SeedSequence, a Generator or None (fresh entropy, recorded in
    `result.seed`). The same scenario, seed and trial count give the same numbers whatever
    `workers` is. With `samples=True` the per-trial inputs and outputs are kept in
    `result.samples` (memory grows with the trial count; without it memory stays bounded).

    >>> import impact
    >>> result = impact.simulate(impact.load_scenario("meta-2024"), n_trials=2_000, rng=1)
    >>> list(result.summary.columns)
    ['unit', 'mean', 'std', 'p05', 'p50', 'p95', 'p99', 'cvar95', 'se_mean']
    """
    if isinstance(n_trials, bool) or not isinstance(n_trials, int | np.integer) or n_trials < 1:
        raise InputError(f"trials: {n_trials!r}: must be a whole number ≥ 1")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers: {workers!r}: must be a whole number ≥ 1")
    if scenario.method != "mc":
        raise InputError(
            f"sampling.method: {scenario.method!r}: only plain Monte Carlo ('mc') is available"
        )
    n_trials = int(n_trials)
    root = as_seed_sequence(rng)
    workers = min(workers, _tasks(n_trials), os.cpu_count() or 1)
    started = time.perf_counter()
    sketches = {name: Sketch() for name in TRACKED}
    frames: list[pd.DataFrame] = []
    path = None
    done = 0
    runs = (
        _run_parallel(scenario, root, n_trials, samples, workers)
        if workers > 1
        else _run_serial(scenario, root, n_trials, samples)
    )
    for part in runs:
        for name in TRACKED:
            sketches[name].merge(part.sketches[name])
        if part.path is not None:
            path = part.path
        if part.samples is not None:
            frames.append(part.samples)
        done += part.trials
        if progress is not None:
            progress(done, n_trials)
    return SimulationResult(
        scenario=scenario,
        n_trials=n_trials,
        seed=root_entropy(root),
        method=scenario.method,
        sketches=sketches,
        samples=pd.concat(frames, ignore_index=True) if frames else None,
        elapsed_seconds=time.perf_counter() - started,
        workers=workers,
        activity_path=path,
    )


def metric_unit(name: str) -> str:
    """The unit of an output column."""
    return METRIC_UNITS[name]


def input_unit(key: str) -> str:
    """The unit of a scenario key."""
    return key_info(key).unit
