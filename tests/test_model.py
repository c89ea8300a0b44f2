"""Tests of impact.model.evaluate against MODEL.md: closed forms, brute-force integrals, properties.

Every reference value here is written from the equations of MODEL.md, never by calling
impact.model.core (in particular not `activity`), so the tests check the code against the contract.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from points import POINT
from scipy import integrate

from impact.inputs.keys import KEYS, key_info
from impact.model.core import INPUTS, OUTPUTS, evaluate

LN2 = math.log(2.0)
PARTS = (
    "direct_revenue_loss_usd",
    "attrition_revenue_loss_usd",
    "engagement_revenue_loss_usd",
    "latency_revenue_loss_usd",
)

TOTAL = "total_revenue_loss_usd"

# A generic point of the input space: every effect on, every break (Tr, L) inside the horizon.
BASE: dict[str, float] = dict(POINT)


def point(base: dict[str, float] | None = None, **overrides: float) -> dict[str, float]:
    """BASE (or `base`) with some inputs replaced; keys by field name ('outage_hours')."""
    out = dict(BASE if base is None else base)
    for name, value in overrides.items():
        out[key_info(name).key] = float(value)
    return out


def run(inputs: dict[str, float]) -> dict[str, float]:
    return {name: float(value) for name, value in evaluate(inputs).items()}


# ---------------------------------------------------------------------------------------------
# The reference: MODEL.md's equations written out again, integrated numerically.
# ---------------------------------------------------------------------------------------------


def user_churn_share(x: dict[str, float]) -> float:
    """p = cu·(1 − exp(−Eu/τu)), Eu = S·D + aq·L/2 (v2: the whole ramp, whatever H)."""
    return x["users.churn_max"] * -math.expm1(-user_exposure(x) / x["users.churn_scale_hours"])


def quality_drop(x: dict[str, float]) -> float:
    """aq = S·q·(1 − exp(−D/τq)) (v2)."""
    D, S, q = x["outage.hours"], x["outage.severity"], x["algorithm.quality_loss"]
    return S * q * -math.expm1(-D / x["algorithm.degrade_hours"])


def latency_exposure(x: dict[str, float]) -> float:
    return quality_drop(x) * x["algorithm.latency_hours"] / 2


def user_exposure(x: dict[str, float]) -> float:
    return x["outage.severity"] * x["outage.hours"] + latency_exposure(x)


def creator_churn_share(x: dict[str, float]) -> float:
    D, S, Z = x["outage.hours"], x["outage.severity"], x["outage.zero_view_hours"]
    zero_view_exposure = (1 - S) * min(Z, D) + max(0.0, Z - D)  # Zx (v2)
    exposure = S * D + x["creators.zero_view_weight"] * zero_view_exposure + latency_exposure(x)
    return x["creators.churn_max"] * -math.expm1(-exposure / x["creators.churn_scale_hours"])


def engagement_drop(x: dict[str, float]) -> float:
    """ae = S·d·(1 − exp(−D/τe))."""
    D, S, d = x["outage.hours"], x["outage.severity"], x["engagement.max_drop"]
    return S * d * -math.expm1(-D / x["engagement.decay_hours"])


def reference(x: dict[str, float]) -> dict[str, float]:
    """Direct, attrition, engagement and latency losses and R·(S·D + ∫0^H (1 − a(u)) du).

    Each integral is taken with scipy's adaptive quadrature, piece by piece between the kinks
    of the integrand (Tr, L) and a ladder of multiples of the half-life he (so that a very
    short-lived engagement gap is not stepped over on a long horizon).
    """
    D, S, R, H = (
        x["outage.hours"],
        x["outage.severity"],
        x["revenue.hourly_loss"],
        x["horizon.hours"],
    )
    he, q, L = (
        x["engagement.recovery_half_life_hours"],
        quality_drop(x),
        x["algorithm.latency_hours"],
    )
    rho, Tr = x["users.return_share"], x["users.return_after_hours"]
    ae, p = engagement_drop(x), user_churn_share(x)

    def c(u: float) -> float:
        return p * ((1 - rho) + rho * (u < Tr))

    def ge(u: float) -> float:
        return ae * 2.0 ** (-u / he)

    def ga(u: float) -> float:
        return q * max(0.0, 1 - u / L) if L > 0 else 0.0

    def one_minus_a(u: float) -> float:
        # 1 − (1−c)(1−ge)(1−ga), written with log1p/expm1 so that small gaps do not cancel.
        factors = (c(u), ge(u), ga(u))
        if max(factors) >= 1:
            return 1.0
        return -math.expm1(sum(math.log1p(-f) for f in factors))

    ladder = [he * 4.0**j for j in range(-4, 4)]
    breaks = sorted({0.0, H, *(b for b in (Tr, L, *ladder) if 0 < b < H)})

    error = 0.0

    def integral(f: Callable[[float], float]) -> float:
        nonlocal error
        total = 0.0
        for a, b in itertools.pairwise(breaks):
            # quad warns when rounding stops it short of 1e-13; its error estimate is checked
            # instead (it must be below 1e-11 of the total, far inside the 1e-9 tolerance).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                value, err = integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-13, limit=200)
            total += value
            error += R * err
        return total

    out = {
        "direct": R * S * D,
        "attrition": R * integral(c),
        "engagement": R * integral(lambda u: (1 - c(u)) * ge(u)),
        "latency": R * integral(lambda u: (1 - c(u)) * (1 - ge(u)) * ga(u)),
        "total": R * (S * D + integral(one_minus_a)),
    }
    out["quadrature_error"] = error
    return out


# ---------------------------------------------------------------------------------------------
# Tier 1: point values against closed forms and hand-computed numbers.
# ---------------------------------------------------------------------------------------------


def test_inputs_and_outputs_are_the_contract() -> None:
    assert tuple(k.key for k in KEYS) == INPUTS
    assert OUTPUTS == (
        "outage_hours",
        "direct_revenue_loss_usd",
        "attrition_revenue_loss_usd",
        "engagement_revenue_loss_usd",
        "latency_revenue_loss_usd",
        "total_revenue_loss_usd",
        "loss_hours",
        "users_churned",
        "users_lost",
        "users_to_rivals",
        "creators_lost",
        "creator_earnings_loss_usd",
    )


def test_total_outage_with_every_after_effect_off() -> None:
    # 10 h of total outage at $100k/h and nothing after restoration: exactly $1M.
    x = point(
        outage_hours=10,
        outage_severity=1,
        revenue_hourly_loss=1e5,
        engagement_max_drop=0,
        algorithm_quality_loss=0,
        users_churn_max=0,
    )
    out = run(x)
    assert out[TOTAL] == 1e6
    assert out["direct_revenue_loss_usd"] == 1e6
    assert out["loss_hours"] == 10.0
    assert out["users_churned"] == 0.0


def test_hand_computed_latency_and_creators() -> None:
    # D=24, S=0.5: direct = 400k·12 = 4.8M. τq = 24/ln2 ⇒ 1 − e^(−D/τq) = 1/2, so
    # aq = 0.5·0.1·0.5 = 0.025, over L=48 (inside H): latency = 400k·0.025·24 = 0.24M.
    # Total 5.04M, 12.6 loss hours, creator earnings 1000·12.6 = 12,600.
    # Creators: Zx = (1 − 0.5)·7.2 = 3.6 (all zero-view hours inside the outage);
    # Ec = 12 + 0.5·3.6 + 0.025·48/2 = 14.4; τc = 14.4/ln2 ⇒ pc = 0.1·(1 − 1/2) = 0.05;
    # lost = 1000·0.05·(1 − 0.6) = 20.
    x = point(
        outage_hours=24,
        outage_severity=0.5,
        revenue_hourly_loss=4e5,
        engagement_max_drop=0,
        algorithm_quality_loss=0.1,
        algorithm_degrade_hours=24 / LN2,
        algorithm_latency_hours=48,
        users_churn_max=0,
        horizon_hours=2160,
        outage_zero_view_hours=7.2,
        creators_count=1000,
        creators_churn_max=0.1,
        creators_churn_scale_hours=14.4 / LN2,
        creators_zero_view_weight=0.5,
        creators_return_share=0.6,
        creators_earnings_per_hour=1000,
    )
    out = run(x)
    assert out["direct_revenue_loss_usd"] == pytest.approx(4.8e6, rel=1e-14)
    assert out["latency_revenue_loss_usd"] == pytest.approx(2.4e5, rel=1e-12)
    assert out["attrition_revenue_loss_usd"] == 0.0
    assert out["engagement_revenue_loss_usd"] == 0.0
    assert out[TOTAL] == pytest.approx(5.04e6, rel=1e-12)
    assert out["loss_hours"] == pytest.approx(12.6, rel=1e-12)
    assert out["creators_lost"] == pytest.approx(20.0, rel=1e-12)
    assert out["creator_earnings_loss_usd"] == pytest.approx(12_600.0, rel=1e-12)


def test_hand_computed_engagement() -> None:
    # D/τe = ln2 ⇒ 1 − e^(−D/τe) = 1/2, so ae = 1·0.5·0.5 = 0.25. he = 24, H = 48 (two
    # half-lives): ∫0^48 2^(−u/24) du = (24/ln2)·(1 − 1/4) = 18/ln2 hours. Engagement =
    # 1e5·0.25·18/ln2 = 4.5e5/ln2 ≈ 649,212.8; total = 1e6 + that.
    x = point(
        outage_hours=10,
        outage_severity=1,
        revenue_hourly_loss=1e5,
        engagement_max_drop=0.5,
        engagement_decay_hours=10 / LN2,
        engagement_recovery_half_life_hours=24,
        horizon_hours=48,
        algorithm_quality_loss=0,
        users_churn_max=0,
    )
    out = run(x)
    assert out["engagement_revenue_loss_usd"] == pytest.approx(4.5e5 / LN2, rel=1e-12)
    assert out["engagement_revenue_loss_usd"] == pytest.approx(649_212.8, abs=0.1)
    assert out[TOTAL] == pytest.approx(1e6 + 4.5e5 / LN2, rel=1e-12)


def test_hand_computed_attrition_and_users() -> None:
    # Eu = S·D = 10 (q = 0), τu = 10/ln2 ⇒ p = 0.2·(1 − 1/2) = 0.1. Everyone who left is away
    # for Tr = 100 h, then the 25% who do not return stay away until H = 300:
    # attrition = 1e5·(0.1·100 + 0.1·0.25·200) = 1e5·15 = 1.5M.
    # Users: churned 1e6·0.1 = 1e5, lost 1e5·0.25 = 25,000, to rivals 1e5·0.4 = 40,000.
    x = point(
        outage_hours=10,
        outage_severity=1,
        revenue_hourly_loss=1e5,
        engagement_max_drop=0,
        algorithm_quality_loss=0,
        users_count=1e6,
        users_churn_max=0.2,
        users_churn_scale_hours=10 / LN2,
        users_return_share=0.75,
        users_return_after_hours=100,
        users_rival_share=0.4,
        horizon_hours=300,
    )
    out = run(x)
    assert out["attrition_revenue_loss_usd"] == pytest.approx(1.5e6, rel=1e-12)
    assert out["users_churned"] == pytest.approx(1e5, rel=1e-12)
    assert out["users_lost"] == pytest.approx(25_000, rel=1e-12)
    assert out["users_to_rivals"] == pytest.approx(40_000, rel=1e-12)
    assert out[TOTAL] == pytest.approx(1e6 + 1.5e6, rel=1e-12)


@pytest.mark.parametrize("horizon", [0.0, 1.0, 300.0, 5000.0])
@pytest.mark.parametrize("half_life", [0.5, 120.0, 1e5])
def test_closed_form_without_latency_or_early_returns(horizon: float, half_life: float) -> None:
    # L = 0 and Tr = 0: c(u) = p(1−ρu) for all u ≥ 0, so
    # attrition = R·p(1−ρu)·H and engagement = R·(1 − p(1−ρu))·ae·(he/ln2)·(1 − 2^(−H/he)).
    x = point(
        algorithm_latency_hours=0,
        users_return_after_hours=0,
        horizon_hours=horizon,
        engagement_recovery_half_life_hours=half_life,
    )
    R, S, D = x["revenue.hourly_loss"], x["outage.severity"], x["outage.hours"]
    rho = x["users.return_share"]
    p = x["users.churn_max"] * (1 - math.exp(-S * D / x["users.churn_scale_hours"]))
    ae = S * x["engagement.max_drop"] * (1 - math.exp(-D / x["engagement.decay_hours"]))
    away = p * (1 - rho)
    attrition = R * away * horizon
    # 1 − 2^(−H/he) as −expm1(−H·ln2/he): the plain difference cancels when H ≪ he.
    engagement = R * (1 - away) * ae * half_life / LN2 * -math.expm1(-horizon * LN2 / half_life)
    out = run(x)
    assert out["direct_revenue_loss_usd"] == pytest.approx(R * S * D, rel=1e-14)
    assert out["attrition_revenue_loss_usd"] == pytest.approx(attrition, rel=1e-12, abs=1e-300)
    assert out["engagement_revenue_loss_usd"] == pytest.approx(engagement, rel=1e-12, abs=1e-300)
    assert out["latency_revenue_loss_usd"] == 0.0
    assert out[TOTAL] == pytest.approx(R * S * D + attrition + engagement, rel=1e-12)
    assert out["users_churned"] == pytest.approx(x["users.count"] * p, rel=1e-12)


def test_closed_form_when_returners_outlast_the_horizon() -> None:
    # Tr ≥ H and L = 0: c(u) = p throughout: attrition = R·p·H,
    # engagement = R·(1 − p)·ae·(he/ln2)·(1 − 2^(−H/he)).
    x = point(algorithm_latency_hours=0, users_return_after_hours=3000, horizon_hours=2000)
    R, S, D, H = 4e5, 0.8, 36.0, 2000.0
    he = x["engagement.recovery_half_life_hours"]
    p = 0.05 * (1 - math.exp(-S * D / 200.0))
    ae = S * 0.2 * (1 - math.exp(-D / 48.0))
    out = run(x)
    assert out["attrition_revenue_loss_usd"] == pytest.approx(R * p * H, rel=1e-12)
    assert out["engagement_revenue_loss_usd"] == pytest.approx(
        R * (1 - p) * ae * he / LN2 * (1 - 2 ** (-H / he)), rel=1e-12
    )
    assert out["users_lost"] == pytest.approx(1e8 * p * (1 - 0.8), rel=1e-12)


@pytest.mark.parametrize(("latency", "horizon"), [(48.0, 2160.0), (48.0, 48.0), (500.0, 100.0)])
def test_closed_form_latency_alone(latency: float, horizon: float) -> None:
    # d = 0, cu = 0: latency = R·aq·∫0^min(L,H) (1 − u/L) du = R·aq·Lh·(1 − Lh/(2L)),
    # aq = S·q·(1 − e^(−D/τq)) = 0.8·0.1·(1 − e^(−36/24)).
    x = point(
        engagement_max_drop=0,
        users_churn_max=0,
        algorithm_latency_hours=latency,
        horizon_hours=horizon,
    )
    lh = min(latency, horizon)
    aq = 0.8 * 0.1 * (1 - math.exp(-1.5))
    expected = 4e5 * aq * lh * (1 - lh / (2 * latency))
    out = run(x)
    assert out["latency_revenue_loss_usd"] == pytest.approx(expected, rel=1e-12)
    assert out["attrition_revenue_loss_usd"] == 0.0
    assert out["engagement_revenue_loss_usd"] == 0.0
    assert out[TOTAL] == pytest.approx(4e5 * 0.8 * 36 + expected, rel=1e-12)


def test_closed_form_latency_with_engagement_gap() -> None:
    # cu = 0, L ≤ H: latency = R·aq·[L/2 − ae·∫0^L e^(−ku)(1 − u/L) du], k = ln2/he, and
    # ∫0^L e^(−ku)(1 − u/L) du = 1/k − (1 − e^(−kL))/(k²L).
    x = point(users_churn_max=0)
    R, q, L, he = 4e5, 0.8 * 0.1 * (1 - math.exp(-36 / 24)), 96.0, 120.0
    k = LN2 / he
    ae = 0.8 * 0.2 * (1 - math.exp(-36 / 48))
    damped = 1 / k - (1 - math.exp(-k * L)) / (k * k * L)
    out = run(x)
    assert out["latency_revenue_loss_usd"] == pytest.approx(
        R * q * (L / 2 - ae * damped), rel=1e-12
    )


def test_closed_form_latency_with_churn_before_returns() -> None:
    # d = 0 and Tr ≥ L ≤ H: everyone who churned is away during the whole latency window, so
    # latency = R·(1 − p)·aq·L/2 with p from Eu = S·D + aq·L/2, aq = 0.8·0.1·(1 − e^(−36/24)).
    x = point(engagement_max_drop=0, users_return_after_hours=200, algorithm_latency_hours=96)
    aq = 0.8 * 0.1 * (1 - math.exp(-1.5))
    p = 0.05 * (1 - math.exp(-(0.8 * 36 + aq * 96 / 2) / 200))
    out = run(x)
    assert out["latency_revenue_loss_usd"] == pytest.approx(4e5 * (1 - p) * aq * 48, rel=1e-12)
    assert out["users_churned"] == pytest.approx(1e8 * p, rel=1e-12)


def test_each_switch_zeroes_its_part_and_only_its_part() -> None:
    on = run(point())
    assert all(on[part] > 0 for part in PARTS)
    for switch, part in [
        ("engagement_max_drop", "engagement_revenue_loss_usd"),
        ("algorithm_quality_loss", "latency_revenue_loss_usd"),
        ("users_churn_max", "attrition_revenue_loss_usd"),
    ]:
        out = run(point(**{switch: 0}))
        assert out[part] == 0.0, switch
        assert all(out[other] > 0 for other in PARTS if other != part), switch
    off = run(point(users_churn_max=0))
    assert off["users_churned"] == off["users_lost"] == off["users_to_rivals"] == 0.0


def test_zero_revenue_still_costs_creators() -> None:
    # v2: loss_hours is defined without R, so creators lose C·loss_hours whatever R is.
    out, paid = run(point(revenue_hourly_loss=0)), run(point())
    assert out[TOTAL] == 0.0
    assert out["loss_hours"] == paid["loss_hours"] > 0
    assert out["creator_earnings_loss_usd"] == pytest.approx(2e5 * paid["loss_hours"], rel=1e-14)
    assert out["users_churned"] > 0  # users still leave when no revenue is counted


@pytest.mark.parametrize("latency", [1e-310, 5e-324])
def test_subnormal_latency_counts_as_none(latency: float) -> None:
    # 1/L overflows for subnormal L; such a latency is below any double, i.e. no latency.
    out, none = run(point(algorithm_latency_hours=latency)), run(point(algorithm_latency_hours=0))
    assert out == none


def test_arrays_broadcast_and_match_scalars() -> None:
    hours = np.array([1.0, 24.0, 240.0])
    x: dict[str, object] = dict(BASE)
    x["outage.hours"] = hours
    out = evaluate(x)  # type: ignore[arg-type]
    for name in OUTPUTS:
        assert out[name].shape == (3,)
        for i, d in enumerate(hours):
            assert out[name][i] == pytest.approx(run(point(outage_hours=d))[name], rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Tier 1b: the total against brute-force integration of 1 − a(u), over many input sets.
# ---------------------------------------------------------------------------------------------


def random_point(rng: np.random.Generator) -> dict[str, float]:
    """A random input set, with each edge case (L=0, H=0, Tr=0, Tr>H, …) switched in often."""

    def log_uniform(lo: float, hi: float) -> float:
        return float(10.0 ** rng.uniform(lo, hi))

    x = {
        "outage.hours": log_uniform(-2, 4),
        "outage.severity": float(rng.uniform()),
        "outage.zero_view_hours": log_uniform(-2, 3),
        "revenue.hourly_loss": log_uniform(2, 8),
        "engagement.max_drop": float(rng.uniform()),
        "engagement.decay_hours": log_uniform(-2, 4),
        "engagement.recovery_half_life_hours": log_uniform(-2, 5),
        "algorithm.quality_loss": float(rng.uniform()),
        "algorithm.latency_hours": log_uniform(-2, 4),
        "users.count": log_uniform(0, 9),
        "users.churn_max": float(rng.uniform()),
        "users.churn_scale_hours": log_uniform(-1, 4),
        "users.return_share": float(rng.uniform()),
        "users.return_after_hours": log_uniform(-2, 4),
        "users.rival_share": float(rng.uniform()),
        "creators.count": log_uniform(0, 8),
        "creators.churn_max": float(rng.uniform()),
        "creators.churn_scale_hours": log_uniform(-1, 4),
        "creators.zero_view_weight": float(rng.uniform(0, 3)),
        "creators.return_share": float(rng.uniform()),
        "creators.earnings_per_hour": log_uniform(0, 7),
        "horizon.hours": log_uniform(-1, 4.5),
        "algorithm.degrade_hours": log_uniform(-2, 4),
    }
    H = x["horizon.hours"]
    edges = {
        "algorithm.latency_hours": [0.0, H * (1 + rng.uniform()), H],
        "horizon.hours": [0.0],
        "users.return_after_hours": [0.0, H * (1 + rng.uniform()), H],
        "engagement.recovery_half_life_hours": [1e-6, 1e-3, 1e8, 1e12],
        "algorithm.quality_loss": [0.0, 1.0],
        "engagement.max_drop": [0.0, 1.0],
        "users.churn_max": [0.0, 1.0],
        "users.return_share": [0.0, 1.0],
        "outage.severity": [1.0],
    }
    for key, options in edges.items():
        if rng.uniform() < 0.15:
            x[key] = float(rng.choice(options))
    if rng.uniform() < 0.1:  # ae = 1: a total outage that outlasted the engagement decay
        x.update(
            {
                "outage.severity": 1.0,
                "engagement.max_drop": 1.0,
                "outage.hours": 1e4,
                "engagement.decay_hours": 1.0,
            }
        )
    return x


EDGE_CASES = [
    point(algorithm_latency_hours=0),
    point(horizon_hours=0),
    point(users_return_after_hours=0),
    point(users_return_after_hours=5000),  # Tr > H
    point(algorithm_latency_hours=5000),  # L > H
    point(algorithm_latency_hours=2160, users_return_after_hours=2160),  # breaks on H
    point(algorithm_latency_hours=500, users_return_after_hours=500),  # Tr = L
    point(engagement_recovery_half_life_hours=1e-6),
    point(engagement_recovery_half_life_hours=1e12),
    point(algorithm_quality_loss=0),
    point(engagement_max_drop=0),
    point(users_churn_max=0),
    point(users_churn_max=1, users_churn_scale_hours=1e-3, users_return_share=0),  # c = 1
    point(outage_hours=1e-3, engagement_decay_hours=1e4),  # tiny gaps
    point(outage_severity=1, engagement_max_drop=1, outage_hours=1e4, engagement_decay_hours=1),
    point(horizon_hours=0, algorithm_latency_hours=0, users_return_after_hours=0),
]
RANDOM_CASES = [random_point(np.random.default_rng([20240305, i])) for i in range(150)]


@pytest.mark.parametrize("x", EDGE_CASES + RANDOM_CASES)
def test_total_is_sum_of_parts_and_equals_brute_force_integral(x: dict[str, float]) -> None:
    out = run(x)
    ref = reference(x)
    assert ref["quadrature_error"] <= 1e-11 * ref["total"]
    parts = [out[name] for name in PARTS]
    assert out[TOTAL] == pytest.approx(math.fsum(parts), rel=1e-12, abs=0)
    assert out[TOTAL] == pytest.approx(ref["total"], rel=1e-9, abs=0)
    # Each part is compared in units of the total: a part can be tiny beside the others.
    scale = 1e-9 * ref["total"]
    for name, key in zip(PARTS, ("direct", "attrition", "engagement", "latency"), strict=True):
        assert out[name] == pytest.approx(ref[key], abs=scale), name


# ---------------------------------------------------------------------------------------------
# Tier 3: hypothesis properties.
# ---------------------------------------------------------------------------------------------


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    # Subnormal inputs (a severity of 5e-324) only test float rounding, not the model.
    return st.floats(lo, hi, allow_subnormal=False)


def log_uniform_st(lo: float, hi: float) -> st.SearchStrategy[float]:
    return floats(lo, hi).map(lambda e: 10.0**e)


def input_sets() -> st.SearchStrategy[dict[str, float]]:
    positive_hours = log_uniform_st(-3, 5)
    nonneg_hours = st.one_of(st.just(0.0), log_uniform_st(-3, 5))
    share = st.one_of(st.sampled_from([0.0, 1.0]), floats(0, 1))
    amount = st.one_of(st.just(0.0), log_uniform_st(0, 9))
    strategy = {
        "outage.hours": positive_hours,
        "outage.severity": share,
        "outage.zero_view_hours": nonneg_hours,
        "revenue.hourly_loss": amount,
        "engagement.max_drop": share,
        "engagement.decay_hours": positive_hours,
        "engagement.recovery_half_life_hours": st.one_of(log_uniform_st(-6, 12), positive_hours),
        "algorithm.quality_loss": share,
        "algorithm.latency_hours": nonneg_hours,
        "users.count": amount,
        "users.churn_max": share,
        "users.churn_scale_hours": positive_hours,
        "users.return_share": share,
        "users.return_after_hours": nonneg_hours,
        "users.rival_share": share,
        "creators.count": amount,
        "creators.churn_max": share,
        "creators.churn_scale_hours": positive_hours,
        "creators.zero_view_weight": floats(0, 5),
        "creators.return_share": share,
        "creators.earnings_per_hour": amount,
        "horizon.hours": nonneg_hours,
        "algorithm.degrade_hours": positive_hours,
    }
    # The onset and the week factor are left out (the model takes them as 0 and 1, which change
    # nothing without a profile); tests/test_profile.py draws them.
    assert set(strategy) == set(INPUTS) - {"outage.onset_hour_of_week", "revenue.week_factor"}
    return st.fixed_dictionaries(strategy)


@given(input_sets())
def test_every_output_is_finite_and_non_negative(x: dict[str, float]) -> None:
    out = run(x)
    for name in OUTPUTS:
        assert math.isfinite(out[name]) and out[name] >= 0, name


@given(input_sets())
def test_derived_outputs_follow_their_definitions(x: dict[str, float]) -> None:
    out = run(x)
    R, C = x["revenue.hourly_loss"], x["creators.earnings_per_hour"]
    N, p = x["users.count"], user_churn_share(x)
    # v2: loss_hours does not involve R; total = R·loss_hours.
    expected_hours = out[TOTAL] / R if R > 0 else run({**x, "revenue.hourly_loss": 1.0})[TOTAL]
    assert out["loss_hours"] == pytest.approx(expected_hours, rel=1e-12, abs=0)
    assert out["creator_earnings_loss_usd"] == pytest.approx(
        C * out["loss_hours"], rel=1e-14, abs=0
    )
    assert out["outage_hours"] == x["outage.hours"]
    assert out["direct_revenue_loss_usd"] == pytest.approx(
        R * x["outage.severity"] * x["outage.hours"], rel=1e-14, abs=0
    )
    assert out["users_churned"] == pytest.approx(N * p, rel=1e-12, abs=0)
    assert out["users_lost"] == pytest.approx(
        N * p * (1 - x["users.return_share"]), rel=1e-12, abs=0
    )
    assert out["users_to_rivals"] == pytest.approx(N * p * x["users.rival_share"], rel=1e-12, abs=0)
    creators = x["creators.count"] * creator_churn_share(x) * (1 - x["creators.return_share"])
    assert out["creators_lost"] == pytest.approx(creators, rel=1e-12, abs=0)
    assert math.fsum(out[name] for name in PARTS) == pytest.approx(out[TOTAL], rel=1e-12, abs=0)


# Which outputs must not fall when which input rises (MODEL.md, "Invariants").
MONOTONE_IN = {
    "outage.hours": (TOTAL, "users_lost", "creators_lost"),
    "outage.severity": (TOTAL, "users_lost", "creators_lost"),
    "algorithm.quality_loss": (TOTAL, "users_lost", "creators_lost"),
    "algorithm.latency_hours": (TOTAL, "users_lost", "creators_lost"),
    "revenue.hourly_loss": (TOTAL,),
    "engagement.max_drop": (TOTAL,),
    "users.churn_max": (TOTAL,),
}
SHARES = {"outage.severity", "algorithm.quality_loss", "engagement.max_drop", "users.churn_max"}


@given(input_sets(), st.sampled_from(sorted(MONOTONE_IN)), floats(0, 1))
def test_outputs_are_non_decreasing(x: dict[str, float], key: str, t: float) -> None:
    value = x[key]
    larger = value + t * (1 - value) if key in SHARES else value * (1 + 10 * t) + t
    lo, hi = run(x), run({**x, key: larger})
    for name in MONOTONE_IN[key]:
        # The closed forms are exact up to rounding: allow a few ulps of the value.
        assert hi[name] >= lo[name] * (1 - 1e-12), (name, value, larger, lo[name], hi[name])


@given(input_sets())
def test_switching_an_effect_off_zeroes_exactly_its_part(x: dict[str, float]) -> None:
    on = run(x)

    no_engagement = run({**x, "engagement.max_drop": 0.0})
    assert no_engagement["engagement_revenue_loss_usd"] == 0.0
    # d touches nothing before restoration, so direct, attrition and users are unchanged.
    for name in (
        "direct_revenue_loss_usd",
        "attrition_revenue_loss_usd",
        "users_churned",
        "users_lost",
        "creators_lost",
    ):
        assert no_engagement[name] == on[name], name

    no_latency = run({**x, "algorithm.quality_loss": 0.0})
    assert no_latency["latency_revenue_loss_usd"] == 0.0
    assert no_latency["direct_revenue_loss_usd"] == on["direct_revenue_loss_usd"]

    no_churn = run({**x, "users.churn_max": 0.0})
    assert no_churn["attrition_revenue_loss_usd"] == 0.0
    assert no_churn["users_churned"] == no_churn["users_lost"] == no_churn["users_to_rivals"] == 0.0
    assert no_churn["direct_revenue_loss_usd"] == on["direct_revenue_loss_usd"]
    assert no_churn["creators_lost"] == on["creators_lost"]


# ---------------------------------------------------------------------------------------------
# The three invariants added in MODEL.md v2: scale, horizon, zero views.
# ---------------------------------------------------------------------------------------------

AFTER_EFFECTS = (
    "attrition_revenue_loss_usd",
    "engagement_revenue_loss_usd",
    "latency_revenue_loss_usd",
    "users_churned",
    "users_lost",
    "users_to_rivals",
    "creators_lost",
)
BEHAVIOUR = ("users_churned", "users_lost", "users_to_rivals", "creators_lost")


@pytest.mark.parametrize("key", ["outage_hours", "outage_severity"])
def test_scale_no_disruption_costs_nothing(key: str) -> None:
    # Z = 0 and D = 0 (or S = 0): every output is exactly 0 (outage_hours is D itself).
    out = run(point(outage_zero_view_hours=0, **{key: 0}))
    for name in OUTPUTS:
        if name != "outage_hours" or key == "outage_hours":
            assert out[name] == 0.0, name


@given(input_sets())
def test_scale_after_effects_are_first_order_in_a_short_outage(x: dict[str, float]) -> None:
    # With Z = 0 and D ≪ every time constant, each after-effect is c·D + O(D²): halving D
    # halves it. D is set 1e-6 of the smallest time constant, so the relative O(D) correction
    # to the ratio is ~1e-6; 1e-4 leaves room for rounding in the closed forms.
    scales = ("engagement.decay_hours", "algorithm.degrade_hours", "users.churn_scale_hours")
    small = 1e-6 * min(x[k] for k in (*scales, "creators.churn_scale_hours"))
    x = {**x, "outage.zero_view_hours": 0.0, "outage.hours": small}
    full, half = run(x), run({**x, "outage.hours": small / 2})
    for name in AFTER_EFFECTS:
        if full[name] > 1e-250:  # below that the halves underflow
            assert half[name] / full[name] == pytest.approx(0.5, rel=1e-4), name
        else:
            assert half[name] <= full[name], name


def test_scale_the_v1_blip_is_now_small() -> None:
    # The v1 flaw: a 6-minute, 10%-severity outage cost far more in latency than directly.
    # Now every after-effect scales with S·D: at 0.1 h every after-effect is below the direct
    # loss times the ratio of the after-effect's time scales, here well under 10× direct.
    out = run(point(outage_hours=0.1, outage_severity=0.1, outage_zero_view_hours=0))
    assert out[TOTAL] < 10 * out["direct_revenue_loss_usd"]
    assert out["users_lost"] < 1e-3 * 1e8  # a blip loses a tiny share of users


@given(input_sets(), log_uniform_st(-3, 5))
def test_horizon_does_not_change_who_leaves(x: dict[str, float], horizon: float) -> None:
    # v2: behaviour uses the whole latency ramp; only the revenue integrals stop at H.
    a, b = run(x), run({**x, "horizon.hours": horizon})
    for name in BEHAVIOUR:
        assert a[name] == b[name], name


@given(input_sets(), floats(0, 1))
def test_zero_views_inside_a_total_outage_change_nothing(x: dict[str, float], t: float) -> None:
    # S = 1: a zero-view hour inside the outage (Z ≤ D) adds (1 − S) = 0 to the creators'
    # exposure, so every output is exactly what it is with Z = 0.
    x = {**x, "outage.severity": 1.0}
    inside, none = (
        run({**x, "outage.zero_view_hours": t * x["outage.hours"]}),
        run({**x, "outage.zero_view_hours": 0.0}),
    )
    assert inside == none


def test_zero_views_after_restoration_count_whole() -> None:
    # Z = D + 10 at S = 0.5: Zx = 0.5·D + 10, so Ec grows by wz·(0.5·D + 10) over Z = 0.
    x = point(outage_zero_view_hours=46.0, creators_zero_view_weight=1.0)
    aq = 0.8 * 0.1 * (1 - math.exp(-1.5))
    exposure = 0.8 * 36 + 1.0 * ((1 - 0.8) * 36 + 10) + aq * 96 / 2
    expected = 1e6 * 0.04 * -math.expm1(-exposure / 300) * (1 - 0.6)
    assert run(x)["creators_lost"] == pytest.approx(expected, rel=1e-12)


def test_implied_observables_follow_their_definitions() -> None:
    # 1 − a(u) with a(u) = (1 − c(u))(1 − ge(u))(1 − ga(u)), from MODEL.md written out here.
    from impact.model.core import evaluate_all

    x = dict(BASE)
    out = {k: float(v) for k, v in evaluate_all(x).items()}
    ae, aq, p = engagement_drop(x), quality_drop(x), user_churn_share(x)
    rho, Tr, he, L = 0.8, 500.0, 120.0, 96.0

    def gap(u: float) -> float:
        c = p * ((1 - rho) + rho * (u < Tr))
        return 1 - (1 - c) * (1 - ae * 2 ** (-u / he)) * (1 - aq * max(0.0, 1 - u / L))

    assert out["activity_gap_at_restore"] == pytest.approx(gap(0.0), rel=1e-12)
    assert out["activity_gap_7d"] == pytest.approx(gap(168.0), rel=1e-12)
    assert out["activity_gap_30d"] == pytest.approx(gap(720.0), rel=1e-12)
    assert out["direct_loss_per_hour_usd"] == pytest.approx(4e5 * 0.8, rel=1e-14)
    assert out["users_lost_share"] == pytest.approx(p * (1 - rho), rel=1e-12)
