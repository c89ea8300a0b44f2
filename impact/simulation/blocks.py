"""Run a block function over fixed-size blocks of trials, in order, optionally in processes.

The same scheme as `impact.simulation.engine`: block i of a run draws only from the i-th child
of the root SeedSequence, blocks are grouped into tasks of `BLOCKS_PER_TASK` for the workers,
and the tasks' results come back in block order, so what is computed from them (sketches merged
in that order) is the same whatever the number of workers. Annual risk, paired comparisons and
resilience runs use it; the block function is a module-level callable (a `functools.partial`
of one), so that it can be sent to a worker process.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any, TypeVar

import numpy as np

from impact.simulation import cluster, engine
from impact.simulation.sampling import child

__all__ = ["BlockTask", "run_blocks", "worker_count"]

T = TypeVar("T")
BlockTask = Callable[[np.random.SeedSequence, int, int], T]  # (block seed, block index, n) -> T


def _task(
    block: BlockTask[T], root: np.random.SeedSequence, blocks: range, total: int, size: int
) -> list[T]:
    out = []
    for index in blocks:
        n = min(size, total - index * size)
        if n <= 0:
            break
        out.append(block(child(root, index), index, n))
    return out


def worker_count(workers: int, total: int, size: int) -> int:
    """No more workers than tasks or cores."""
    tasks = math.ceil(total / (size * engine.BLOCKS_PER_TASK))
    return max(1, min(workers, tasks, os.cpu_count() or 1))


def run_blocks(
    block: BlockTask[T],
    root: np.random.SeedSequence,
    total: int,
    size: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[T]:
    """`block(child(root, i), i, n)` for every block i of `size` items (the last may be short),
    yielded in block order, whatever the number of `workers`; with `scheduler` (a dask address
    or "local") the same tasks run on a dask.distributed cluster instead."""
    last = math.ceil(total / size)
    per_task = engine.BLOCKS_PER_TASK  # read at call time: tests make tasks small
    tasks = [range(b, min(b + per_task, last)) for b in range(0, last, per_task)]
    if scheduler:
        yield from _on_cluster(scheduler, block, root, tasks, total, size)
        return
    workers = worker_count(workers, total, size)
    if workers == 1:  # block by block, so a caller's progress (and its cancel) follows each
        for index in range(last):
            yield from _task(block, root, range(index, index + 1), total, size)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: dict[int, Future[list[T]]] = {}
        submitted = 0
        for index in range(len(tasks)):
            while submitted < len(tasks) and len(pending) < 2 * workers:
                pending[submitted] = pool.submit(_task, block, root, tasks[submitted], total, size)
                submitted += 1
            yield from pending.pop(index).result()


def _on_cluster(
    scheduler: str,
    block: BlockTask[T],
    root: np.random.SeedSequence,
    tasks: list[range],
    total: int,
    size: int,
) -> Iterator[T]:
    with ExitStack() as stack:
        session = cluster.connect(scheduler, stack)
        window = 2 * max(1, session.workers)
        futures: list[Any] = []
        stack.callback(session.cancel, futures)  # on Ctrl-C or an error
        for index in range(len(tasks)):
            while len(futures) < len(tasks) and len(futures) - index < window:
                futures.append(session.submit(_task, block, root, tasks[len(futures)], total, size))
            yield from session.result(futures[index])
            futures[index] = None
