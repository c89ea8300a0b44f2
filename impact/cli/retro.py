"""`impact retro`: measure what an outage did to a metric, against a modelled counterfactual."""

from pathlib import Path
from typing import Annotated

import typer

from impact.calibration.retro_impact import RetroImpact
from impact.calibration.series import check_time_zones, read_series
from impact.cli.calibrate import (
    MetricFlag,
    OnsetFlag,
    SeriesFlag,
    TimeColFlag,
    command_line,
    print_written,
    text_file,
)
from impact.cli.finish import report_console
from impact.cli.options import DEFAULT_SEED, JsonFlag, out_option, parse_whole, seed_option
from impact.reports.data_charts import retro_chart
from impact.reports.files import write_files
from impact.reports.provenance import Provenance
from impact.reports.retro_report import retro_headline, retro_report
from impact.reports.tables import write_csv


def retro_command(
    series: SeriesFlag,
    metric: MetricFlag,
    onset: OnsetFlag,
    end: Annotated[
        str | None,
        typer.Option("--end", metavar="T1", help="last time to measure (default: the last row)"),
    ] = None,
    control: Annotated[
        list[str] | None,
        typer.Option(
            "--control", metavar="COL", help="a column the outage did not affect (repeatable)"
        ),
    ] = None,
    time_col: TimeColFlag = None,
    seed: Annotated[str | None, seed_option("seed of the simulated paths", whose=None)] = None,
    json_output: JsonFlag = False,
    out: Annotated[Path | None, out_option("reports/retro")] = None,
) -> None:
    """Estimate what the metric would have been without the outage, and the effect."""
    controls = tuple(control or ())
    data = read_series(series, metric, time_col=time_col, controls=controls)
    check_time_zones(data, {"--onset": onset, "--end": end})
    root_seed = parse_whole(seed, "seed", 0)
    retro = RetroImpact(
        onset,
        end,
        metric=data.metric,
        controls=data.controls,
        rng=DEFAULT_SEED if root_seed is None else root_seed,
    ).fit(data.with_source())
    provenance = Provenance(command=command_line())
    out_dir = out if out is not None else Path("reports") / "retro"
    report = retro_report(retro, str(series), data.metric, data.controls, provenance)
    effects = retro.effects_.reset_index(names="time")
    written = write_files(
        out_dir,
        {
            "summary.csv": lambda p: write_csv(retro.summary_.reset_index(), p),
            "effects.csv": lambda p: write_csv(effects, p),
            "report.md": text_file(report),
            "retro.png": lambda p: retro_chart(retro, p, data.metric),
        },
    )
    out_console = report_console(retro.to_json(), json_output=json_output)
    if out_console is None:
        return
    out_console.print(retro_headline(retro, data.metric))
    print_written(out_console, written)
