"""[expect] bands, [published] losses and the implied observables of the built-in scenarios."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import impact
from impact.exceptions import InputError
from impact.inputs.expect import Band
from impact.inputs.scenario import scenario_problems
from impact.reports.observables import CHECK_HEADINGS, observables_section
from impact.simulation.sketch import Sketch
from impact.simulation.world_checks import expectation_table, observables_table, published_table

N = 20_000


@pytest.mark.parametrize("name", sorted(impact.builtin_scenarios()))
def test_builtin_observables_sit_inside_the_facts_they_cite(name: str) -> None:
    # An ExpectationWarning (> 10% of trials outside a band) fails here.
    scenario = impact.load_scenario(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", impact.ExpectationWarning)
        result = impact.simulate(scenario, N, rng=scenario.seed)
    bands = expectation_table(result)
    for _, row in bands.iterrows():
        assert row["low"] <= row["p50"] <= row["high"], row["quantity"]
        # The share outside is a binomial proportion: allow 10% plus 3 standard errors.
        se = math.sqrt(0.1 * 0.9 / N)
        assert row["share_outside"] <= 0.10 + 3 * se, row["quantity"]


def test_roblox_company_figure_inside_the_90_percent_interval_of_the_total() -> None:
    # Compared at its own horizon: restored Sun 31 Oct 2021, reported Mon 8 Nov (8 days,
    # 192 h); lost bookings do not include the $6.8M paid to developers (make-goods off).
    scenario = impact.load_scenario("roblox-2021").with_overrides(
        {"horizon.hours": 192, "revenue.make_good_share": 0}
    )
    result = impact.simulate(scenario, N, rng=scenario.seed)
    row = published_table(result).iloc[0]
    assert row["basis"] == "company figure" and row["checks"] == "total"
    assert 5 <= row["total_percentile"] <= 95


def test_published_percentile_matches_brute_force_on_kept_samples() -> None:
    scenario = impact.load_scenario("facebook-2021")
    result = impact.simulate(scenario, 5_000, rng=3, samples=True)
    assert result.samples is not None
    row = published_table(result).iloc[0]
    for column, metric in (
        ("direct_percentile", "direct_revenue_loss_usd"),
        ("total_percentile", "total_revenue_loss_usd"),
    ):
        brute = 100 * float(np.mean(result.samples[metric].to_numpy() < row["published_usd"]))
        # The sketch's buckets are 2^-12 wide: only trials within 0.025% of the figure can differ.
        assert row[column] == pytest.approx(brute, abs=100 * 20 / 5_000)


def test_share_below_matches_brute_force() -> None:
    x = np.random.default_rng(5).lognormal(size=50_000)
    sketch = Sketch.of(x)
    for t in (0.1, 0.7, 1.0, 4.0):
        assert sketch.share_below(t) == pytest.approx(float(np.mean(x < t)), abs=5e-4)


BASE = """
name = "t"
[outage]
hours = 10
[revenue]
hourly_loss = 1000
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[expect]\nnot_a_thing = [0, 1]\n", "expect.not_a_thing: unknown quantity"),
        ("[expect]\nactivity_gap_30d = [0.05, 0.01]\n", "low must be below high"),
        ('[expect]\nactivity_gap_30d = ["a", 0.01]\n', "must be numbers"),
        ("[expect]\nactivity_gap_30d = 0.02\n", "write a band as [low, high]"),
        ("[expect]\nactivity_gap_30d = [0, 0.1, 0.2]\n", "write a band as [low, high]"),
        ('[published]\nloss_usd = -5\nbasis = "company figure"\nsource = "x"\n', "loss_usd"),
        ('[published]\nloss_usd = 5\nbasis = "rumour"\nsource = "x"\n', "basis"),
    ],
)
def test_bad_expect_and_published_are_input_errors(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = tmp_path / "t.toml"
    path.write_text(BASE + extra)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        impact.load_scenario(path)
    assert any(message in p for p in scenario_problems(path))


def test_both_forms_of_a_band_parse(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        BASE
        + "[expect]\n"
        + "activity_gap_30d = [0, 0.02]  # source: old form\n"
        + 'activity_gap_7d = { band = [0, 0.05], check = "independent" }  # source: daily users\n'
        + "direct_loss_per_hour_usd = { band = [300000, 500000], "
        + 'check = "construction", restates = "outage.severity" }  # source: seed article\n'
        + 'users_lost_share = { band = ["0", "0.01"], check = "construction", '
        + 'restates = ["users.churn_max", "users.return_share"] }\n'
    )
    bands = {band.quantity: band for band in impact.load_scenario(path).expect}
    assert bands["activity_gap_30d"] == Band("activity_gap_30d", 0, 0.02, "source: old form")
    assert bands["activity_gap_30d"].check == "unstated" and not bands["activity_gap_30d"].validates
    gap = bands["activity_gap_7d"]
    assert (gap.check, gap.restates, gap.source) == ("independent", (), "source: daily users")
    assert gap.validates
    per_hour = bands["direct_loss_per_hour_usd"]
    assert (per_hour.low, per_hour.high) == (300_000, 500_000)
    assert (per_hour.check, per_hour.restates) == ("construction", ("outage.severity",))
    assert per_hour.source == "source: seed article" and not per_hour.validates
    lost = bands["users_lost_share"]
    assert (lost.low, lost.high) == (0, 0.01)
    assert lost.restates == ("users.churn_max", "users.return_share")


def test_a_band_in_a_sub_table_keeps_its_comment(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        BASE + '[expect.activity_gap_7d]\nband = [0, 0.05]  # source: x\ncheck = "independent"\n'
    )
    (band,) = impact.load_scenario(path).expect
    assert (band.check, band.source) == ("independent", "source: x")


ENTRY = "[expect]\nactivity_gap_7d = {{ {} }}\n"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'band = [0, 0.05], check = "validation"',
            "expect.activity_gap_7d.check: 'validation': must be \"independent\"",
        ),
        ("band = [0, 0.05]", 'expect.activity_gap_7d.check: missing: must be "independent"'),
        (
            'band = [0, 0.05], check = "construction"',
            "expect.activity_gap_7d.restates: missing: a construction check names the input key",
        ),
        (
            'band = [0, 0.05], check = "construction", restates = "outage.sevrity"',
            "expect.activity_gap_7d.restates: 'outage.sevrity': not an input key of the model; "
            "did you mean 'outage.severity'?",
        ),
        (
            'band = [0, 0.05], check = "construction", restates = ["outage.hours", "cost.years"]',
            "expect.activity_gap_7d.restates: 'cost.years': not an input key of the model",
        ),
        (
            'band = [0, 0.05], check = "construction", restates = []',
            "expect.activity_gap_7d.restates: []: must be a scenario key or a list of them",
        ),
        (
            'band = [0, 0.05], check = "construction", restates = 3',
            "expect.activity_gap_7d.restates: 3: must be a scenario key or a list of them",
        ),
        (
            'band = [0, 0.05], check = "construction", restates = ["outage.hours", "outage.hours"]',
            "expect.activity_gap_7d.restates: ['outage.hours', 'outage.hours']: names a key twice",
        ),
        (
            'band = [0, 0.05], check = "independent", restates = "outage.severity"',
            "expect.activity_gap_7d.restates: 'outage.severity': an independent check restates "
            'no input; drop restates, or say check = "construction"',
        ),
        ('check = "independent"', "expect.activity_gap_7d.band: missing: give the band as"),
        (
            'band = [0.05, 0], check = "independent"',
            "expect.activity_gap_7d.band: [0.05, 0]: low must be below high",
        ),
        (
            'band = [0.05], check = "independent"',
            "expect.activity_gap_7d.band: [0.05]: write a band as [low, high]",
        ),
        (
            'band = ["a", 1], check = "independent"',
            "expect.activity_gap_7d.band: ['a', 1]: low and high must be numbers",
        ),
        (
            'band = [0, 0.05], check = "independent", source = "x"',
            "expect.activity_gap_7d.source: unknown key; one of band, check, restates",
        ),
    ],
)
def test_every_problem_of_a_classified_band_is_one_line(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = tmp_path / "t.toml"
    path.write_text(BASE + ENTRY.format(entry))
    problems = scenario_problems(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: {message}")
    with pytest.raises(InputError, match=r"expect\.activity_gap_7d\."):
        impact.load_scenario(path)


def test_every_bad_entry_of_one_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        BASE
        + "[expect]\n"
        + 'activity_gap_7d = { band = [0, 0.05], check = "maybe" }\n'
        + 'activity_gap_30d = { band = [0, 0.05], check = "construction" }\n'
        + "users_lost_share = [1, 0]\n"
    )
    problems = scenario_problems(path)
    assert [p.split(": ")[1] for p in problems] == [
        "expect.activity_gap_7d.check",
        "expect.activity_gap_30d.restates",
        "expect.users_lost_share",
    ]


def test_conflicting_band_warns(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(BASE + "[expect]\ndirect_loss_per_hour_usd = [1, 2]\n")
    with pytest.warns(impact.ExpectationWarning, match="direct_loss_per_hour_usd"):
        impact.simulate(impact.load_scenario(path), 2_000, rng=1)


TWO_KINDS = """
name = "two-kinds"
[outage]
hours = "uniform(10, 20)"
severity = 1
[revenue]
hourly_loss = "uniform(100k, 200k)"
[expect]
activity_gap_30d = { band = [0, 0.5], check = "independent" }  # source: daily users
""" + (
    'direct_loss_per_hour_usd = { band = [100000, 200000], check = "construction", '
    'restates = "revenue.hourly_loss" }  # source: the revenue figure\n'
)


def _groups(section: str) -> dict[str, str]:
    """The section's text from each band heading to the next bold heading."""
    out = {}
    for name, heading in CHECK_HEADINGS.items():
        if heading in section:
            rest = section.split(heading, 1)[1]
            out[name] = rest.split("\n\n**", 1)[0]
    return out


def test_report_shows_independent_and_construction_bands_apart(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TWO_KINDS)
    result = impact.simulate(impact.load_scenario(path), 2_000, rng=1)
    section = observables_section(result)
    groups = _groups(section)
    assert set(groups) == {"independent", "construction"}
    assert "Independent checks (validation)" in section
    assert (
        "Construction checks (restate a fact an input already uses; they cannot validate the "
        "model)" in section
    )
    assert "Activity gap 30 days" in groups["independent"]
    assert "Direct loss per hour" not in groups["independent"]
    assert "Direct loss per hour" in groups["construction"]
    assert "revenue.hourly_loss" in groups["construction"]
    assert "Activity gap 30 days" not in groups["construction"]
    # "validation" labels the independent group only, never the construction band.
    assert section.count("validation") == 1 and "(validation)" in CHECK_HEADINGS["independent"]
    # The CSV (observables.csv) carries each band's kind of check and what it restates.
    csv = observables_table(result).set_index("quantity")
    assert csv.loc["direct_loss_per_hour_usd", "expect_check"] == "construction"
    assert csv.loc["direct_loss_per_hour_usd", "expect_restates"] == "revenue.hourly_loss"
    assert csv.loc["activity_gap_30d", "expect_check"] == "independent"
    assert pd.isna(csv.loc["activity_gap_7d", "expect_check"])


def test_report_says_an_old_form_band_is_not_classified(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(BASE + "[expect]\nactivity_gap_30d = [0, 0.5]\n")
    section = observables_section(impact.simulate(impact.load_scenario(path), 2_000, rng=1))
    assert 'not classified (say check = "independent" or "construction")' in section
    assert "(validation)" not in section
    assert "None of them is an independent check" in section


def test_a_violated_construction_band_warns_that_it_is_one(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        BASE + "[expect]\ndirect_loss_per_hour_usd = "
        '{ band = [1, 2], check = "construction", restates = "outage.severity" }\n'
    )
    result = None
    with pytest.warns(impact.ExpectationWarning, match=r"construction check \(it restates outage"):
        result = impact.simulate(impact.load_scenario(path), 2_000, rng=1)
    section = observables_section(result)
    assert "(construction check, restates outage.severity)" in section
    assert "Independent checks" not in section


def test_a_violated_independent_band_warns_that_it_is_one(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        BASE + '[expect]\ndirect_loss_per_hour_usd = { band = [1, 2], check = "independent" }\n'
    )
    with pytest.warns(impact.ExpectationWarning, match="independent fact the band records"):
        impact.simulate(impact.load_scenario(path), 2_000, rng=1)
