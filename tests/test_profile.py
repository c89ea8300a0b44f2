"""Revenue profiles, the onset and the week factor (issue 11): closed forms, invariants, errors."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from points import POINT

from impact.exceptions import InputError
from impact.inputs.hour_of_week import format_hour, parse_day_time
from impact.inputs.profile import FLAT, load_profile
from impact.inputs.scenario import load_scenario, scenario_from_specs
from impact.model.core import evaluate
from impact.outputs import PARTS, TOTAL
from impact.simulation.engine import simulate

ONSET, FACTOR = "outage.onset_hour_of_week", "revenue.week_factor"
# Two levels: weight 2 from Monday 00:00 to Thursday 12:00 (hour 84), 0 for the rest of the week.
TWO_LEVEL = np.r_[np.full(84, 2.0), np.zeros(84)]


def direct(onset: float, hours: float, profile: np.ndarray | None = TWO_LEVEL, **extra: float):
    x = {**POINT, ONSET: onset, "outage.hours": hours, **extra}
    out = evaluate(x, profile)
    return float(out["direct_revenue_loss_usd"]), out


R_S = POINT["revenue.hourly_loss"] * POINT["outage.severity"]


@pytest.mark.parametrize(
    ("onset", "hours", "weighted"),
    [
        (10.0, 20.0, 2 * 20),  # inside the high half
        (100.0, 30.0, 0.0),  # inside the low half
        (80.0, 10.0, 2 * 4),  # across the boundary at hour 84
        (160.0, 20.0, 2 * 12),  # wrapping past Sunday 24:00 into Monday
        (0.0, 400.0, 2 * 168 + 2 * 64),  # longer than a week: two weeks, then 64 h at weight 2
        # [150, 650): two whole weeks (2 × 168), then hours 150-168 (0), 0-84 (2 × 84), 84-146 (0)
        (150.0, 500.0, 336 + 2 * 84),
    ],
)
def test_two_level_profile_gives_the_closed_form(onset: float, hours: float, weighted: float):
    loss, _ = direct(onset, hours)
    assert loss == pytest.approx(R_S * weighted, rel=1e-12, abs=1e-6)


def test_flat_profile_is_the_v2_model_to_the_bit():
    x = {**POINT, ONSET: 37.5}
    none, flat = evaluate(x), evaluate(x, FLAT.weights)
    v2 = evaluate(POINT)  # the onset and week factor left out altogether
    for name, value in none.items():
        assert np.array_equal(value, v2[name]), name
        assert flat[name] == pytest.approx(value, rel=1e-12), name
    assert float(v2["direct_revenue_loss_usd"]) == R_S * POINT["outage.hours"]


def test_a_scenario_without_a_profile_simulates_as_before():
    """Same seed, same numbers: the flat default draws no onset and changes no stream."""
    scenario = load_scenario("meta-2024")  # a built-in that does not give an onset
    assert scenario.profile is FLAT and ONSET not in scenario.uncertain_keys
    a = simulate(scenario, 3_000, 5, samples=True)
    b = simulate(scenario.with_overrides({FACTOR: 1}), 3_000, 5, samples=True)
    assert a.samples is not None and b.samples is not None
    assert a.samples.equals(b.samples)


def test_the_week_factor_scales_the_first_week_of_the_direct_loss_only():
    base, out = direct(10.0, 200.0, None)
    high, out_high = direct(10.0, 200.0, None, **{FACTOR: 1.5})
    assert high == pytest.approx(base + 0.5 * R_S * 168, rel=1e-12)
    for part in ("attrition", "engagement", "latency"):
        assert float(out_high[PARTS[part]]) == float(out[PARTS[part]])


@st.composite
def profiled_points(draw: st.DrawFn) -> tuple[dict[str, float], np.ndarray]:
    weights = np.array(draw(st.lists(st.floats(0, 10), min_size=168, max_size=168)))
    if not weights.any():
        weights[draw(st.integers(0, 167))] = 1.0
    weights *= 168 / weights.sum()
    x = {
        **POINT,
        ONSET: draw(st.floats(0, 167.999)),
        "outage.hours": 10.0 ** draw(st.floats(-2, 3.5)),
        "outage.severity": draw(st.floats(0, 1)),
        FACTOR: draw(st.floats(0, 3)),
    }
    return x, weights


@given(profiled_points(), st.floats(0, 1))
def test_parts_sum_and_total_is_monotone_in_duration(point, t: float) -> None:
    x, weights = point
    lo = evaluate(x, weights)
    hi = evaluate({**x, "outage.hours": x["outage.hours"] * (1 + 10 * t) + t}, weights)
    parts = math.fsum(float(lo[p]) for p in PARTS.values())
    assert parts == pytest.approx(float(lo[TOTAL]), rel=1e-12, abs=1e-9)
    assert float(lo[TOTAL]) == pytest.approx(
        x["revenue.hourly_loss"] * float(lo["loss_hours"]), rel=1e-12
    )
    # Closed forms are exact up to rounding: a few ulps of the total.
    assert float(hi[TOTAL]) >= float(lo[TOTAL]) * (1 - 1e-12)


def test_built_in_profile_has_a_basis_for_every_weight_and_mean_one():
    profile = load_profile("short-video-us")
    assert profile.weights.shape == (168,)
    assert profile.weights.mean() == pytest.approx(1.0, rel=1e-12)
    assert len(profile.basis) == 168 and all(b.strip() for b in profile.basis)
    assert np.argmax(profile.weights) > 0 and not profile.is_flat


def test_a_profile_makes_the_onset_uniform_unless_it_is_given(tmp_path: Path):
    scenario = load_scenario("meta-2024").with_profile(load_profile("short-video-us"))
    assert scenario.specs[ONSET] == "uniform(0, 168)"
    given = load_scenario("tiktok-us-2026").with_profile(load_profile("short-video-us"))
    assert given.specs[ONSET] == "uniform(Sun 00:00, Sun 08:00)"  # the file gives it
    known = scenario_from_specs(
        {"outage.hours": 180, "revenue.hourly_loss": 1, ONSET: "Sun 04:00"}
    ).with_profile(load_profile("short-video-us"))
    assert known.distributions[ONSET].support() == (148.0, 148.0)
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\n[outage]\nhours = 2\n[revenue]\nhourly_loss = 1\nprofile = "short-video-us"\n'
    )
    assert load_scenario(path).profile.name == "short-video-us"


@pytest.mark.parametrize(
    ("text", "hour"), [("Mon 00:00", 0.0), ("Sun 04:00", 148.0), ("friday 18:30", 114.5)]
)
def test_day_and_time(text: str, hour: float):
    assert parse_day_time(text) == hour
    assert parse_day_time(format_hour(hour)) == hour


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("Sun 25:00", "25:00 is not a time of day"),
        ("Sonday 04:00", "'Sonday' is not a day"),
        ("Sun 4pm", "not a day and time"),
        ("168", "must lie in [0, 168)"),
        ("-1", "must lie in [0, 168)"),
        ("uniform(0, 200)", "can exceed 168"),
    ],
)
def test_bad_onsets_name_the_key_and_the_value(spec: str, problem: str):
    with pytest.raises(InputError) as info:
        scenario_from_specs({"outage.hours": 1, "revenue.hourly_loss": 1, ONSET: spec})
    message = str(info.value)
    assert message.startswith(f"{ONSET}: {spec}: ")
    assert problem in message and "\n" not in message


def _profile_file(tmp_path: Path, weights: list[str]) -> Path:
    path = tmp_path / "p.csv"
    path.write_text("weight\n" + "\n".join(weights) + "\n")
    return path


@pytest.mark.parametrize(
    ("weights", "problem"),
    [
        (["1"] * 167, "167 rows of weights; a revenue profile needs 168"),
        (["1"] * 10 + ["-2"] + ["1"] * 157, "line 12 (Mon 10:00): weight -2 is negative"),
        (["1"] * 30 + ["nan"] + ["1"] * 137, "line 32 (Tue 06:00): weight 'nan' is not a finite"),
        (["1"] * 5 + ["x"] + ["1"] * 162, "line 7 (Mon 05:00): weight 'x' is not a finite"),
        (["0"] * 168, "every weight is 0"),
    ],
)
def test_bad_profiles_name_the_file_and_row(tmp_path: Path, weights: list[str], problem: str):
    path = _profile_file(tmp_path, weights)
    with pytest.raises(InputError, match=r"p\.csv") as info:
        load_profile(path)
    assert problem in str(info.value)


def test_an_unknown_profile_lists_the_built_in_ones():
    with pytest.raises(InputError, match="short-video-us"):
        load_profile("short-video-uk")


def test_cli_simulate_with_a_profile_writes_the_onset_report(tmp_path: Path):
    from typer.testing import CliRunner

    from impact.cli import app

    out = tmp_path / "r"
    args = ["simulate", "--profile", "short-video-us", "--trials", "3000", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text()
    assert "## When it happens" in report and "Worst time to fail" in report
    assert "--profile short-video-us" in report
    assert (out / "loss_by_onset.png").exists() and (out / "loss_by_onset.csv").exists()


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--onset", "Sun 25:00"], "outage.onset_hour_of_week: Sun 25:00"),
        (["--onset", "170"], "outage.onset_hour_of_week: 170"),
        (["--profile", "BAD"], "p.csv: 167 rows"),
        (["--week-factor", "-1"], "revenue.week_factor: -1"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(
    tmp_path: Path, args: list[str], names: str, capsys: pytest.CaptureFixture[str]
):
    from impact.cli import main

    if "BAD" in args:
        args = ["--profile", str(_profile_file(tmp_path, ["1"] * 167))]
    out = tmp_path / "r"
    status = main(["simulate", *args, "--trials", "100", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and names in lines[0] and "Traceback" not in err
    assert not out.exists()


def _made_up_by_quadrature(weights: np.ndarray, onset: float, D: float, tau: float, f: float):
    """∫0^D w(o + t)·(1 + (f − 1)·[t < 168])·e^(−(D−t)/τ) dt by scipy's quad, hour by hour
    (the integrand is smooth between hour boundaries), independent of the week trick."""
    from scipy import integrate

    def w(t: float) -> float:
        return weights[math.floor((onset + t) % 168)] * (f if t < 168 else 1.0)

    cuts = sorted({0.0, D, *(k - onset for k in range(math.ceil(onset), math.ceil(onset + D)))})
    cuts = [c for c in cuts if 0 <= c <= D]
    if D > 168:
        cuts = sorted({*cuts, 168.0})
    return sum(
        integrate.quad(lambda t: w(t) * math.exp(-(D - t) / tau), a, b, epsabs=0, epsrel=1e-12)[0]
        for a, b in itertools.pairwise(cuts)
        if b > a
    )


@pytest.mark.parametrize(
    ("onset", "hours", "tau", "factor"),
    [
        (10.5, 20.0, 6.0, 1.0),
        (80.25, 10.0, 24.0, 1.0),  # across the profile's step at hour 84
        (160.0, 400.0, 48.0, 1.3),  # over two weeks, with a week factor
        (3.0, 30.0, 1e4, 0.7),  # demand that barely goes stale
        (0.0, 700.0, 500.0, 1.0),  # four whole weeks and more, slow decay
    ],
)
def test_deferred_demand_follows_the_profile(onset, hours, tau, factor):
    # MODEL.md v3: F = S·ψ·∫0^D w(t)·e^(−(D−t)/τψ) dt; direct = R·(S·W − F), recovered = R·F.
    rng = np.random.default_rng(7)
    weights = rng.uniform(0.2, 2.0, 168)
    weights /= weights.mean()
    psi = 0.6
    extra = {
        "revenue.deferred_share": psi,
        "revenue.deferral_hours": tau,
        FACTOR: factor,
    }
    loss, out = direct(onset, hours, weights, **extra)
    S = POINT["outage.severity"]
    expected_F = S * psi * _made_up_by_quadrature(weights, onset, hours, tau, factor)
    assert float(out["recovered_revenue_usd"]) == pytest.approx(
        POINT["revenue.hourly_loss"] * expected_F, rel=1e-9
    )
    gross, _ = direct(onset, hours, weights, **{FACTOR: factor})
    assert loss == pytest.approx(gross - POINT["revenue.hourly_loss"] * expected_F, rel=1e-9)
    # The users' exposure uses hours people felt (w = 1): the same as without a profile.
    flat = evaluate({**POINT, ONSET: onset, "outage.hours": hours, **extra})
    assert float(out["users_churned"]) == float(flat["users_churned"])


def test_deferred_demand_with_a_week_factor_and_no_profile():
    # w = f for the first 168 h, then 1: F/(S·ψ) = τ(1 − e^(−D/τ)) + (f − 1)·∫0^168 e^(−(D−t)/τ).
    D, tau, f, psi = 300.0, 100.0, 1.5, 0.4
    x = {**POINT, "outage.hours": D, FACTOR: f, "revenue.deferred_share": psi,
         "revenue.deferral_hours": tau}  # fmt: skip
    out = evaluate(x)
    made_up = tau * -math.expm1(-D / tau) + (f - 1) * tau * (
        math.exp(-(D - 168) / tau) - math.exp(-D / tau)
    )
    R, S = POINT["revenue.hourly_loss"], POINT["outage.severity"]
    assert float(out["recovered_revenue_usd"]) == pytest.approx(R * S * psi * made_up, rel=1e-12)
    gross = S * (D + (f - 1) * 168)
    assert float(out["direct_revenue_loss_usd"]) == pytest.approx(
        R * (gross - S * psi * made_up), rel=1e-12
    )
