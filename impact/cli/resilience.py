"""`impact resilience [BASE] --current A --candidate B [--candidate C …]`: which resilience
design, if any, is worth its cost for the base platform? (`--base` and `--scenario` name the base
too, for older scripts.)"""

import shlex
from pathlib import Path
from typing import Annotated

import typer

from impact.analysis.resilience import resilience_report_data
from impact.cli.annual import run_settings
from impact.cli.finish import finish
from impact.cli.options import (
    MAX_TRIALS,
    TRIALS_CEILING,
    JsonFlag,
    QuietFlag,
    SchedulerFlag,
    WorkersFlag,
    one_scenario,
    out_option,
    parse_whole,
    scenario_option,
    seed_option,
    trials_option,
)
from impact.exceptions import InputError
from impact.inputs.designs import AS_IS, DEFAULT_BASE, designs_of, load_design
from impact.inputs.scenario import load_scenario
from impact.inputs.scenario_file import resolve
from impact.reports.provenance import Provenance
from impact.reports.resilience_report import cfo_sentence, write_resilience_report
from impact.simulation.resilience import simulate_resilience

__all__ = ["DEFAULT_CURRENT", "DEFAULT_FUTURES", "resilience_command"]

DEFAULT_FUTURES = 20_000
DEFAULT_CURRENT = "single-site"  # tiktok-us-2026's; any other base starts from as-is


def resilience_command(
    base_argument: Annotated[
        str | None,
        typer.Argument(
            metavar="BASE",
            help=f"the platform every design is applied over: built-in scenario name or "
            f"scenario file (default {DEFAULT_BASE})",
            show_default=False,
        ),
    ] = None,
    current: Annotated[
        str | None,
        typer.Option(
            "--current",
            metavar="DESIGN",
            help=f"current design: name or file (default {DEFAULT_CURRENT} for "
            f"{DEFAULT_BASE}, else {AS_IS}: the base as it runs)",
        ),
    ] = None,
    candidate: Annotated[
        list[str] | None,
        typer.Option(
            "--candidate",
            metavar="DESIGN",
            help="candidate design: name or file (repeatable; default: the base's built-in "
            "designs)",
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="NAME|PATH",
            help="the same as the BASE argument (for older scripts)",
        ),
    ] = None,
    scenario: Annotated[
        list[str] | None, scenario_option("the same as the BASE argument", "NAME|PATH")
    ] = None,
    trials: Annotated[str | None, trials_option("simulated futures", fixed=DEFAULT_FUTURES)] = None,
    seed: Annotated[str | None, seed_option(whose="the base's")] = None,
    out: Annotated[Path | None, out_option("reports/<base>-resilience")] = None,
    workers: WorkersFlag = 1,
    scheduler: SchedulerFlag = None,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Rank resilience designs by NPV against the current one, for the base platform."""
    named = one_scenario(base_argument, scenario, default=None)
    base = one_scenario(named, [base] if base is not None else [], flag="--base", default=None)
    platform = load_scenario(resolve(base, flag="--base") if base else DEFAULT_BASE)
    now_name = current or (DEFAULT_CURRENT if platform.name == DEFAULT_BASE else AS_IS)
    now = load_design(now_name, platform, flag="--current")
    names = candidate or [d for d in designs_of(platform.name) if d != now.name]
    if not names:
        raise InputError(
            f"--candidate: none given, and {platform.name} has no built-in designs; give design "
            "files of your own (--candidate standby.toml; docs/model.md §16)"
        )
    for name in names:
        if name == now_name:
            raise InputError(f"--candidate: {name!r}: is the current design; compare others")
        if names.count(name) > 1:
            raise InputError(f"--candidate: {name!r}: given twice; compare each design once")
    news = [load_design(name, platform, flag="--candidate") for name in names]
    n_futures = parse_whole(trials, "trials", 1, MAX_TRIALS, TRIALS_CEILING) or DEFAULT_FUTURES
    _, root = run_settings(None, seed, (None, platform.seed))
    result = simulate_resilience(now, news, n_futures, root, workers=workers, scheduler=scheduler)
    data = resilience_report_data(result, root)
    out_dir = out if out is not None else Path("reports") / f"{platform.name}-resilience"
    args = ["impact", "resilience", *([base] if base else []), "--current", now_name]
    args += [a for name in names for a in ("--candidate", name)]
    args += ["--trials", str(n_futures), "--seed", str(result.seed), "--out", str(out_dir)]
    written = write_resilience_report(data, Provenance(shlex.join(args)), out_dir)
    payload = result.to_json()
    payload["tornado"] = {
        "design": data.leader.name,
        "keys": data.tornado[["key", "low_value", "high_value"]].to_dict("records"),
    }
    finish(payload, cfo_sentence(data), out_dir, written, json_output=json_output, quiet=quiet)
