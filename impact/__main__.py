"""`python -m impact` and the installed `impact` command: run the command line.

`run` is the entry point: Ctrl-C while the command line is still being imported ends with the
same one line and exit status 130 as Ctrl-C during a run, not with a traceback.
"""

import sys


def run() -> None:
    """Import the command line and run it."""
    try:
        from impact.cli import main
    except KeyboardInterrupt:
        print("error: interrupted; no output file was changed", file=sys.stderr)
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
