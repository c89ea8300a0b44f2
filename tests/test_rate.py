"""The rate learned from a platform's own record: [frequency.record], gamma–Poisson update."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from points import POINT
from scipy import stats

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.record import Record
from impact.inputs.scenario import scenario_problems
from impact.simulation.annual import OUTAGES, frequency_of, simulate_annual
from impact.simulation.rate import band_shares, gamma_by_moments, moments, rate_update

FIXED = impact.scenario_from_specs(dict(POINT), name="fixed")
BASE = 'name = "r"\n[outage]\nhours = 10\n[revenue]\nhourly_loss = 1000\n'


def _with(rate: str, record: Record, hours: str | None = None) -> impact.Scenario:
    specs = {"frequency.events_per_year": rate} | ({"frequency.hours": hours} if hours else {})
    return replace(FIXED.with_overrides(specs), record=record)


def test_a_gamma_prior_is_its_own_fit_and_the_total_updates_it_in_closed_form() -> None:
    # Prior Gamma(a = 2, scale 0.5): mean 1, rate β = 2. Three outages in four years:
    # posterior Gamma(2 + 3, rate 2 + 4), i.e. scale 1/6 (conjugate gamma–Poisson).
    update = rate_update(_with("gamma(2, 0.5)", Record(4.0, {"total": 3})))
    assert update is not None
    assert update.prior_gamma.shape == pytest.approx(2, rel=1e-12)
    assert update.prior_gamma.scale == pytest.approx(0.5, rel=1e-12)
    assert update.posterior.shape == pytest.approx(5, rel=1e-12)
    assert update.posterior.scale == pytest.approx(1 / 6, rel=1e-12)
    # Credibility: E[λ | n] = Z·n/T + (1 − Z)·m with Z = T/(T + β) = 4/6.
    z = 4 / 6
    assert update.credibility == pytest.approx(z, rel=1e-12)
    assert update.posterior.mean() == pytest.approx(z * 3 / 4 + (1 - z) * 1, rel=1e-12)


def test_a_lognormal_prior_is_matched_by_its_mean_and_variance() -> None:
    dist = impact.parse_spec("lognormal(p5=0.1, p95=3)")
    mu, sigma = (math.log(0.1) + math.log(3)) / 2, (math.log(3) - math.log(0.1)) / (2 * 1.6448536)
    mean = math.exp(mu + sigma**2 / 2)
    var = (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)
    assert moments(dist) == pytest.approx((mean, var), rel=1e-6)
    gamma = gamma_by_moments(dist)
    assert gamma.shape == pytest.approx(mean**2 / var, rel=1e-6)
    assert gamma.scale == pytest.approx(var / mean, rel=1e-6)


def test_counts_per_band_are_thinned_by_the_chance_of_the_band() -> None:
    # One outage over a day in 3.6 years, durations lognormal(median 9.446, sigma 1.686): the
    # exposure is 3.6·P(D ≥ 24 h), P from scipy's lognormal (independent of the project's code).
    hours = "lognormal(median=9.446, sigma=1.686)"
    update = rate_update(_with("gamma(0.5, 2)", Record(3.6, {"over_24h": 1}), hours))
    assert update is not None
    p_day = stats.lognorm(1.686, scale=9.446).sf(24)
    assert update.exposure_years == pytest.approx(3.6 * p_day, rel=1e-9)
    assert update.posterior.shape == pytest.approx(1.5, rel=1e-12)
    assert update.posterior.scale == pytest.approx(1 / (0.5 + 3.6 * p_day), rel=1e-9)
    shares = band_shares(impact.parse_spec(hours))
    assert sum(shares.values()) == pytest.approx(1, abs=1e-12)
    # Two bands counted (one with 0 outages): the exposure adds their chances.
    update = rate_update(_with("gamma(0.5, 2)", Record(2, {"under_1h": 0, "over_24h": 1}), hours))
    assert update is not None
    assert update.exposure_years == pytest.approx(
        2 * (p_day + stats.lognorm(1.686, scale=9.446).cdf(1)), rel=1e-9
    )


def test_annual_draws_the_rate_from_the_updated_gamma() -> None:
    # Prior Gamma(2, scale 0.5) and 6 outages in 2 years: posterior Gamma(8, rate 4), so the
    # yearly count is negative binomial: mean a'/β' = 2 and P(N = 0) = (β'/(β' + 1))^a'.
    n = 100_000
    result = simulate_annual(_with("gamma(2, 0.5)", Record(2, {"total": 6})), n, rng=3)
    values, counts = result.sketches[OUTAGES].points()
    mean = float(np.sum(values * counts) / n)
    var = 2 + 2 / 4  # a'/β' + a'/β'²
    # Sample mean of the counts: standard error √(var/n); 4 of them.
    assert abs(mean - 2) < 4 * math.sqrt(var / n)
    p0 = (4 / 5) ** 8
    # Binomial standard error of a share; 4 of them.
    assert abs((1 - result.p_any_outage) - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    table = result.rate.table() if result.rate else None
    assert table is not None and list(table["rate"])[-1] == "updated with the record"
    assert table["mean"].iloc[-1] == pytest.approx(2, rel=1e-9)


def test_a_rate_given_as_a_point_is_known_and_no_record_moves_it() -> None:
    # A point prior's posterior is the same point: the rate stays 0.5 (a what-if such as
    # `--set frequency.events_per_year=0.5` on a scenario with a record keeps its rate).
    scenario = _with("0.5", Record(2, {"total": 9}))
    assert rate_update(scenario) is None
    assert frequency_of(scenario).spec() == "0.5"
    with pytest.raises(InputError, match=r"frequency\.events_per_year: 0\.5: .*uncertain rate"):
        gamma_by_moments(impact.parse_spec("0.5"))


def test_a_band_the_durations_cannot_reach_is_refused() -> None:
    with pytest.raises(InputError, match=r"frequency\.record\.over_24h: 1: .* no chance"):
        rate_update(_with("gamma(2, 0.5)", Record(2, {"over_24h": 1}), "uniform(1, 5)"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("years = 2\ntotal = 1\nover_24h = 1", "give the total or counts per band, not both"),
        ("years = 0\ntotal = 1", "frequency.record.years: 0: must be a number of years > 0"),
        ("years = 2", "frequency.record: no count"),
        ("years = 2\nover_day = 1", "frequency.record.over_day: unknown key"),
        ("years = 2\ntotal = -1", "frequency.record.total: -1: must be a whole number"),
        ("years = 2\ntotal = 1.5", "frequency.record.total: 1.5: must be a whole number"),
    ],
)
def test_bad_records_are_named(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    rate = '[frequency]\nevents_per_year = "gamma(2, 0.5)"\n'
    path.write_text(BASE + rate + f"[frequency.record]\n{table}\n")
    problems = scenario_problems(path)
    assert any(message in p for p in problems), problems


def test_a_record_is_read_with_its_sources_and_a_bad_one_exits_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "own.toml"
    path.write_text(
        BASE
        + '[frequency]\nevents_per_year = "gamma(2, 0.5)"\n[frequency.record]\n'
        + "years = 3  # source: our incident log since 2023\n"
        + "over_24h = 1  # source: the March outage\n"
    )
    scenario = impact.load_scenario(path)
    record = scenario.record
    assert record is not None and (record.years, dict(record.counts)) == (3.0, {"over_24h": 1})
    assert "incident log" in record.sources["years"] and "March" in record.sources["over_24h"]
    path.write_text(
        BASE + "[frequency]\nevents_per_year = 1\n[frequency.record]\nyears = 3\nday = 1\n"
    )
    argv = ["annual", "--scenario", str(path), "--trials", "100", "--out", str(tmp_path / "o")]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "frequency.record.day: unknown key" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("spec", ["poisson(1e12)", "lognormal(median=1e200, sigma=5)", "2000"])
def test_a_runaway_rate_is_refused_before_any_year_is_drawn(
    spec: str, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # poisson(1e12)'s quantiles took scipy over a minute per block of years: the rate is checked
    # from its mean (and 99.99th percentile) first, so no block may run; `impact validate`
    # refuses the same file in one line.
    import impact
    import impact.simulation.paired
    import impact.simulation.resilience
    from impact.cli import main
    from impact.simulation import annual

    def drew(*_: object, **__: object) -> None:
        raise AssertionError("a block of years was drawn")

    monkeypatch.setattr(annual, "annual_block", drew)
    scenario = impact.load_scenario("meta-2024").with_overrides({"frequency.events_per_year": spec})
    with pytest.raises(InputError, match=r"frequency\.events_per_year: .*at most 1,000 outages"):
        annual.simulate_annual(scenario, 1_000_000, rng=1)
    path = tmp_path / "runaway.toml"
    path.write_text(
        f'name = "runaway"\n[outage]\nhours = 3\n[revenue]\nhourly_loss = "10k"\n'
        f'[frequency]\nevents_per_year = "{spec}"\n'
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "frequency.events_per_year" in err and "at most 1,000 outages" in err, err
