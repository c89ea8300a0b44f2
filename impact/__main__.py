"""`python -m impact` and the installed `impact` command: run the command line.

`run` is the entry point: Ctrl-C while the command line is still being imported ends with the
same one line and exit status 130 as Ctrl-C during a run, not with a traceback.
"""

import gc
import os
import sys


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
    try:
        from impact.cli import main
        from impact.cli.commands import collection_paused
    except KeyboardInterrupt:
        print("error: interrupted; no output file was changed", file=sys.stderr)
        sys.exit(130)
    collection_paused()
    main()


if __name__ == "__main__":
    run()
