"""Pooled after-effect priors (AfterEffectsFit) and their leave-one-out checks.

Closed forms and brute force: a synthetic catalogue drawn from known inputs, a key no case
informs left exactly at its wide prior, a leave-one-out percentile recomputed from MODEL.md's
equations by plain Monte Carlo, the likelihood of each kind of observation, determinism.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from impact.calibration.after_effects import (
    AFTER_EFFECT_KEYS,
    WIDE_PRIOR,
    AfterEffectsFit,
    spec_for,
)
from impact.calibration.loo import coverage, leave_one_out
from impact.calibration.recoveries import read_recoveries
from impact.calibration.recovery_model import (
    _uniform_shift_cdf,
    implied,
    log_likelihood,
    percentile,
)
from impact.exceptions import InputError
from impact.inputs.specs import parse_spec

HEADER = (
    "case,platform,outage_start,duration_hours,scope,quantity,measures,maps_to,"
    "hours_since_restore,value,baseline,unit,relative_gap,reliability,source_url,published,notes"
)
TRUTH = {
    "engagement.max_drop": 0.3,
    "engagement.decay_hours": 24.0,
    "engagement.recovery_half_life_hours": 48.0,
    "algorithm.quality_loss": 0.1,
    "algorithm.degrade_hours": 12.0,
    "algorithm.latency_hours": 200.0,
    "users.churn_max": 0.1,
    "users.churn_scale_hours": 100.0,
    "users.return_share": 0.5,
    "users.return_after_hours": 300.0,
    "users.churn_shape": 1.5,
}


@pytest.fixture(scope="module")
def fitted() -> AfterEffectsFit:
    return AfterEffectsFit().fit()


@pytest.fixture(scope="module")
def loo(fitted: AfterEffectsFit) -> pd.DataFrame:
    return leave_one_out(fitted)


def synthetic_catalogue(path: Path) -> Path:
    """Four total outages (4 to 240 h) of platforms that share TRUTH: at five hours each, the
    activity gap and a daily-user dip midway between users away and the gap, as [3p] rows."""
    rows = [HEADER]
    hours = np.array([0.0, 24.0, 96.0, 400.0, 1000.0])
    theta = {k: np.array([v]) for k, v in TRUTH.items()}
    for i, duration in enumerate((4.0, 24.0, 72.0, 240.0)):
        away, gap = implied(theta, hours, duration, np.ones(1))
        for j, u in enumerate(hours):
            g = float(gap[0, j])
            dip = float(away[0, j] + 0.5 * (gap[0, j] - away[0, j]))
            rows.append(
                f"c{i},P,2024-01-01,{duration},total,traffic,activity,activity_gap,{u},"
                f"{100 * (1 - g):.6f},100,index,{g:.6f},[3p],https://a{i}.example/{j},,"
            )
            rows.append(
                f"c{i},P,2024-01-01,{duration},total,daily_users,people,users_away,{u + 0.5},"
                f"{100 * (1 - dip):.6f},100,index,{dip:.6f},[3p],https://b{i}.example/{j},,"
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_synthetic_catalogue_pooled_intervals_contain_the_truth(tmp_path: Path) -> None:
    fit = AfterEffectsFit(drift_per_month=0.0).fit(synthetic_catalogue(tmp_path / "syn.csv"))
    pooled = [k for k in AFTER_EFFECT_KEYS if not fit.kept_wide_[k]]
    # Even 40 observations of four outages pool only the half-life (docs/model.md): the
    # recovery curves constrain combinations of keys, not each key.
    assert "engagement.recovery_half_life_hours" in pooled
    for key in AFTER_EFFECT_KEYS:
        row = fit.summary_.loc[key]
        assert row["spec_p05"] <= TRUTH[key] <= row["spec_p95"], key
        assert row["pooled_p05"] <= TRUTH[key] <= row["pooled_p95"], key


def test_a_key_too_few_cases_inform_keeps_its_wide_prior_exactly(fitted: AfterEffectsFit) -> None:
    key = "users.churn_scale_hours"  # informed by TikTok 2026 alone: one case, two needed
    assert fitted.informed_by_[key] == ("tiktok-us-2026",) and fitted.kept_wide_[key]
    for k in AFTER_EFFECT_KEYS:
        if not fitted.kept_wide_[k]:
            continue
        assert fitted.specs_[k] == WIDE_PRIOR[k][0]
        wide = parse_spec(WIDE_PRIOR[k][0], key=k).ppf(np.array([0.05, 0.5, 0.95]))
        row = fitted.summary_.loc[k]
        assert [row["spec_p05"], row["spec_p50"], row["spec_p95"]] == list(wide)
    # Allowing one case is what would pool it: the rule, not the data, keeps it wide.
    assert not fitted.pool(tuple(fitted.cases_.index), min_cases=1).kept_wide[key]


def test_same_seed_same_priors_and_another_seed_other_draws(fitted: AfterEffectsFit) -> None:
    again = AfterEffectsFit().fit()
    pd.testing.assert_frame_equal(again.summary_, fitted.summary_)
    other = AfterEffectsFit(rng=7).fit()
    assert not np.allclose(other.summary_["pooled_p50"], fitted.summary_["pooled_p50"])


def brute_force_gap_and_away(specs: dict[str, str], n: int, u: float, duration: float):
    """c(u) and 1 − a(u) for a total outage of `duration` hours (ψ = 0), MODEL.md v3 written
    out, from `n` independent draws of each spec."""
    rng = np.random.default_rng(12345)
    x = {k: parse_spec(specs[k], key=k).sample(n, rng) for k in AFTER_EFFECT_KEYS}
    ramp_e = -np.expm1(-duration / x["engagement.decay_hours"])
    ramp_q = -np.expm1(-duration / x["algorithm.degrade_hours"])
    a_e = x["engagement.max_drop"] * ramp_e
    h_e = x["engagement.recovery_half_life_hours"] * ramp_e
    a_q = x["algorithm.quality_loss"] * ramp_q
    latency = x["algorithm.latency_hours"] * ramp_q
    exposure = duration + a_q * latency / 2
    p = x["users.churn_max"] * -np.expm1(
        -((exposure / x["users.churn_scale_hours"]) ** x["users.churn_shape"])
    )
    rho = x["users.return_share"]
    away = p * ((1 - rho) + rho * (u < x["users.return_after_hours"]))
    g_e = a_e * 2.0 ** (-u / h_e)
    g_a = a_q * np.maximum(0.0, 1 - u / latency)
    return away, 1 - (1 - away) * (1 - g_e) * (1 - g_a), rng


def test_loo_percentile_of_roblox_november_equals_brute_force(
    fitted: AfterEffectsFit, loo: pd.DataFrame
) -> None:
    row = loo[(loo["name"] == "roblox-2021") & (loo["hours"] == 360)].iloc[0]
    # Priors fitted WITHOUT Roblox, from scratch, are those its fold used.
    alone = AfterEffectsFit().fit(read_recoveries().without("roblox-2021"))
    fold = fitted.pool(tuple(c for c in fitted.cases_.index if c != "roblox-2021"))
    assert alone.specs_ == fold.specs
    # The dip placed uniformly between c and 1 − a, plus N(0, sd): its share at or below the
    # observed 2.18% (November's 49.4M against October's 50.5M).
    n = 200_000
    away, gap, rng = brute_force_gap_and_away(alone.specs_, n, 360.0, 73.0)
    sd = math.hypot(0.005, 0.03 * 780 / 720)
    dip = away + rng.random(n) * (gap - away) + rng.normal(0.0, sd, n)
    expected = 100 * np.mean(dip <= 0.0218)
    # Two independent Monte Carlo estimates of one percentile (n = 200k here, 100k in the
    # library): each has a standard error under 0.16 points; 1 point is over 4.5 of theirs.
    assert row["loo_percentile"] == pytest.approx(expected, abs=1.0)
    assert row["kind"] == "bracket" and row["scored"]


def test_bracket_and_point_likelihoods_in_closed_form() -> None:
    obs = pd.DataFrame(
        {
            "kind": ["bracket", "gap", "gap", "away_at_most", "gap_at_most"],
            "observed": [0.03, 0.2, 0.1, 0.02, 0.1],
            "sd": [0.01, 0.03, 0.02, 0.01, 0.05],
            "source_url": ["a", "b", "b", "c", "d"],
        }
    )
    away = np.array([[0.01, 0.0, 0.0, 0.015, 0.0]])
    gap = np.array([[0.05, 0.25, 0.12, 0.0, 0.12]])
    bounds = (
        stats.norm.cdf((0.03 - 0.01) / 0.01)
        * stats.norm.cdf((0.05 - 0.03) / 0.01)
        * stats.norm.cdf((0.02 - 0.015) / 0.01)
        * stats.norm.cdf((0.1 - 0.12) / 0.05)
    )
    # The two readings of page "b" are jointly normal with correlation 0.5; the density is
    # scaled to its peak (a likelihood ratio), i.e. the log-density minus its maximum.
    cov = np.array([[0.03**2, 0.5 * 0.03 * 0.02], [0.5 * 0.03 * 0.02, 0.02**2]])
    points = stats.multivariate_normal([0.2, 0.1], cov)
    scaled = points.logpdf([0.25, 0.12]) - points.logpdf([0.2, 0.1])
    assert log_likelihood(obs, away, gap)[0] == pytest.approx(math.log(bounds) + scaled)


@pytest.mark.parametrize(("low", "high"), [(0.0, 0.1), (0.02, 0.021), (0.05, 0.05)])
def test_uniform_bracket_percentile_matches_numerical_integration(low: float, high: float) -> None:
    y, sd = 0.03, 0.01
    got = _uniform_shift_cdf(y, np.array([low]), np.array([high]), sd)[0]
    if high == low:
        expected = stats.norm.cdf((y - low) / sd)
    else:
        value, _ = integrate.quad(lambda t: stats.norm.cdf((y - t) / sd), low, high)
        expected = value / (high - low)
    assert got == pytest.approx(expected, rel=1e-9)
    weights = np.ones(1)
    assert percentile("bracket", y, sd, np.array([low]), np.array([high]), weights) == (
        pytest.approx(100 * expected, rel=1e-9)
    )


def test_coverage_is_the_exact_binomial_interval() -> None:
    table = pd.DataFrame(
        {"loo_percentile": [50.0] * 10 + [99.0], "scored": [True] * 11},
    )
    cover = coverage(table).set_index("interval")
    assert cover.loc["90%", "inside"] == 10 and cover.loc["90%", "n"] == 11
    ci = stats.binomtest(10, 11).proportion_ci(method="exact")
    assert cover.loc["90%", "ci_low"] == ci.low and cover.loc["90%", "ci_high"] == ci.high
    # Clopper–Pearson by its definition: the lower end is the beta quantile.
    assert ci.low == pytest.approx(stats.beta.ppf(0.025, 10, 2))


def test_leave_one_out_table(fitted: AfterEffectsFit, loo: pd.DataFrame) -> None:
    assert len(loo) == len(fitted.observations_) == 14
    scored = loo[loo["scored"]]
    assert set(scored["kind"]) <= {"gap", "gap_present", "bracket"}
    assert loo["loo_percentile"].between(0, 100).all()
    bounds = loo[~loo["scored"]]
    assert set(bounds["kind"]) == {"away_at_most", "gap_at_most"}
    assert (bounds["in_90"] == (bounds["loo_percentile"] >= 10)).all()
    # A bracket's percentile lies between those of its two sides.
    brackets = loo[loo["kind"] == "bracket"]
    assert (brackets["high_percentile"] <= brackets["loo_percentile"] + 1e-9).all()
    assert (brackets["loo_percentile"] <= brackets["low_percentile"] + 1e-9).all()


@pytest.mark.parametrize(
    ("key", "q", "family"),
    [
        ("engagement.max_drop", (0.05, 0.15, 0.4), "beta"),
        ("engagement.decay_hours", (6.0, 40.0, 300.0), "lognormal"),
        ("users.churn_shape", (1.1, 1.6, 2.4), "pert"),
    ],
)
def test_specs_fitted_to_pooled_quantiles(key: str, q: tuple[float, ...], family: str) -> None:
    spec = spec_for(key, np.array(q))
    assert spec.startswith(family)
    got = parse_spec(spec, key=key).ppf(np.array([0.05, 0.5, 0.95]))
    if family == "pert":  # its low is the key's bound (1); it matches the median and p95
        np.testing.assert_allclose(got[1:], q[1:], rtol=1e-3)
    else:  # the 90% interval, to the 4 digits a spec is written with
        np.testing.assert_allclose(got[[0, 2]], [q[0], q[2]], rtol=2e-3)


def test_a_catalogue_without_observations_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "before.csv"
    before = "x,X,2024-01-01,10,total,daily_users,people,users_away,-300,100,,M,,[co],u,,pre"
    path.write_text(f"{HEADER}\n{before}\n", encoding="utf-8")
    with pytest.raises(InputError, match="nothing to pool"):
        AfterEffectsFit().fit(path)
