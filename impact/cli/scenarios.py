"""`impact scenarios` and `impact validate`: what is built in, and what is wrong with a file."""

from pathlib import Path
from typing import Annotated

import typer

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import path_kind, shown
from impact.inputs.designs import builtin_designs, load_design
from impact.inputs.keys import FREQUENCY_KEY, KEYS
from impact.inputs.scenario import Scenario, builtin_scenarios, load_scenario, scenario_problems
from impact.inputs.scenario_file import read_toml
from impact.simulation.annual import frequency_of
from impact.simulation.correlation import correlation_problems
from impact.simulation.resilience import cost_of, horizon_of


def scenarios_command() -> None:
    """List the built-in scenarios, one line each."""
    names = builtin_scenarios()
    width = max(len(n) for n in names)
    for name in names:
        scenario = load_scenario(name)
        hours = scenario.distributions["outage.hours"]
        typer.echo(f"{name:<{width}}  {scenario.label} (outage {hours.spec()} h)")


def validate_command(
    path: Annotated[
        Path, typer.Argument(help="scenario or design file (or built-in name) to check")
    ],
    partial: Annotated[
        bool, typer.Option("--partial", help="check a partial file meant for --overlay")
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="NAME|PATH",
            help="a design file (one with [cost]) is checked over this scenario (default: the "
            "built-in scenario of its data/designs/<scenario>/ folder, else on its own)",
        ),
    ] = None,
) -> int:
    """Check a scenario file and print every problem in it (exit 2 if there is any).

    An [expect] band that a pilot run of the scenario's own assumptions cannot fail (and that
    is not marked a construction check) is a `warning:` line; it leaves the exit status 0.
    """
    if str(path) == "-":  # as `--scenario -`: the TOML on standard input
        return _validate_stdin(partial)
    design = _design_file(path)
    if design is not None:
        return _validate_design(design, base)
    problems = scenario_problems(path, partial=partial)
    if not problems and not partial:
        # A table that parses but is not a valid correlation matrix: simulate would repair it.
        loaded = load_scenario(path)
        problems = [f"{path}: {p}" for p in correlation_problems(loaded)]
        if not problems and FREQUENCY_KEY in loaded.distributions:
            try:  # the rate as `impact annual` reads it (record included), before any year
                frequency_of(loaded)
            except InputError as exc:
                problems = [f"{path}: {exc}"]
    if problems:
        for problem in problems:
            typer.echo(f"error: {' '.join(problem.split())}", err=True)
        typer.echo(f"{len(problems)} problem(s) in {path}", err=True)
        return 2
    if partial:
        typer.echo(f"{path}: ok (partial file)")
        return 0
    scenario = load_scenario(path)
    model = {info.key for info in KEYS}
    extra = len(scenario.given_keys - model)  # [frequency], [value], [cost], [cover] …
    typer.echo(
        f"{path}: ok ({len(scenario.given_keys & model)} of {len(KEYS)} keys given, the rest "
        f"default; {len(scenario.uncertain_keys)} uncertain"
        + (f"; {extra} keys of annual risk and resilience)" if extra else ")")
    )
    _band_warnings(scenario, str(path))
    return 0


def _band_warnings(scenario: Scenario, where: str) -> None:
    """A `warning:` line for each [expect] band that cannot fail (impact.analysis.bands)."""
    if not scenario.expect:  # the pilot run, and its imports, only for a file with bands
        return
    from impact.analysis.bands import band_warnings

    for line in band_warnings(scenario):
        typer.echo(f"warning: {where}: {' '.join(line.split())}", err=True)


def _design_file(path: Path) -> Path | None:
    """The file of a resilience design (a scenario file with a [cost] table, or a built-in
    design's name), or None for any other file."""
    text = str(path)
    designs = builtin_designs()
    if text in designs and text not in builtin_scenarios():  # a built-in name wins, as in resolve
        return designs[text]
    try:
        if path_kind(path, shown(text)) != "file":
            return None
    except InputError:  # a path that cannot be looked up: scenario_problems reports it
        return None
    try:
        raw, _ = read_toml(path)
    except InputError:
        return None  # scenario_problems reports it
    return path if isinstance(raw.get("cost"), dict) else None


def _validate_design(path: Path, base: str | None) -> int:
    """Check a design file: as a partial file over its base scenario (a built-in design's is
    the scenario its folder names), or as a complete scenario; then its [frequency] and [cost]
    as `impact resilience` reads them."""
    folder = path.resolve().parent
    if base is None and folder.parent == data_path("designs").resolve():
        base = folder.name if folder.name in builtin_scenarios() else None
    problems = scenario_problems(path, partial=base is not None)
    if not problems and base is None:
        problems = [f"{path}: {p}" for p in correlation_problems(load_scenario(path))]
    if not problems:
        try:
            design = load_design(path, base).scenario
            frequency_of(design)
            # A candidate states its own costs; the decision's years and discount rate may
            # come from the current design (impact.simulation.resilience).
            for key in ("cost.one_off_usd", "cost.per_year_usd"):
                cost_of(design, key)
            if "cost.years" in design.distributions:
                horizon_of(design)
        except InputError as exc:
            named = str(exc).startswith((f"{path}:", f"{path.name}:"))  # it names the file
            problems = [str(exc) if named else f"{path}: {exc}"]
    if problems:
        for problem in problems:
            typer.echo(f"error: {' '.join(problem.split())}", err=True)
        if base is None and any("missing; every scenario must give it" in p for p in problems):
            typer.echo(
                f"a design that changes a scenario is checked over it: impact validate {path} "
                "--base SCENARIO",
                err=True,
            )
        typer.echo(f"{len(problems)} problem(s) in {path}", err=True)
        return 2
    over = f" over {base}" if base is not None else ""
    typer.echo(
        f"{path}: ok (a resilience design{over}: [frequency] and [cost] as resilience reads them)"
    )
    return 0


def _validate_stdin(partial: bool) -> int:
    """`impact validate -`: the same checks on the text of standard input (called <stdin>)."""
    import sys
    import tempfile

    text = sys.stdin.read()
    with tempfile.TemporaryDirectory(prefix="impact-validate-") as folder:
        copy = Path(folder) / "stdin.toml"
        copy.write_text(text, encoding="utf-8")
        problems = [
            p.replace(str(copy), "<stdin>") for p in scenario_problems(copy, partial=partial)
        ]
        if not problems and not partial:
            scenario = load_scenario(copy)
            problems = [f"<stdin>: {p}" for p in correlation_problems(scenario)]
    for problem in problems:
        typer.echo(f"error: {' '.join(problem.split())}", err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in <stdin>", err=True)
        return 2
    typer.echo("<stdin>: ok" + (" (partial file)" if partial else ""))
    if not partial:
        _band_warnings(scenario, "<stdin>")
    return 0
