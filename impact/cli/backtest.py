"""`impact backtest`: every built-in case from the outage catalogue, with its coverage table."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from impact.analysis.backtest import backtest
from impact.cli.finish import report_console
from impact.cli.options import (
    DEFAULT_SEED,
    MAX_TRIALS,
    TRIALS_CEILING,
    JsonFlag,
    QuietFlag,
    WorkersFlag,
    parse_whole,
)
from impact.cli.outdir import out_folder
from impact.reports.backtest_report import coverage_lines, write_backtest_report

__all__ = ["backtest_command"]

BACKTEST_TRIALS = 100_000


def backtest_command(
    case: Annotated[
        list[Path] | None,
        typer.Option(
            "--case", metavar="PATH", help="a case file instead of the built-in ones (repeatable)"
        ),
    ] = None,
    trials: Annotated[
        str | None,
        typer.Option(
            "--trials", metavar="N", help=f"trials per case (default {BACKTEST_TRIALS:,})"
        ),
    ] = None,
    seed: Annotated[
        str | None, typer.Option("--seed", metavar="S", help=f"root seed (default {DEFAULT_SEED})")
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            parser=out_folder,
            help="output folder (default reports/backtest)",
        ),
    ] = Path("reports/backtest"),
    workers: WorkersFlag = 1,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Place each catalogue outage's published loss in its predicted direct and total loss."""
    n = parse_whole(trials, "trials", 1, MAX_TRIALS, TRIALS_CEILING) or BACKTEST_TRIALS
    root = parse_whole(seed, "seed", 0)
    result = backtest(case or None, n, DEFAULT_SEED if root is None else root, workers=workers)
    written = write_backtest_report(result, out)
    console = report_console(result.to_json(), json_output=json_output, quiet=quiet)
    if console is None:
        return
    cases = Table(title=f"{n:,} trials per case, seed {result.seed}")
    for column in ("case", "published", "checks", "direct pct", "total pct", "in 50%", "in 90%"):
        cases.add_column(column, justify="left" if column in ("case", "checks") else "right")
    for _, r in result.cases.iterrows():
        cases.add_row(
            str(r["name"]),
            f"${float(r['published_usd']) / 1e6:.3g}M",
            str(r["checks"]),
            f"{float(r['direct_percentile']):.0f}",
            f"{float(r['total_percentile']):.0f}",
            "yes" if r["in_50"] else "no",
            "yes" if r["in_90"] else "no",
        )
    console.print(cases)
    coverage = Table(title="Coverage")
    for column in ("cases", "n", "in 50% interval", "in 90% interval"):
        coverage.add_column(column, justify="left" if column == "cases" else "right")
    for row in coverage_lines(result):
        coverage.add_row(*row)
    console.print(coverage)
    console.print(f"wrote {out / 'report.md'} and {len(written) - 1} more files")
