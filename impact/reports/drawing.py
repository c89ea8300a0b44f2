"""Processes that draw a report's charts while this one simulates and writes the rest.

A report's charts take longer than the simulation they show (docs/performance.md, "The charts
in their own processes"): matplotlib's import, then each chart's layout, drawing and PNG
encoding. `drawing_pool()` forks its processes as the command starts its run, when numpy and
pandas are already loaded, so each of them only imports matplotlib and the chart modules (and
loads the font) while the simulation runs here. `write_files` then sends them every chart
(`files.Portable`), and writes the tables, report.html and report.md itself meanwhile.

A chart is drawn from the same data, with the same code, wherever it is drawn: the bytes do not
depend on the pool (tests/test_drawing.py). The pool only saves time, so nothing depends on it:
- on one core, or off Linux (Windows has no fork; on macOS fork is unsafe with the system's
  frameworks, and spawn would start each process from nothing), there is none;
- where it cannot start (a process limit, no POSIX semaphores), there is none;
- a drawing process that dies or breaks leaves its charts to this process (`write_files`).
Either way every chart is drawn here, as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.util import Finalize

from impact.simulation.pool import close_pool, forking, leave_signals_to_parent

__all__ = ["DRAWING_PROCESSES", "drawing_pool", "processes"]

DRAWING_PROCESSES = 2  # a report has 5 to 7 charts; more processes gain nothing on 2 cores
NICENESS = 5  # CFS gives the parent about three times a drawing process's share of a core


def _ready(parent: int) -> None:
    """Each drawing process's start: signals are the parent's to act on, and it dies with the
    parent; at a lower priority, what every chart needs is loaded once, off the parent's path
    (matplotlib, the chart modules, the font). Loading is only a head start: whatever fails
    here fails again, with its own message, when a chart is drawn."""
    leave_signals_to_parent(parent)
    # Below the parent's priority: while it simulates, the parent keeps its core, and these
    # get ready on what is left; when they draw, the parent is mostly waiting for them.
    with suppress(OSError):
        os.nice(NICENESS)
    # matplotlib's notice of a temporary config folder (an unwritable MPLCONFIGDIR) is for
    # one process, not for each drawing one; the folder it makes goes when the process ends
    # (a pool's process ends with os._exit, past matplotlib's atexit).
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    with suppress(Exception):
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from impact.reports import charts, evidence_report, profile_report  # noqa: F401

        config = matplotlib.get_configdir()
        if os.path.basename(config).startswith("matplotlib-") and config.startswith(
            tempfile.gettempdir()
        ):
            Finalize(None, shutil.rmtree, args=(config,), kwargs={"ignore_errors": True},
                     exitpriority=0)  # fmt: skip
        fig = Figure(figsize=(1, 1))
        fig.text(0.5, 0.5, "$1M")  # loads and caches the font, as the first chart would
        FigureCanvasAgg(fig).draw()


def _nothing() -> None:
    """A task that makes the pool start its processes now (it starts them on the first task)."""


def processes() -> int:
    """How many drawing processes to start here: none off Linux, without fork, or on one
    core."""
    if not sys.platform.startswith("linux"):
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(DRAWING_PROCESSES, cores or 1) if (cores or 1) > 1 else 0


@contextmanager
def drawing_pool(count: int | None = None) -> Iterator[ProcessPoolExecutor | None]:
    """Drawing processes for one report (None where there are none, see `processes`, or where
    they cannot start); they are stopped when the block ends, at once with their processes if
    it ends in an error or a signal. Start it before any thread of this process: a fork copies
    only the calling thread."""
    count = processes() if count is None else count
    pool = None
    if count >= 1:
        try:
            with forking():
                pool = ProcessPoolExecutor(
                    max_workers=count,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=_ready,
                    initargs=(os.getpid(),),
                )
                pool.submit(_nothing)
        except BaseException as exc:  # a signal held during the fork, or no pool possible
            if pool is not None:
                close_pool(pool, abort=True)
            if not isinstance(exc, OSError):
                raise
            pool = None  # no semaphores here, or no more processes: draw here instead
    if pool is None:
        yield None
        return
    try:
        yield pool
    except BaseException:
        close_pool(pool, abort=True)
        raise
    close_pool(pool, abort=False)
