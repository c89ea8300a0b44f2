"""The command line that reproduces a run, rebuilt from the options it actually used."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from impact.cli.options import ScenarioOptions
from impact.inputs.datafile import expand_user
from impact.inputs.keys import key_info
from impact.reports.provenance import KEPT_SCENARIO

__all__ = ["kept_stdin", "reproduce_line"]


def kept_stdin(
    options: ScenarioOptions, out: Path
) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """What a run keeps in its folder of a scenario it read from stdin ((name, text), for
    `Provenance.saved`), and the path its reproduce line reads it from instead; (), None for a
    scenario of a file or a name. A run of the kept file itself (the reproduce line, run as
    printed) keeps it again, so that the folder still holds it."""
    kept = out / KEPT_SCENARIO
    if options.stdin is not None:
        return ((KEPT_SCENARIO, options.stdin),), str(kept)
    own = expand_user(options.scenario)
    if own.name == KEPT_SCENARIO and own.is_file() and kept.is_file() and own.samefile(kept):
        return ((KEPT_SCENARIO, kept.read_text(encoding="utf-8")),), str(kept)
    return (), None


def reproduce_line(
    options: ScenarioOptions,
    *,
    trials: int,
    seed: int,
    out: Path,
    extra: Sequence[str] = (),
    command: str = "simulate",
    scenario: str | None = None,
) -> str:
    """`impact simulate ...` with every option spelt out, so later default changes do not matter.

    `scenario` replaces the options' scenario (a file that holds what stdin held). Trials and
    seed are always written, even when they were defaults; scenario flags keep their
    order of precedence (scenario, overlays, named flags, --set) whatever order they are given in.

    >>> opts = ScenarioOptions(flags={"outage.hours": "pert(1, 2, 3)"}, sets=["users.count=5M"])
    >>> print(reproduce_line(opts, trials=1000, seed=7, out=Path("reports/x")))
    impact simulate --scenario tiktok-us-2026 --outage-hours 'pert(1, 2, 3)' --set users.count=5M \
--trials 1000 --seed 7 --out reports/x
    """
    args = ["impact", command, "--scenario", scenario or options.scenario]
    for overlay in options.overlays:
        args += ["--overlay", str(overlay)]
    if options.profile is not None:
        args += ["--profile", options.profile]
    for key, spec in options.flags.items():
        flag = key_info(key).flag
        if spec is not None and flag:
            args += [flag, spec]
    for item in options.sets:
        args += ["--set", item]
    args += ["--trials", str(trials), "--seed", str(seed), *extra, "--out", str(out)]
    return shlex.join(args)
