"""The `impact` command line: parse, load, call the library, render. No model maths here."""

import gc
import signal
import sys
import traceback
from typing import Annotated

import typer

from impact._version import __version__
from impact.cli import signals
from impact.cli.commands import LazyCommands
from impact.cli.flags import as_flags
from impact.cli.notes import warnings_as_notes
from impact.exceptions import ImpactError, InputError
from impact.reports.files import committed

__all__ = ["app", "main"]

app = typer.Typer(
    name="impact",
    cls=LazyCommands,
    help="Estimate what a platform outage costs: revenue, users and creators (Monte Carlo).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain (click) help: it wraps at the terminal's width (80 columns included) instead of
    # cutting long keys off with "…", and shows no "<bool>" type on flags that take no value.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"impact {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Estimate what a platform outage costs: revenue, users and creators (Monte Carlo)."""


def _fail(message: str, status: int) -> int:
    text = as_flags(" ".join(str(message).split()))  # one line, whatever the exception said
    print(f"error: {text}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; exit status 0 success, 2 bad input, 1 anything else (traceback with --debug)."""
    if argv is None:  # the installed command, not a test calling main() in-process
        signals.install()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    command = typer.main.get_command(app)
    if not args:
        args = ["--help"]
    before = len(committed())
    try:
        with warnings_as_notes():
            result = command.main(args=args, prog_name="impact", standalone_mode=False)
        status = result if isinstance(result, int) else 0
        # typer turns Ctrl-C into a silent exit code 130; and a signal whose `Interrupted` was
        # raised inside a finalizer (a __del__, a weakref callback) is only printed as ignored
        # by Python, and the run goes on: either way the run was interrupted.
        if status == 130 or signals.received() is not None:
            status = _interrupted(before)
    except InputError as exc:
        status = _fail(str(exc), 2)
    except (KeyboardInterrupt, signals.Interrupted, typer.Abort):
        status = _interrupted(before)
    except typer.Exit as exc:
        status = exc.exit_code
    except Exception as exc:  # the edge: nothing escapes as a traceback
        if signals.received() is not None:
            # `Interrupted` raised where Python wraps it in another error (a class body's
            # __set_name__, while a module imports, makes it a RuntimeError)
            return _finish(_interrupted(before), argv)
        if _is_usage_error(exc):
            return _finish(_fail(exc.format_message(), 2), argv)  # type: ignore[attr-defined]
        if debug:
            traceback.print_exc()
        kind = "" if isinstance(exc, ImpactError) else f"{type(exc).__name__}: "
        status = _fail(f"{kind}{exc} (run again with --debug for details)", 1)
    return _finish(status, argv)


def _interrupted(before: int) -> int:
    """The one line for Ctrl-C or SIGTERM: no file was changed, or (when the signal came while
    or after the output moved in) which folder now holds this run's output in full."""
    name = "terminated" if signals.received() == signal.SIGTERM else "interrupted"
    written = committed()[before:]
    if written:
        return _fail(
            f"{name} after writing {written[-1]}; its files are this run's, complete",
            signals.exit_status(),
        )
    return _fail(f"{name}; no output file was changed", signals.exit_status())


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's (or click's) bad flag, bad value or missing argument errors, which exit 2."""
    return callable(getattr(exc, "format_message", None)) and getattr(exc, "exit_code", 0) == 2


def _finish(status: int, argv: list[str] | None) -> int:
    if argv is None:
        # The process ends here. As it ends, the interpreter's last garbage collections walk
        # every object still alive (pandas, numpy, the run's result): 0.1 s of a default
        # `impact simulate`. Frozen objects are left out of them; exit still runs the atexit
        # hooks, joins threads, flushes streams and frees memory by reference counts
        # (docs/performance.md, "The end of the process").
        gc.freeze()
        sys.exit(status)
    return status
