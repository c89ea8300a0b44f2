"""`impact resilience --current A --candidate B`: is a more resilient design worth its cost?"""

import shlex
from pathlib import Path
from typing import Annotated

import typer

from impact.analysis.resilience import resilience_report_data
from impact.cli.annual import run_settings
from impact.cli.finish import finish
from impact.cli.options import (
    DEFAULT_SEED,
    MAX_TRIALS,
    TRIALS_CEILING,
    JsonFlag,
    QuietFlag,
    SchedulerFlag,
    WorkersFlag,
    parse_whole,
)
from impact.cli.outdir import out_folder
from impact.inputs.designs import load_design
from impact.reports.provenance import Provenance
from impact.reports.resilience_report import cfo_sentence, write_resilience_report
from impact.simulation.resilience import simulate_resilience

__all__ = ["DEFAULT_FUTURES", "resilience_command"]

DEFAULT_FUTURES = 20_000


def resilience_command(
    current: Annotated[
        str,
        typer.Option("--current", metavar="DESIGN", help="current design: name or file"),
    ] = "single-site",
    candidate: Annotated[
        str,
        typer.Option("--candidate", metavar="DESIGN", help="candidate design: name or file"),
    ] = "multi-region",
    base: Annotated[
        str | None,
        typer.Option("--base", metavar="NAME|PATH", help="apply design files over this scenario"),
    ] = None,
    trials: Annotated[
        str | None,
        typer.Option(
            "--trials", metavar="N", help=f"simulated futures (default {DEFAULT_FUTURES:,})"
        ),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option(
            "--seed",
            metavar="S",
            help=f"root seed (default: the current design's [sampling] seed, else {DEFAULT_SEED})",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            parser=out_folder,
            help="output folder (default reports/resilience-A-B)",
        ),
    ] = None,
    workers: WorkersFlag = 1,
    scheduler: SchedulerFlag = None,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """NPV, payback and break-even of moving from the current design to the candidate."""
    now, new = load_design(current, base), load_design(candidate, base)
    n_futures = parse_whole(trials, "trials", 1, MAX_TRIALS, TRIALS_CEILING) or DEFAULT_FUTURES
    _, root = run_settings(None, seed, (None, now.seed))
    result = simulate_resilience(now, new, n_futures, root, workers=workers, scheduler=scheduler)
    data = resilience_report_data(result, root)
    out_dir = out if out is not None else Path("reports") / f"resilience-{now.name}-{new.name}"
    args = ["impact", "resilience", "--current", current, "--candidate", candidate]
    args += ["--base", base] if base else []
    args += ["--trials", str(n_futures), "--seed", str(result.seed), "--out", str(out_dir)]
    written = write_resilience_report(data, Provenance(shlex.join(args)), out_dir)
    payload = result.to_json()
    payload["tornado"] = data.tornado[["key", "low_value", "high_value"]].to_dict("records")
    sentence = cfo_sentence(data)
    finish(payload, sentence, out_dir, written, json_output=json_output, quiet=quiet)
