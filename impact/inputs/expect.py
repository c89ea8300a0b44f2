"""A scenario's checks against the world: `[expect]` bands and `[published]` losses.

`[expect]` holds bands an implied quantity (an observable such as `activity_gap_at_restore`,
or any output) should fall in, each with a comment giving its source, and says what kind of
check each band is:

    [expect]
    activity_gap_7d = { band = [0, 0.05], check = "independent" }  # source: ...
    users_lost_share = { band = [0, 0.01], check = "construction", restates = "users.churn_max" }

An "independent" band records a fact that no input uses, so the simulation can fail it: it
validates. A "construction" band restates a fact that already sets an input (`restates` names
the input keys), so it can only catch a slip in building the scenario, never validate the
model. The older form `quantity = [low, high]` still parses, as check "unstated".

`[published]` (one table, or `[[published]]` for several) is a published estimate of what the
outage cost, placed as a percentile of the predicted direct and total loss in the report:

    [published]
    loss_usd = 25M
    basis = "company figure"           # or "third-party estimate"
    source = "Roblox Q3 2021 shareholder letter ... https://..."

Parsing only: every problem goes to `add(message)` so that `impact validate` lists them all;
the comparison with a simulation lives in `impact.simulation.world_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from impact.inputs.keys import KEYS
from impact.inputs.problems import shown, suggest
from impact.inputs.specs import parse_spec
from impact.outputs import OBSERVABLES, OUTPUTS

__all__ = [
    "BASES",
    "CHECKS",
    "EXPECTABLE",
    "UNSTATED",
    "Band",
    "PublishedLoss",
    "parse_expect",
    "parse_published",
]

EXPECTABLE: tuple[str, ...] = (*OBSERVABLES, *OUTPUTS)
BASES = ("company figure", "third-party estimate")
PUBLISHED_KEYS = {"loss_usd", "basis", "source"}
CHECKS = ("independent", "construction")  # what a band of [expect] can say it is
UNSTATED = "unstated"  # the check of a band written in the old form, [low, high]
ENTRY_KEYS = ("band", "check", "restates")
INPUT_KEYS: tuple[str, ...] = tuple(k.key for k in KEYS)
Add = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Band:
    """The range [low, high] an implied quantity should fall in, with its source note.

    `check` is "independent" (a fact no input uses: the band validates), "construction" (it
    restates a fact that sets the inputs named in `restates`: it cannot validate) or
    "unstated" (the old form `quantity = [low, high]`, which does not say).
    """

    quantity: str
    low: float
    high: float
    source: str = ""
    check: str = UNSTATED
    restates: tuple[str, ...] = ()

    @property
    def validates(self) -> bool:
        """True for an independent check, the only kind that can count as validation."""
        return self.check == "independent"


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
        add("expect: must be a table ([expect]) of quantity = { band = [low, high], check = ... }")
        return ()
    bands: list[Band] = []
    for name, value in raw.items():
        key = f"expect.{name}"
        if name not in EXPECTABLE:
            add(f"{key}: unknown quantity; one of {', '.join(EXPECTABLE)}")
            continue
        # A band in a sub-table ([expect.name]) has its comment on its `band` line.
        source = notes.get(key) or notes.get(f"{key}.band", "")
        if isinstance(value, dict):
            band = _entry(name, value, source, add)
        else:
            limits = _limits(key, value, add)
            band = None if limits is None else Band(name, *limits, source)
        if band is not None:
            bands.append(band)
    return tuple(bands)


def _limits(key: str, value: Any, add: Add) -> tuple[float, float] | None:
    """(low, high) of a band written [low, high]; None after reporting what is wrong."""
    if not isinstance(value, list) or len(value) != 2:
        add(f"{key}: {value!r}: write a band as [low, high], e.g. [0.043, 0.065]")
        return None
    low, high = (_number(v) for v in value)
    if low is None or high is None:
        add(f"{key}: {value!r}: low and high must be numbers")
        return None
    if low >= high:
        add(f"{key}: {value!r}: low must be below high (is the band reversed?)")
        return None
    return low, high


def _entry(name: str, table: dict[str, Any], source: str, add: Add) -> Band | None:
    """A band written { band = [low, high], check = "...", restates = "..." }."""
    key = f"expect.{name}"
    ok = True
    for extra in sorted(set(table) - set(ENTRY_KEYS)):
        add(f"{key}.{extra}: unknown key; one of {', '.join(ENTRY_KEYS)}")
        ok = False
    limits = None
    if "band" in table:
        limits = _limits(f"{key}.band", table["band"], add)
    else:
        add(f"{key}.band: missing: give the band as band = [low, high]")
    check = table.get("check")
    if check not in CHECKS:
        add(
            f'{key}.check: {shown(table, "check")}: must be "independent" (a fact that no input '
            'uses) or "construction" (it restates a fact an input already uses)'
        )
        ok = False
    restates = _restates(key, table, check, add)
    if not ok or limits is None or restates is None:
        return None
    return Band(name, *limits, source, str(check), restates)


def _restates(key: str, table: dict[str, Any], check: Any, add: Add) -> tuple[str, ...] | None:
    """The input keys a construction check restates (() for an independent one); None after
    reporting what is wrong."""
    where = f"{key}.restates"
    if "restates" not in table:
        if check == "construction":
            add(
                f"{where}: missing: a construction check names the input key(s) whose fact it "
                'restates, e.g. restates = "outage.severity"'
            )
            return None
        return ()
    value = table["restates"]
    if check == "independent":
        add(
            f"{where}: {value!r}: an independent check restates no input; drop restates, or "
            'say check = "construction"'
        )
        return None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        add(
            f"{where}: {value!r}: must be a scenario key or a list of them, e.g. "
            '"outage.severity" or ["revenue.hourly_loss", "outage.severity"]'
        )
        return None
    unknown = [n for n in names if n not in INPUT_KEYS]
    for n in unknown:
        add(f"{where}: {n!r}: not an input key of the model{suggest(n, INPUT_KEYS)}")
    if len(set(names)) != len(names):
        add(f"{where}: {value!r}: names a key twice")
        return None
    return None if unknown else tuple(names)


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
