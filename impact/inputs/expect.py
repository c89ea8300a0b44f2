"""A scenario's checks against the world: `[expect]` bands and `[published]` losses.

`[expect]` holds bands an implied quantity (an observable such as `activity_gap_at_restore`,
or any output) should fall in, each with a comment giving its source:

    [expect]
    activity_gap_at_restore = [0.043, 0.065]  # source: Similarweb daily users 92M -> 86-88M

`[published]` (one table, or `[[published]]` for several) is a published estimate of what the
outage cost, placed as a percentile of the predicted direct and total loss in the report:

    [published]
    loss_usd = 25M
    basis = "company figure"           # or "third-party estimate"
    source = "Roblox Q3 2021 shareholder letter ... https://..."

Parsing only: every problem goes to `add(message)` so that `impact validate` lists them all;
the comparison with a simulation lives in `impact.simulation.checks`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from impact.inputs.problems import shown
from impact.inputs.specs import parse_spec
from impact.model.outputs import OBSERVABLES, OUTPUTS

__all__ = [
    "BASES",
    "EXPECTABLE",
    "Band",
    "PublishedLoss",
    "parse_expect",
    "parse_published",
]

EXPECTABLE: tuple[str, ...] = (*OBSERVABLES, *OUTPUTS)
BASES = ("company figure", "third-party estimate")
PUBLISHED_KEYS = {"loss_usd", "basis", "source"}
Add = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Band:
    """The range [low, high] an implied quantity should fall in, with its source note."""

    quantity: str
    low: float
    high: float
    source: str = ""


@dataclass(frozen=True, slots=True)
class PublishedLoss:
    """A published estimate of the outage's loss in USD.

    `basis` says what it can check: a "company figure" (the company's own count of what it
    lost) checks the whole total; a "third-party estimate" is usually an analyst's revenue per
    hour times the hours down, which restates the direct part only.
    """

    loss_usd: float
    basis: str
    source: str

    @property
    def checks(self) -> str:
        """Which predicted loss the figure is comparable with: "total" or "direct"."""
        return "total" if self.basis == "company figure" else "direct"


def _number(value: Any) -> float | None:
    """A finite float from a TOML number or a spec-style string ('25M'); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            dist = parse_spec(value, key="value")
        except ValueError:
            return None
        if dist.is_fixed:
            return float(dist.ppf(0.5))
    return None


def parse_expect(raw: Any, notes: Mapping[str, str], add: Add) -> tuple[Band, ...]:
    """The bands of an `[expect]` table; every problem is passed to `add`."""
    if not isinstance(raw, dict):
        add("expect: must be a table ([expect]) of quantity = [low, high]")
        return ()
    bands: list[Band] = []
    for name, value in raw.items():
        key = f"expect.{name}"
        if name not in EXPECTABLE:
            add(f"{key}: unknown quantity; one of {', '.join(EXPECTABLE)}")
            continue
        if not isinstance(value, list) or len(value) != 2:
            add(f"{key}: {value!r}: write a band as [low, high], e.g. [0.043, 0.065]")
            continue
        low, high = (_number(v) for v in value)
        if low is None or high is None:
            add(f"{key}: {value!r}: low and high must be numbers")
            continue
        if low >= high:
            add(f"{key}: {value!r}: low must be below high (is the band reversed?)")
            continue
        bands.append(Band(name, low, high, notes.get(key, "")))
    return tuple(bands)


def parse_published(raw: Any, add: Add) -> tuple[PublishedLoss, ...]:
    """The published losses of a `[published]` table (or array of tables)."""
    tables = raw if isinstance(raw, list) else [raw]
    out: list[PublishedLoss] = []
    for i, table in enumerate(tables):
        where = "published" if not isinstance(raw, list) else f"published[{i}]"
        if not isinstance(table, dict):
            add(f"{where}: must be a table with loss_usd, basis and source")
            continue
        for extra in sorted(set(table) - PUBLISHED_KEYS):
            add(f"{where}.{extra}: unknown key; one of {', '.join(sorted(PUBLISHED_KEYS))}")
        loss = _number(table.get("loss_usd"))
        basis, source = table.get("basis"), table.get("source")
        ok = True
        if loss is None or loss <= 0:
            add(f"{where}.loss_usd: {shown(table, 'loss_usd')}: must be a positive amount in USD")
            ok = False
        if basis not in BASES:
            bases = ", ".join(repr(b) for b in BASES)
            add(f"{where}.basis: {shown(table, 'basis')}: must be one of {bases}")
            ok = False
        if not isinstance(source, str) or not source.strip():
            add(
                f"{where}.source: {shown(table, 'source')}: say where the figure comes from (a URL)"
            )
            ok = False
        if ok and loss is not None:
            out.append(PublishedLoss(loss, str(basis), str(source)))
    return tuple(out)
