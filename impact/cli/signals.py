"""SIGINT and SIGTERM alike: stop the run, let clean-up code run, exit 130 or 143 with one line.

Python turns SIGINT into KeyboardInterrupt but leaves SIGTERM to kill the process outright, so
`finally` blocks (which remove the staging folder and stop the worker processes) never ran. Here
both raise `Interrupted` (a BaseException, so that neither `except Exception` nor click's
handling of KeyboardInterrupt, which prints a blank line, gets in the way), and further
signals are ignored while the clean-up runs; `exit_status()` says which signal arrived.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

__all__ = ["Interrupted", "exit_status", "install", "received"]

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_received: int | None = None


class Interrupted(BaseException):
    """Raised in the main thread when SIGINT or SIGTERM arrives."""


def _handler(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = signum
    for sig in _HANDLED:  # a second Ctrl-C must not cut the clean-up short
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def _unraisable(args: sys.UnraisableHookArgs) -> None:
    """`Interrupted` raised inside a finalizer (a __del__, a weakref callback) cannot stop the
    run there, and Python would print it as an ignored exception with its traceback: it is
    noted (`received`), and `impact.cli.main` ends the run as interrupted, in one line."""
    if not isinstance(args.exc_value, Interrupted):
        sys.__unraisablehook__(args)


def install() -> None:
    """Handle SIGINT and SIGTERM in this (the main) process."""
    global _received
    _received = None
    for sig in _HANDLED:
        signal.signal(sig, _handler)
    sys.unraisablehook = _unraisable


def received() -> int | None:
    """The signal that interrupted the run, if any."""
    return _received


def exit_status() -> int:
    """128 + the signal number: 130 for SIGINT (and Ctrl-C), 143 for SIGTERM."""
    return 128 + (_received or signal.SIGINT)
