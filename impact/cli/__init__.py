"""The `impact` command line: parse, load, call the library, render. No model maths here."""

import sys
import traceback

import typer

from impact.exceptions import ImpactError, InputError

__all__ = ["app", "main"]

app = typer.Typer(
    name="impact",
    help="Estimate what a platform outage costs: revenue, users and creators (Monte Carlo).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

from impact.cli import annual as _annual  # noqa: E402,F401
from impact.cli import calibrate as _calibrate  # noqa: E402,F401
from impact.cli import compare as _compare  # noqa: E402,F401
from impact.cli import resilience as _resilience  # noqa: E402,F401
from impact.cli import retro as _retro  # noqa: E402,F401
from impact.cli import scenarios as _scenarios  # noqa: E402,F401  (registers commands)
from impact.cli import sensitivity as _sensitivity  # noqa: E402,F401
from impact.cli import simulate as _simulate  # noqa: E402,F401
from impact.cli.notes import warnings_as_notes  # noqa: E402


def _fail(message: str, status: int) -> int:
    text = " ".join(str(message).split())  # one line, whatever the exception said
    print(f"error: {text}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; exit status 0 success, 2 bad input, 1 anything else (traceback with --debug)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    command = typer.main.get_command(app)
    if not args:
        args = ["--help"]
    try:
        with warnings_as_notes():
            result = command.main(args=args, prog_name="impact", standalone_mode=False)
        status = result if isinstance(result, int) else 0
        if status == 130:  # typer turns Ctrl-C into a silent exit code 130
            status = _fail("interrupted; no output file was changed", 130)
    except InputError as exc:
        status = _fail(str(exc), 2)
    except (KeyboardInterrupt, typer.Abort):
        status = _fail("interrupted; no output file was changed", 130)
    except typer.Exit as exc:
        status = exc.exit_code
    except Exception as exc:  # the edge: nothing escapes as a traceback
        if _is_usage_error(exc):
            return _finish(_fail(exc.format_message(), 2), argv)  # type: ignore[attr-defined]
        if debug:
            traceback.print_exc()
        kind = "" if isinstance(exc, ImpactError) else f"{type(exc).__name__}: "
        status = _fail(f"{kind}{exc} (run again with --debug for details)", 1)
    return _finish(status, argv)


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's (or click's) bad flag, bad value or missing argument errors, which exit 2."""
    return callable(getattr(exc, "format_message", None)) and getattr(exc, "exit_code", 0) == 2


def _finish(status: int, argv: list[str] | None) -> int:
    if argv is None:
        sys.exit(status)
    return status
