"""Annual risk of future outages: their own durations, duration bands, value beyond the horizon,
a design's change and an insurance cover, each against a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from points import POINT
from scipy import integrate, stats

import impact
from impact.model.core import evaluate
from impact.outputs import TOTAL
from impact.simulation.annual import (
    ANNUAL_LOSS,
    BAND_COUNT,
    LATER,
    NET,
    OUTAGES,
    PER_OUTAGE,
    RECOVERY,
    annual_block,
    annual_plan,
    simulate_annual,
)
from impact.simulation.future import later_factor

FIXED = impact.scenario_from_specs(dict(POINT), name="fixed")
SEQ = np.random.SeedSequence(17)


def _outage(**changes: float) -> dict[str, float]:
    """Every output of one outage at POINT with `changes` (dotted keys with underscores)."""
    point = {**POINT, **{k.replace("__", "."): v for k, v in changes.items()}}
    return {
        k: float(v[0]) for k, v in evaluate({k: np.array([v]) for k, v in point.items()}).items()
    }


def _years(scenario: impact.Scenario, n: int = 4_000) -> dict[str, np.ndarray]:
    return annual_block(scenario, annual_plan(scenario), n, SEQ)


def test_future_outages_take_their_own_duration_and_severity() -> None:
    scenario = FIXED.with_overrides(
        {"frequency.events_per_year": 2, "frequency.hours": 3, "frequency.severity": 0.5}
    )
    years = _years(scenario)
    one = _outage(outage__hours=3, outage__severity=0.5)
    # Every outage of a year is the same 3-hour, half-severity outage: sums are N times it.
    np.testing.assert_allclose(years["outage_hours"], 3 * years[OUTAGES], rtol=1e-12)
    np.testing.assert_allclose(years[TOTAL], one[TOTAL] * years[OUTAGES], rtol=1e-9)
    assert one[TOTAL] < _outage()[TOTAL]  # shorter and milder than the reference outage


def test_giving_the_reference_specs_again_moves_no_random_stream() -> None:
    # frequency.hours draws from outage.hours' own stream: the same spec gives the same years.
    scenario = FIXED.with_overrides(
        {
            "frequency.events_per_year": 3,
            "outage.hours": "lognormal(p5=2, p95=50)",
            "outage.severity": "pert(0.2, 0.5, 0.9)",
            "revenue.hourly_loss": "uniform(300k, 500k)",
        }
    )
    same = scenario.with_overrides(
        {
            "frequency.hours": scenario.specs["outage.hours"],
            "frequency.severity": scenario.specs["outage.severity"],
        }
    )
    a, b = _years(scenario, 2_000), _years(same, 2_000)
    for name in (OUTAGES, TOTAL, ANNUAL_LOSS):
        np.testing.assert_array_equal(a[name], b[name])


def test_the_expected_loss_splits_by_duration_band() -> None:
    # Durations 0.5, 5 or 50 h with p 0.2, 0.5, 0.3 and λ = 1.5 fixed: band b holds an
    # expected λ·p_b outages a year, each losing total(D_b); the split is exact in expectation.
    lam, n = 1.5, 200_000
    scenario = FIXED.with_overrides(
        {"frequency.events_per_year": lam, "frequency.hours": "choice(0.5, 5, 50; p=0.2, 0.5, 0.3)"}
    )
    result = simulate_annual(scenario, n, rng=4)
    bands = result.bands.set_index("band")
    for band, hours, p in (("under_1h", 0.5, 0.2), ("1_to_24h", 5, 0.5), ("over_24h", 50, 0.3)):
        loss = _outage(outage__hours=hours)[TOTAL]
        # The band's yearly loss is loss·N_b with N_b ~ Poisson(λ·p): sd loss·√(λp)/√n; 4 se.
        expected = lam * p * loss
        assert abs(bands.loc[band, "loss_usd"] - expected) < 4 * loss * math.sqrt(lam * p / n)
        count = result.sketches[BAND_COUNT[band]].average
        assert abs(count - lam * p) < 4 * math.sqrt(lam * p / n)
    assert bands["share"].sum() == pytest.approx(1, abs=1e-12)
    assert bands["loss_usd"].sum() == pytest.approx(result.sketches[ANNUAL_LOSS].average, rel=1e-9)
    # The loss given an outage is the mixture's: mean Σ p_b·total(D_b).
    mixture = sum(p * _outage(outage__hours=h)[TOTAL] for h, p in ((0.5, 0.2), (5, 0.5), (50, 0.3)))
    per_outage = result.sketches[PER_OUTAGE]
    assert abs(per_outage.average - mixture) < 4 * per_outage.std / math.sqrt(per_outage.n)


def test_later_factor_is_the_discounted_integral() -> None:
    for h, t, r in ((0.25, 5.0, 0.08), (0.0, 1.0, 0.0), (0.3, 10.0, -0.02), (6.0, 5.0, 0.1)):
        expected = integrate.quad(lambda s, r=r: (1 + r) ** -s, h, t)[0] if t > h else 0.0
        got = float(later_factor(np.array([h]), np.array([t]), np.array([r]))[0])
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_value_beyond_the_horizon_counts_lost_users_and_creators_after_it() -> None:
    # Every outage loses the same users and creators; each is worth Vu (Vc) a year from the end
    # of the horizon, (D + H)/8760 years after the onset, to Tv years, discounted at rv.
    vu, vc, tv, rv = 87.0, 40.0, 5.0, 0.08
    scenario = FIXED.with_overrides(
        {
            "frequency.events_per_year": 1.2,
            "value.user_per_year_usd": vu,
            "value.creator_per_year_usd": vc,
            "value.years": tv,
            "value.discount_rate": rv,
        }
    )
    one = _outage()
    start = (POINT["outage.hours"] + POINT["horizon.hours"]) / 8760
    factor = integrate.quad(lambda s: (1 + rv) ** -s, start, tv)[0]
    later = (one["users_lost"] * vu + one["creators_lost"] * vc) * factor
    years = _years(scenario)
    np.testing.assert_allclose(years[LATER], later * years[OUTAGES], rtol=1e-9)
    np.testing.assert_allclose(years[ANNUAL_LOSS], years[TOTAL] + years[LATER], rtol=1e-12)
    # Without [value] nothing is added: the first 90 days are in the total already.
    plain = _years(FIXED.with_overrides({"frequency.events_per_year": 1.2}))
    assert not plain[LATER].any() and np.array_equal(plain[ANNUAL_LOSS], plain[TOTAL])


COVER = {
    "cover.waiting_hours": 12,
    "cover.retention_usd": "2M",
    "cover.limit_usd": "5M",
    "cover.aggregate_limit_usd": "8M",
    "cover.premium_usd": "1.5M",
}


def _covered_recovery(hours: float, share: float = 1.0) -> float:
    """The closed form of one outage's recovery under COVER (docs/model.md §14)."""
    one = _outage(outage__hours=hours)
    after = sum(one[f"{p}_revenue_loss_usd"] for p in ("attrition", "engagement", "latency"))
    covered = one["direct_revenue_loss_usd"] * (hours - 12) / hours + after if hours > 12 else 0
    return min(max(share * covered - 2e6, 0.0), 5e6)


def test_a_fixed_loss_against_a_fixed_retention_limit_and_aggregate() -> None:
    # Outages of 36 h: recovery per outage min(max(covered − K, 0), M); per year the sum over its
    # N outages capped at A = 8M: min(N·rec, A), exactly, for every count N the years drew.
    scenario = FIXED.with_overrides({"frequency.events_per_year": 2, **COVER})
    rec = _covered_recovery(36)
    assert 0 < rec <= 5e6  # the limit binds or not, the retention was taken
    years = _years(scenario)
    counts = years[OUTAGES]
    assert {0, 1, 2, 3} <= set(counts.astype(int))  # several counts, one above A/rec
    np.testing.assert_allclose(years[RECOVERY], np.minimum(counts * rec, 8e6), rtol=1e-9)
    np.testing.assert_allclose(years[NET], years[ANNUAL_LOSS] - years[RECOVERY] + 1.5e6, rtol=1e-9)
    # A share of the loss indemnified (η = 0.7) is taken before the retention.
    shared = _years(scenario.with_overrides({"cover.indemnity_share": 0.7}))
    np.testing.assert_allclose(
        shared[RECOVERY], np.minimum(counts * _covered_recovery(36, 0.7), 8e6), rtol=1e-9
    )


def test_an_outage_within_the_waiting_period_recovers_nothing() -> None:
    scenario = FIXED.with_overrides(
        {"frequency.events_per_year": 2, "frequency.hours": 12, **COVER}
    )
    years = _years(scenario)
    assert years[OUTAGES].any() and not years[RECOVERY].any()


def test_expected_recovery_loss_ratio_and_break_even_premium() -> None:
    # E[recovery] = Σ_n Poisson(n; λ)·min(n·rec, A): the closed form the simulation must meet.
    lam, n = 2.0, 100_000
    scenario = FIXED.with_overrides({"frequency.events_per_year": lam, **COVER})
    result = simulate_annual(scenario, n, rng=8)
    rec = _covered_recovery(36)
    k = np.arange(60)
    expected = float(np.sum(stats.poisson.pmf(k, lam) * np.minimum(k * rec, 8e6)))
    cover = result.cover
    assert cover is not None
    # Standard error of a mean of n years: the sketch's sd/√n; 4 of them.
    assert abs(cover["expected_recovery_usd"] - expected) < 4 * cover["expected_recovery_se_usd"]
    assert cover["loss_ratio"] == pytest.approx(cover["expected_recovery_usd"] / 1.5e6, rel=1e-12)
    assert cover["break_even_premium_usd"] == cover["expected_recovery_usd"]
    assert cover["var99_net_usd"] <= cover["var99_gross_usd"] + 1.5e6


def test_a_cover_needs_every_contract_key() -> None:
    partial = FIXED.with_overrides({"frequency.events_per_year": 1, "cover.limit_usd": "5M"})
    with pytest.raises(impact.InputError, match=r"cover\.waiting_hours: missing; a \[cover\]"):
        simulate_annual(partial, 100, rng=1)


def test_a_contained_outage_is_cut_to_the_failover_time() -> None:
    # Every outage is a regional loss whose failover works (g = s = 1): D' = min(36, 2) = 2 h at
    # half the severity; with g = 0 nothing changes.
    base = FIXED.with_overrides({"frequency.events_per_year": 2})
    changed = base.with_overrides(
        {"change.regional_share": 1, "change.failover_hours": 2, "change.severity_factor": 0.5}
    )
    years, plain = _years(changed), _years(base)
    np.testing.assert_array_equal(years[OUTAGES], plain[OUTAGES])  # the same years, paired
    one = _outage(outage__hours=2, outage__severity=0.4)
    np.testing.assert_allclose(years[TOTAL], one[TOTAL] * years[OUTAGES], rtol=1e-9)
    none = _years(changed.with_overrides({"change.regional_share": 0}))
    np.testing.assert_allclose(none[TOTAL], plain[TOTAL], rtol=1e-12)
    # A rate factor of 0.5 never gives a year more outages (one uniform per count).
    fewer = _years(base.with_overrides({"change.rate_factor": 0.5}))
    assert np.all(fewer[OUTAGES] <= plain[OUTAGES]) and fewer[OUTAGES].sum() < plain[OUTAGES].sum()


@pytest.mark.parametrize("name", sorted(impact.builtin_scenarios()))
def test_builtin_future_outages_cite_the_catalogue_fit(name: str) -> None:
    scenario = impact.load_scenario(name)
    assert scenario.specs["frequency.hours"] == "lognormal(median=9.446, sigma=1.686)"
    assert "impact calibrate durations" in scenario.sources["frequency.hours"]
    assert "data/outages.csv" in scenario.sources["frequency.hours"]
    assert "9 of the catalogue's 22" in scenario.sources["frequency.severity"]
    assert "Gunawi" in scenario.sources["frequency.events_per_year"]


def test_tiktok_states_its_record_and_the_value_of_a_lost_user_with_sources() -> None:
    scenario = impact.load_scenario("tiktok-us-2026")
    record = scenario.record
    assert record is not None and dict(record.counts) == {"over_24h": 1}
    assert "http" in record.sources["years"] and "http" in record.sources["over_24h"]
    assert "WARC" in scenario.sources["value.user_per_year_usd"]
    assert "assumption" in scenario.sources["value.creator_per_year_usd"]


def test_cli_annual_cover(tmp_path, capsys, monkeypatch) -> None:
    from impact.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.toml").write_text(
        'name = "none"\n[cost]\none_off_usd = 0\nper_year_usd = 0\n'
    )
    for cover, needle in (
        ("none.toml", "--cover: 'none.toml': no [cover] table"),
        ("warm-standby", "--cover: 'warm-standby': change.regional_share: a [change]"),
        ("nowhere.toml", "--cover: 'nowhere.toml': no built-in design or file"),
    ):
        status = main(["annual", "--trials", "200", "--cover", cover])
        err = capsys.readouterr().err
        assert status == 2 and err.count("\n") == 1 and needle in err, err
        assert not (tmp_path / "reports").exists()
    assert main(["annual", "--trials", "2000", "--cover", "insurance", "--quiet"]) == 0
    out = tmp_path / "reports" / "tiktok-us-2026-annual-insurance"
    assert "## Insurance cover" in (out / "report.md").read_text()
    assert {"cover.csv", "bands.csv", "rate.csv"} <= {p.name for p in out.iterdir()}


@pytest.mark.parametrize(
    ("more", "says"),
    [({}, "outages like this cost"), ({"frequency.hours": 3}, "outages of every size cost")],
)
def test_the_headline_says_which_outages_a_year_holds(more: dict, says: str) -> None:
    # Without [frequency] hours every future outage is the scenario's own outage again; with it,
    # their sizes are drawn from their own spec, and the headline must not say "like this".
    from impact.analysis.annual_tables import annual_report_data
    from impact.reports.annual_report import headline

    scenario = FIXED.with_overrides({"frequency.events_per_year": 2, **more})
    result = simulate_annual(scenario, 500, rng=5)
    assert says in headline(annual_report_data(result))
