"""The scenario flags every simulating command takes, declared once and added by a decorator."""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from impact.exceptions import InputError
from impact.inputs.keys import KEYS, key_info
from impact.inputs.profile import load_profile
from impact.inputs.scenario import Scenario, load_scenario
from impact.inputs.specs import parse_number

__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_SEED",
    "DEFAULT_TRIALS",
    "JsonFlag",
    "QuietFlag",
    "ScenarioOptions",
    "WorkersFlag",
    "parse_whole",
    "scenario_options",
]

DEFAULT_SCENARIO = "tiktok-us-2026"
DEFAULT_SEED = 20260125  # the TikTok US outage began on 25 January 2026
DEFAULT_TRIALS = 100_000
NAMED_FLAGS = tuple(info for info in KEYS if info.flag)

# Flags that several commands share, declared once.
JsonFlag = Annotated[bool, typer.Option("--json", help="print the result as one JSON object")]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
WorkersFlag = Annotated[
    int, typer.Option("--workers", help="worker processes (results do not depend on it)")
]


@dataclass
class ScenarioOptions:
    """What the scenario flags said, in the order they apply: scenario, overlays, flags, --set."""

    scenario: str = DEFAULT_SCENARIO
    flags: dict[str, str] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)
    overlays: list[Path] = field(default_factory=list)
    profile: str | None = None

    def build(self) -> Scenario:
        scenario = load_scenario(self.scenario, self.overlays)
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
        return scenario


def parse_whole(text: str | None, name: str, minimum: int) -> int | None:
    """A whole number from a flag that also takes k/M/B suffixes ('1M' trials)."""
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


def scenario_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the scenario flags; it receives them as `options: ScenarioOptions`."""
    signature = inspect.signature(func)
    own = [p for p in signature.parameters.values() if p.name != "options"]
    added = [
        inspect.Parameter(
            "scenario",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                DEFAULT_SCENARIO,
                "--scenario",
                metavar="NAME|PATH",
                help="built-in scenario name or scenario file",
                rich_help_panel="Scenario inputs",
            ),
            annotation=str,
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
            scenario=kwargs.pop("scenario"),
            flags={info.key: kwargs.pop(info.field) for info in NAMED_FLAGS},
            sets=list(kwargs.pop("set_") or []),
            overlays=list(kwargs.pop("overlay") or []),
            profile=kwargs.pop("profile"),
        )
        return func(options=options, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    return wrapper
