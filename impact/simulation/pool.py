"""The worker pool of a run, and how it stops: at once, with its processes, when a run fails."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress

from impact.interrupts import signals_held

__all__ = ["close_pool", "forking", "leave_signals_to_parent", "make_pool"]

PR_SET_PDEATHSIG = 1  # linux/prctl.h


STOPPING = (signal.SIGINT, signal.SIGTERM)


def leave_signals_to_parent(parent: int | None = None) -> None:
    """A worker process's start: the parent decides what a signal means, and the worker dies
    with it. Ctrl-C reaches the whole process group, and the parent then stops the workers (a
    worker that raised on it would print its own traceback); SIGTERM ends a worker at once. On
    Linux a worker is also sent SIGKILL when its parent dies (`parent`, its pid, is checked
    after: it may have died before), so that a parent killed outright (kill -9, the OOM
    killer) leaves no worker behind. The signals the parent blocked while it forked
    (`forking`) are unblocked here, once the handlers are set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if parent is not None and os.getppid() != parent:
            os._exit(1)  # the parent is gone already
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)


@contextmanager
def forking(blocked: tuple[signal.Signals, ...] = STOPPING) -> Iterator[None]:
    """Hold SIGINT and SIGTERM while a pool forks its processes, and act on them after. A
    signal that came during a fork would run the parent's handler inside Python's fork hooks
    (where its exception is only printed, and the run goes on) or a child's copy of it before
    the child has set its own. Here the parent's handlers only note it (`signals_held`: a
    signal may reach any thread, but its handler runs in the main one), and the forking
    thread blocks `blocked` (both, by default), so that a child starts with them blocked until
    `leave_signals_to_parent` has set its handlers. The thread's mask is put back after."""
    caught: list[int] = []
    before = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        with signals_held(caught):
            yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        if caught:
            signal.raise_signal(caught[0])


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes that leave signals to the parent and die with it."""
    return ProcessPoolExecutor(
        max_workers=workers, initializer=leave_signals_to_parent, initargs=(os.getpid(),)
    )


def close_pool(pool: ProcessPoolExecutor, *, abort: bool) -> None:
    """Shut the pool down; with `abort` (an error or a signal), cancel what has not started and
    terminate the processes now instead of waiting for their tasks to finish."""
    if not abort:
        try:
            pool.shutdown(wait=True)
        except BaseException:  # a signal while it waited: stop the rest at once
            close_pool(pool, abort=True)
            raise
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # Taken now: shutdown(wait=False) drops the pool's reference to it.
    manager = getattr(pool, "_executor_manager_thread", None)
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
    if manager is not None:
        manager.join(timeout=5)
