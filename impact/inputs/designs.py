"""Designs for `impact resilience`: a change to the platform, applied over the base scenario.

A design file says what a resilience investment changes and what it costs, never what the
platform is:

    name, title, description
    [change]   rate_factor, regional_share, failover_share, failover_hours, severity_factor
    [cost]     one_off_usd, per_year_usd, years, discount_rate
    [cover]    waiting_hours, retention_usd, limit_usd, aggregate_limit_usd, premium_usd,
               indemnity_share

Any other key (the platform's revenue, users, outages, frequency, value, sampling …) is refused
with one line naming it: the platform's facts come from the base scenario (`--base`), and its
name, title and report folder too. Built-in designs live in `data/designs/<scenario>/`, and
their costs are that platform's, so they apply over that scenario only; `as-is`
(`data/designs/as-is.toml`: no change, no cost) applies over any base.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import expand_user, path_kind, shown
from impact.inputs.keys import CHANGE_KEYS, COVER_KEYS
from impact.inputs.scenario import Scenario, apply_overlay, load_scenario
from impact.inputs.scenario_file import read_toml
from impact.inputs.scenario_parse import check_name, slug

__all__ = [
    "AS_IS",
    "DEFAULT_BASE",
    "Design",
    "as_design",
    "builtin_designs",
    "designs_of",
    "load_design",
    "with_cover",
]

DEFAULT_BASE = "tiktok-us-2026"
AS_IS = "as-is"
DESIGN_SECTIONS = ("change", "cost", "cover")
TEXT_KEYS = ("name", "title", "description")


@dataclass(frozen=True)
class Design:
    """A design over its base: `scenario` is the base with the design's keys applied."""

    name: str
    title: str
    description: str
    scenario: Scenario
    path: Path | None = None
    platform: str | None = None  # the built-in scenario whose costs a built-in design carries

    @property
    def label(self) -> str:
        """The design's human name (never the platform's)."""
        return self.title or self.name

    @property
    def base(self) -> Scenario:
        """The platform the design is applied over (its name and title head every report)."""
        return self.scenario

    @property
    def has_cover(self) -> bool:
        return any(key in self.scenario.distributions for key in COVER_KEYS)


def builtin_designs() -> dict[str, Path]:
    """The built-in designs by name: `as-is`, then every platform's."""
    root = data_path("designs")
    return {p.stem: p for p in [*sorted(root.glob("*.toml")), *sorted(root.glob("*/*.toml"))]}


def designs_of(platform: str) -> list[str]:
    """The names of the built-in designs of a platform (a built-in scenario), in file order."""
    return [p.stem for p in sorted(data_path("designs").glob(f"{platform}/*.toml"))]


def _platform(path: Path) -> str | None:
    parent = path.parent
    return None if parent == data_path("designs") else parent.name


def _base(base: str | Path | Scenario | None, platform: str | None) -> Scenario:
    if isinstance(base, Scenario):
        return base
    return load_scenario(base if base is not None else platform or DEFAULT_BASE)


def _refuse_platform_keys(path: Path, raw: dict[str, object], base: Scenario) -> None:
    for top, value in raw.items():
        if top in TEXT_KEYS:
            continue
        if top in DESIGN_SECTIONS and isinstance(value, dict):
            continue
        key = top
        if isinstance(value, dict) and value:
            key = f"{top}.{next(iter(value))}"
        raise InputError(
            f"{path.name}: {key}: a design describes a change (its [change], [cost] and "
            f"[cover]), not a platform; {key} is the platform's and comes from the base scenario "
            f"({base.name}): remove it from the design"
        )


def load_design(
    name_or_path: str | Path, base: str | Path | Scenario | None = None, *, flag: str = "design"
) -> Design:
    """A design by built-in name or path, applied over `base` (a built-in scenario name, a
    path or a Scenario; default: the platform of a built-in design, else tiktok-us-2026)."""
    designs = builtin_designs()
    text = str(name_or_path)
    platform = None
    # As for scenarios (`resolve`): a built-in name wins over a file or folder of that name
    # here; give a path (./single-site) for the file.
    if text in designs:
        path = designs[text]
        platform = _platform(path)
    else:
        path = expand_user(text)
        if path_kind(path, f"{flag}: {shown(text)}") != "file":
            raise InputError(
                f"{flag}: {text!r}: no built-in design or file of that name "
                f"(built-in: {', '.join(designs)})"
            )
    scenario = _base(base, platform)
    if platform is not None and scenario.name != platform:
        raise InputError(
            f"{flag}: {text!r}: a built-in design of {platform}, whose costs are {platform}'s; "
            f"over {scenario.name} give a design file of your own ([change], [cost], [cover]; "
            "docs/model.md §16), or the built-in as-is"
        )
    raw, _ = read_toml(path, flag)
    _refuse_platform_keys(path, raw, scenario)
    applied = apply_overlay(scenario, path, flag)
    name = raw.get("name")
    name = check_name(name, f"{path.name}: name") if isinstance(name, str) else slug(path.stem)
    title = raw.get("title")
    description = raw.get("description")
    return Design(
        name=name,
        title=title if isinstance(title, str) and title else name,
        description=description if isinstance(description, str) else "",
        scenario=applied,
        path=path,
        platform=platform,
    )


def as_design(design: Design | Scenario) -> Design:
    """A Design as it is; a Scenario (with [cost], and any [change] or [cover]) as its own."""
    if isinstance(design, Design):
        return design
    return Design(design.name, design.label, design.description, design, design.path)


def with_cover(scenario: Scenario, name_or_path: str | Path) -> tuple[Scenario, Design]:
    """The scenario with the `[cover]` of a cover file or design (e.g. the built-in
    `insurance`) for annual risk, and that design; InputError for a file without a [cover] or
    with a [change] (a design for `impact resilience`)."""
    design = load_design(name_or_path, scenario, flag="--cover")
    changes = [key for key in CHANGE_KEYS if key in design.scenario.specs]
    if changes:
        raise InputError(
            f"--cover: {str(name_or_path)!r}: {changes[0]}: a [change] of the platform is a "
            "design for impact resilience; --cover takes a [cover] only"
        )
    if not design.has_cover:
        raise InputError(
            f"--cover: {str(name_or_path)!r}: no [cover] table; give waiting_hours, "
            "retention_usd, limit_usd, aggregate_limit_usd and premium_usd (each a spec)"
        )
    keys = [key for key in COVER_KEYS if key in design.scenario.specs]
    covered = replace(
        scenario,
        specs={**scenario.specs, **{k: design.scenario.specs[k] for k in keys}},
        distributions={
            **scenario.distributions,
            **{k: design.scenario.distributions[k] for k in keys},
        },
        sources={**scenario.sources, **{k: design.scenario.sources.get(k, "") for k in keys}},
        given_keys=scenario.given_keys | set(keys),
    )
    return covered, design
