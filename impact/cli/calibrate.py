"""`impact calibrate durations|recovery`: fit inputs to data and write calibration.toml."""

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from impact.calibration.catalogue import Scope, default_catalogue, read_durations
from impact.calibration.durations import DurationFit
from impact.calibration.fitted_specs import number
from impact.calibration.recovery import RecoveryFit
from impact.calibration.series import check_time_zones, read_series
from impact.cli.commands import InTableOrder
from impact.cli.finish import report_console
from impact.cli.options import DEFAULT_SEED, JsonFlag, parse_whole
from impact.cli.outdir import out_folder
from impact.reports.calibration import (
    durations_report,
    durations_toml,
    recovery_report,
    recovery_toml,
    when,
)
from impact.reports.data_charts import durations_chart, recovery_chart
from impact.reports.files import Writer, write_files
from impact.reports.provenance import Provenance
from impact.reports.tables import write_csv

calibrate_app = typer.Typer(
    name="calibrate",
    cls=InTableOrder,
    rich_markup_mode=None,
    help="Fit input distributions to data and write them as a partial scenario (calibration.toml).",
    no_args_is_help=True,
)

SeriesFlag = Annotated[
    Path, typer.Option("--series", metavar="PATH", help="CSV with a time column and the metric")
]
MetricFlag = Annotated[str, typer.Option("--metric", metavar="COL", help="column to analyse")]
OnsetFlag = Annotated[
    str,
    typer.Option("--onset", metavar="T0", help="when the outage began, e.g. '2025-04-07 09:00'"),
]
TimeColFlag = Annotated[
    str | None,
    typer.Option("--time-col", metavar="C", help="the time column (default: the first column)"),
]


def command_line() -> str:
    return "impact " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else "impact"


def text_file(text: str) -> Writer:
    """A writer of `text` for `write_files`."""

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


def print_written(out: Console, written: list[Path]) -> None:
    out.print(f"wrote {', '.join(str(p) for p in written)}")
    toml = next((p for p in written if p.name == "calibration.toml"), None)
    if toml is not None:
        out.print(f"use it: impact simulate --overlay {toml}")


def durations_command(
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            metavar="PATH",
            help="outage catalogue CSV with duration_hours (and scope)",
        ),
    ] = None,
    scope: Annotated[
        Scope, typer.Option("--scope", help="which outages: total blackouts, partial ones, or all")
    ] = Scope.all,
    seed: Annotated[
        str | None,
        typer.Option("--seed", metavar="S", help=f"bootstrap seed (default {DEFAULT_SEED})"),
    ] = None,
    json_output: JsonFlag = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            parser=out_folder,
            help="output folder (default reports/calibrate-durations)",
        ),
    ] = None,
) -> None:
    """Fit lognormal, gamma and Weibull distributions to outage durations; print the best spec."""
    path = catalogue if catalogue is not None else default_catalogue()
    durations = read_durations(path, scope)
    root_seed = parse_whole(seed, "seed", 0)
    fit = DurationFit(rng=DEFAULT_SEED if root_seed is None else root_seed).fit(durations)
    source = str(catalogue) if catalogue is not None else "data/outages.csv"
    provenance = Provenance(command=command_line())
    out_dir = out if out is not None else Path("reports") / "calibrate-durations"
    toml = durations_toml(fit, source, scope.value)
    report = durations_report(fit, source, scope.value, provenance)
    written = write_files(
        out_dir,
        {
            "calibration.toml": text_file(toml),
            "fits.csv": lambda p: write_csv(fit.summary_.reset_index(), p),
            "report.md": text_file(report),
            "durations.png": lambda p: durations_chart(fit, p),
        },
    )
    out_console = report_console(fit.to_json(), json_output=json_output)
    if out_console is None:
        return
    out_console.print(
        f"[bold]Outage durations[/bold]: {fit.n_} outages from {source} (scope {scope.value}); "
        f"{fit.confidence:.0%} bootstrap intervals, seed {fit.seed_}"
    )
    table = Table(title_justify="left")
    for column in ("family", "parameters", "AIC", "ΔAIC", "KS p"):
        table.add_column(column, justify="left" if column in ("family", "parameters") else "right")
    for family, f in sorted(fit.fits_.items(), key=lambda item: item[1]["aic"]):
        params = "; ".join(
            f"{name} {number(v, 3)} ({number(f['ci'][name][0], 3)}–{number(f['ci'][name][1], 3)})"
            for name, v in f["params"].items()
        )
        table.add_row(
            family, params, f"{f['aic']:.1f}", f"{f['delta_aic']:.1f}", f"{f['ks_p_value']:.2f}"
        )
    out_console.print(table)
    out_console.print(f"best fit as a spec: [bold]{fit.spec_}[/bold]")
    print_written(out_console, written)


def recovery_command(
    series: SeriesFlag,
    metric: MetricFlag,
    onset: OnsetFlag,
    restored: Annotated[
        str, typer.Option("--restored", metavar="T1", help="when service was fully restored")
    ],
    time_col: TimeColFlag = None,
    with_latency: Annotated[
        bool,
        typer.Option("--with-latency", help="also fit the latency ramp aq·max(0, 1 − u/L)"),
    ] = False,
    degrade_hours: Annotated[
        float | None,
        typer.Option(
            "--degrade-hours",
            metavar="HOURS",
            help="with --with-latency: τq used to turn the fitted quality drop aq and ramp L_D "
            "into q and L (model v3; default the median of algorithm.degrade_hours' generic "
            "default)",
        ),
    ] = None,
    decay_hours: Annotated[
        float | None,
        typer.Option(
            "--decay-hours",
            metavar="HOURS",
            help="τe used to turn the fitted half-life he_D into he (model v3; default the "
            "median of engagement.decay_hours' generic default)",
        ),
    ] = None,
    json_output: JsonFlag = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            parser=out_folder,
            help="output folder (default reports/calibrate-recovery)",
        ),
    ] = None,
) -> None:
    """Fit the engagement gap after an outage (ae·2^(−u/he)) to a series around it."""
    data = read_series(series, metric, time_col=time_col)
    check_time_zones(data, {"--onset": onset, "--restored": restored})
    fit = RecoveryFit(
        onset,
        restored,
        with_latency=with_latency,
        degrade_hours=degrade_hours,
        decay_hours=decay_hours,
    ).fit(data.y)
    provenance = Provenance(command=command_line())
    out_dir = out if out is not None else Path("reports") / "calibrate-recovery"
    source = str(series)
    toml = recovery_toml(fit, source, data.metric)
    report = recovery_report(fit, source, data.metric, provenance)
    fitted = fit.fitted_.reset_index(names="time")
    written = write_files(
        out_dir,
        {
            "calibration.toml": text_file(toml),
            "estimates.csv": lambda p: write_csv(fit.summary_.reset_index(), p),
            "fit.csv": lambda p: write_csv(fitted, p),
            "report.md": text_file(report),
            "recovery.png": lambda p: recovery_chart(fit, p, data.metric),
        },
    )
    out_console = report_console(fit.to_json(), json_output=json_output)
    if out_console is None:
        return
    out_console.print(
        f"[bold]Recovery of {data.metric}[/bold] after {when(fit.restored_)} ({source}):"
    )
    out_console.print(fit.describe())
    if fit.severity_ == fit.severity_:
        out_console.print(f"during the outage {fit.severity_:.0%} of the normal level was missing")
    for note in sorted({str(n) for n in fit.summary_["note"][:-1] if n}):
        out_console.print(f"note: {note}")
    for key, spec in fit.specs_.items():
        out_console.print(f"{key} = [bold]{spec}[/bold]")
    print_written(out_console, written)
