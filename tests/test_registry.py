"""The output registry (`impact.outputs`) holds what every report needs, and the model agrees.

A new output is one registry row plus the model line that computes it; these tests fail when the
row lacks a label, a unit the reports can print or a meaning, when a part lacks its sentence, or
when the model computes a quantity in another group than the registry says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from points import POINT

import impact
from impact.analysis.summaries import report_data
from impact.model.core import INPUTS, evaluate, evaluate_all
from impact.outputs import (
    ANNUAL,
    GROUPS,
    OBSERVABLES,
    OUTPUTS,
    PARTS,
    PEOPLE,
    REGISTRY,
    TRACKED,
    output,
)
from impact.reports import simulate_report
from impact.reports.format import PEOPLE_UNITS
from impact.reports.labels import PART_LABELS
from impact.simulation.annual import ANNUAL_METRICS, ANNUAL_UNITS

# The units the report layer prints in their own way: `format_value` for the results, breakdown
# and attrition tables; `format_observable` adds shares and dollars an hour; the annual report
# prints the count of outages as a plain number.
TABLE_UNITS = {"USD", "h", *PEOPLE_UNITS}
OBSERVABLE_UNITS = {"share", "USD/h"}


@pytest.mark.parametrize("entry", REGISTRY, ids=[o.name for o in REGISTRY])
def test_every_entry_has_what_each_report_needs(entry: impact.outputs.Output) -> None:
    for field in ("label", "unit", "meaning"):
        text = getattr(entry, field)
        assert text.strip() == text and text, f"{entry.name}: no {field}"
    assert entry.label[0].isupper(), entry.name  # a label starts a table row
    assert not entry.meaning.endswith("."), entry.name  # a meaning is a cell, not a sentence
    assert "\n" not in entry.meaning and len(entry.meaning) <= 100, entry.name  # one line
    if entry.kind == "observable":
        assert entry.unit in OBSERVABLE_UNITS | TABLE_UNITS, entry.name
    elif entry.name == "outages":
        assert entry.kind == "annual"
    else:
        assert entry.unit in TABLE_UNITS, entry.name
    assert entry.statistics, entry.name
    if entry.part is not None:
        assert entry.part_label.startswith(entry.part.replace("_", "-").capitalize() + ": ")
    else:
        assert entry.part_label == "", entry.name


def test_a_row_without_a_meaning_fails_the_check() -> None:
    bad = impact.outputs.Output("x_usd", "USD", "X", "")
    with pytest.raises(AssertionError, match="no meaning"):
        test_every_entry_has_what_each_report_needs(bad)


def test_names_are_unique_and_derived_tuples_follow_the_registry() -> None:
    names = [o.name for o in REGISTRY]
    assert len(names) == len(set(names))
    assert set(OUTPUTS) | set(OBSERVABLES) | set(ANNUAL) <= set(names)
    assert set(TRACKED).isdisjoint(ANNUAL) and set(TRACKED) | set(ANNUAL) == set(names)
    assert PEOPLE == ("users_churned", "users_lost", "users_to_rivals", "creators_lost")
    assert all(output(n).unit in PEOPLE_UNITS for n in PEOPLE)
    assert set(PART_LABELS) == set(PARTS)
    # The annual metrics are registry entries (their units included).
    assert all(ANNUAL_UNITS[m] == output(m).unit for m in ANNUAL_METRICS)
    with pytest.raises(KeyError, match="not a model output"):
        output("nope")


def _inputs() -> dict[str, np.ndarray]:
    scenario = impact.load_scenario("tiktok-us-2026")
    from impact.simulation.engine import draw_inputs

    inputs = draw_inputs(scenario, 50, np.random.SeedSequence(11))
    assert set(INPUTS) <= set(inputs)
    return inputs


def test_the_model_computes_every_tracked_quantity() -> None:
    assert set(evaluate_all(_inputs())) == set(TRACKED)


@pytest.mark.parametrize("group", [g for g in GROUPS if g != "year"])
def test_the_model_gates_by_the_registry_groups(group: str) -> None:
    # Asking for one quantity of a group computes the revenue group and that whole group,
    # nothing else: the model's blocks are the registry's groups.
    inputs = _inputs()
    for name in GROUPS[group]:
        got = set(evaluate_all(inputs, names=[name]))
        assert got == set(GROUPS["revenue"]) | set(GROUPS[group]), name


def test_the_people_table_prints_the_registry_meanings() -> None:
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), 2_000, rng=3)
    text = simulate_report._attrition(report_data(result))
    for name in PEOPLE:
        entry = output(name)
        assert f"| {entry.label} | {entry.meaning} |" in text, name


def test_every_part_is_lost_either_while_down_or_after_restoration() -> None:
    # A cover's waiting period applies to the loss while down, not to what is lost after
    # restoration (impact.simulation.cover); a new part must say which it is, or the cover
    # silently leaves it out. The parts sum to the total, so: total = direct + make-goods +
    # the after-restoration parts, at the reference point, to rounding.
    from impact.outputs import AFTER_RESTORATION, PARTS, TOTAL

    assert set(AFTER_RESTORATION) == set(PARTS.values()) - {PARTS["direct"], PARTS["make_goods"]}
    one = {
        k: float(v[0]) for k, v in evaluate({k: np.array([v]) for k, v in POINT.items()}).items()
    }
    after = sum(one[name] for name in AFTER_RESTORATION)
    whole = one[PARTS["direct"]] + one[PARTS["make_goods"]] + after
    assert whole == pytest.approx(one[TOTAL], rel=1e-12)


@pytest.mark.parametrize("name", impact.builtin_scenarios())
def test_every_quantity_lies_in_its_support(name: str) -> None:
    """`Output.support` (where evidence must put some mass) holds for what the model computes:
    every tracked quantity of 20,000 trials of each built-in scenario's priors, evaluated with
    every group, lies in it."""
    from impact.simulation.engine import draw_inputs

    inputs = draw_inputs(impact.load_scenario(name), 20_000, np.random.SeedSequence(17))
    values = evaluate_all(inputs)
    for quantity in TRACKED:
        low, high = output(quantity).support
        x = values[quantity]
        assert np.all(x >= low) and np.all(x <= high), (quantity, float(x.min()), float(x.max()))


def test_a_share_is_at_most_one_and_the_rest_unbounded() -> None:
    for entry in REGISTRY:
        assert entry.support == ((0.0, 1.0) if entry.unit == "share" else (0.0, math.inf))
