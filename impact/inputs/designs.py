"""Designs for `impact resilience`: an annual-risk scenario plus `[cost]`.

A built-in design lives in `data/designs/<scenario>/<design>.toml` and is addressed by its name
(`single-site`): it is a partial scenario file applied over the built-in scenario its folder
names, so it states only what the design changes (outages, frequency) and what it costs. Any
other file is a complete scenario file with `[frequency]` and `[cost]`, or, with `base`, a
partial one applied over that scenario.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.scenario import Scenario, apply_overlay, builtin_scenarios, load_scenario
from impact.inputs.scenario_file import read_toml

__all__ = ["builtin_designs", "load_design"]


def builtin_designs() -> dict[str, Path]:
    """The built-in designs by name."""
    return {p.stem: p for p in sorted(data_path("designs").glob("*/*.toml"))}


def load_design(name_or_path: str | Path, base: str | Path | None = None) -> Scenario:
    """A design by built-in name or path; `base` applies the file over that scenario."""
    designs = builtin_designs()
    text = str(name_or_path)
    # As for scenarios (`resolve`): a built-in name wins over a file or folder of that name
    # here; give a path (./single-site) for the file.
    if text in designs:
        path = designs[text]
        base = base or path.parent.name
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            raise InputError(
                f"design: {text!r}: no built-in design or file of that name "
                f"(built-in: {', '.join(designs)})"
            )
    if base is None:
        return load_scenario(path)
    if str(base) not in builtin_scenarios() and not Path(base).is_file():
        raise InputError(f"base: {str(base)!r}: no built-in scenario or file of that name")
    scenario = apply_overlay(load_scenario(base), path)
    raw, _ = read_toml(path)  # apply_overlay has read (and checked) it already
    name = str(raw["name"]) if isinstance(raw.get("name"), str) else path.stem
    return replace(
        scenario,
        name=name,
        title=str(raw.get("title", "") or name),
        description=str(raw.get("description", "") or scenario.description),
        path=path,
    )
