"""`impact simulate`: run the Monte Carlo model on a scenario and write its report folder."""

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from impact.analysis.evidence import readings_table
from impact.cli.finish import report_console
from impact.cli.options import (
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    KEPT_CEILING,
    MAX_KEPT_TRIALS,
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
from impact.exceptions import InputError
from impact.inputs.methods import Method
from impact.inputs.scenario import Scenario
from impact.reports.drawing import drawing_pool
from impact.reports.folder import SamplesFormat, check_samples_format, write_report
from impact.reports.headline import evidence_line, readings_line, scenario_headline
from impact.reports.provenance import Provenance
from impact.reports.tables import summary_table
from impact.simulation import cluster
from impact.simulation.engine import DEFAULT_MAX_TRIALS, SimulationResult, simulate


@scenario_options
def simulate_command(
    options: ScenarioOptions,
    trials: Annotated[str | None, trials_option()] = None,
    seed: Annotated[str | None, seed_option()] = None,
    out: Annotated[
        Path | None,
        out_option(
            "reports/<scenario>, or reports/<scenario>-modified-<hash of the inputs> when a flag, "
            "--set or --overlay changes the scenario"
        ),
    ] = None,
    workers: WorkersFlag = 1,
    scheduler: SchedulerFlag = None,
    method: Annotated[
        Method | None,
        typer.Option("--method", help="sampling design (default: the scenario's, else mc)"),
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            metavar="REL",
            help="run rounds until the mean and p95 of the total are within REL (0.01 = 1%)",
        ),
    ] = None,
    max_trials: Annotated[
        str | None,
        typer.Option("--max-trials", metavar="N", help="cap for --target-precision (default 10M)"),
    ] = None,
    samples: Annotated[
        bool,
        typer.Option(
            "--samples",
            help="also write per-trial samples.csv (with --scheduler: samples.parquet/, one "
            "part per task, written by the workers)",
        ),
    ] = False,
    samples_format: Annotated[
        SamplesFormat | None,
        typer.Option(
            "--samples-format",
            help="samples as csv or parquet (implies --samples; with --scheduler, parquet only)",
        ),
    ] = None,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Simulate outages of a scenario; print a summary and write the report folder --out."""
    started = time.perf_counter()
    scenario = options.build()
    n_trials = parse_whole(trials, "trials", 1, MAX_TRIALS, TRIALS_CEILING)
    n_trials = n_trials or scenario.trials or DEFAULT_TRIALS
    cap = parse_whole(max_trials, "max-trials", 1, MAX_TRIALS, TRIALS_CEILING)
    root_seed = parse_whole(seed, "seed", 0)
    if root_seed is None:
        root_seed = scenario.seed if scenario.seed is not None else DEFAULT_SEED
    out_dir = out if out is not None else options.default_out(scenario)
    if samples or samples_format is not None:
        if scheduler and samples_format is SamplesFormat.csv:
            raise InputError(
                "--samples-format csv: with --scheduler the workers write the samples, as "
                "Parquet only (samples.parquet/); use --samples-format parquet"
            )
        samples_format = samples_format or (
            SamplesFormat.parquet if scheduler else SamplesFormat.csv
        )
        most = max(n_trials, cap or DEFAULT_MAX_TRIALS) if target_precision else n_trials
        if most > MAX_KEPT_TRIALS:
            raise InputError(
                f"--samples: {most:,} trials: at most {MAX_KEPT_TRIALS:,}{KEPT_CEILING}; "
                "lower --trials (or --max-trials) or leave out --samples"
            )
        check_samples_format(samples_format)  # before anything is simulated or written
    extra = ["--samples-format", samples_format.value] if samples_format is not None else []
    extra += ["--method", method.value] if method is not None else []
    bar = DelayedProgress(n_trials, enabled=wants_progress(quiet=quiet, json_output=json_output))
    # The charts' processes fork first, before the bar's timer thread: they get ready while
    # this one simulates.
    with drawing_pool() as pool:
        with bar, ExitStack() as stack:
            on: Any = scheduler  # an address, or the Client opened just below
            if scheduler and samples_format is not None:
                # The run's own client, open until the report is written: the samples stay on the
                # workers, which then write them into the report's staging folder.
                on = cluster.connect(scheduler, stack).client
            result = simulate(
                scenario,
                n_trials,
                root_seed,
                workers=workers,
                scheduler=on,
                samples=samples_format is not None,
                progress=bar.simulated,
                method=method,
                target_precision=target_precision,
                max_trials=cap or DEFAULT_MAX_TRIALS,
            )
            # The command that regenerates this folder, from what actually ran; a scenario read
            # from stdin is kept in the folder, and the command reads it from there.
            saved, kept = kept_stdin(options, out_dir)
            command = reproduce_line(
                options, trials=result.n_trials, seed=result.seed, out=out_dir, extra=extra,
                scenario=kept,
            )  # fmt: skip
            written = write_report(
                result,
                out_dir,
                provenance=Provenance(command, saved=saved),
                samples_format=samples_format,
                progress=bar.written,
                pool=pool,
            )
        if pool is not None:  # they end while the summary is printed, and are waited for after
            pool.shutdown(wait=False)
        _print_summary(result, scenario, out_dir, written, started, json_output, quiet)


def _print_summary(
    result: SimulationResult,
    scenario: Scenario,
    out_dir: Path,
    written: list[Path],
    started: float,
    json_output: bool,
    quiet: bool,
) -> None:
    """The headline, the evidence's lines and the summary table (or the --json object)."""
    console = report_console(result.to_json, json_output=json_output, quiet=quiet)
    if console is None:
        return
    console.print(scenario_headline(scenario, result.summary), style="bold", markup=False)
    if result.conditioned is not None:
        line = evidence_line(result.summary, result.prior_summary, result.ess, result.n_trials)
        console.print(line, markup=False)
        readings = readings_line(readings_table(result))
        if readings:
            console.print(readings, markup=False)
    console.print(summary_table(result.summary, f"{result.n_trials:,} trials, seed {result.seed}"))
    report = out_dir / "report.md"
    console.print(
        f"wrote {report} and {len(written) - 1} more files  ({time.perf_counter() - started:.1f} s)"
    )
