"""What-if runs: which keys an override changed, so reports never pass one off as the original."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from impact.inputs.keys import KEYS
from impact.inputs.scenario import Scenario

__all__ = ["mark_modified", "modified_keys"]

MAX_NAMED = 4  # keys named in a title before "and N more"


def modified_keys(scenario: Scenario, base: Scenario, touched: Iterable[str] = ()) -> list[str]:
    """Keys (model order) whose spec or source differs from `base`, or that were `touched`.

    Tiers and correlations count as `tiers` and `correlations` when they differ.
    """
    touched = set(touched)
    keys = [
        info.key
        for info in KEYS
        if info.key in touched
        or scenario.specs.get(info.key) != base.specs.get(info.key)
        or scenario.sources.get(info.key) != base.sources.get(info.key)
    ]
    if scenario.tiers != base.tiers:
        keys.append("tiers")
    if dict(scenario.correlations) != dict(base.correlations):
        keys.append("correlations")
    if scenario.resolved().get("profile") != base.resolved().get("profile"):
        keys.append("revenue.profile")
    return keys


def mark_modified(scenario: Scenario, base: Scenario, touched: Iterable[str] = ()) -> Scenario:
    """`scenario` titled "<base title> (modified: outage.hours, …)" if it differs from `base`.

    >>> from impact.inputs.scenario import load_scenario
    >>> base = load_scenario("tiktok-us-2026")
    >>> what_if = base.with_overrides({"outage.hours": 9})
    >>> mark_modified(what_if, base).label
    'TikTok US, January 2026 (modified: outage.hours)'
    >>> mark_modified(base, base).modified
    ()
    """
    keys = modified_keys(scenario, base, touched)
    if not keys:
        return scenario
    named = ", ".join(keys[:MAX_NAMED])
    if len(keys) > MAX_NAMED:
        named += f" and {len(keys) - MAX_NAMED} more"
    return replace(scenario, title=f"{base.label} (modified: {named})", modified=tuple(keys))
