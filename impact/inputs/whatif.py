"""What-if runs: which keys an override changed, so reports never pass one off as the original."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import replace

from impact.exceptions import WhatIfWarning
from impact.inputs.keys import KEYS
from impact.inputs.scenario import Scenario

__all__ = ["drop_stale_evidence", "mark_modified", "modified_keys", "warn_fixed_zero_views"]

MAX_NAMED = 4  # keys named in a title before "and N more"
# The keys that say which outage a scenario is (how long, and when it began): changing one makes
# a what-if about another outage. Severity, zero-view hours and the rest are assumptions about
# the same outage, which its evidence still observes.
EVENT_KEYS = ("outage.hours", "outage.onset_hour_of_week")


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
    if [(e.quantity, e.spec) for e in scenario.evidence] != [
        (e.quantity, e.spec) for e in base.evidence
    ]:
        keys.append("evidence")
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


def drop_stale_evidence(
    scenario: Scenario, base: Scenario, touched: Iterable[str] = ()
) -> Scenario:
    """`scenario` without the [evidence] and [expect] of `base` when a what-if changed the
    outage itself.

    Both observe the outage the scenario describes (TikTok's daily-user dip after its 180-hour
    outage, its direct loss per hour); a run that changes how long the outage lasted or when it
    began (`EVENT_KEYS`: a 6-minute blip, another onset) describes another outage, which they
    do not observe: the evidence would rule out every trial and the bands would all warn. Such
    a run goes on the assumptions alone; its title lists `evidence` among what it modified, and
    its report has no evidence section.
    Evidence the caller adds afterwards (`--evidence`) applies.

    >>> from impact.inputs.scenario import load_scenario
    >>> base = load_scenario("tiktok-us-2026")
    >>> drop_stale_evidence(base.with_overrides({"outage.hours": 0.1}), base).evidence
    ()
    """
    observed = base.evidence or base.expect
    if not observed or (scenario.evidence, scenario.expect) != (base.evidence, base.expect):
        return scenario
    changed = [k for k in modified_keys(scenario, base, touched) if k in EVENT_KEYS]
    if not changed:
        return scenario
    return replace(scenario.without_evidence(), expect=())


ZERO_VIEW_HOURS, ZERO_VIEW_SHARE = "outage.zero_view_hours", "outage.zero_view_share"


def warn_fixed_zero_views(scenario: Scenario, base: Scenario, touched: Iterable[str] = ()) -> None:
    """One WhatIfWarning when a what-if changes `outage.hours` of a scenario whose zero views
    are absolute hours (`outage.zero_view_hours` ≠ 0), which do not scale with the outage
    (MODEL.md v3: Z = ζ·D + Z0): a 6-minute blip would keep a week's zero views."""
    if "outage.hours" not in modified_keys(scenario, base, touched):
        return
    spec = str(scenario.specs.get(ZERO_VIEW_HOURS, "0")).strip()
    if spec in {"0", "0.0"}:
        return
    warnings.warn(
        f"{ZERO_VIEW_HOURS}: {spec}: absolute hours, which do not scale with the changed "
        f"outage.hours; give zero views as a share of the outage with {ZERO_VIEW_SHARE} "
        f"(--zero-view-share) and set {ZERO_VIEW_HOURS} to 0",
        WhatIfWarning,
        stacklevel=2,
    )
