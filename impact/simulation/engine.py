"""Run the model over many trials: random streams per block, chunked, optionally in parallel.

Trials are cut into blocks of `BLOCK_SIZE`. Block i draws from the i-th child of the root
SeedSequence (the child `SeedSequence.spawn` would give), and within a block each input key has
its own child stream (see `impact.simulation.sampling` for the designs), so (a) results do not
depend on the number of workers, chunks or memory, and (b) overriding one key leaves every other
key's draws unchanged (common random numbers when two scenarios are compared). The runner
(`impact.simulation.runner`) groups blocks into tasks, runs them in this process, a pool of
workers or a dask cluster, returns their results in order and stops the run at the first error;
what the engine adds on top is the task itself and the merging of what tasks return.

Sketches are merged in one fixed tree, whatever runs them: the blocks of each group of
`MERGE_BLOCKS` consecutive blocks (groups start at multiples of `MERGE_BLOCKS`) are folded left,
in block order, from an empty sketch, and the run's sketch is the left fold of those group sketches
in group order. Floating-point sums depend on the grouping, so the grouping is fixed by block
index, never by tasks or workers: a task folds the groups it holds whole (or from their first
block) itself and returns one sketch per group, which keeps what a task sends back near the size
of one merged sketch instead of one per block; blocks of a group it holds only from the middle
(a round of a precision target that starts mid-group, or tasks smaller than a group) come back
one by one and the parent continues that group's fold with them. So the numbers are the same
for any number of workers and any task size, and a run that stops after n trials (a precision
target) equals a run of n trials.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.exceptions import ConvergenceWarning, EvidenceWarning, InputError
from impact.inputs.scenario import DEFAULT_TRIALS, MAX_TRIALS, Scenario
from impact.model.core import OUTPUTS, evaluate_all
from impact.outputs import PER_CREATOR, TOTAL, TRACKED
from impact.rng import (
    SCENARIO_SEED,
    RNGLike,
    ScenarioSeed,
    as_seed_sequence,
    root_entropy,
    seed_or_scenario,
)
from impact.simulation.convergence import next_total, precision
from impact.simulation.correlation import achieved_table
from impact.simulation.evidence_weights import READING_METRICS, Conditioned
from impact.simulation.overflow import check_inputs, check_outputs
from impact.simulation.result import METRIC_UNITS, STATISTICS, SimulationResult
from impact.simulation.runner import Runner, plan_tasks, worker_count
from impact.simulation.sampling import SamplingPlan, child, draw_block, plan
from impact.simulation.sketch import Sketch
from impact.simulation.world_checks import warn_on_expectations

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_MAX_TRIALS",
    "MERGE_BLOCKS",
    "METRIC_UNITS",
    "PER_CREATOR",
    "PILOT_TRIALS",
    "STATISTICS",
    "TRACKED",
    "SimulationResult",
    "draw_inputs",
    "simulate",
]

BLOCK_SIZE = 65_536
MERGE_BLOCKS = 16  # the fixed merge groups (see above); part of what fixes a seed's numbers
DEFAULT_MAX_TRIALS = 10_000_000
PILOT_TRIALS = 10_000  # the first trials, kept whole for first looks (`impact.analysis.pilot`)
ESS_WARNING = 1_000  # with [evidence], fewer effective trials than this (or than 1%) warn
ESS_SHARE_WARNING = 0.01
Progress = Callable[[int, int], None]


def draw_inputs(
    scenario: Scenario,
    n: int,
    seq: np.random.SeedSequence,
    sampling: SamplingPlan | None = None,
) -> dict[str, np.ndarray]:
    """Draw `n` values of every input for one block, by the scenario's design and correlations."""
    return draw_block(scenario, sampling or plan(scenario), n, seq)[0]


@dataclass
class _Piece:
    """Consecutive blocks of one merge group, their sketches folded left in block order."""

    first_block: int  # a group's first block: the fold starts the group; else it continues it
    sketches: dict[str, Sketch]  # one per tracked output
    conditioned: Conditioned | None = None  # with [evidence]: the weighted side, folded alike


@dataclass
class _TaskResult:
    trials: int
    pieces: list[_Piece]  # in block order
    correlation_sum: np.ndarray | None  # Σ over blocks of n × achieved rank correlations
    correlation_weight: int
    samples: pd.DataFrame | None
    pilot: pd.DataFrame | None = None


def _pilot(inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray]) -> pd.DataFrame:
    """The first `PILOT_TRIALS` trials of a block: every input and every output."""
    columns = {k: v[:PILOT_TRIALS] for k, v in inputs.items()}
    columns.update({name: outputs[name][:PILOT_TRIALS] for name in OUTPUTS})
    return pd.DataFrame(columns)


def _run_task(
    scenario: Scenario,
    sampling: SamplingPlan,
    root: np.random.SeedSequence,
    tracked: tuple[str, ...],
    blocks: range,
    end: int,
    keep_samples: bool,
) -> _TaskResult:
    """Draw, evaluate and sketch the given blocks (trials past `end` are not drawn)."""
    needed = {*tracked, *(e.quantity for e in scenario.evidence)}
    attribution = scenario.attribution
    if attribution is not None and attribution.readings:  # the headline under each reading
        needed.update(READING_METRICS)
    result = _TaskResult(0, [], None, 0, None)
    folding = False  # whether the last piece started a group, so later blocks fold into it
    frames: list[pd.DataFrame] = []
    for block in blocks:
        start = block * BLOCK_SIZE
        n = min(BLOCK_SIZE, end - start)
        if n <= 0:
            break
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
            inputs, achieved = draw_block(scenario, sampling, n, child(root, block))
            check_inputs(scenario, inputs)
            # Block 0 feeds the pilot and kept samples need every output; otherwise only what
            # is sketched and what the evidence observes is computed (all of it by default).
            names = None if block == 0 or keep_samples else needed
            outputs = evaluate_all(inputs, scenario.profile_weights, names)
        check_outputs(scenario, inputs, outputs)
        sketches = {name: Sketch.of(outputs[name]) for name in tracked}
        weights, conditioned = None, None
        if scenario.evidence:  # the unweighted sketches stay: they are the prior
            # An observation's density can under- or overflow (a tiny sd): such trials get
            # weight 0, and evidence that rules out every trial is an InputError afterwards.
            with np.errstate(all="ignore"):
                conditioned, weights = Conditioned.of_block(scenario, inputs, outputs, tracked)
        if folding and block % MERGE_BLOCKS:
            piece = result.pieces[-1]
            for name in tracked:
                piece.sketches[name].merge(sketches[name])
            if piece.conditioned is not None and conditioned is not None:
                piece.conditioned.merge(conditioned)
        else:
            result.pieces.append(_Piece(block, sketches, conditioned))
            folding = block % MERGE_BLOCKS == 0
        if achieved is not None and n > 2 and np.all(np.isfinite(achieved)):
            result.correlation_sum = n * achieved + (
                0.0 if result.correlation_sum is None else result.correlation_sum
            )
            result.correlation_weight += n
        if block == 0:
            result.pilot = _pilot(inputs, outputs)
        if keep_samples:
            frame = pd.DataFrame({"trial": np.arange(start, start + n)})
            for key in scenario.uncertain_keys:
                frame[key] = inputs[key]
            for name in OUTPUTS:
                frame[name] = outputs[name]
            if weights is not None:
                frame["weight"] = weights
            frames.append(frame)
        result.trials += n
    result.samples = pd.concat(frames, ignore_index=True) if frames else None
    return result


def _trials(
    runner: Runner, task: Callable[..., _TaskResult], samples: bool, start: int, end: int
) -> Iterator[_TaskResult]:
    """Trials [start, end) (start on a block boundary) as the runner's tasks, yielded in order;
    a task may span merge groups: pieces are cut at group starts (see _run_task)."""
    size = BLOCK_SIZE  # read at call time: tests make blocks small
    first_trial = (lambda blocks: blocks.start * size) if samples else None
    tasks = plan_tasks(start // size, math.ceil(end / size))
    return runner.run(partial(task, end=end), tasks, keep=first_trial)


@dataclass
class _Totals:
    """The run so far: the closed merge groups' sketches, the open group's, and the rest."""

    closed: dict[str, Sketch]  # the left fold of every whole group so far
    frames: list[pd.DataFrame]
    pilot: pd.DataFrame | None = None
    correlation_sum: np.ndarray | None = None
    correlation_weight: int = 0
    done: int = 0
    open: dict[str, Sketch] | None = None  # the fold of the last group's blocks so far
    closed_weighted: Conditioned | None = None  # with [evidence]: the same folds, weighted
    open_weighted: Conditioned | None = None

    @property
    def conditioned(self) -> Conditioned | None:
        """The weighted side of the trials so far (None without evidence)."""
        if self.open_weighted is None:
            return self.closed_weighted
        if self.closed_weighted is None:
            return self.open_weighted
        return self.closed_weighted.copy().merge(self.open_weighted)

    @property
    def sketches(self) -> dict[str, Sketch]:
        """Every tracked output's sketch of the trials so far (as a run of that many gives)."""
        if self.open is None:
            return self.closed
        return {name: self.closed[name].copy().merge(self.open[name]) for name in self.closed}

    def add(self, part: _TaskResult) -> None:
        for piece in part.pieces:
            if piece.first_block % MERGE_BLOCKS == 0:
                if self.open is not None:
                    for name in self.closed:
                        self.closed[name].merge(self.open[name])
                if self.open_weighted is not None:
                    if self.closed_weighted is None:
                        self.closed_weighted = self.open_weighted
                    else:
                        self.closed_weighted.merge(self.open_weighted)
                self.open, self.open_weighted = piece.sketches, piece.conditioned
            else:
                if self.open is None:
                    raise RuntimeError("a merge group continued before it started")
                for name in self.closed:
                    self.open[name].merge(piece.sketches[name])
                if self.open_weighted is not None and piece.conditioned is not None:
                    self.open_weighted.merge(piece.conditioned)
        if part.pilot is not None:
            self.pilot = part.pilot
        if part.samples is not None:
            self.frames.append(part.samples)
        if part.correlation_sum is not None:
            previous = 0.0 if self.correlation_sum is None else self.correlation_sum
            self.correlation_sum = previous + part.correlation_sum
            self.correlation_weight += part.correlation_weight
        self.done += part.trials

    def current(self, name: str) -> Sketch:
        """The sketch summaries are read from: the weighted one when conditioned on evidence."""
        conditioned = self.conditioned
        if conditioned is not None:
            return conditioned.sketches[name]
        return self.sketches[name]


def _check_whole(value: object, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"`{name}`: {value!r}: must be a whole number ≥ {minimum}")
    if maximum is not None and value > maximum:
        raise InputError(
            f"`{name}`: {value!r}: at most {maximum:,} trials per run (see MAX_TRIALS: more is "
            "taken for a typo)"
        )
    return int(value)


def _check_evidence(scenario: Scenario, conditioned: Conditioned | None, trials: int) -> None:
    """Exit on evidence that rules out every trial; warn when it leaves few effective ones."""
    if conditioned is None:
        return
    own = conditioned.own_ess(scenario.evidence)
    worst = min(own, key=lambda name: own[name])
    spec = next(e.spec for e in scenario.evidence if e.quantity == worst)
    ess = conditioned.ess
    if not ess > 0:
        alone = "on its own" if own[worst] == 0 else "together with the rest"
        raise InputError(
            f"evidence.{worst}: {spec}: rules out every one of the {trials:,} trials "
            f"({alone}); the assumptions cannot produce it: widen the inputs that drive it, "
            "or the observation's uncertainty"
        )
    if ess < ESS_WARNING or ess < ESS_SHARE_WARNING * trials:
        warnings.warn(
            f"the evidence is in tension with the assumptions: effective sample size "
            f"{ess:,.0f} of {trials:,} trials; most responsible: evidence.{worst} = {spec} "
            f"(alone it leaves {own[worst]:,.0f}); run more trials or revisit the inputs",
            EvidenceWarning,
            stacklevel=3,
        )


def _tracked_quantities(scenario: Scenario, outputs: Sequence[str] | None) -> tuple[str, ...]:
    """The quantities to sketch, in registry order: every one, or those asked for with TOTAL
    and what the scenario's [expect] bands and [evidence] read."""
    if outputs is None:
        return TRACKED
    outputs = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    unknown = [name for name in outputs if name not in TRACKED]
    if unknown:
        raise InputError(
            f"`outputs`: {unknown[0]!r}: not an output; choose from {', '.join(TRACKED)}"
        )
    wanted = {*outputs, TOTAL, *(band.quantity for band in scenario.expect)}
    wanted.update(observation.quantity for observation in scenario.evidence)
    return tuple(name for name in TRACKED if name in wanted)


def _check_precision(target: float | None) -> float | None:
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
        raise InputError(
            f"`target_precision`: {target!r}: must be a share between 0 and 1 (0.01 is 1%)"
        )
    return float(target)


def _rounds(
    run: Callable[[int, int], Iterator[_TaskResult]],
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
        for part in run(totals.done, end):
            totals.add(part)
            if progress is not None:
                progress(totals.done, end)
        ends.append(end)
        achieved = precision(totals.current(TOTAL))
        if achieved.meets(target):
            return True, ends
        if end >= cap:
            warnings.warn(
                f"target precision {target:.3g} not reached in {cap:,} trials: the standard "
                f"error of the mean total loss is {achieved.se_relative:.3g} of the mean and "
                f"the 95% interval of its p95 is {achieved.p95_width_relative:.3g} of p95 wide; "
                "raise `max_trials` or loosen `target_precision`",
                ConvergenceWarning,
                stacklevel=3,
            )
            return False, ends
        end = next_total(achieved, target, end, BLOCK_SIZE, cap)


def simulate(
    scenario: Scenario,
    n_trials: int | None = None,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    method: str | None = None,
    workers: int = 1,
    samples: bool = False,
    progress: Progress | None = None,
    target_precision: float | None = None,
    max_trials: int = DEFAULT_MAX_TRIALS,
    evidence: Mapping[str, str | float | int] | None = None,
    scheduler: str | Client | None = None,
    outputs: Sequence[str] | None = None,
) -> SimulationResult:
    """Simulate `n_trials` outages of `scenario` and summarise every output.

    As on the command line, `n_trials` defaults to the scenario's `[sampling] trials`, else
    100,000, and `rng` to its `[sampling] seed`, else 20260125 (`impact.rng.DEFAULT_SEED`), so
    the same call gives the same numbers as `impact simulate`. `rng` is otherwise an int seed, a
    SeedSequence, a Generator or None (fresh entropy, recorded in `result.seed`). `method`
    ("mc", "lhs" or "sobol") overrides the scenario's sampling design. The same scenario, seed,
    method and trial count give the same numbers whatever `workers` is. With `samples=True` the
    per-trial inputs and outputs are kept in `result.samples` (memory grows with the trial
    count; without it memory stays bounded).

    With `target_precision` (a share, 0.01 for 1%), `n_trials` (rounded up to whole blocks)
    is the first round, and rounds continue until the standard error of the mean total loss is
    at most that share of the mean and the 95% interval of its p95 at most that share of p95
    wide, or until `max_trials` (then a ConvergenceWarning); see `impact.simulation.convergence`.

    `evidence` (quantity -> spec, e.g. ``{"activity_gap_at_restore": "uniform(0.043, 0.065)"}``)
    adds to the scenario's `[evidence]`: every trial is weighted by the observations'
    likelihoods and every summary is the weighted one (`result.prior_sketches` keep the prior;
    `result.weights` gives the weights when samples are kept). The precision target then
    applies to the effective sample size. Evidence that rules out every trial is an InputError;
    an effective sample size below 1,000 or 1% of the trials an EvidenceWarning.
    `scheduler` (a dask scheduler address, or "local" for a LocalCluster) runs the same tasks
    on a dask.distributed cluster instead of `workers` processes; the numbers are the same.
    With an address, samples come back with each task and `result.samples` is the pandas frame
    a local run gives. With a `distributed.Client` of your own, they stay on the workers:
    `result.samples` is a dask DataFrame (one partition per task, indexed by trial, equal to
    the local frame once computed), valid while that Client is open; `write_report(...,
    samples_format="parquet")` has the workers write it in parallel. A cluster that fails
    mid-run is a ClusterError within seconds.
    `outputs` (names from `impact.outputs.TRACKED`) summarises only those, with the total
    loss (the headline and the precision target read it) and what [expect] and [evidence]
    read: for a long run that needs one number (an insurer's 1e10 trials of total loss), the
    other quantities are then neither evaluated nor sketched, nor checked for overflow. What is
    summarised is bit for bit what a full run gives. A report needs every output, so only the
    library has it (`write_report` refuses such a result).

    >>> import impact
    >>> result = impact.simulate(impact.load_scenario("meta-2024"), n_trials=2_000, rng=1)
    >>> list(result.summary.columns)
    ['unit', 'mean', 'std', 'p05', 'p50', 'p95', 'p99', 'cvar95', 'se_mean']
    """
    if evidence:
        scenario = scenario.with_evidence(evidence)
    if n_trials is None:
        n_trials = scenario.trials or DEFAULT_TRIALS
    n_trials = _check_whole(n_trials, "n_trials", maximum=MAX_TRIALS)
    workers = _check_whole(workers, "workers")
    target = _check_precision(target_precision)
    cap = _check_whole(max_trials, "max_trials", maximum=MAX_TRIALS) if target else n_trials
    sampling = plan(scenario, method)
    root = as_seed_sequence(seed_or_scenario(rng, scenario.seed))
    most = max(cap, n_trials) if target is not None else n_trials
    workers = worker_count(workers, most, BLOCK_SIZE)
    started = time.perf_counter()
    tracked = _tracked_quantities(scenario, outputs)
    totals = _Totals({name: Sketch() for name in tracked}, [])
    converged: bool | None = None
    ends: list[int] = []
    task = partial(_run_task, scenario, sampling, root, tracked, keep_samples=samples)
    with Runner(workers, scheduler) as runner:
        run = partial(_trials, runner, task, samples)
        if target is None:
            for part in run(0, n_trials):
                totals.add(part)
                if progress is not None:
                    progress(totals.done, n_trials)
        else:
            converged, ends = _rounds(run, totals, n_trials, target, cap, progress)
        kept = runner.kept_samples(totals.done)  # a dask DataFrame, with the caller's Client
    conditioned = totals.conditioned
    _check_evidence(scenario, conditioned, totals.done)
    sketches: dict[str, Sketch] = dict(totals.sketches)
    if conditioned is not None:
        sketches = dict(conditioned.sketches)
    correlations = None
    if sampling.correlation is not None and totals.correlation_sum is not None:
        achieved = totals.correlation_sum / totals.correlation_weight
        correlations = achieved_table(sampling.correlation, achieved)
    result = SimulationResult(
        scenario=scenario,
        n_trials=totals.done,
        seed=root_entropy(root),
        method=sampling.method,
        sketches=sketches,
        samples=pd.concat(totals.frames, ignore_index=True) if totals.frames else kept,
        elapsed_seconds=time.perf_counter() - started,
        workers=workers,
        pilot=totals.pilot,
        correlations=correlations,
        target_precision=target,
        converged=converged,
        rounds=tuple(ends),
        conditioned=conditioned,
        prior_sketches=totals.sketches if conditioned is not None else None,
    )
    warn_on_expectations(result)  # [expect] bands the inputs conflict with
    return result
