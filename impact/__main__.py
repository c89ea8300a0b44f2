"""`python -m impact` and the installed `impact` command: run the command line.

`run` is the entry point: Ctrl-C or SIGTERM while the command line is still being imported ends
with the same one line and exit status (130, 143) as during a run, not with a traceback or (for
SIGTERM, whose default ends the process at once) with no line at all.
"""

import gc
import os
import signal
import sys
from types import FrameType


class _Terminated(BaseException):
    """SIGTERM while the command line imports (the run's own handlers are not set yet)."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the line below is printed once
    raise _Terminated


def run() -> None:
    """Import the command line and run it."""
    # One BLAS thread unless the user says otherwise, set before numpy loads: no command does
    # BLAS per trial (tests/test_architecture.py), and OpenBLAS's thread pool cost a default
    # `impact simulate` about 3% more CPU and wall time on 2 cores (docs/performance.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # No garbage collection while the command line imports: the imports make hundreds of
    # thousands of objects, and the collections they set off walk them again and again (0.035 s
    # of a default `impact simulate`). It resumes once the command's module is loaded
    # (`impact.cli.commands`), with what the imports made frozen out of later collections.
    gc.disable()
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:  # (`main` sets the run's handlers)
        signal.signal(signal.SIGTERM, _terminated)
    try:
        from impact.cli import main
        from impact.cli.commands import collection_paused

        collection_paused()
    except KeyboardInterrupt:
        print("error: interrupted; no output file was changed", file=sys.stderr)
        sys.exit(130)
    except _Terminated:
        print("error: terminated; no output file was changed", file=sys.stderr)
        sys.exit(143)
    main()


if __name__ == "__main__":
    run()
