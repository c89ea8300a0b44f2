"""`impact sensitivity`: which assumptions drive a metric (tornado, rank correlations, Sobol)."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from impact.analysis.sensitivity import DEFAULT_METRIC, analyse
from impact.cli.finish import report_console
from impact.cli.options import (
    DEFAULT_SEED,
    KEPT_CEILING,
    MAX_KEPT_TRIALS,
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
from impact.cli.reproduce import kept_stdin, reproduce_line
from impact.inputs.methods import Method
from impact.reports.files import write_files
from impact.reports.format import format_value
from impact.reports.provenance import KEPT_SCENARIO, Provenance
from impact.reports.sensitivity_report import format_input, sensitivity_writers
from impact.simulation.result import METRIC_UNITS

DEFAULT_SENSITIVITY_TRIALS = 200_000


@scenario_options(evidence=False)
def sensitivity_command(
    options: ScenarioOptions,
    metric: Annotated[
        str, typer.Option("--metric", help="the output to explain (a summary.csv metric)")
    ] = DEFAULT_METRIC,
    trials: Annotated[
        str | None,
        trials_option(
            "trials for the rank correlations, and the budget of model runs for the Sobol indices",
            fixed=DEFAULT_SENSITIVITY_TRIALS,
        ),
    ] = None,
    seed: Annotated[str | None, seed_option()] = None,
    out: Annotated[
        Path | None,
        out_option(
            "reports/<scenario>/sensitivity/<metric>, with <scenario>-modified-<hash> for a "
            "changed scenario as for simulate"
        ),
    ] = None,
    method: Annotated[
        Method | None,
        typer.Option("--method", help="sampling design of the simulation (default: scenario's)"),
    ] = None,
    workers: WorkersFlag = 1,
    scheduler: SchedulerFlag = None,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Rank the uncertain inputs by how much they drive a metric; write sensitivity.md, CSVs and
    charts into --out."""
    scenario = options.build()
    n_trials = (
        parse_whole(trials, "trials", 1, MAX_KEPT_TRIALS, KEPT_CEILING)
        or DEFAULT_SENSITIVITY_TRIALS
    )
    root_seed = parse_whole(seed, "seed", 0)
    if root_seed is None:
        root_seed = scenario.seed if scenario.seed is not None else DEFAULT_SEED
    # One folder per metric, so explaining users_lost never overwrites the total-loss analysis.
    out_dir = out if out is not None else options.default_out(scenario) / "sensitivity" / metric
    result = analyse(
        scenario, metric, n_trials, root_seed, method=method, workers=workers, scheduler=scheduler
    )
    extra = ["--metric", metric] + (["--method", method.value] if method is not None else [])
    saved, kept = kept_stdin(options, out_dir)
    command = reproduce_line(
        options, trials=n_trials, seed=result.seed, out=out_dir, extra=extra,
        command="sensitivity", scenario=kept,
    )  # fmt: skip
    writers = {**sensitivity_writers(result, command), **Provenance(command, saved).saved_writers()}
    written = write_files(out_dir, writers, remove=(KEPT_SCENARIO,))
    console = report_console(result.to_json(), json_output=json_output, quiet=quiet)
    if console is None:
        return
    view = Table(
        title=f"What drives {metric} in {scenario.label}: tornado swing p10 → p90, Spearman's "
        "rho, Sobol first-order and total indices",
        title_justify="left",
    )
    for column, justify in (
        ("input", "left"),
        ("p10 → p90", "right"),
        ("swing", "right"),
        ("rho", "right"),
        ("first", "right"),
        ("total", "right"),
    ):
        view.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    swings = result.tornado.set_index("key")
    rho = result.spearman.set_index("key")["spearman"]
    for row in result.sobol.head(10).to_dict("records"):
        swing = swings.loc[row["key"]]
        view.add_row(
            str(row["key"]),
            f"{format_input(swing['input_low'], row['key'])} → "
            f"{format_input(swing['input_high'], row['key'])}",
            format_value(float(swing["swing"]), METRIC_UNITS[metric], compact=True),
            f"{rho[row['key']]:+.2f}",
            f"{row['first']:.2f}",
            f"{row['total']:.2f}",
        )
    console.print(view)
    console.print(f"wrote {out_dir / 'sensitivity.md'} and {len(written) - 1} more files")
