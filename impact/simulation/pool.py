"""The worker pool of a run, and how it stops: at once, with its processes, when a run fails."""

from __future__ import annotations

import signal
from concurrent.futures import ProcessPoolExecutor

__all__ = ["close_pool", "leave_signals_to_parent", "make_pool"]


def leave_signals_to_parent() -> None:
    """A worker process's signal handling, set as it starts."""
    # The parent decides what a signal means: Ctrl-C reaches the whole process group, and the
    # parent then stops the workers; a worker that raised on it would print its own traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes that leave signals to the parent."""
    return ProcessPoolExecutor(max_workers=workers, initializer=leave_signals_to_parent)


def close_pool(pool: ProcessPoolExecutor, *, abort: bool) -> None:
    """Shut the pool down; with `abort` (an error or a signal), cancel what has not started and
    terminate the processes now instead of waiting for their tasks to finish."""
    if not abort:
        pool.shutdown(wait=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
    # The executor's manager thread sees the broken pool and closes its wake-up pipe; let it
    # finish here, or the interpreter's exit hook (concurrent.futures' _python_exit) can write
    # to that pipe while it closes and print "Exception ignored … Bad file descriptor" after
    # the CLI's one-line message (seen once in CI on SIGINT with two workers).
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)
