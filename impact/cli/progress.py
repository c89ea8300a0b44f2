"""A progress bar on stderr that appears only when a run lasts longer than about a second."""

from __future__ import annotations

import sys
import threading
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["DelayedProgress", "wants_progress"]


def wants_progress(*, quiet: bool, json_output: bool) -> bool:
    """A bar only for a person watching: not with --quiet or --json, nor when stderr is a file."""
    return not quiet and not json_output and sys.stderr.isatty()


class DelayedProgress:
    """Two steps, simulating and writing the report, shown once `delay` seconds have passed.

    A short run prints nothing. A timer thread starts the (transient) bar, so it appears on
    time even while the engine is busy with its first block of trials; rich's `Progress` is
    safe to update from the main thread meanwhile.

    >>> with DelayedProgress(1_000, enabled=False) as bar:
    ...     bar.simulated(1_000, 1_000)
    """

    def __init__(
        self,
        n_trials: int,
        *,
        enabled: bool,
        delay: float = 1.0,
        console: Console | None = None,
    ) -> None:
        self.enabled = enabled
        self.delay = delay
        self._lock = threading.Lock()
        self._shown = False
        self._closed = False
        self._timer: threading.Timer | None = None
        self._progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._simulating: TaskID = self._progress.add_task("simulating trials", total=n_trials)
        self._writing: TaskID | None = None

    def __enter__(self) -> DelayedProgress:
        if self.enabled:
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _show(self) -> None:
        with self._lock:
            if not self._closed and not self._shown:
                self._progress.start()
                self._shown = True

    @property
    def shown(self) -> bool:
        """Whether the bar has appeared."""
        return self._shown

    def simulated(self, done: int, total: int) -> None:
        """The engine's progress callback."""
        self._progress.update(self._simulating, completed=done, total=total)

    def written(self, done: int, total: int) -> None:
        """The report writer's progress callback, one call per file."""
        if self._writing is None:
            self._writing = self._progress.add_task("writing the report", total=total)
        self._progress.update(self._writing, completed=done, total=total)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._shown:
                self._progress.stop()
