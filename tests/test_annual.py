"""Annual risk: the mixed Poisson count, annual sums, determinism, the report and the CLI."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from points import POINT

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.model.core import evaluate
from impact.outputs import TOTAL
from impact.simulation import annual as annual_module
from impact.simulation import runner
from impact.simulation.annual import OUTAGES, poisson_counts, simulate_annual
from impact.simulation.future import future_outages

FIXED = impact.scenario_from_specs({k: v for k, v in POINT.items()}, name="fixed")


def _with_rate(spec: str | float) -> impact.Scenario:
    return FIXED.with_overrides({"frequency.events_per_year": spec})


def test_fixed_rate_and_point_inputs_give_lambda_times_loss_and_exp_minus_lambda() -> None:
    lam, n = 1.3, 200_000
    result = simulate_annual(_with_rate(lam), n, rng=11)
    loss = float(evaluate({k: np.array([v]) for k, v in POINT.items()})[TOTAL][0])
    sketch = result.sketches[TOTAL]
    # Annual loss = N·loss with N ~ Poisson(λ): mean λ·loss, sd √λ·loss; 4 standard errors.
    assert abs(sketch.average - lam * loss) < 4 * math.sqrt(lam) * loss / math.sqrt(n)
    # P(no outage) = e^−λ; binomial standard error √(p(1−p)/n); 4 of them.
    p0 = math.exp(-lam)
    assert abs((1 - result.p_any_outage) - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    # Every year is a whole number of identical outages.
    values, _ = sketch.points()
    assert np.allclose(values / loss, np.rint(values / loss), rtol=0, atol=1e-9)


def test_gamma_rate_gives_a_negative_binomial_count() -> None:
    shape, scale, n = 2.0, 0.5, 200_000
    result = simulate_annual(_with_rate(f"gamma({shape}, {scale})"), n, rng=5)
    values, counts = result.sketches[OUTAGES].points()  # exact integers, so exact moments
    mean = float(np.sum(values * counts) / n)
    var = float(np.sum((values - mean) ** 2 * counts) / (n - 1))
    m4 = float(np.sum((values - mean) ** 4 * counts) / n)
    # N ~ NegBin with mean a·θ = 1 and variance a·θ(1 + θ) = 1.5 (a Poisson would give 1.0).
    # The sample variance has standard error √((μ4 − σ⁴)/n); allow 4 of them.
    assert abs(mean - shape * scale) < 4 * math.sqrt(var / n)
    expected = shape * scale * (1 + scale)
    assert abs(var - expected) < 4 * math.sqrt((m4 - var**2) / n)
    assert abs(var - shape * scale) > 10 * math.sqrt((m4 - var**2) / n)


def test_poisson_counts_is_the_inverse_cdf() -> None:
    u = np.array([0.0, 0.3, 0.5, 0.9, 0.999])
    rate = np.array([0.0, 1.0, 1.0, 1.0, 1.0])
    assert poisson_counts(rate, u).tolist() == [0, 0, 1, 2, 5]


def test_annual_sums_match_a_loop_over_years() -> None:
    scenario = impact.load_scenario("meta-2024").with_overrides({"frequency.events_per_year": 2})
    seq = np.random.SeedSequence(3)
    sampling = annual_module.annual_plan(scenario)
    years = annual_module.annual_block(scenario, sampling, 500, seq)
    counts = years[OUTAGES].astype(int)
    # Rebuild year by year from the same streams (slow, readable): the k-th outage of year y,
    # drawn as a future outage ([frequency] hours and severity).
    future = future_outages(scenario)
    slots = [
        annual_module.draw_block(future, sampling, 500, annual_module.child(seq, 2 + k))[0]
        for k in range(counts.max())
    ]
    for y in range(500):
        expected = sum(
            float(evaluate({key: v[y : y + 1] for key, v in slots[k].items()})[TOTAL][0])
            for k in range(counts[y])
        )
        assert years[TOTAL][y] == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
def test_annual_does_not_depend_on_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(annual_module, "YEAR_BLOCK", 2048)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    scenario = impact.load_scenario("tiktok-us-2026")
    one = simulate_annual(scenario, 10_000, rng=9, workers=1)
    two = simulate_annual(scenario, 10_000, rng=9, workers=2)
    assert two.workers == 2
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    assert one.exceed_counts == two.exceed_counts


def test_missing_frequency_and_negative_rate_are_input_errors() -> None:
    with pytest.raises(InputError, match=r"frequency\.events_per_year: missing"):
        simulate_annual(FIXED, 10, rng=1)
    with pytest.raises(InputError, match=r"frequency.events_per_year: -1"):
        _with_rate(-1)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_annual_writes_report_and_json(tmp_path: Path, capsys) -> None:
    out = tmp_path / "a"
    argv = ["annual", "--trials", "20k", "--out", str(out), "--threshold", "50M", "--json"]
    status, stdout, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    assert payload["years"] == 20_000 and set(payload["p_loss_above"]) == {"50000000"}
    assert payload["metrics"][TOTAL]["cvar99"] >= payload["metrics"][TOTAL]["var99"]
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "summary.csv", "risk.csv", "annual_exceedance.png"} <= names
    report = (out / "report.md").read_text()
    assert "cost an expected" in report and "frequency.events_per_year" in report
    # tiktok-us-2026 has [evidence], which annual risk does not apply; the report says so
    assert "**Evidence not applied.**" in report and "`users_away_at_restore`" in report
    status, _, err = _run(
        ["annual", "--scenario", "meta-2024", "--trials", "2k", "--out", str(out)], capsys
    )
    assert status == 0, err
    assert "Evidence not applied" not in (out / "report.md").read_text()  # meta-2024 has none


def test_annual_draws_each_outage_from_the_assumptions_not_the_evidence() -> None:
    """[evidence] observes one outage and annual risk does not apply it (docs/model.md §14):
    with a fixed rate λ = 1, E[annual loss] = λ·E[total] of the scenario without its evidence
    (the prior, of a future outage), not the conditioned one. An observation that pulls the
    total far up (to about $300M) makes the two means far apart, so the test can tell which one
    annual used."""
    scenario = (
        impact.load_scenario("tiktok-us-2026")
        .with_overrides({"frequency.events_per_year": "1"})
        .with_evidence({"total_revenue_loss_usd": "normal(300M, 30M)"})
    )
    annual = simulate_annual(scenario, 40_000, rng=5).summary.loc[TOTAL]
    future = future_outages(scenario)  # each outage of a year is a future one
    prior = impact.simulate(future.without_evidence(), 40_000, rng=6).summary.loc[TOTAL]
    posterior = impact.simulate(future, 40_000, rng=6).summary.loc[TOTAL]
    # Independent runs: 4 combined standard errors (the annual one includes the Poisson count's
    # spread).
    tolerance = 4 * math.hypot(annual["se_mean"], prior["se_mean"])
    assert abs(annual["mean"] - prior["mean"]) <= tolerance
    assert abs(annual["mean"] - posterior["mean"]) > 3 * tolerance


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--set", "frequency.events_per_year=-1"], "frequency.events_per_year: -1"),
        (["--scenario", "tiktok-us-2026", "--threshold", "-5"], "--threshold"),
    ],
)
def test_cli_annual_bad_input_exits_2_with_one_line(
    argv: list[str], needle: str, tmp_path: Path, capsys
) -> None:
    status, _, err = _run(
        ["annual", "--trials", "100", "--out", str(tmp_path / "x"), *argv], capsys
    )
    assert status == 2
    assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()
