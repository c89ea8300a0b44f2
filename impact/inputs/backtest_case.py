"""Backtest cases: one file per catalogue outage with a published loss (`data/backtest/*.toml`).

A case names a base scenario (built-in name, or a path relative to the case file) whose
assumptions it reuses, overrides the keys the catalogue gives for this outage (duration, scope,
revenue per hour from annual revenue or bookings) and states the published loss it is checked
against. Nothing in a case may come from the published loss itself, or the check is circular:

    name = "facebook-2019"
    title = "Facebook, Instagram, WhatsApp, 13 March 2019"
    scenario = "facebook-2021"                 # the assumptions reused
    [set]
    "outage.hours" = "pert(12, 14, 16)"          # source: outages.csv
    [published]
    loss_usd = 90M
    basis = "third-party estimate"
    source = "..."
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import MAX_SCENARIO_BYTES, read_text_file
from impact.inputs.expect import parse_published
from impact.inputs.scenario import Scenario, load_scenario
from impact.inputs.scenario_file import builtin_scenarios, parse_toml
from impact.inputs.scenario_parse import check_name

__all__ = ["CASE_KEYS", "BacktestCase", "builtin_cases", "load_case"]

CASE_KEYS = {"name", "title", "scenario", "set", "published"}


@dataclass(frozen=True)
class BacktestCase:
    """One outage: its scenario (with the published loss in `scenario.published`) and file."""

    name: str
    scenario: Scenario
    path: Path


def builtin_cases() -> list[Path]:
    """The built-in case files, by name."""
    return sorted(data_path("backtest").glob("*.toml"))


def _fail(path: Path, message: str) -> InputError:
    return InputError(f"{path.name}: {message}")


def load_case(path: Path) -> BacktestCase:
    """Read and check one case file; InputError (one line, naming file and key) if malformed."""
    text = read_text_file(path, "backtest case file", MAX_SCENARIO_BYTES, flag="--case")
    raw: dict[str, Any] = parse_toml(text, path.name)
    for extra in sorted(set(raw) - CASE_KEYS):
        raise _fail(path, f"{extra}: unknown key; one of {', '.join(sorted(CASE_KEYS))}")
    name = raw.get("name")
    if not isinstance(name, str):
        raise _fail(path, f"name: {name!r}: give the case a name (a slug)")
    check_name(name, key=f"{path.name}: name")
    base = raw.get("scenario")
    if not isinstance(base, str) or not base:
        raise _fail(path, f"scenario: {base!r}: name the scenario whose assumptions it reuses")
    where = base if base in builtin_scenarios() else str((path.parent / base).resolve())
    scenario = load_scenario(where)
    overrides = raw.get("set", {})
    if not isinstance(overrides, dict):
        raise _fail(path, 'set: must be a table of "key" = "spec"')
    if overrides:
        scenario = scenario.with_overrides(overrides, source=f"backtest case {path.name}")
    if "published" not in raw:
        raise _fail(path, "published: missing; a backtest case needs the published loss")
    problems: list[str] = []
    published = parse_published(raw["published"], problems.append)
    if problems:
        raise _fail(path, problems[0])
    if not published:
        raise _fail(path, "published: give one published loss")
    title = raw.get("title", scenario.title)
    if not isinstance(title, str):
        raise _fail(path, f"title: {title!r}: must be a string")
    # A backtest checks the assumptions alone: neither the base's [evidence] nor its [expect]
    # bands (facts of another outage) are kept.
    scenario = replace(
        scenario, name=name, title=title, published=published, evidence=(), expect=()
    )
    return BacktestCase(name, scenario, path)
