"""A platform's own record of outages, `[frequency.record]`: years observed and counts per band.

    [frequency.record]
    years = 3.6        # source: since all US traffic moved to the site ...
    over_24h = 1       # source: the outage of January 2026 ...

Counts are whole numbers of outages seen in the `years`, either in total (`total`) or per
duration band (`under_1h`, `1_to_24h`, `over_24h`: under 1 hour, 1 to 24 hours, over a day);
a band left out was not counted (it says nothing), a band given as 0 was counted and had none.
The record updates the rate `frequency.events_per_year` (`impact.simulation.rate`). Parsing
only; every problem names its key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BANDS", "RECORD_KEY", "TOTAL_BAND", "Band", "Record", "parse_record"]

RECORD_KEY = "frequency.record"
TOTAL_BAND = "total"


@dataclass(frozen=True, slots=True)
class Band:
    """Outages lasting at least `low` and less than `high` hours."""

    name: str
    low: float
    high: float
    label: str


BANDS: tuple[Band, ...] = (
    Band("under_1h", 0.0, 1.0, "under 1 hour"),
    Band("1_to_24h", 1.0, 24.0, "1 to 24 hours"),
    Band("over_24h", 24.0, math.inf, "over a day"),
)
_BAND_NAMES = {b.name for b in BANDS}
MAX_YEARS = 1000.0  # a record longer than any platform's life is a typo


@dataclass(frozen=True)
class Record:
    """Outages a platform saw in `years` years: per band name (or "total"), the count."""

    years: float
    counts: Mapping[str, int]
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def events(self) -> int:
        """Outages counted in all."""
        return sum(self.counts.values())

    def describe(self) -> str:
        """'1 over a day in 3.6 years' — what the record says, in words."""
        labels = {b.name: b.label for b in BANDS} | {TOTAL_BAND: "in all"}
        parts = [f"{n} {labels[name]}" for name, n in self.counts.items()]
        return f"{', '.join(parts)} in {self.years:g} years"


def parse_record(raw: Any, notes: Mapping[str, str], add: Callable[[str], None]) -> Record | None:
    """The `[frequency.record]` table, or None after passing every problem to `add`."""
    if not isinstance(raw, dict):
        add(f"{RECORD_KEY}: must be a table ([frequency.record]) with years and counts")
        return None
    ok = True
    allowed = sorted({"years", TOTAL_BAND, *_BAND_NAMES})
    for extra in sorted(set(raw) - set(allowed)):
        add(f"{RECORD_KEY}.{extra}: unknown key; one of {', '.join(allowed)}")
        ok = False
    years = raw.get("years")
    if (
        isinstance(years, bool)
        or not isinstance(years, int | float)
        or not 0 < years <= MAX_YEARS
        or not math.isfinite(years)
    ):
        add(f"{RECORD_KEY}.years: {years!r}: must be a number of years > 0 (at most 1000)")
        ok = False
    counts: dict[str, int] = {}
    for name in (TOTAL_BAND, *(b.name for b in BANDS)):
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            add(f"{RECORD_KEY}.{name}: {value!r}: must be a whole number of outages ≥ 0")
            ok = False
        else:
            counts[name] = value
    if TOTAL_BAND in counts and len(counts) > 1:
        add(
            f"{RECORD_KEY}: {', '.join(counts)}: give the total or counts per band, not both "
            "(a band left out is not counted)"
        )
        ok = False
    if ok and not counts:
        bands = ", ".join(b.name for b in BANDS)
        add(f"{RECORD_KEY}: no count; give total = N or counts per band ({bands})")
        ok = False
    if not ok:
        return None
    sources = {name: notes.get(f"{RECORD_KEY}.{name}", "") for name in ("years", *counts)}
    return Record(float(years), counts, sources)  # type: ignore[arg-type]
