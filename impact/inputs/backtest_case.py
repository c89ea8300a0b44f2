"""Backtest cases: one file per catalogue outage with a published loss (`data/backtest/*.toml`).

A case names a base scenario (built-in name, or a path relative to the case file) whose
assumptions it reuses, overrides the keys the catalogue gives for this outage (duration, scope,
revenue per hour from annual or quarterly revenue or bookings) and states the published loss it
is checked against. Nothing in a case may come from the published loss itself, or the check is
circular:

    name = "roblox-2021"
    title = "Roblox, 28-31 October 2021"
    kind = "company"                  # the company's own count ("analyst": someone's arithmetic)
    scenario = "roblox-2021"          # the assumptions reused
    horizon_hours = 189               # restoration to publication: what the figure can contain
    [set]
    "revenue.make_good_share" = 0     # each override with its reason
    [published]
    loss_usd = 25_000_000
    basis = "company figure"          # "third-party estimate" for an analyst case
    source = "..."

`kind` says what the figure can test. A company's own count of what it lost ("company") is
compared with the predicted total at `horizon_hours` (hours from restoration to the day the
figure was published, or to the end of the period it covers if that comes first), which
overrides the scenario's `horizon.hours`; a company case must give it. An analyst's figure
("analyst") is revenue per hour times hours, an arithmetic check of R·S·D, not of the model;
its horizon is optional (R·S·D does not depend on it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import MAX_SCENARIO_BYTES, read_text_file
from impact.inputs.expect import parse_published
from impact.inputs.keys import key_info
from impact.inputs.scenario import Scenario, load_scenario
from impact.inputs.scenario_file import builtin_scenarios, parse_toml
from impact.inputs.scenario_parse import check_name

__all__ = ["BASIS_OF_KIND", "CASE_KEYS", "KINDS", "BacktestCase", "builtin_cases", "load_case"]

CASE_KEYS = {"name", "title", "kind", "scenario", "horizon_hours", "set", "published"}
KINDS = ("company", "analyst")
# The [published] basis each kind must state, so that a case cannot say one thing and its
# figure another.
BASIS_OF_KIND = {"company": "company figure", "analyst": "third-party estimate"}
HORIZON = "horizon.hours"


@dataclass(frozen=True)
class BacktestCase:
    """One outage: its scenario (with the published loss in `scenario.published`) and file.

    `kind` is "company" or "analyst"; `horizon_hours` is the horizon the case is simulated
    with (the case's own, or the scenario's when an analyst case gives none; None if that is
    not a single value).
    """

    name: str
    scenario: Scenario
    path: Path
    kind: str = "company"
    horizon_hours: float | None = None


def builtin_cases() -> list[Path]:
    """The built-in case files, by name."""
    return sorted(data_path("backtest").glob("*.toml"))


def _fail(path: Path, message: str) -> InputError:
    return InputError(f"{path.name}: {message}")


def _kind(raw: dict[str, Any], path: Path) -> str:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(
            path,
            f'kind: {kind!r}: must be "company" (the company\'s own count of what it lost) '
            'or "analyst" (a third party\'s revenue-per-hour arithmetic)',
        )
    return str(kind)


def _horizon(raw: dict[str, Any], path: Path, kind: str) -> float | None:
    if "horizon_hours" not in raw:
        if kind == "company":
            raise _fail(
                path,
                "horizon_hours: missing; a company case is compared at the horizon its figure "
                "covers (hours from restoration to publication or to the end of its period)",
            )
        return None
    value = raw["horizon_hours"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, f"horizon_hours: {value!r}: must be a number of hours")
    if value <= 0:
        raise _fail(path, f"horizon_hours: {value!r}: must be > 0 (hours after restoration)")
    return float(value)


def _overrides(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    overrides = raw.get("set", {})
    if not isinstance(overrides, dict):
        raise _fail(path, 'set: must be a table of "key" = "spec"')
    for key in overrides:
        try:
            known = key_info(key).key
        except InputError:
            continue  # with_overrides names the unknown key, as for any scenario
        if known == HORIZON:
            raise _fail(path, f"set.{key}: give the case's horizon as horizon_hours instead")
    return overrides


def _absolute(path: Path) -> str:
    """`path` resolved, or only made absolute where it cannot be (a loop of links, which
    resolve() raises RuntimeError for before Python 3.13): loading it then says why."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path.absolute())


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
    kind = _kind(raw, path)
    horizon = _horizon(raw, path, kind)
    base = raw.get("scenario")
    if not isinstance(base, str) or not base:
        raise _fail(path, f"scenario: {base!r}: name the scenario whose assumptions it reuses")
    where = base if base in builtin_scenarios() else _absolute(path.parent / base)
    scenario = load_scenario(where)
    overrides = _overrides(raw, path)
    if horizon is not None:
        overrides = {**overrides, HORIZON: horizon}
    if overrides:
        scenario = scenario.with_overrides(overrides, source=f"backtest case {path.name}")
    if "published" not in raw:
        raise _fail(path, "published: missing; a backtest case needs the published loss")
    problems: list[str] = []
    published = parse_published(raw["published"], problems.append)
    if problems:
        raise _fail(path, problems[0])
    if len(published) != 1:
        raise _fail(path, "published: give one published loss")
    if published[0].basis != BASIS_OF_KIND[kind]:
        raise _fail(
            path,
            f"published.basis: {published[0].basis!r}: a case of kind {kind!r} states "
            f"{BASIS_OF_KIND[kind]!r}",
        )
    title = raw.get("title", scenario.title)
    if not isinstance(title, str):
        raise _fail(path, f"title: {title!r}: must be a string")
    # A backtest checks the assumptions alone: neither the base's [evidence] nor its [expect]
    # bands (facts of another outage) are kept.
    scenario = replace(
        scenario, name=name, title=title, published=published, evidence=(), expect=()
    )
    if horizon is None:
        dist = scenario.distributions[HORIZON]
        horizon = float(dist.ppf(0.5)) if dist.is_fixed else None
    return BacktestCase(name, scenario, path, kind, horizon)
