"""Tiers of creators ([[creators.tiers]]): the defaults and the checks of a scenario's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from impact.inputs.problems import Collector, shown, suggest

__all__ = ["DEFAULT_TIERS", "TIER_KEYS", "Tier", "parse_tiers"]

TIER_KEYS = {"name", "creator_share", "earnings_share"}


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier of creators: its share of all creators and its share of creator earnings."""

    name: str
    creator_share: float
    earnings_share: float
    source: str = ""


# A scenario without [[creators.tiers]] gets one tier of every creator: follower tiers differ by
# platform (tiktok-us-2026 gives its own five), so none are assumed for a platform that gives none.
DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(
        "all creators",
        1.0,
        1.0,
        "default: one tier of every creator (give [[creators.tiers]] to split them by size)",
    ),
)


def parse_tiers(raw: Any, notes: Mapping[str, str], bag: Collector) -> tuple[Tier, ...]:
    """The tiers of a [[creators.tiers]] array; each problem goes into `bag`."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        bag.add("creators.tiers: must be an array of tables ([[creators.tiers]])")
        return ()
    tiers: list[Tier] = []
    for i, table in enumerate(raw):
        where = f"creators.tiers[{i}]"
        for extra in sorted(set(table) - TIER_KEYS):
            bag.add(f"{where}.{extra}: unknown tier key{suggest(extra, TIER_KEYS)}")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            bag.add(f"{where}.name: {shown(table, 'name')}: each tier needs a name")
            name = f"tier {i + 1}"
        shares: dict[str, float] = {}
        for key in ("creator_share", "earnings_share"):
            value = table.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                bag.add(f"{where}.{key}: {shown(table, key)}: must be a number in [0, 1]")
            elif not 0 <= value <= 1:
                bag.add(f"{where}.{key}: {value!r}: must lie in [0, 1]")
            else:
                shares[key] = float(value)
        if len(shares) == 2:
            note = "; ".join(
                f"{k}: {notes[f'{where}.{k}']}"
                for k in ("creator_share", "earnings_share")
                if notes.get(f"{where}.{k}")
            )
            tiers.append(Tier(name, shares["creator_share"], shares["earnings_share"], note))
    if len(tiers) == len(raw) and tiers:
        for key in ("creator_share", "earnings_share"):
            total = sum(getattr(t, key) for t in tiers)
            if abs(total - 1) > 1e-6:
                bag.add(f"creators.tiers: {key} values add up to {total:g}; they must add up to 1")
        names = [t.name for t in tiers]
        for twice in sorted({n for n in names if names.count(n) > 1}):
            bag.add(f"creators.tiers: tier name {twice!r} is given twice; names must be distinct")
    return tuple(tiers)
