"""A scenario's `[[facts]]`: each observed fact, where it was published, and the one key it sets.

    [[facts]]
    fact = "US revenue about $16B in 2023 (FT via Reuters) [3p]"
    source = "https://www.businesstimes.com.sg/..."
    sets = "revenue.hourly_loss"

A fact is used once (model v3, issue 18): it sets one input, one `[evidence]` observation or
one `[expect]` band, never two, so that a check cannot restate what an input already says. A
key may rest on several facts (a range's low and high ends). `sets` names a model key given
in the scenario, `evidence.<quantity>` or `expect.<quantity>` of the scenario, or one of
`correlations`, `tiers`, `published`, `frequency.record` and `frequency.events_per_year`. One
fact may set the two sides of a bracket, `evidence.A & evidence.B`, where A is a `<=` bound
and B a `>=` one: a daily-user count bounds the users away from above and the activity gap
from below (model v3), which is one use of the count. Parsing only:
`data/derive_scenarios.py` prints the table, `impact validate` lists every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FACT_KEYS", "OTHER_TARGETS", "Fact", "check_facts", "parse_facts"]

FACT_KEYS = {"fact", "source", "sets"}
OTHER_TARGETS = ("correlations", "tiers", "published", "frequency.record")
Add = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Fact:
    """One observed fact (with its reliability tag in the text), its source and what it sets."""

    fact: str
    source: str
    sets: str


def parse_facts(raw: Any, add: Add) -> tuple[Fact, ...]:
    """The `[[facts]]` array of tables; every problem is passed to `add`."""
    if not isinstance(raw, list):
        add("facts: must be an array of tables ([[facts]]) with fact, source and sets")
        return ()
    out: list[Fact] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(raw):
        where = f"facts[{i}]"
        if not isinstance(table, dict):
            add(f"{where}: must be a table with fact, source and sets")
            continue
        ok = True
        for extra in sorted(set(table) - FACT_KEYS):
            add(f"{where}.{extra}: unknown key; one of {', '.join(sorted(FACT_KEYS))}")
            ok = False
        for key in sorted(FACT_KEYS):
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                add(f"{where}.{key}: {value!r}: must be a non-empty string")
                ok = False
        if not ok:
            continue
        fact = " ".join(str(table["fact"]).split())
        if fact in seen:
            add(
                f"{where}.fact: {fact[:60]!r}: already set {raw[seen[fact]]['sets']} in "
                f"facts[{seen[fact]}]; a fact is used once (give one key per fact)"
            )
            continue
        seen[fact] = i
        out.append(Fact(fact, str(table["source"]).strip(), str(table["sets"]).strip()))
    return tuple(out)


def check_facts(
    facts: tuple[Fact, ...],
    given: Collection[str],
    observed: Mapping[str, str],
    expected: Collection[str],
    add: Add,
) -> None:
    """Each fact's `sets` must name something the scenario has: a key it gives, an observation
    (`observed` maps each to its relation), an [expect] band, or one of OTHER_TARGETS; or the
    two sides of a bracket, `evidence.A & evidence.B` (A a `<=` bound, B a `>=` one)."""
    for i, fact in enumerate(facts):
        target = fact.sets
        sides = [t.strip() for t in target.split("&")]
        if len(sides) == 2:
            a, b = (t.removeprefix("evidence.") for t in sides)
            if observed.get(a) != "<=" or observed.get(b) != ">=":
                add(
                    f"facts[{i}].sets: {target!r}: a bracket names a '<=' observation, then a "
                    "'>=' one, e.g. 'evidence.users_away_30d & evidence.activity_gap_7d'"
                )
            continue
        if target.startswith("evidence."):
            ok = target.removeprefix("evidence.") in observed or target == "evidence.attribution"
        elif target.startswith("expect."):
            ok = target.removeprefix("expect.") in expected
        else:
            ok = target in given or target in OTHER_TARGETS
        if not ok:
            add(
                f"facts[{i}].sets: {target!r}: the scenario does not give it; name a key it "
                "gives, evidence.<quantity>, expect.<quantity>, or one of "
                f"{', '.join(OTHER_TARGETS)}"
            )
