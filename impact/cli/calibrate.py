"""`impact calibrate durations|recovery|after-effects`: fit inputs to data, write an overlay."""

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from impact.calibration.after_effects import AfterEffectsFit
from impact.calibration.catalogue import Scope, default_catalogue, read_durations
from impact.calibration.durations import DurationFit
from impact.calibration.fitted_specs import number
from impact.calibration.loo import coverage, coverage_json, leave_one_out, recoveries_json
from impact.calibration.recoveries import read_recoveries
from impact.calibration.recovery import RecoveryFit
from impact.calibration.series import check_time_zones, read_series
from impact.cli.commands import InTableOrder
from impact.cli.finish import report_console
from impact.cli.options import DEFAULT_SEED, JsonFlag, out_option, parse_whole, seed_option
from impact.reports.after_effects_report import (
    after_effects_report,
    after_effects_toml,
    key_rows,
)
from impact.reports.calibration_report import (
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

# after-effects: 5M draws of the wide prior, each a row of every key, in memory at once.
MAX_DRAWS = 5_000_000

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
    seed: Annotated[str | None, seed_option("bootstrap seed", whose=None)] = None,
    json_output: JsonFlag = False,
    out: Annotated[Path | None, out_option("reports/calibrate-durations")] = None,
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
    out: Annotated[Path | None, out_option("reports/calibrate-recovery")] = None,
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


def after_effects_command(
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            metavar="PATH",
            help="catalogue of observed recoveries (default data/recoveries.csv)",
        ),
    ] = None,
    draws: Annotated[
        str | None,
        typer.Option("--draws", metavar="N", help="draws from the wide prior (default 200,000)"),
    ] = None,
    drift: Annotated[
        float,
        typer.Option(
            "--drift",
            metavar="SHARE",
            min=0.0,
            max=0.99,
            help="a platform's own drift per 30 days between baseline and observation, part "
            "of each observation's error (default 0.03)",
        ),
    ] = 0.03,
    seed: Annotated[str | None, seed_option(whose=None)] = None,
    json_output: JsonFlag = False,
    out: Annotated[Path | None, out_option("reports/calibration")] = None,
) -> None:
    """Pool the after-effect priors over observed recoveries (data/recoveries.csv); check each
    case against priors pooled without it."""
    data = read_recoveries(catalogue)
    n_draws = (
        parse_whole(
            draws,
            "draws",
            1000,
            MAX_DRAWS,
            ": every draw of every key is kept in memory (several arrays of 8 bytes a key), and 5M "
            "draws already leave the pooled percentiles' Monte Carlo error far below the spread",
        )
        or 200_000
    )
    root_seed = parse_whole(seed, "seed", 0)
    fit = AfterEffectsFit(
        draws=n_draws,
        rng=DEFAULT_SEED if root_seed is None else root_seed,
        drift_per_month=drift,
    ).fit(data)
    loo = leave_one_out(fit)
    cover = coverage(loo)
    source = str(catalogue) if catalogue is not None else "data/recoveries.csv"
    provenance = Provenance(command=command_line())
    out_dir = out if out is not None else Path("reports") / "calibration"
    written = write_files(
        out_dir,
        {
            "calibration.toml": text_file(after_effects_toml(fit, source)),
            "priors.csv": lambda p: write_csv(fit.summary_.reset_index(), p),
            "cases.csv": lambda p: write_csv(
                fit.cases_.join(fit.width_ratio_.add_prefix("width_ratio ")).reset_index(), p
            ),
            "recoveries.csv": lambda p: write_csv(loo, p),
            "coverage.csv": lambda p: write_csv(cover, p),
            "report.md": text_file(after_effects_report(fit, loo, cover, source, provenance)),
        },
    )
    payload = {
        **fit.to_json(),
        "recoveries": recoveries_json(loo),
        "recoveries_coverage": coverage_json(cover),
    }
    out_console = report_console(payload, json_output=json_output)
    if out_console is None:
        return
    n_obs = int(fit.cases_["observations"].sum())
    out_console.print(
        f"[bold]After-effect priors[/bold] pooled over {source}: {n_obs} observations of "
        f"{len(fit.cases_)} cases; {fit.draws:,} draws from the wide prior, seed {fit.seed_}"
    )
    table = Table(
        title_justify="left",
        caption=(
            "hours in h; 'wide': kept at the wide prior (its pooled column is shown, not used)"
        ),
    )
    table.add_column("key", no_wrap=True)
    for column in ("informed by", "wide prior p05/p50/p95", "pooled p05/p50/p95"):
        table.add_column(column)
    table.add_column("wide", justify="center")
    for key, cases, prior, pooled, _spec, wide in key_rows(fit, units=False):
        table.add_row(key, cases, prior, pooled, wide)
    out_console.print(table)
    pooled_keys = [k for k, wide in fit.kept_wide_.items() if not wide]
    if pooled_keys:
        out_console.print(f"pooled: {', '.join(pooled_keys)}; every other key keeps its wide prior")
    else:
        out_console.print(
            f"no key is informed by {fit.min_cases} or more cases: the catalogue is too thin to "
            "pool, and every key keeps its wide prior (docs/model.md)"
        )
    for case, ess in fit.cases_["ess"].items():
        if ess >= 200:
            continue
        out_console.print(
            f"note: {case} keeps {ess:.0f} effective draws: what it informs is measured roughly "
            "(more --draws sharpen it)"
        )
    by_level = {str(r["interval"]): r for _, r in cover.iterrows()}
    parts = [
        f"{int(r['inside'])} of {int(r['n'])} inside the {level} interval "
        f"({float(r['ci_low']):.0%}–{float(r['ci_high']):.0%})"
        for level, r in by_level.items()
    ]
    out_console.print(
        "leave-one-out, each observation against priors pooled without its case: "
        + "; ".join(parts)
        + " (exact binomial 95% intervals)"
    )
    print_written(out_console, written)
