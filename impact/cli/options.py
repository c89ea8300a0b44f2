"""The flags several commands share, each declared once here, and the scenario flags every
simulating command takes, added by a decorator.

`--seed`, `--trials`, `--out`, `--workers`, `--scheduler`, `--json` and the scenario (a
positional argument, with `--scenario` kept as its alias) are declared in this module only: a
command takes them as the `Annotated` aliases below, or, where its help must say something of its
own (what a trial is, the default folder), from the helpers `seed_option`, `trials_option` and
`out_option`, which phrase that help one way. `tests/test_cli_flags.py` walks every command of
`impact.cli.commands.COMMANDS` and fails on a flag declared anywhere else.
"""

import functools
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from impact.cli.outdir import out_folder
from impact.exceptions import InputError
from impact.inputs.datafile import read_stdin
from impact.inputs.keys import KEYS, key_info
from impact.inputs.profile import load_profile
from impact.inputs.scenario import (
    DEFAULT_TRIALS,
    MAX_TRIALS,
    TRIALS_CEILING,
    Scenario,
    apply_overlay,
    load_scenario,
    scenario_from_toml,
)
from impact.inputs.scenario_file import resolve
from impact.inputs.specs import parse_number
from impact.inputs.whatif import drop_stale_evidence, mark_modified, warn_fixed_zero_views
from impact.rng import DEFAULT_SEED

__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_SEED",
    "DEFAULT_TRIALS",
    "KEPT_CEILING",
    "MAX_KEPT_TRIALS",
    "MAX_TRIALS",
    "SHARED_FLAGS",
    "TRIALS_CEILING",
    "JsonFlag",
    "QuietFlag",
    "ScenarioArgument",
    "ScenarioOptions",
    "SchedulerFlag",
    "WorkersFlag",
    "declared_here",
    "one_scenario",
    "out_option",
    "parse_whole",
    "scenario_option",
    "scenario_options",
    "seed_option",
    "trials_option",
]

DEFAULT_SCENARIO = "tiktok-us-2026"
# DEFAULT_SEED (impact.rng) and DEFAULT_TRIALS (impact.inputs.scenario) live below the CLI, so
# that `impact.simulate` and friends fall back on the same seed and trials as the commands.
# Per-trial values kept in memory (--samples, sensitivity) take about 0.3 KB a trial.
MAX_KEPT_TRIALS = 10_000_000
KEPT_CEILING = " when every trial is kept in memory (about 0.3 KB each, 3 GB at the ceiling)"
NAMED_FLAGS = tuple(info for info in KEYS if info.flag)

# The flags (and the scenario argument) that several commands share, declared once below.
SHARED_FLAGS = ("--seed", "--trials", "--out", "--workers", "--scheduler", "--json", "--scenario")
_DECLARED: list[Any] = []  # every typer OptionInfo/ArgumentInfo made in this module


def _declared(info: Any) -> Any:
    _DECLARED.append(info)
    return info


def declared_here(info: object) -> bool:
    """Whether `info` (a typer OptionInfo or ArgumentInfo) was declared in this module."""
    return any(info is mine for mine in _DECLARED)


def _compact(n: int) -> str:
    """100000 -> '100k', 2000000 -> '2M' (as the flags take them)."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return f"{n:,}"


# The helpers below give the typer.Option of a flag whose help says something of its command's
# own; a command takes it as `seed: Annotated[str | None, seed_option(whose="A's")] = None`.


def seed_option(what: str = "root seed", whose: str | None = "the scenario's") -> Any:
    """`--seed S`: "<what> (default: <whose> [sampling] seed, else 20260125)", or with no
    scenario behind the command (`whose=None`) "<what> (default: 20260125)"."""
    default = f"{whose} [sampling] seed, else {DEFAULT_SEED}" if whose else f"{DEFAULT_SEED}"
    return _declared(typer.Option("--seed", metavar="S", help=f"{what} (default: {default})"))


def trials_option(
    what: str = "trials", whose: str | None = "the scenario's", fixed: int | None = None
) -> Any:
    """`--trials N`: "<what> (default: <whose> [sampling] trials, else 100k; 1M works)", or
    for a command whose default is its own number, "<what> (default: <fixed>)"."""
    if fixed is not None:
        default = _compact(fixed)
    else:
        default = f"{whose} [sampling] trials, else {_compact(DEFAULT_TRIALS)}; 1M works"
    return _declared(typer.Option("--trials", metavar="N", help=f"{what} (default: {default})"))


def out_option(default: str) -> Any:
    """`--out DIR`: "output folder (default <default>)"; an empty path or a file is refused."""
    return _declared(
        typer.Option(
            "--out",
            metavar="DIR",
            parser=out_folder,
            help=f"output folder (default {default})",
        )
    )


def scenario_option(help: str = "", metavar: str = "NAME|PATH|-") -> Any:
    """`--scenario NAME|PATH|-`, the alias of the positional scenario (older scripts use it)."""
    return _declared(
        typer.Option(
            "--scenario",
            metavar=metavar,
            help=help or "the same as the SCENARIO argument (for older scripts)",
            rich_help_panel="Scenario inputs",
        )
    )


SCENARIO_HELP = (
    f"built-in scenario name, scenario file, or - to read the file from stdin "
    f"(default {DEFAULT_SCENARIO})"
)
# The positional scenario of every command that simulates one scenario.
ScenarioArgument = Annotated[
    str | None,
    _declared(typer.Argument(metavar="SCENARIO", help=SCENARIO_HELP, show_default=False)),
]
JsonFlag = Annotated[
    bool, _declared(typer.Option("--json", help="print the result as one JSON object"))
]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
SchedulerFlag = Annotated[
    str | None,
    _declared(
        typer.Option(
            "--scheduler",
            envvar="IMPACT_SCHEDULER",
            help="run on a dask.distributed cluster: its scheduler ADDRESS, or `local` for a "
            'LocalCluster (needs pip install "impact[dask]"; same numbers as a local run)',
        )
    ),
]
WorkersFlag = Annotated[
    int,
    _declared(typer.Option("--workers", help="worker processes (results do not depend on it)")),
]


def _same_scenario(a: str, b: str) -> bool:
    """Whether two ways of naming a scenario name the same one: the same text, or the same file
    (`meta-2024` and `data/scenarios/meta-2024.toml`)."""
    if a == b:
        return True
    if "-" in (a, b):  # stdin is not a file to compare
        return False
    try:
        return os.path.samefile(resolve(a), resolve(b))
    except (InputError, OSError):  # one names nothing: the two differ (and the load says why)
        return False


def one_scenario(
    positional: str | None,
    given: list[str] | None,
    *,
    flag: str = "--scenario",
    default: str | None = DEFAULT_SCENARIO,
) -> str | None:
    """The one scenario of a command: its positional argument or its `flag` (an alias, given at
    most once), which must agree when both are given; else `default`."""
    given = list(given or [])
    if len(given) > 1:
        raise InputError(
            f"{flag}: {', '.join(map(repr, given))}: given {len(given)} times; give one "
            "scenario, and apply partial files over it with --overlay"
        )
    if positional is not None and given and not _same_scenario(given[0], positional):
        raise InputError(
            f"{flag}: {given[0]!r}: differs from the scenario argument {positional!r}; give the "
            f"scenario once (the argument, or {flag})"
        )
    if positional is not None:
        return positional
    return given[0] if given else default


@dataclass
class ScenarioOptions:
    """What the scenario flags said, in the order they apply: scenario, overlays, flags, --set."""

    scenario: str = DEFAULT_SCENARIO
    flags: dict[str, str] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)
    overlays: list[Path] = field(default_factory=list)
    profile: str | None = None
    evidence: list[str] = field(default_factory=list)

    stdin: str | None = field(default=None, init=False)  # the TOML read from stdin, if any

    def build(self) -> Scenario:
        """The scenario with every override applied; titled "… (modified: key, …)" if any."""
        if self.scenario == "-":  # INTERFACE.md: `--scenario -` reads the TOML from stdin
            self.stdin = read_stdin(sys.stdin)
            base = scenario_from_toml(self.stdin, where="<stdin>")
        else:
            base = load_scenario(self.scenario)
        scenario = base
        for overlay in self.overlays:
            scenario = apply_overlay(scenario, overlay)
        if self.profile is not None:
            scenario = scenario.with_profile(load_profile(self.profile), source="--profile")
        named = {key: spec for key, spec in self.flags.items() if spec is not None}
        if named:
            scenario = scenario.with_overrides(named, source="command-line flag")
        overrides: dict[str, str] = {}
        for item in self.sets:
            key, sep, spec = item.partition("=")
            if not sep or not key.strip():
                raise InputError(
                    f"--set: {item!r}: write KEY=SPEC, e.g. --set algorithm.quality_loss=0"
                )
            overrides[key_info(key.strip()).key] = spec.strip()
        if overrides:
            scenario = scenario.with_overrides(overrides, source="--set on the command line")
        scenario = drop_stale_evidence(scenario, base, touched=[*named, *overrides])
        warn_fixed_zero_views(scenario, base, touched=[*named, *overrides])
        observed: dict[str, str] = {}
        for item in self.evidence:
            key, sep, spec = item.partition("=")
            if not sep or not key.strip() or not spec.strip():
                raise InputError(
                    f"--evidence: {item!r}: write QUANTITY=SPEC, e.g. "
                    "--evidence 'activity_gap_at_restore=uniform(0.043, 0.065)'"
                )
            quantity = key.strip().removeprefix("evidence.")
            if quantity in observed:  # as a TOML [evidence] table refuses a repeated key
                raise InputError(
                    f"--evidence: {quantity}: given twice ({observed[quantity]!r} and "
                    f"{spec.strip()!r}); observe each quantity once"
                )
            observed[quantity] = spec.strip()
        if observed:
            scenario = scenario.with_evidence(observed, source="--evidence on the command line")
        return mark_modified(scenario, base, touched=[*named, *overrides])

    def default_out(self, scenario: Scenario) -> Path:
        """`reports/<scenario>`, or `reports/<scenario>-modified-<hash>` for a what-if run.

        A what-if run never lands on (and never overwrites) the folder of the scenario as it
        stands, such as the committed example `reports/tiktok-us-2026`; the hash is that of the
        resolved inputs, so the same what-if reuses its folder.
        """
        if scenario.modified:
            return Path("reports") / f"{scenario.name}-modified-{scenario.digest()[:8]}"
        return Path("reports") / scenario.name


def parse_whole(
    text: str | None, name: str, minimum: int, maximum: int | None = None, why: str = ""
) -> int | None:
    """A whole number from a flag that also takes k/M/B suffixes ('1M' trials); a `maximum`
    is refused with `why` it is the ceiling."""
    if text is None:
        return None
    try:
        value = parse_number(text)
    except InputError:
        raise InputError(
            f"--{name}: {text!r}: not a number (write e.g. 100000, 100k or 1M)"
        ) from None
    if value != int(value) or value < minimum:
        raise InputError(f"--{name}: {text!r}: must be a whole number ≥ {minimum}")
    if maximum is not None and value > maximum:
        raise InputError(f"--{name}: {text!r}: at most {maximum:,}{why}")
    return int(value)


def _flag_parameter(info: Any) -> inspect.Parameter:
    return inspect.Parameter(
        info.field,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(
            None,
            info.flag,
            metavar="SPEC",
            help=f"{info.key}: {info.description} ({info.unit})",
            rich_help_panel="Scenario inputs",
        ),
        annotation=str | None,
    )


EVIDENCE_FLAG = inspect.Parameter(
    "evidence",
    inspect.Parameter.KEYWORD_ONLY,
    default=typer.Option(
        None,
        "--evidence",
        metavar="KEY=SPEC",
        help="condition on an observed quantity: an output or implied observable and the "
        "measurement's distribution, e.g. 'total_revenue_loss_usd=normal(25M, 3M)' (repeatable)",
        rich_help_panel="Scenario inputs",
    ),
    annotation=list[str] | None,
)


def scenario_options(func: Callable[..., Any] | None = None, *, evidence: bool = True) -> Any:
    """Give a command the scenario flags; it receives them as `options: ScenarioOptions`.

    `@scenario_options(evidence=False)` leaves out `--evidence`, for commands that do not
    condition on it (annual risk, sensitivity: docs/model.md §14), so that the flag is refused
    there (exit 2) rather than silently doing nothing.
    """
    if func is None:
        return functools.partial(_with_scenario_options, evidence=evidence)
    return _with_scenario_options(func, evidence=evidence)


def _with_scenario_options(func: Callable[..., Any], *, evidence: bool) -> Callable[..., Any]:
    signature = inspect.signature(func)
    own = [p for p in signature.parameters.values() if p.name != "options"]
    added = [
        inspect.Parameter(
            "scenario_argument",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=ScenarioArgument,
        ),
        inspect.Parameter(
            "scenario",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            # A list, so that a repeated --scenario is refused rather than the last one winning.
            annotation=Annotated[list[str] | None, scenario_option()],
        ),
        *(_flag_parameter(info) for info in NAMED_FLAGS),
        inspect.Parameter(
            "profile",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None,
                "--profile",
                metavar="NAME|PATH",
                help="revenue profile over the week: flat, short-video-us or a CSV of 168 "
                "hourly weights (Monday 00:00 first); the onset is then uniform unless --onset",
                rich_help_panel="Scenario inputs",
            ),
            annotation=str | None,
        ),
        inspect.Parameter(
            "set_",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None,
                "--set",
                metavar="KEY=SPEC",
                help="override any scenario key (repeatable)",
                rich_help_panel="Scenario inputs",
            ),
            annotation=list[str] | None,
        ),
        *([EVIDENCE_FLAG] if evidence else []),
        inspect.Parameter(
            "overlay",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None,
                "--overlay",
                metavar="PATH",
                help="partial scenario file applied over the scenario (repeatable)",
                rich_help_panel="Scenario inputs",
            ),
            annotation=list[Path] | None,
        ),
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        options = ScenarioOptions(
            scenario=one_scenario(kwargs.pop("scenario_argument"), kwargs.pop("scenario"))
            or DEFAULT_SCENARIO,
            flags={info.key: kwargs.pop(info.field) for info in NAMED_FLAGS},
            sets=list(kwargs.pop("set_") or []),
            overlays=list(kwargs.pop("overlay") or []),
            profile=kwargs.pop("profile"),
            evidence=list(kwargs.pop("evidence", None) or []),
        )
        return func(options=options, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    return wrapper
