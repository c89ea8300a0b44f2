"""The one task runner of every simulation: simulate, annual risk, comparisons and resilience.

A run is cut into blocks of a fixed size, and block i draws only from the i-th child of the root
SeedSequence, so what a block computes does not depend on who runs it. The runner groups
consecutive blocks into tasks of `BLOCKS_PER_TASK` (`plan_tasks`), runs them in this process, in a
pool of worker processes kept for the whole run (`impact.simulation.pool`), or on a
dask.distributed cluster (`impact.simulation.cluster`, for `--scheduler`), and yields their
results in task order with at most 2 × workers tasks in flight, so memory stays bounded and
whatever is merged from them in that order is the same for any number of workers, task size or
scheduler. Every task first applies the allocator setting for blocks' temporaries
(`impact.simulation.memory`) in the process that runs it.

The runner is a context manager that owns the pool's (or the cluster session's) life. The first
error stops the run, whether a task raised it (it comes back with that task's result) or the
caller did (or Ctrl-C): tasks not yet started are cancelled and the pool's processes are
terminated at once, instead of waiting for the tasks they are running; on a cluster the
submitted tasks are cancelled.

The engine (`impact.simulation.engine`) runs its own task function (a task folds its blocks'
sketches in fixed merge groups); annual risk, paired comparisons and resilience give a block
function to `Runner.blocks`, a module-level callable (a `functools.partial` of one) so that it
can be sent to a worker process.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from impact.simulation import cluster
from impact.simulation.memory import keep_blocks_in_heap
from impact.simulation.pool import close_pool, forking, make_pool
from impact.simulation.sampling import child

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["BLOCKS_PER_TASK", "BlockTask", "Runner", "plan_tasks", "worker_count"]

BLOCKS_PER_TASK = 16

T = TypeVar("T")
BlockTask = Callable[[np.random.SeedSequence, int, int], T]  # (block seed, block index, n) -> T


def plan_tasks(first: int, last: int) -> list[range]:
    """Blocks [first, last) as tasks of `BLOCKS_PER_TASK` consecutive blocks (the last may be
    shorter), in order."""
    per_task = BLOCKS_PER_TASK  # read at call time: tests make tasks small
    return [range(b, min(b + per_task, last)) for b in range(first, last, per_task)]


def worker_count(workers: int, total: int, size: int) -> int:
    """No more workers than the tasks of `total` items in blocks of `size`, or than cores."""
    tasks = math.ceil(total / (size * BLOCKS_PER_TASK))
    return max(1, min(workers, tasks, os.cpu_count() or 1))


def _call(function: Callable[[range], T], task: range) -> T:
    keep_blocks_in_heap()  # in whichever process runs the task (see impact.simulation.memory)
    return function(task)


def _blocks_task(
    block: BlockTask[T], root: np.random.SeedSequence, total: int, size: int, blocks: range
) -> list[T]:
    out = []
    for index in blocks:
        n = min(size, total - index * size)
        if n <= 0:
            break
        out.append(block(child(root, index), index, n))
    return out


class Runner:
    """Runs tasks in this process (one worker), in a pool of `workers` processes kept for the
    whole run, or on the dask cluster `scheduler` (an address, "local", or a
    `distributed.Client`); use it as a context manager, which closes the pool or the session."""

    def __init__(self, workers: int, scheduler: str | Client | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self.session: cluster.Session | None = None
        self.pool: ProcessPoolExecutor | None = None
        self.kept: list[Any] = []  # samples left on the cluster: one future per task, in order
        self.kept_starts: list[int] = []  # each one's first trial
        self._stack = ExitStack()

    def __enter__(self) -> Runner:
        with ExitStack() as stack:
            if self.scheduler:
                self.session = session = cluster.connect(self.scheduler, stack)
                if session.keeps_samples:  # on success the kept futures are the samples

                    def forget(kind: object, *_: object) -> None:
                        if kind is not None:
                            session.cancel(self.kept)

                    stack.push(forget)
            elif self.workers > 1:
                self.pool = pool = make_pool(self.workers)
                # Stopped at once, processes too, if the run fails or is interrupted.
                stack.push(lambda kind, *_: close_pool(pool, abort=kind is not None))
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.__exit__(kind, value, traceback)  # what stops the run never suppresses

    def run(
        self,
        function: Callable[[range], T],
        tasks: Sequence[range],
        *,
        keep: Callable[[range], int] | None = None,
    ) -> Iterator[T]:
        """`function(task)` for every task (a module-level callable, or a partial of one),
        yielded in task order.

        With `keep` (a task's first trial) and a caller's own `distributed.Client`, each task's
        samples (its result's `samples`) stay on the workers as a future of their own
        (`kept`, assembled by `kept_samples`); only the rest of its result comes back."""
        task = partial(_call, function)
        if self.session is not None:
            yield from self._on_cluster(self.session, task, tasks, keep)
        elif self.pool is None:
            for blocks in tasks:
                yield task(blocks)
        else:
            pool = self.pool
            futures: list[Future[T] | None] = []  # the pool cancels them on an error
            yield from _in_order(
                lambda blocks: _submit(pool, task, blocks),
                lambda future: future.result(),
                tasks,
                2 * self.workers,
                futures,
            )

    def blocks(
        self, block: BlockTask[T], root: np.random.SeedSequence, total: int, size: int
    ) -> Iterator[T]:
        """`block(child(root, i), i, n)` for every block i of `size` items (the last may be
        short) of `total`, yielded in block order; in this process, block by block, so that a
        caller's progress (and its cancel) follows each."""
        last = math.ceil(total / size)
        alone = self.pool is None and self.session is None
        tasks = [range(i, i + 1) for i in range(last)] if alone else plan_tasks(0, last)
        for part in self.run(partial(_blocks_task, block, root, total, size), tasks):
            yield from part

    def kept_samples(self, end: int) -> Any:
        """The samples kept on the cluster as one dask DataFrame (None if none were kept)."""
        if not self.kept or self.session is None:
            return None
        return cluster.samples_frame(self.session, self.kept, self.kept_starts, end)

    def _on_cluster(
        self,
        session: cluster.Session,
        task: Callable[[range], T],
        tasks: Sequence[range],
        keep: Callable[[range], int] | None,
    ) -> Iterator[T]:
        keep = keep if session.keeps_samples else None

        def submit(blocks: range) -> Any:
            future = session.submit(task, blocks)
            if keep is not None:
                future, frame = session.split(future, keep(blocks))
                self.kept.append(frame)
                self.kept_starts.append(keep(blocks))
            return future

        futures: list[Any] = []
        self._stack.callback(session.cancel, futures)  # on Ctrl-C or an error
        window = 2 * max(1, session.workers)
        yield from _in_order(submit, session.result, tasks, window, futures)


def _submit(pool: ProcessPoolExecutor, task: Callable[[range], T], blocks: range) -> Future[T]:
    with forking():  # a submit may start the pool's processes
        return pool.submit(task, blocks)


def _in_order(
    submit: Callable[[range], Any],
    result: Callable[[Any], T],
    tasks: Sequence[range],
    window: int,
    futures: list[Any],
) -> Iterator[T]:
    """Submit tasks, at most `window` ahead of the one awaited, and yield their results in
    order; `futures` holds those in flight (None once their result came back)."""
    for index in range(len(tasks)):
        while len(futures) < len(tasks) and len(futures) - index < window:
            futures.append(submit(tasks[len(futures)]))
        yield result(futures[index])
        futures[index] = None  # what came back is the caller's; let the pool or cluster forget it
