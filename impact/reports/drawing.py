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

import gc
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
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
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
    # one process, not for each drawing one.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    with suppress(Exception):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.image import imsave
        from matplotlib.ticker import FuncFormatter

        from impact.reports import charts, evidence_report, profile_report  # noqa: F401

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
    # With an unwritable MPLCONFIGDIR matplotlib made a temporary folder for its font cache,
    # which it has read by now: it goes at once, since a drawing process ends with os._exit
    # (past matplotlib's atexit), or by SIGTERM when the run is interrupted. (A process
    # stopped while it imports matplotlib still leaves it.)
    with suppress(Exception):
        config = sys.modules["matplotlib"].get_configdir()
        if os.path.basename(config).startswith("matplotlib-") and config.startswith(
            tempfile.gettempdir()
        ):
            shutil.rmtree(config, ignore_errors=True)


def _serve(connection: Connection) -> None:
    """A drawing process's work: run each task that comes on its connection, send back how it
    ended, and stop at None (or when the parent is gone). A task's error goes back to be raised
    in the parent, with this process's traceback (as concurrent.futures does)."""
    while True:
        try:
            task = pickle.loads(connection.recv_bytes())
        except EOFError:
            return
        if task is None:
            return
        ident, function, args = task
        try:  # pickled once, here, so that a result that cannot be sent is the task's error
            outcome = pickle.dumps((ident, function(*args), None, ""))
        except BaseException as exc:  # the parent's to raise
            text = "".join(traceback.format_exception(exc))
            try:
                outcome = pickle.dumps((ident, None, exc, text))
            except Exception:  # an error that cannot cross processes: its text does
                error = RuntimeError(f"{type(exc).__name__}: {exc}")
                outcome = pickle.dumps((ident, None, error, text))
        connection.send_bytes(outcome)  # what the parent's `recv` unpickles


def _first(parent: int, connections: list[Connection]) -> None:
    """The first drawing process: it gets ready (`_ready`), then forks the others from itself,
    so that matplotlib is loaded once however many there are, and draws too. Each of the
    others dies with it (`leave_signals_to_parent`); it waits for them before it ends."""
    try:
        leave_signals_to_parent(parent)
        _ready()
        # No garbage collection from here: a drawing process draws a few charts and ends, and
        # the first chart set off a full collection over everything loaded (numpy, pandas,
        # matplotlib): 0.1 s of each process's first chart. What a chart leaves in cycles is
        # freed when the process ends.
        gc.freeze()
        gc.disable()
        me = os.getpid()
        others = []
        for own in connections[1:]:
            pid = os.fork()
            if pid == 0:
                status = 1
                try:
                    leave_signals_to_parent(me)
                    for other in connections:
                        if other is not own:
                            other.close()
                    _serve(own)
                    status = 0
                finally:
                    os._exit(status)
            others.append(pid)
            own.close()
        _serve(connections[0])
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

    Each process has its own connection (a socket pair) and at most one task at a time: a task
    is sent when a process is idle, else it waits here, so a send never waits for a busy
    process and nothing is left unread in a pipe. A task is pickled as it is submitted (an
    argument that cannot be sent fails there); its error is raised from its future. A thread
    of this process reads the results. If a drawing process dies, the pool is broken: the
    others are stopped, and every task not yet done fails with BrokenExecutor, as a
    ProcessPoolExecutor's would, so that the caller can run it itself."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("fork")
        pairs = [context.Pipe(duplex=True) for _ in range(count)]
        self._connections = [here for here, _ in pairs]
        self._busy: list[int | None] = [None] * count  # the task each process has
        self._waiting: deque[tuple[int, bytes]] = deque()
        self._futures: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Lock()
        self._next = 0
        self._broken = ""
        self._closed = False
        self._collector: threading.Thread | None = None
        self.process = context.Process(
            target=_first,
            args=(os.getpid(), [there for _, there in pairs]),
            name="impact-drawing",
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            for _, there in pairs:
                there.close()  # the processes hold theirs: the end of one is EOF here

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            raise TypeError("a drawing task takes positional arguments only")
        future: Future[Any] = Future()
        with self._lock:
            if self._broken:
                raise BrokenExecutor(self._broken)
            if self._closed:
                raise RuntimeError("cannot submit to a drawing pool that is shut down")
            ident = self._next
            task = pickle.dumps((ident, fn, args))
            self._next += 1
            self._futures[ident] = future
            self._waiting.append((ident, task))
            if self._collector is None:  # started with the first task, after every fork
                self._collector = threading.Thread(
                    target=self._collect, name="impact-drawing-results", daemon=True
                )
                self._collector.start()
            self._dispatch()
        return future

    def _dispatch(self) -> None:
        """Send waiting tasks to idle processes (with the lock held)."""
        for worker, connection in enumerate(self._connections):
            if not self._waiting or self._broken:
                return
            if self._busy[worker] is None:
                ident, task = self._waiting.popleft()
                self._busy[worker] = ident
                with suppress(OSError):  # a process that died: its EOF breaks the pool
                    connection.send_bytes(task)

    def _collect(self) -> None:
        """Set each future as its result comes, and send the process its next task; on a
        drawing process's death, break the pool."""
        open_ = list(self._connections)
        while open_:
            for connection in wait(open_):
                assert isinstance(connection, Connection)
                worker = self._connections.index(connection)
                try:
                    ident, value, error, text = connection.recv()
                except (EOFError, OSError):  # that process has ended
                    open_.remove(connection)
                    with self._lock:
                        unexpected = bool(self._futures) or not self._closed
                    if unexpected:
                        self._stop_processes()
                        _until_closed(open_)  # the others die with the first
                        self._fail("a drawing process ended abruptly")
                        return
                    continue
                with self._lock:
                    future = self._futures.pop(ident, None)
                    self._busy[worker] = None
                    self._dispatch()
                if future is None:
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
            self._waiting.clear()
        for future in pending.values():
            with suppress(Exception):  # cancelled meanwhile
                future.set_exception(BrokenExecutor(why))

    def _stop_processes(self) -> None:
        with self._stopping:  # the collector's thread and this one's may both get here
            if self.process.is_alive():
                self.process.terminate()  # the others die with it (PR_SET_PDEATHSIG)
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Without `cancel_futures`, let every task finish, then tell the processes to end, and
        with `wait` wait for them (`impact simulate` asks them to end without waiting as
        soon as its folder is written, and waits after it has printed its summary: they end
        meanwhile). With `cancel_futures`, stop them now, failing what is not done."""
        with self._lock:
            closing, self._closed = not self._closed, True
            pending = list(self._futures.values())
        if not cancel_futures:
            futures_wait(pending)  # each ends done, or failed by a broken pool
        if cancel_futures or self._broken:
            self._stop_processes()
            self._fail("the drawing pool was stopped")
        else:
            if closing:
                with self._lock:
                    for connection in self._connections:
                        with suppress(OSError):
                            connection.send_bytes(pickle.dumps(None))
            if not wait:
                return
            self.process.join()
        self._join_collector()

    def _join_collector(self) -> None:
        if self._collector is not None:
            self._collector.join(timeout=5)
        if self._collector is None or not self._collector.is_alive():
            for connection in self._connections:
                connection.close()


def _until_closed(connections: list[Connection], timeout: float = 5.0) -> None:
    """Read (and drop) from each connection until its process has ended and it is closed."""
    for connection in connections:
        with suppress(EOFError, OSError):
            while connection.poll(timeout):
                connection.recv_bytes()


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
