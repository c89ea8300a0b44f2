"""Hold SIGINT and SIGTERM for a few steps that must not stop halfway (the moves that put a
report's files in place), and act on them after."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["signals_held"]

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held(caught: list[int]) -> Iterator[None]:
    """Hold SIGINT and SIGTERM while files are moved into place, so that Ctrl-C cannot stop the
    moves halfway: a signal that comes meanwhile is appended to `caught`, for the caller to
    raise again (`signal.raise_signal`) once it has cleaned up, to the handler that was there.
    Only the main thread handles signals; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _HELD}
    held = [sig for sig, handler in previous.items() if handler is not None]
    for sig in held:
        signal.signal(sig, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        _restore(previous, held)


def _restore(previous: Mapping[signal.Signals, Any], signals: Sequence[signal.Signals]) -> None:
    """Put back each signal's handler, every one even if a signal arriving meanwhile raises
    (it is acted on by the handler already put back; the rest are put back in `finally`)."""
    if signals:
        try:
            signal.signal(signals[0], previous[signals[0]])
        finally:
            _restore(previous, signals[1:])
