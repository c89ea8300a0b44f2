"""`impact backtest`: every built-in case from the outage catalogue: company figures with their
coverage and its exact binomial interval, analysts' figures as arithmetic checks apart."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from impact.analysis.backtest import backtest
from impact.calibration.loo import coverage as loo_coverage
from impact.calibration.loo import coverage_json, recoveries_json, recoveries_table
from impact.cli.finish import report_console
from impact.cli.options import (
    DEFAULT_SEED,
    MAX_TRIALS,
    TRIALS_CEILING,
    JsonFlag,
    QuietFlag,
    WorkersFlag,
    out_option,
    parse_whole,
    seed_option,
    trials_option,
)
from impact.exceptions import InputError
from impact.reports.backtest_report import (
    ANALYST_HEADER,
    COMPANY_HEADER,
    COVERAGE_HEADER,
    analyst_lines,
    company_lines,
    coverage_lines,
    coverage_sentence,
    write_backtest_report,
)

__all__ = ["backtest_command"]

BACKTEST_TRIALS = 100_000
DEFAULT_OUT = Path("reports/backtest")


def backtest_command(
    cases: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="CASE",
            help="case files (scenarios with [published]) instead of the built-in ones",
            show_default=False,
        ),
    ] = None,
    case: Annotated[
        list[Path] | None,
        typer.Option(
            "--case",
            metavar="PATH",
            help="a case file, as the CASE argument (repeatable; for older scripts)",
        ),
    ] = None,
    trials: Annotated[str | None, trials_option("trials per case", fixed=BACKTEST_TRIALS)] = None,
    seed: Annotated[str | None, seed_option(whose=None)] = None,
    out: Annotated[Path | None, out_option(str(DEFAULT_OUT))] = None,
    workers: WorkersFlag = 1,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Place published outage losses in the predicted loss: company figures, analysts' apart."""
    if cases and case and list(case) != list(cases):
        raise InputError(
            f"--case: {', '.join(map(str, case))}: differs from the case arguments "
            f"{', '.join(map(str, cases))}; give the cases once (as arguments, or with --case)"
        )
    chosen = list(cases or case or []) or None
    n = parse_whole(trials, "trials", 1, MAX_TRIALS, TRIALS_CEILING) or BACKTEST_TRIALS
    root = parse_whole(seed, "seed", 0)
    out = out if out is not None else DEFAULT_OUT
    result = backtest(chosen, n, DEFAULT_SEED if root is None else root, workers=workers)
    loo = recoveries_table()  # each observed recovery against priors pooled without its case
    cover = loo_coverage(loo)
    written = write_backtest_report(result, out, (loo, cover))
    payload = result.to_json()
    payload["recoveries"] = recoveries_json(loo)
    payload["recoveries_coverage"] = coverage_json(cover)
    console = report_console(payload, json_output=json_output, quiet=quiet)
    if console is None:
        return
    title = (
        f"Company figures: total loss at the figure's horizon ({n:,} trials, seed {result.seed})"
    )
    company = Table(title=title)
    for column in COMPANY_HEADER:
        company.add_column(column, justify="left" if column == "case" else "right")
    for row in company_lines(result):
        company.add_row(*row)
    console.print(company)
    coverage = Table(title="Coverage: company figures only")
    for column in COVERAGE_HEADER:
        coverage.add_column(column, justify="left" if column == "interval" else "right")
    for row in coverage_lines(result):
        coverage.add_row(*row)
    console.print(coverage)
    console.print(coverage_sentence(result, 90))
    if len(result.analysts):
        analysts = Table(title="Analysts' figures: arithmetic checks against R·S·D, not validation")
        for column in ANALYST_HEADER:
            analysts.add_column(column, justify="left" if column == "case" else "right")
        for row in analyst_lines(result):
            analysts.add_row(*row)
        console.print(analysts)
    console.print(
        "Recoveries (leave-one-out): "
        + "; ".join(
            f"{int(r['inside'])} of {int(r['n'])} observed recoveries inside the {r['interval']} "
            f"interval ({float(r['ci_low']):.0%}–{float(r['ci_high']):.0%})"
            for _, r in cover.iterrows()
        )
    )
    console.print(f"wrote {out / 'report.md'} and {len(written) - 1} more files")
