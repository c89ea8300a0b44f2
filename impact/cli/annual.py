"""`impact annual`: outages per year times what each costs; the annual loss and its tail."""

from pathlib import Path
from typing import Annotated

import typer

from impact.cli.finish import finish
from impact.cli.options import (
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    MAX_TRIALS,
    TRIALS_CEILING,
    JsonFlag,
    QuietFlag,
    ScenarioOptions,
    SchedulerFlag,
    WorkersFlag,
    out_option,
    parse_whole,
    scenario_options,
    seed_option,
    trials_option,
)
from impact.cli.progress import DelayedProgress, wants_progress
from impact.cli.reproduce import kept_stdin, reproduce_line
from impact.inputs.designs import with_cover
from impact.inputs.specs import parse_number
from impact.reports.annual_report import headline, write_annual_report
from impact.reports.provenance import Provenance
from impact.simulation.annual import simulate_annual

__all__ = ["annual_command", "parse_thresholds", "run_settings"]


def run_settings(
    trials: str | None, seed: str | None, own: tuple[int | None, int | None]
) -> tuple[int, int]:
    """Trials and seed: the flags, else the scenario's [sampling], else the defaults."""
    n = parse_whole(trials, "trials", 1, MAX_TRIALS, TRIALS_CEILING) or own[0] or DEFAULT_TRIALS
    root = parse_whole(seed, "seed", 0)
    if root is None:
        root = own[1] if own[1] is not None else DEFAULT_SEED
    return n, root


def parse_thresholds(values: list[str] | None) -> tuple[float, ...] | None:
    """--threshold amounts (100M, 1B …), or None: amounts scaled to the platform."""
    if not values:
        return None
    from impact.exceptions import InputError

    out = []
    for text in values:
        try:
            value = parse_number(text)
        except InputError:
            raise InputError(f"--threshold: {text!r}: not an amount (write e.g. 100M)") from None
        if value < 0:
            raise InputError(f"--threshold: {text!r}: must be ≥ 0")
        out.append(value)
    return tuple(out)


@scenario_options(evidence=False)
def annual_command(
    options: ScenarioOptions,
    trials: Annotated[str | None, trials_option("simulated years")] = None,
    seed: Annotated[str | None, seed_option()] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            metavar="USD",
            help="report P(annual loss > USD) (repeatable; default: one outage's p50, p90 "
            "and p99 total loss, rounded down to 1-2-5 steps)",
        ),
    ] = None,
    out: Annotated[Path | None, out_option("reports/<scenario>-annual")] = None,
    cover: Annotated[
        str | None,
        typer.Option(
            "--cover",
            metavar="NAME|PATH",
            help="an insurance cover for every year: a file with [cover], or a built-in design "
            "such as insurance (default: the scenario's own [cover], if any)",
        ),
    ] = None,
    workers: WorkersFlag = 1,
    scheduler: SchedulerFlag = None,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Simulate years of outages (needs [frequency] events_per_year); write the report --out."""
    scenario = options.build()
    covered = ""
    if cover is not None:
        scenario, design = with_cover(scenario, cover)
        covered = f"-{design.name}"  # its own folder: never over the report without the cover
    n_years, root = run_settings(trials, seed, (scenario.trials, scenario.seed))
    thresholds = parse_thresholds(threshold)
    single = options.default_out(scenario)  # reports/<name>[-modified-<hash>]
    out_dir = out if out is not None else single.with_name(f"{single.name}-annual{covered}")
    bar = DelayedProgress(n_years, enabled=wants_progress(quiet=quiet, json_output=json_output))
    with bar:
        result = simulate_annual(
            scenario,
            n_years,
            root,
            thresholds=thresholds,
            workers=workers,
            scheduler=scheduler,
            progress=bar.simulated,
        )
        extra = [a for x in thresholds or () for a in ("--threshold", f"{x:.10g}")]
        extra += ["--cover", cover] if cover is not None else []
        saved, kept = kept_stdin(options, out_dir)
        command = reproduce_line(
            options, trials=n_years, seed=result.seed, out=out_dir, extra=extra,
            command="annual", scenario=kept,
        )  # fmt: skip
        data, written = write_annual_report(result, Provenance(command, saved=saved), out_dir)
    finish(result.to_json(), headline(data), out_dir, written, json_output=json_output, quiet=quiet)
