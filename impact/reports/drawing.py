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

import io
import logging
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from multiprocessing.util import Finalize
from typing import Any

from impact.simulation.pool import forking, leave_signals_to_parent

__all__ = ["DRAWING_PROCESSES", "DrawingPool", "drawing_pool", "processes"]

DRAWING_PROCESSES = 2  # a report has 5 to 7 charts; more processes gain nothing on 2 cores


def _ready() -> None:
    """The first drawing process's start, before it forks the others: what every chart needs
    is loaded once, on the core the simulation leaves free (matplotlib, the chart modules, the
    font, and one small chart drawn and encoded, so that the first real chart finds every lazy
    part of matplotlib loaded). Loading is only a head start: whatever fails here fails again,
    with its own message, when a chart is drawn."""
    # matplotlib's notice of a temporary config folder (an unwritable MPLCONFIGDIR) is for
    # one process, not for each drawing one; the folder it makes goes when the process ends
    # (a drawing process ends with os._exit, past matplotlib's atexit).
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    with suppress(Exception):
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.image import imsave
        from matplotlib.ticker import FuncFormatter

        from impact.reports import charts, evidence_report, profile_report  # noqa: F401

        config = matplotlib.get_configdir()
        if os.path.basename(config).startswith("matplotlib-") and config.startswith(
            tempfile.gettempdir()
        ):
            Finalize(None, shutil.rmtree, args=(config,), kwargs={"ignore_errors": True},
                     exitpriority=0)  # fmt: skip
        fig = Figure(figsize=(2, 1.5), dpi=50, layout="constrained")
        ax = fig.add_subplot()
        ax.bar([1, 2], [1, 2], label="$1M")
        ax.step([1, 2], [1, 2], where="post")
        ax.fill_between([1, 2], [0, 1], [1, 2], alpha=0.2)
        ax.set_yscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"${x:g}M"))
        ax.legend()
        fig.supxlabel("note")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        imsave(io.BytesIO(), canvas.buffer_rgba(), format="png")


def _serve(tasks: Any, results: Connection) -> None:
    """A drawing process's work: run each task that comes, send back how it ended, and stop at
    None. A task's error goes back to be raised in the parent, with this process's traceback
    (as concurrent.futures does)."""
    while True:
        task = tasks.get()
        if task is None:
            return
        ident, function, args = pickle.loads(task)
        try:
            outcome: tuple[Any, ...] = (ident, function(*args), None, "")
            pickle.dumps(outcome)
        except BaseException as exc:  # the parent's to raise
            text = "".join(traceback.format_exception(exc))
            try:
                pickle.dumps(exc)
                outcome = (ident, None, exc, text)
            except Exception:  # an error that cannot cross processes: its text does
                outcome = (ident, None, RuntimeError(f"{type(exc).__name__}: {exc}"), text)
        results.send(outcome)


def _first(parent: int, tasks: Any, results: list[Connection]) -> None:
    """The first drawing process: it gets ready (`_ready`), then forks the others from itself,
    so that matplotlib is loaded once however many there are, and draws too. Each of the
    others dies with it (`leave_signals_to_parent`); it waits for them before it ends."""
    try:
        leave_signals_to_parent(parent)
        _ready()
        me = os.getpid()
        others = []
        for own in results[1:]:
            pid = os.fork()
            if pid == 0:
                status = 1
                try:
                    leave_signals_to_parent(me)
                    for other in results:
                        if other is not own:
                            other.close()
                    _serve(tasks, own)
                    status = 0
                finally:
                    os._exit(status)
            others.append(pid)
            own.close()
        _serve(tasks, results[0])
        for pid in others:
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)
    except BaseException:
        # No traceback from here: the parent sees this process end, breaks the pool and
        # draws the charts itself.
        os._exit(1)


class DrawingPool(Executor):
    """`count` processes that run tasks (a chart to draw: `files.Portable`), forked as a tree:
    one from this process, the others from it once it has loaded matplotlib (a
    ProcessPoolExecutor forks each from this process, and each would load it again: 0.3 s of
    CPU each, on the core that the simulation leaves free).

    A task is pickled as it is submitted (so an argument that cannot be sent fails there); its
    error is raised from its future. If a drawing process dies, the pool is broken: the others
    are stopped, and every task not yet done fails with BrokenExecutor, as a
    ProcessPoolExecutor's would, so that the caller can run it itself. Tasks go through a
    multiprocessing Queue (a submit never waits for a drawing process), results come back on
    one pipe per process, read by a thread of this one."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._tasks: Any = context.Queue()
        pipes = [context.Pipe(duplex=False) for _ in range(count)]
        self._readers = [reader for reader, _ in pipes]
        self._count = count
        self._futures: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Lock()
        self._next = 0
        self._broken = ""
        self._closed = False
        self._collector: threading.Thread | None = None
        self.process = context.Process(
            target=_first,
            args=(os.getpid(), self._tasks, [writer for _, writer in pipes]),
            name="impact-drawing",
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            for _, writer in pipes:
                writer.close()  # each process holds its own: the end of one is EOF here

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            raise TypeError("a drawing task takes positional arguments only")
        task = pickle.dumps((self._next, fn, args))
        with self._lock:
            if self._broken:
                raise BrokenExecutor(self._broken)
            if self._closed:
                raise RuntimeError("cannot submit to a drawing pool that is shut down")
            future: Future[Any] = Future()
            self._futures[self._next] = future
            self._next += 1
            if self._collector is None:  # started with the first task, after every fork
                self._collector = threading.Thread(
                    target=self._collect, name="impact-drawing-results", daemon=True
                )
                self._collector.start()
        self._tasks.put(task)
        return future

    def _collect(self) -> None:
        """Set each future as its result comes; on a drawing process's death, break the pool."""
        readers = list(self._readers)
        while readers:
            for reader in wait(readers):
                assert isinstance(reader, Connection)
                try:
                    ident, value, error, text = reader.recv()
                except (EOFError, OSError):  # that process has ended
                    readers.remove(reader)
                    with self._lock:
                        pending = bool(self._futures) or not self._closed
                    if pending:
                        self._stop_processes()
                        _until_closed(readers)  # the others die with the first
                        self._fail("a drawing process ended abruptly")
                        return
                    continue
                with self._lock:
                    future = self._futures.pop(ident, None)
                if future is None or future.cancelled():
                    continue
                with suppress(Exception):  # cancelled meanwhile
                    if error is None:
                        future.set_result(value)
                    else:
                        error.__cause__ = _RemoteTraceback(text)
                        future.set_exception(error)

    def _fail(self, why: str) -> None:
        """Fail every task not done (the caller may run them itself), and any submitted after."""
        with self._lock:
            self._broken = self._broken or why
            pending, self._futures = self._futures, {}
        for future in pending.values():
            with suppress(Exception):  # cancelled meanwhile
                future.set_exception(BrokenExecutor(why))

    def _stop_processes(self) -> None:
        with self._stopping:  # the collector's thread and this one's may both get here
            self._stop()

    def _stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # the others die with it (PR_SET_PDEATHSIG)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """With `wait` and without `cancel_futures`, let every task finish and the processes
        end; otherwise stop them now, failing what is not done."""
        with self._lock:
            already, self._closed = self._closed, True
        if cancel_futures or not wait:
            self._tasks.cancel_join_thread()  # no process may be left to read what is queued
            self._stop_processes()
            self._fail("the drawing pool was stopped")
        elif not already:
            for _ in range(self._count):
                self._tasks.put(None)
            self.process.join()
        if self._collector is not None:
            self._collector.join(timeout=5)
        self._tasks.close()
        self._tasks.join_thread()
        if self._collector is None or not self._collector.is_alive():
            for reader in self._readers:
                reader.close()


def _until_closed(readers: list[Connection], timeout: float = 5.0) -> None:
    """Read (and drop) from each pipe until its process has ended and it is closed."""
    for reader in readers:
        with suppress(EOFError, OSError):
            while reader.poll(timeout):
                reader.recv()


class _RemoteTraceback(Exception):
    """Where a task's error came from, in the drawing process (shown under it with --debug)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


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
def drawing_pool(count: int | None = None) -> Iterator[DrawingPool | None]:
    """Drawing processes for one report (None where there are none, see `processes`, or where
    they cannot start); they are stopped when the block ends, at once if it ends in an error
    or a signal. Start it before any thread of this process: a fork copies only the calling
    thread."""
    count = processes() if count is None else count
    pool = None
    if count >= 1:
        try:
            with forking():
                pool = DrawingPool(count)
        except BaseException as exc:  # a signal held during the fork, or no pool possible
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            if not isinstance(exc, OSError):
                raise
            pool = None  # no semaphores here, or no more processes: draw here instead
    if pool is None:
        yield None
        return
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    try:
        pool.shutdown(wait=True)
    except BaseException:  # a signal while it waited: stop the rest at once
        pool.shutdown(wait=False, cancel_futures=True)
        raise
