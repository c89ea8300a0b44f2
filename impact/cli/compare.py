"""`impact compare A B`: two scenarios (or one and a variant) on common random numbers."""

import hashlib
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from impact.analysis.compare import check_same_trials
from impact.cli.annual import run_settings
from impact.cli.finish import finish
from impact.cli.options import (
    JsonFlag,
    QuietFlag,
    ScenarioOptions,
    SchedulerFlag,
    WorkersFlag,
    out_option,
    seed_option,
    trials_option,
)
from impact.exceptions import InputError
from impact.inputs.scenario import Scenario
from impact.reports.compare_report import compare_headline, write_compare_report
from impact.reports.provenance import Provenance
from impact.simulation.paired import Mode, simulate_paired

__all__ = ["SideFlags", "build_pair", "compare_command"]

SetFlag = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=SPEC", help="override a key in both A and B (repeatable)"),
]
OverlayFlag = Annotated[
    list[Path] | None,
    typer.Option("--overlay", metavar="PATH", help="partial scenario file over both (repeatable)"),
]


def _side(name: str, flag: str, what: str) -> object:
    return typer.Option(flag, metavar=name, help=f"{what} (repeatable)")


class SideFlags:
    """What the flags said for one side: its scenario, overlays and --set overrides."""

    def __init__(self, scenario: str, overlays: list[Path], sets: list[str]) -> None:
        self.options = ScenarioOptions(scenario=scenario, overlays=overlays, sets=sets)

    def build(self) -> Scenario:
        return self.options.build()


def build_pair(
    a: str,
    b: str | None,
    *,
    sets: list[str],
    overlays: list[Path],
    a_sets: list[str],
    b_sets: list[str],
    a_overlays: list[Path],
    b_overlays: list[Path],
) -> tuple[Scenario, Scenario]:
    """A and B: each its scenario, then the shared overlays and --set, then its own.

    A side that a flag changed is titled "<its scenario's title> with <the changes>" (not "…
    (modified: …)"), so that the headline's "B (…)" holds no parentheses of ours.
    """
    sides = []
    for name, side_overlays, side_sets in (
        (a, [*overlays, *a_overlays], [*sets, *a_sets]),
        (b or a, [*overlays, *b_overlays], [*sets, *b_sets]),
    ):
        scenario = SideFlags(name, side_overlays, side_sets).build()
        changes = ", ".join([*side_sets, *(p.name for p in side_overlays)])
        if changes and name != "-":  # (stdin is read once: its title stays as built)
            plain = SideFlags(name, [], []).build().label
            scenario = replace(scenario, title=f"{plain} with {changes}")
        sides.append(scenario)
    return sides[0], sides[1]


def compare_command(
    a: Annotated[str, typer.Argument(metavar="A", help="scenario A: built-in name or file")],
    b: Annotated[
        str | None,
        typer.Argument(
            metavar="[B]", help="scenario B (default: A, changed by --b-set/--b-overlay)"
        ),
    ] = None,
    set_: SetFlag = None,
    overlay: OverlayFlag = None,
    a_set: Annotated[list[str] | None, _side("KEY=SPEC", "--a-set", "override a key in A")] = None,
    b_set: Annotated[list[str] | None, _side("KEY=SPEC", "--b-set", "override a key in B")] = None,
    a_overlay: Annotated[list[Path] | None, _side("PATH", "--a-overlay", "overlay on A")] = None,
    b_overlay: Annotated[list[Path] | None, _side("PATH", "--b-overlay", "overlay on B")] = None,
    annual: Annotated[
        bool, typer.Option("--annual", help="compare years of outages (needs [frequency])")
    ] = False,
    trials: Annotated[
        str | None,
        trials_option("paired trials: outages, or years with --annual", whose="the scenarios'"),
    ] = None,
    seed: Annotated[str | None, seed_option(whose="A's")] = None,
    out: Annotated[Path | None, out_option("reports/compare-A-B")] = None,
    workers: WorkersFlag = 1,
    scheduler: SchedulerFlag = None,
    json_output: JsonFlag = False,
    quiet: QuietFlag = False,
) -> None:
    """Run A and B on common random numbers; report B − A for every output."""
    for flag, items in (("--set", set_), ("--a-set", a_set), ("--b-set", b_set)):
        for item in items or []:
            if not item.partition("=")[1] or not item.partition("=")[0].strip():
                raise InputError(f"{flag}: {item!r}: write KEY=SPEC, e.g. {flag} outage.hours=24")
    first, second = build_pair(
        a,
        b,
        sets=list(set_ or []),
        overlays=list(overlay or []),
        a_sets=list(a_set or []),
        b_sets=list(b_set or []),
        a_overlays=list(a_overlay or []),
        b_overlays=list(b_overlay or []),
    )
    own_trials = None if trials is not None else check_same_trials(first, second)
    n, root = run_settings(trials, seed, (own_trials, first.seed))
    mode: Mode = "year" if annual else "outage"
    result = simulate_paired(
        first, second, n, root, mode=mode, workers=workers, scheduler=scheduler
    )
    folder = f"compare-{first.name}-{second.name}"
    if first.modified or second.modified:  # a what-if never lands in the plain comparison's folder
        pair = hashlib.sha256(f"{first.digest()} {second.digest()}".encode()).hexdigest()
        folder += f"-modified-{pair[:8]}"
    out_dir = out if out is not None else Path("reports") / folder
    pairs = [("--set", set_), ("--overlay", overlay), ("--a-set", a_set), ("--b-set", b_set),
             ("--a-overlay", a_overlay), ("--b-overlay", b_overlay)]  # fmt: skip
    args = ["impact", "compare", a, *([b] if b else [])]
    args += [x for flag, values in pairs for v in values or [] for x in (flag, str(v))]
    args += ["--annual"] if annual else []
    args += ["--trials", str(n), "--seed", str(result.seed), "--out", str(out_dir)]
    command = shlex.join(args)
    data, written = write_compare_report(result, Provenance(command), out_dir)
    sentence = compare_headline(data)
    finish(result.to_json(), sentence, out_dir, written, json_output=json_output, quiet=quiet)
