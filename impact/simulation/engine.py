"""Run the model over many trials: random streams per block, chunked, optionally in parallel.

Trials are cut into blocks of `BLOCK_SIZE`. Block i draws from the i-th child of the root
SeedSequence (the child `SeedSequence.spawn` would give), and within a block each input key has
its own child stream (see `impact.simulation.sampling` for the designs), so (a) results do
not depend on the number of workers, chunks or memory, and (b) overriding one key leaves every
other key's draws unchanged (common random numbers when two scenarios are compared). Blocks are
grouped into tasks of `BLOCKS_PER_TASK` for the workers; every block's sketches are folded into
the run's in block order, so even the floating-point sums are the same whatever runs them,
and a run that stops after n trials (a precision target) equals a run of n trials.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.exceptions import ConvergenceWarning, InputError
from impact.inputs.keys import key_info
from impact.inputs.scenario import Scenario
from impact.model.core import OUTPUTS, activity, evaluate_all
from impact.model.outputs import PER_CREATOR, TOTAL, TRACKED
from impact.rng import RNGLike, as_seed_sequence, root_entropy
from impact.simulation.convergence import next_total, precision
from impact.simulation.correlation import achieved_table, rank_correlation
from impact.simulation.result import METRIC_UNITS, STATISTICS, SimulationResult
from impact.simulation.sampling import SamplingPlan, child, draw_block, plan
from impact.simulation.sketch import Sketch

__all__ = [
    "BLOCKS_PER_TASK",
    "BLOCK_SIZE",
    "DEFAULT_MAX_TRIALS",
    "METRIC_UNITS",
    "PER_CREATOR",
    "STATISTICS",
    "TRACKED",
    "SimulationResult",
    "draw_inputs",
    "simulate",
]

BLOCK_SIZE = 65_536
BLOCKS_PER_TASK = 16
DEFAULT_MAX_TRIALS = 10_000_000
PATH_TRIALS = 10_000  # trials (the first ones) whose activity path a(u) is traced
PATH_POINTS = 91
Progress = Callable[[int, int], None]
_child = child  # the name earlier code and notebooks used


def draw_inputs(
    scenario: Scenario,
    n: int,
    seq: np.random.SeedSequence,
    sampling: SamplingPlan | None = None,
) -> dict[str, np.ndarray]:
    """Draw `n` values of every input for one block, by the scenario's design and correlations."""
    return draw_block(scenario, sampling or plan(scenario), n, seq)[0]


@dataclass
class _TaskResult:
    trials: int
    blocks: list[dict[str, Sketch]]  # one sketch per tracked output, for each block in order
    correlation_sum: np.ndarray | None  # Σ over blocks of n × achieved rank correlations
    correlation_weight: int
    samples: pd.DataFrame | None
    path: pd.DataFrame | None = None
    drivers: pd.DataFrame | None = None


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


def input_rank_correlations(
    scenario: Scenario, inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray]
) -> pd.DataFrame | None:
    """Spearman's rho of each uncertain input (rows) with each output (columns), over the first
    `PATH_TRIALS` trials: enough to rank the inputs that drive an output, and cheap."""
    keys = scenario.uncertain_keys
    if not keys:
        return None
    columns = [inputs[k][:PATH_TRIALS] for k in keys] + [outputs[o][:PATH_TRIALS] for o in OUTPUTS]
    rho = rank_correlation(np.column_stack(columns))[: len(keys), len(keys) :]
    return pd.DataFrame(np.nan_to_num(rho), index=pd.Index(keys, name="key"), columns=OUTPUTS)


def _run_task(
    scenario: Scenario,
    sampling: SamplingPlan,
    root: np.random.SeedSequence,
    blocks: range,
    end: int,
    keep_samples: bool,
) -> _TaskResult:
    """Draw, evaluate and sketch the given blocks (trials past `end` are not drawn)."""
    result = _TaskResult(0, [], None, 0, None)
    frames: list[pd.DataFrame] = []
    for block in blocks:
        start = block * BLOCK_SIZE
        n = min(BLOCK_SIZE, end - start)
        if n <= 0:
            break
        inputs, achieved = draw_block(scenario, sampling, n, child(root, block))
        outputs = evaluate_all(inputs, scenario.profile_weights)
        result.blocks.append({name: Sketch.of(outputs[name]) for name in TRACKED})
        if achieved is not None and n > 2 and np.all(np.isfinite(achieved)):
            result.correlation_sum = n * achieved + (
                0.0 if result.correlation_sum is None else result.correlation_sum
            )
            result.correlation_weight += n
        if block == 0:
            band = {k: v[:PATH_TRIALS] for k, v in inputs.items()}
            result.path = activity_band(scenario, band)
            result.drivers = input_rank_correlations(scenario, inputs, outputs)
        if keep_samples:
            frame = pd.DataFrame({"trial": np.arange(start, start + n)})
            for key in scenario.uncertain_keys:
                frame[key] = inputs[key]
            for name in OUTPUTS:
                frame[name] = outputs[name]
            frames.append(frame)
        result.trials += n
    result.samples = pd.concat(frames, ignore_index=True) if frames else None
    return result


class _Runner:
    """Runs ranges of trials as tasks, in this process or a pool kept for the whole run."""

    def __init__(
        self,
        scenario: Scenario,
        sampling: SamplingPlan,
        root: np.random.SeedSequence,
        samples: bool,
        workers: int,
        stack: ExitStack,
    ) -> None:
        self.args = (scenario, sampling, root)
        self.samples = samples
        self.workers = workers
        self.pool = (
            stack.enter_context(ProcessPoolExecutor(max_workers=workers)) if workers > 1 else None
        )

    def run(self, start: int, end: int) -> Iterator[_TaskResult]:
        """Trials [start, end) (start on a block boundary) as tasks, yielded in order."""
        first, last = start // BLOCK_SIZE, math.ceil(end / BLOCK_SIZE)
        tasks = [
            range(b, min(b + BLOCKS_PER_TASK, last)) for b in range(first, last, BLOCKS_PER_TASK)
        ]
        if self.pool is None:
            for blocks in tasks:
                yield _run_task(*self.args, blocks, end, self.samples)
            return
        pending: dict[int, Future[_TaskResult]] = {}
        submitted = 0
        for index in range(len(tasks)):
            while submitted < len(tasks) and len(pending) < 2 * self.workers:
                pending[submitted] = self.pool.submit(
                    _run_task, *self.args, tasks[submitted], end, self.samples
                )
                submitted += 1
            yield pending.pop(index).result()


@dataclass
class _Totals:
    """The run so far: every tracked output's sketch and what else the tasks returned."""

    sketches: dict[str, Sketch]
    frames: list[pd.DataFrame]
    path: pd.DataFrame | None = None
    drivers: pd.DataFrame | None = None
    correlation_sum: np.ndarray | None = None
    correlation_weight: int = 0
    done: int = 0

    def add(self, part: _TaskResult) -> None:
        for block in part.blocks:
            for name in TRACKED:
                self.sketches[name].merge(block[name])
        if part.path is not None:
            self.path, self.drivers = part.path, part.drivers
        if part.samples is not None:
            self.frames.append(part.samples)
        if part.correlation_sum is not None:
            previous = 0.0 if self.correlation_sum is None else self.correlation_sum
            self.correlation_sum = previous + part.correlation_sum
            self.correlation_weight += part.correlation_weight
        self.done += part.trials


def _check_whole(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"{name}: {value!r}: must be a whole number ≥ {minimum}")
    return int(value)


def _check_precision(target: float | None) -> float | None:
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
        raise InputError(
            f"target precision: {target!r}: must be a share between 0 and 1 (0.01 is 1%)"
        )
    return float(target)


def _rounds(
    runner: _Runner,
    totals: _Totals,
    first: int,
    target: float,
    cap: int,
    progress: Progress | None,
) -> tuple[bool, list[int]]:
    """Run rounds until the total's precision meets `target` or `cap` trials have run."""
    end = min(math.ceil(first / BLOCK_SIZE) * BLOCK_SIZE, cap)
    ends: list[int] = []
    while True:
        for part in runner.run(totals.done, end):
            totals.add(part)
            if progress is not None:
                progress(totals.done, end)
        ends.append(end)
        achieved = precision(totals.sketches[TOTAL])
        if achieved.meets(target):
            return True, ends
        if end >= cap:
            warnings.warn(
                f"target precision {target:.3g} not reached in {cap:,} trials: the standard "
                f"error of the mean total loss is {achieved.se_relative:.3g} of the mean and "
                f"the 95% interval of its p95 is {achieved.p95_width_relative:.3g} of p95 wide; "
                "raise --max-trials or loosen --target-precision",
                ConvergenceWarning,
                stacklevel=3,
            )
            return False, ends
        end = next_total(achieved, target, end, BLOCK_SIZE, cap)


def simulate(
    scenario: Scenario,
    n_trials: int = 100_000,
    rng: RNGLike = None,
    *,
    method: str | None = None,
    workers: int = 1,
    samples: bool = False,
    progress: Progress | None = None,
    target_precision: float | None = None,
    max_trials: int = DEFAULT_MAX_TRIALS,
) -> SimulationResult:
    """Simulate `n_trials` outages of `scenario` and summarise every output.

    `rng` is an int seed, a SeedSequence, a Generator or None (fresh entropy, recorded in
    `result.seed`). `method` ("mc", "lhs" or "sobol") overrides the scenario's sampling design.
    The same scenario, seed, method and trial count give the same numbers whatever `workers`
    is. With `samples=True` the per-trial inputs and outputs are kept in `result.samples`
    (memory grows with the trial count; without it memory stays bounded).

    With `target_precision` (a share, 0.01 for 1%), `n_trials` (rounded up to whole blocks)
    is the first round, and rounds continue until the standard error of the mean total loss is
    at most that share of the mean and the 95% interval of its p95 at most that share of p95
    wide, or until `max_trials` (then a ConvergenceWarning); see `impact.simulation.convergence`.

    >>> import impact
    >>> result = impact.simulate(impact.load_scenario("meta-2024"), n_trials=2_000, rng=1)
    >>> list(result.summary.columns)
    ['unit', 'mean', 'std', 'p05', 'p50', 'p95', 'p99', 'cvar95', 'se_mean']
    """
    n_trials = _check_whole(n_trials, "trials")
    workers = _check_whole(workers, "workers")
    target = _check_precision(target_precision)
    cap = _check_whole(max_trials, "max trials") if target is not None else n_trials
    sampling = plan(scenario, method)
    root = as_seed_sequence(rng)
    most = max(cap, n_trials) if target is not None else n_trials
    workers = min(workers, math.ceil(most / (BLOCK_SIZE * BLOCKS_PER_TASK)), os.cpu_count() or 1)
    started = time.perf_counter()
    totals = _Totals({name: Sketch() for name in TRACKED}, [])
    converged: bool | None = None
    ends: list[int] = []
    with ExitStack() as stack:
        runner = _Runner(scenario, sampling, root, samples, workers, stack)
        if target is None:
            for part in runner.run(0, n_trials):
                totals.add(part)
                if progress is not None:
                    progress(totals.done, n_trials)
        else:
            converged, ends = _rounds(runner, totals, n_trials, target, cap, progress)
    correlations = None
    if sampling.correlation is not None and totals.correlation_sum is not None:
        achieved = totals.correlation_sum / totals.correlation_weight
        correlations = achieved_table(sampling.correlation, achieved)
    return SimulationResult(
        scenario=scenario,
        n_trials=totals.done,
        seed=root_entropy(root),
        method=sampling.method,
        sketches=totals.sketches,
        samples=pd.concat(totals.frames, ignore_index=True) if totals.frames else None,
        elapsed_seconds=time.perf_counter() - started,
        workers=workers,
        activity_path=totals.path,
        input_rank_correlations=totals.drivers,
        correlations=correlations,
        target_precision=target,
        converged=converged,
        rounds=tuple(ends),
    )


def metric_unit(name: str) -> str:
    """The unit of an output column."""
    return METRIC_UNITS[name]


def input_unit(key: str) -> str:
    """The unit of a scenario key."""
    return key_info(key).unit
