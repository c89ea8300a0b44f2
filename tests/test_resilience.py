"""Resilience ROI: closed-form NPVs, P(best) and break-even, designs over a base, bad input, CLI."""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from points import POINT
from scipy import integrate, stats

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.designs import Design, builtin_designs, designs_of, load_design
from impact.model.core import evaluate
from impact.outputs import TOTAL
from impact.simulation import annual as annual_module
from impact.simulation import runner
from impact.simulation.resilience import simulate_resilience

BASE = impact.scenario_from_specs(dict(POINT), name="point")
LOSS = float(evaluate({k: np.array([v]) for k, v in POINT.items()})[TOTAL][0])


def _design(
    rate: float, one_off: float, per_year: float, years: int, r: float, **more: object
) -> impact.Scenario:
    return BASE.with_overrides(
        {
            "frequency.events_per_year": rate,
            "cost.one_off_usd": one_off,
            "cost.per_year_usd": per_year,
            "cost.years": years,
            "cost.discount_rate": r,
            **more,  # type: ignore[dict-item]
        }
    )


def test_npv_at_point_values_is_the_discounted_sum() -> None:
    # No outages in either design: NPV = −ΔK0 − Σ_t Δk/(1 + r)^t exactly, in every future.
    now, new = _design(0, 0, 1e9, 5, 0.08), _design(0, 3e8, 1.5e9, 5, 0.08)
    pair = simulate_resilience(now, new, 1_000, rng=1).pairs[0]
    expected = -3e8 - sum(0.5e9 / 1.08**t for t in range(1, 6))
    assert pair.npv.quantile(0.01) == pytest.approx(expected, rel=1e-12)
    assert pair.npv.quantile(0.99) == pytest.approx(expected, rel=1e-12)
    assert pair.npv.average == pytest.approx(expected, rel=1e-12)
    assert pair.p_npv_positive == 0 and pair.break_even_per_year == 0
    # The one-off at which E[NPV] = 0: E[NPV] + K0 = −Σ_t Δk/(1 + r)^t (negative: never).
    assert pair.break_even_one_off == pytest.approx(expected + 3e8, rel=1e-12)


def test_expected_npv_with_outages_avoided() -> None:
    # Current: λ = 2 fixed outages a year of a fixed loss L; candidate: none. The avoided loss
    # per year is N·L with N ~ Poisson(2), so E[NPV] = −ΔK0 + Σ_t (λL − Δk)/(1 + r)^t, and the
    # NPV's sd is L·√(λ·Σ_t (1 + r)^−2t); 4 standard errors of the mean.
    lam, r, years, n = 2.0, 0.05, 4, 20_000
    now, new = _design(lam, 0, 0, years, r), _design(0, 1e8, 2e7, years, r)
    pair = simulate_resilience(now, new, n, rng=2).pairs[0]
    d = [(1 + r) ** -t for t in range(1, years + 1)]
    expected = -1e8 + sum((lam * LOSS - 2e7) * x for x in d)
    sd = LOSS * math.sqrt(lam * sum(x * x for x in d))
    assert abs(pair.npv.average - expected) < 4 * sd / math.sqrt(n)
    # Break-even all-in: E[PV avoided] / Σ d = λL (to Monte Carlo error).
    assert pair.break_even_per_year == pytest.approx(lam * LOSS, rel=0.02)


def test_p_best_is_the_poisson_tail_in_one_year() -> None:
    # One year at r = 0. Current: λ = 3 outages of loss L. A: rate_factor 0 (no outage) for a
    # one-off K0 = 2.5 L: NPV_A = N·L − 2.5 L > 0 ⇔ N ≥ 3. B: nothing changes, for free: NPV_B
    # = 0, which ties with the current design (ties go to it). So P(best A) = P(N ≥ 3) for
    # N ~ Poisson(3); binomial standard error √(p(1 − p)/n), 4 of them.
    n = 40_000
    now = _design(3, 0, 0, 1, 0.0)
    a = _design(3, 2.5 * LOSS, 0, 1, 0.0, **{"change.rate_factor": 0})
    b = _design(3, 0, 0, 1, 0.0)
    result = simulate_resilience(now, [Design("a", "A", "", a), Design("b", "B", "", b)], n, rng=5)
    p = float(stats.poisson(3).sf(2))
    se = math.sqrt(p * (1 - p) / n)
    ranking = result.ranking.set_index("design")
    assert abs(ranking.loc["a", "p_best"] - p) < 4 * se
    assert ranking.loc["b", "p_best"] == 0
    assert ranking["p_best"].sum() == pytest.approx(1, abs=1e-12)
    assert abs(ranking.loc["a", "p_npv_positive"] - p) < 4 * se
    # E[NPV_A] = (λ − 2.5)·L; sd L·√λ; 4 se. The break-even one-off is λL.
    assert abs(ranking.loc["a", "expected_npv_usd"] - 0.5 * LOSS) < 4 * LOSS * math.sqrt(3 / n)
    assert abs(ranking.loc["a", "break_even_one_off_usd"] - 3 * LOSS) < 4 * LOSS * math.sqrt(3 / n)
    # The payback year is 1 in the futures that pay back: the median is 1 year iff p ≥ 0.5.
    assert ranking.loc["a", "payback_years"] == 1


def test_the_break_even_one_off_zeroes_the_expected_npv_on_the_same_futures() -> None:
    # NPV is linear in the one-off and the futures are the same (common random numbers), so a
    # candidate priced at its break-even one-off has E[NPV] = 0 to rounding.
    now, new = _design(2, 0, 0, 3, 0.07), _design(0.5, 1e8, 1e6, 3, 0.07)
    first = simulate_resilience(now, new, 5_000, rng=9).pairs[0]
    again = _design(0.5, first.break_even_one_off, 1e6, 3, 0.07)
    second = simulate_resilience(now, again, 5_000, rng=9).pairs[0]
    assert abs(second.npv.average) < 1e-6 * first.pv_avoided_sum / first.n_futures


def test_a_cover_as_a_design_earns_its_recovery_less_its_premium() -> None:
    # One year at r = 0 with outages of 36 h: recovery per outage min(max(covered − K, 0), M),
    # per year min(N·rec, A); E[NPV] = Σ_n Poisson(n; λ)·min(n·rec, A) − premium (4 se).
    lam, n = 2.0, 40_000
    cover = {
        "cover.waiting_hours": 12,
        "cover.retention_usd": "2M",
        "cover.limit_usd": "5M",
        "cover.aggregate_limit_usd": "8M",
        "cover.premium_usd": "3M",
    }
    now, new = _design(lam, 0, 0, 1, 0.0), _design(lam, 0, 0, 1, 0.0, **cover)
    pair = simulate_resilience(now, new, n, rng=3).pairs[0]
    one = {
        k: float(v[0]) for k, v in evaluate({k: np.array([v]) for k, v in POINT.items()}).items()
    }
    after = sum(one[f"{p}_revenue_loss_usd"] for p in ("attrition", "engagement", "latency"))
    rec = min(max(one["direct_revenue_loss_usd"] * 24 / 36 + after - 2e6, 0), 5e6)
    k = np.arange(60)
    expected = float(np.sum(stats.poisson.pmf(k, lam) * np.minimum(k * rec, 8e6))) - 3e6
    assert abs(pair.npv.average - expected) < 4 * pair.npv.std / math.sqrt(n)


def test_lost_users_are_valued_over_the_decisions_years() -> None:
    # The current design loses a fixed outage a year on average (λ = 1); the candidate none. The
    # avoided loss includes each outage's lost users' value from the end of the horizon to the
    # decision's T = 3 years at r = 5%: Vu·users_lost·∫_h^3 1.05^−s ds (not value.years = 10).
    value = {"value.user_per_year_usd": 50, "value.years": 10, "value.discount_rate": 0.2}
    now, new = _design(1, 0, 0, 3, 0.05, **value), _design(0, 0, 0, 3, 0.05, **value)
    pair = simulate_resilience(now, new, 20_000, rng=4).pairs[0]
    one = {
        k: float(v[0]) for k, v in evaluate({k: np.array([v]) for k, v in POINT.items()}).items()
    }
    h = (POINT["outage.hours"] + POINT["horizon.hours"]) / 8760
    later = 50 * one["users_lost"] * integrate.quad(lambda s: 1.05**-s, h, 3)[0]
    per_outage = one[TOTAL] + later
    # Avoided per year: N·(total + later), N ~ Poisson(1): sd per_outage; 4 se.
    assert abs(pair.avoided.average - per_outage) < 4 * per_outage / math.sqrt(pair.avoided.n)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
def test_resilience_does_not_depend_on_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(annual_module, "YEAR_BLOCK", 2_000)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    now = load_design("single-site")
    news = [load_design("warm-standby"), load_design("insurance")]
    one = simulate_resilience(now, news, 1_000, rng=3, workers=1)
    two = simulate_resilience(now, news, 1_000, rng=3, workers=2)
    assert two.workers == 2
    pd.testing.assert_frame_equal(one.ranking, two.ranking, check_exact=True)
    np.testing.assert_array_equal(one.pairs[0].payback_counts, two.pairs[0].payback_counts)


def test_builtin_designs_are_changes_over_their_platform() -> None:
    assert {
        "as-is",
        "single-site",
        "hardening",
        "warm-standby",
        "active-active",
        "insurance",
    } <= set(builtin_designs())
    assert set(designs_of("tiktok-us-2026")) == {
        "single-site", "hardening", "warm-standby", "active-active", "insurance"
    }  # fmt: skip
    tiktok = impact.load_scenario("tiktok-us-2026")
    for name in designs_of("tiktok-us-2026"):
        design = load_design(name)
        # The platform's facts are the base's: a design adds only [change], [cost], [cover].
        for key, spec in design.scenario.specs.items():
            if key.split(".")[0] not in ("change", "cost", "cover"):
                assert tiktok.specs[key] == spec, (name, key)
        assert design.scenario.name == "tiktok-us-2026" and design.base.label == tiktok.label
        # Every cost carries its source or says it is an assumption.
        for key in design.scenario.specs:
            if (
                key.split(".")[0] in ("change", "cost", "cover")
                and design.scenario.specs[key] != "0"
            ):
                note = design.scenario.sources[key]
                assert "http" in note or "assumption" in note or "derived" in note, (name, key)


def test_a_missing_cost_key_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"cost\.one_off_usd: missing"):
        simulate_resilience(impact.load_scenario("tiktok-us-2026"), load_design("active-active"))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_ranks_the_builtin_designs(tmp_path: Path, capsys) -> None:
    out = tmp_path / "r"
    argv = ["resilience", "--trials", "100", "--out", str(out), "--json"]
    status, stdout, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    assert payload["base"] == "tiktok-us-2026" and payload["current"] == "single-site"
    assert set(payload["candidates"]) == {"hardening", "warm-standby", "active-active", "insurance"}
    ranking = payload["ranking"]
    assert [r["expected_npv_usd"] for r in ranking] == sorted(
        (r["expected_npv_usd"] for r in ranking), reverse=True
    )
    assert sum(r["p_best"] for r in ranking) == pytest.approx(1)
    report = (out / "report.md").read_text()
    assert report.startswith("# Is it worth it? Resilience of TikTok US, January 2026")
    assert report.splitlines()[2].startswith("> **TikTok US, January 2026: ")
    assert "**Evidence not applied.**" in report  # the designs build on tiktok-us-2026
    assert {"npv.png", "tornado.png", "ranking.csv"} <= {p.name for p in out.iterdir()}
    status, stdout, err = _run(argv[:-1], capsys)  # the console gets the sentence as plain text
    assert status == 0, err
    assert stdout.startswith("TikTok US, January 2026: ") and "**" not in stdout
    assert "(P(NPV > 0) = " in stdout.replace("\n", " ")


LIVE = """name = "live"
title = "Live, a $40M-a-year app"
[outage]
hours = "lognormal(p5=1, p95=24)"
[revenue]
hourly_loss = "uniform(4k, 5.2k)"
[users]
count = "2M"
[frequency]
events_per_year = "lognormal(p5=0.5, p95=4)"
"""
STANDBY = """name = "standby"
title = "a standby region"
[change]
regional_share = 0.3
failover_hours = 2
[cost]
one_off_usd = "200k"
per_year_usd = "300k"
"""


def test_base_is_the_users_platform(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "live.toml").write_text(LIVE)
    (tmp_path / "standby.toml").write_text(STANDBY)
    # No design of its own: one line, exit 2, nothing written (TikTok's are not applied).
    status, stdout, err = _run(["resilience", "--base", "live.toml", "--trials", "200"], capsys)
    assert status == 2 and err.count("\n") == 1 and "--candidate: none given" in err
    assert not (tmp_path / "reports").exists() and not stdout
    status, _, err = _run(
        ["resilience", "--base", "live.toml", "--candidate", "active-active", "--trials", "200"],
        capsys,
    )
    assert status == 2 and err.count("\n") == 1 and "a built-in design of tiktok-us-2026" in err
    status, stdout, err = _run(
        ["resilience", "--base", "live.toml", "--candidate", "standby.toml", "--trials", "200"],
        capsys,
    )
    assert status == 0, err
    assert stdout.startswith("Live, a $40M-a-year app: ") and "TikTok" not in stdout
    report = (tmp_path / "reports" / "live-resilience" / "report.md").read_text()
    assert "TikTok" not in report and "Resilience of Live" in report
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["live-resilience"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[revenue]\nhourly_loss = "1.5M"\n', "bad.toml: revenue.hourly_loss: a design describes"),
        ('[users]\ncount = "150M"\n', "bad.toml: users.count: a design describes"),
        ("[frequency]\nevents_per_year = 0.1\n", "bad.toml: frequency.events_per_year: a design"),
        ("[cost]\none_off_usd = -1\nper_year_usd = 0\n", "cost.one_off_usd"),
        ("[cost]\none_off_usd = 0\n", "cost.per_year_usd: missing"),
        ("[cost]\none_off_usd = 0\nper_year_usd = 0\nyears = 9\n", "cost.years: bad gives 9"),
        (
            "[change]\nregional_share = 0.5\n[cost]\none_off_usd = 0\nper_year_usd = 0\n",
            "change.failover_hours: missing",
        ),
        (
            '[cover]\nlimit_usd = "5M"\n[cost]\none_off_usd = 0\nper_year_usd = 0\n',
            "cover.waiting_hours: missing",
        ),
    ],
)
def test_cli_bad_designs_exit_2_naming_the_key(
    body: str, needle: str, tmp_path: Path, capsys
) -> None:
    design = tmp_path / "bad.toml"
    design.write_text(f'name = "bad"\n{body}')
    argv = [
        "resilience",
        "--candidate",
        str(design),
        "--trials",
        "100",
        "--out",
        str(tmp_path / "x"),
    ]
    status, _, err = _run(argv, capsys)
    assert status == 2, err
    assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.slow  # about 11 s: the installed command, its report and charts
def test_end_to_end_through_the_installed_command(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    exe = shutil.which("impact", path=os.path.dirname(sys.executable)) or shutil.which("impact")
    assert exe, "the `impact` console script is not installed"
    for argv in (
        ["annual", "--trials", "5000", "--cover", "insurance", "--out", "a"],
        [
            "compare",
            "tiktok-us-2026",
            "--b-set",
            "outage.hours=24",
            "--trials",
            "5000",
            "--out",
            "c",
        ],
        ["resilience", "--candidate", "warm-standby", "--trials", "100", "--out", "r"],
    ):
        done = subprocess.run(
            [exe, *argv], capture_output=True, text=True, timeout=300, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / argv[-1] / "report.md").is_file()
    bad = subprocess.run(
        [exe, "annual", "--set", "frequency.events_per_year=-2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "frequency.events_per_year" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--base", "nope"], "--base: 'nope': no built-in scenario or file"),
        (["--current", "nope.toml"], "--current: 'nope.toml': no built-in design or file"),
        (["--candidate", "single-site"], "--candidate: 'single-site': is the current design"),
        (["--candidate", "insurance", "--candidate", "insurance"], "'insurance': given twice"),
        (["--trials", "0"], "--trials: '0': must be a whole number ≥ 1"),
    ],
)
def test_cli_bad_flags_exit_2_naming_the_flag(
    argv: list[str], needle: str, tmp_path: Path, capsys
) -> None:
    status, _, err = _run(["resilience", *argv, "--out", str(tmp_path / "x")], capsys)
    assert status == 2 and needle in err and err.count("\n") == 1, err
    assert not (tmp_path / "x").exists()


def test_a_cover_breaks_even_by_the_year_not_at_a_one_off() -> None:
    # A cover builds nothing (its one-off cost is 0 in every future), so its break-even one-off
    # would be its NPV read as a price nobody pays: the sentence and the ranking give the premium
    # a year at which E[NPV] = 0 instead, E[PV avoided] / E[annuity] (closed form of the pair).
    from impact.analysis.resilience import resilience_report_data
    from impact.reports.format import format_usd
    from impact.reports.resilience_report import _ranking, cfo_sentence

    cover = {
        "cover.waiting_hours": 12,
        "cover.retention_usd": "2M",
        "cover.limit_usd": "5M",
        "cover.aggregate_limit_usd": "8M",
        "cover.premium_usd": "1M",
    }
    now, new = _design(2.0, 0, 0, 3, 0.05), _design(2.0, 0, 0, 3, 0.05, **cover)
    result = simulate_resilience(now, new, 2_000, rng=3)
    pair = result.pairs[0]
    assert pair.npv.average > 0 and pair.k0_sum == 0
    data = resilience_report_data(result, rng=3, tornado_futures=200)
    sentence = cfo_sentence(data)
    assert "one-off" not in sentence
    a_year = format_usd(pair.pv_avoided_sum / pair.annuity_sum)
    assert f"breaks even at {a_year} a year" in sentence, sentence
    assert "– (nothing to build)" in _ranking(data)


@pytest.mark.slow  # about 5 s: 100 runs
def test_the_npv_parts_standard_errors_match_the_spread_of_repeated_runs() -> None:
    """`PairResult.standard_error` (the web page's intervals on the NPV's parts and on the
    assumed and break-even cost a year) against the spread of the same estimate over 100
    independent runs of 200 futures. The runs' standard deviation has a relative error of about
    1/sqrt(2 × 99) = 7%, the predicted errors' mean far less: the ratio must lie within
    1 ± 0.25, 3.5 of those errors either way."""
    now, new = load_design("as-is"), load_design("active-active")
    # An uncertain discount rate and horizon make the annuity vary, so that the ratios' delta
    # method (the annuity's own variance and its covariance with the numerator) is tested too.
    uncertain = {"cost.discount_rate": "uniform(0.02, 0.15)", "cost.years": "uniform(1, 5)"}
    now = replace(now, scenario=now.scenario.with_overrides(uncertain))
    figures = {
        "losses avoided": ({"pv_avoided": 1.0}, None),
        "one-off": ({"one_off": 1.0}, None),
        "yearly costs": ({"running_pv": 1.0}, None),
        "assumed cost a year": ({"one_off": 1.0, "running_pv": 1.0}, "annuity"),
        "break-even a year": ({"pv_avoided": 1.0}, "annuity"),
    }
    estimates: dict[str, list[float]] = {name: [] for name in figures}
    predicted: dict[str, list[float]] = {name: [] for name in figures}
    for seed in range(100):
        pair = simulate_resilience(now, [new], 200, rng=seed).pairs[0]
        n = pair.n_futures
        values = {
            "losses avoided": pair.pv_avoided_sum / n,
            "one-off": pair.one_off_sum / n,
            "yearly costs": pair.running_pv_sum / n,
            "assumed cost a year": pair.cost_per_year,
            "break-even a year": pair.break_even_per_year,
        }
        for name, (weights, denominator) in figures.items():
            estimates[name].append(values[name])
            predicted[name].append(pair.standard_error(weights, denominator))
    for name in figures:
        ratio = np.std(estimates[name], ddof=1) / np.mean(predicted[name])
        assert 0.75 < ratio < 1.25, (name, ratio)
