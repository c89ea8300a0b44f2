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
from strategies import floats, input_sets, log_uniform

from impact.inputs.keys import KEYS, key_info
from impact.model.core import INPUTS, OUTPUTS, activity, evaluate, users_away

LN2 = math.log(2.0)
PARTS = (
    "direct_revenue_loss_usd",
    "attrition_revenue_loss_usd",
    "engagement_revenue_loss_usd",
    "latency_revenue_loss_usd",
    "make_good_cost_usd",
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


V3_NEUTRAL = {
    "outage.zero_view_share": 0.0,
    "revenue.deferred_share": 0.0,
    "revenue.deferral_hours": 24.0,
    "revenue.make_good_share": 0.0,
    "users.churn_shape": 1.0,
    "creators.churn_shape": 1.0,
}


def v3(x: dict[str, float], key: str) -> float:
    """A v3 key's value, or its neutral default when the input set leaves it out."""
    return x.get(key, V3_NEUTRAL[key])


def ramp(D: float, tau: float) -> float:
    return -math.expm1(-D / tau)


def half_life(x: dict[str, float]) -> float:
    """he_D = he·(1 − exp(−D/τe)) (v3)."""
    return x["engagement.recovery_half_life_hours"] * ramp(
        x["outage.hours"], x["engagement.decay_hours"]
    )


def latency_ramp(x: dict[str, float]) -> float:
    """L_D = L·(1 − exp(−D/τq)) (v3)."""
    return x["algorithm.latency_hours"] * ramp(x["outage.hours"], x["algorithm.degrade_hours"])


def made_up(x: dict[str, float]) -> float:
    """F = S·ψ·∫0^D e^(−(D−t)/τψ) dt by quadrature (v3), not from its closed form."""
    D, S, psi, tau = (
        x["outage.hours"],
        x["outage.severity"],
        v3(x, "revenue.deferred_share"),
        v3(x, "revenue.deferral_hours"),
    )
    if psi == 0 or S == 0:
        return 0.0
    # Substitute s = D − t: ∫0^D e^(−s/τ) ds, split at multiples of τ so quad sees the decay.
    cuts = sorted({0.0, D, *(tau * j for j in (0.5, 1, 2, 4, 8, 16, 32) if tau * j < D)})
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            total += integrate.quad(lambda s: math.exp(-s / tau), a, b, epsabs=0, epsrel=1e-13)[0]
    return S * psi * total


def user_churn_share(x: dict[str, float]) -> float:
    """p = cu·(1 − exp(−(Eu/τu)^ku)), Eu = S·D − F + aq·L_D/2 (v3)."""
    shape = v3(x, "users.churn_shape")
    return x["users.churn_max"] * -math.expm1(
        -((user_exposure(x) / x["users.churn_scale_hours"]) ** shape)
    )


def quality_drop(x: dict[str, float]) -> float:
    """aq = S·q·(1 − exp(−D/τq)) (v2)."""
    D, S, q = x["outage.hours"], x["outage.severity"], x["algorithm.quality_loss"]
    return S * q * -math.expm1(-D / x["algorithm.degrade_hours"])


def latency_exposure(x: dict[str, float]) -> float:
    return quality_drop(x) * latency_ramp(x) / 2


def not_made_up(x: dict[str, float]) -> float:
    """S·D − F = S·∫0^D (1 − ψ·e^(−s/τψ)) ds by quadrature, with the integrand written as
    (1 − ψ) + ψ·(1 − e^(−s/τψ)) through expm1, so that it keeps its digits when ψ = 1 and
    D ≪ τψ (the plain difference S·D − F cancels there)."""
    D, S = x["outage.hours"], x["outage.severity"]
    psi, tau = v3(x, "revenue.deferred_share"), v3(x, "revenue.deferral_hours")
    if psi == 0 or S == 0:
        return S * D
    cuts = sorted({0.0, D, *(tau * j for j in (0.5, 1, 2, 4, 8, 16, 32) if tau * j < D)})
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            total += integrate.quad(
                lambda t: (1 - psi) + psi * -math.expm1(-t / tau), a, b, epsabs=0, epsrel=1e-13
            )[0]
    return S * total


def user_exposure(x: dict[str, float]) -> float:
    return not_made_up(x) + latency_exposure(x)


def zero_view_hours(x: dict[str, float]) -> float:
    """Z = ζ·D + Z0 (v3)."""
    return v3(x, "outage.zero_view_share") * x["outage.hours"] + x["outage.zero_view_hours"]


def creator_churn_share(x: dict[str, float]) -> float:
    D, S, Z = x["outage.hours"], x["outage.severity"], zero_view_hours(x)
    zero_view_exposure = (1 - S) * min(Z, D) + max(0.0, Z - D)  # Zx (v2)
    exposure = S * D + x["creators.zero_view_weight"] * zero_view_exposure + latency_exposure(x)
    shape = v3(x, "creators.churn_shape")
    return x["creators.churn_max"] * -math.expm1(
        -((exposure / x["creators.churn_scale_hours"]) ** shape)
    )


def engagement_drop(x: dict[str, float]) -> float:
    """ae = S·d·(1 − exp(−D/τe))."""
    D, S, d = x["outage.hours"], x["outage.severity"], x["engagement.max_drop"]
    return S * d * -math.expm1(-D / x["engagement.decay_hours"])


def reference(x: dict[str, float], version: int = 3) -> dict[str, float]:
    """Every revenue part and R·(S·D − F + ∫0^H (1 − a(u)) du + μ·S·D) (MODEL.md v3).

    Each integral is taken with scipy's adaptive quadrature, piece by piece between the kinks
    of the integrand (Tr, L_D) and a ladder of multiples of the half-life he_D (so that a very
    short-lived engagement gap is not stepped over on a long horizon).
    """
    D, S, R, H = (
        x["outage.hours"],
        x["outage.severity"],
        x["revenue.hourly_loss"],
        x["horizon.hours"],
    )
    he, q, L = half_life(x), quality_drop(x), latency_ramp(x)
    rho, Tr = x["users.return_share"], x["users.return_after_hours"]
    ae, p = engagement_drop(x), user_churn_share(x)
    F = made_up(x)
    if version == 2:  # MODEL.md v2: he and L whatever the outage's length; no F, no make-goods
        he, L = x["engagement.recovery_half_life_hours"], x["algorithm.latency_hours"]
        exposure = x["outage.severity"] * x["outage.hours"] + q * L / 2
        p = x["users.churn_max"] * -math.expm1(-exposure / x["users.churn_scale_hours"])
        F = 0.0

    def c(u: float) -> float:
        return p * ((1 - rho) + rho * (u < Tr))

    def ge(u: float) -> float:
        return ae * 2.0 ** (-u / he) if he > 0 else 0.0

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

    make_goods = R * v3(x, "revenue.make_good_share") * S * D if version == 3 else 0.0
    out = {
        "direct": R * (S * D - F),
        "make_goods": make_goods,
        "attrition": R * integral(c),
        "engagement": R * integral(lambda u: (1 - c(u)) * ge(u)),
        "latency": R * integral(lambda u: (1 - c(u)) * (1 - ge(u)) * ga(u)),
        "total": R * (S * D - F + integral(one_minus_a)) + make_goods,
        "recovered": R * F,
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
        "make_good_cost_usd",
        "recovered_revenue_usd",
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
    # aq = 0.5·0.1·0.5 = 0.025, and (v3) the ramp lasts L_D = 48·1/2 = 24 h (inside H):
    # latency = 400k·0.025·24/2 = 0.12M. Total 4.92M, 12.3 loss hours, creator earnings
    # 1000·12.3 = 12,300. Creators: Zx = (1 − 0.5)·7.2 = 3.6 (all zero-view hours inside the
    # outage); Ec = 12 + 0.5·3.6 + 0.025·24/2 = 14.1; τc = 14.1/ln2 ⇒ pc = 0.1·(1 − 1/2) = 0.05;
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
        creators_churn_scale_hours=14.1 / LN2,
        creators_zero_view_weight=0.5,
        creators_return_share=0.6,
        creators_earnings_per_hour=1000,
    )
    out = run(x)
    assert out["direct_revenue_loss_usd"] == pytest.approx(4.8e6, rel=1e-14)
    assert out["latency_revenue_loss_usd"] == pytest.approx(1.2e5, rel=1e-12)
    assert out["attrition_revenue_loss_usd"] == 0.0
    assert out["engagement_revenue_loss_usd"] == 0.0
    assert out[TOTAL] == pytest.approx(4.92e6, rel=1e-12)
    assert out["loss_hours"] == pytest.approx(12.3, rel=1e-12)
    assert out["creators_lost"] == pytest.approx(20.0, rel=1e-12)
    assert out["creator_earnings_loss_usd"] == pytest.approx(12_300.0, rel=1e-12)


def test_hand_computed_engagement() -> None:
    # D/τe = ln2 ⇒ 1 − e^(−D/τe) = 1/2, so ae = 1·0.5·0.5 = 0.25 and (v3) he_D = 48·1/2 = 24.
    # H = 48 (two half-lives): ∫0^48 2^(−u/24) du = (24/ln2)·(1 − 1/4) = 18/ln2 hours. Engagement =
    # 1e5·0.25·18/ln2 = 4.5e5/ln2 ≈ 649,212.8; total = 1e6 + that.
    x = point(
        outage_hours=10,
        outage_severity=1,
        revenue_hourly_loss=1e5,
        engagement_max_drop=0.5,
        engagement_decay_hours=10 / LN2,
        engagement_recovery_half_life_hours=48,
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
    # L = 0 and Tr = 0: c(u) = p(1−ρu) for all u ≥ 0, so attrition = R·p(1−ρu)·H and
    # engagement = R·(1 − p(1−ρu))·ae·(he_D/ln2)·(1 − 2^(−H/he_D)), he_D = he·(1 − e^(−D/τe)).
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
    he_d = half_life * (1 - math.exp(-D / x["engagement.decay_hours"]))
    # 1 − 2^(−H/he) as −expm1(−H·ln2/he): the plain difference cancels when H ≪ he.
    engagement = R * (1 - away) * ae * he_d / LN2 * -math.expm1(-horizon * LN2 / he_d)
    out = run(x)
    assert out["direct_revenue_loss_usd"] == pytest.approx(R * S * D, rel=1e-14)
    assert out["attrition_revenue_loss_usd"] == pytest.approx(attrition, rel=1e-12, abs=1e-300)
    assert out["engagement_revenue_loss_usd"] == pytest.approx(engagement, rel=1e-12, abs=1e-300)
    assert out["latency_revenue_loss_usd"] == 0.0
    assert out[TOTAL] == pytest.approx(R * S * D + attrition + engagement, rel=1e-12)
    assert out["users_churned"] == pytest.approx(x["users.count"] * p, rel=1e-12)


def test_closed_form_when_returners_outlast_the_horizon() -> None:
    # Tr ≥ H and L = 0: c(u) = p throughout: attrition = R·p·H,
    # engagement = R·(1 − p)·ae·(he_D/ln2)·(1 − 2^(−H/he_D)), he_D = 120·(1 − e^(−36/48)).
    x = point(algorithm_latency_hours=0, users_return_after_hours=3000, horizon_hours=2000)
    R, S, D, H = 4e5, 0.8, 36.0, 2000.0
    he = 120.0 * (1 - math.exp(-36 / 48))
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
    # d = 0, cu = 0: latency = R·aq·∫0^min(L_D,H) (1 − u/L_D) du = R·aq·Lh·(1 − Lh/(2·L_D)),
    # aq = S·q·(1 − e^(−D/τq)) = 0.8·0.1·(1 − e^(−36/24)), L_D = L·(1 − e^(−36/24)) (v3).
    x = point(
        engagement_max_drop=0,
        users_churn_max=0,
        algorithm_latency_hours=latency,
        horizon_hours=horizon,
    )
    ramp_q = 1 - math.exp(-1.5)
    latency_d = latency * ramp_q
    lh = min(latency_d, horizon)
    aq = 0.8 * 0.1 * ramp_q
    expected = 4e5 * aq * lh * (1 - lh / (2 * latency_d))
    out = run(x)
    assert out["latency_revenue_loss_usd"] == pytest.approx(expected, rel=1e-12)
    assert out["attrition_revenue_loss_usd"] == 0.0
    assert out["engagement_revenue_loss_usd"] == 0.0
    assert out[TOTAL] == pytest.approx(4e5 * 0.8 * 36 + expected, rel=1e-12)


def test_closed_form_latency_with_engagement_gap() -> None:
    # cu = 0, L_D ≤ H: latency = R·aq·[L_D/2 − ae·∫0^L_D e^(−ku)(1 − u/L_D) du], k = ln2/he_D,
    # and ∫0^L e^(−ku)(1 − u/L) du = 1/k − (1 − e^(−kL))/(k²L); L_D, he_D scaled by the ramps.
    x = point(users_churn_max=0)
    ramp_q, ramp_e = 1 - math.exp(-36 / 24), 1 - math.exp(-36 / 48)
    R, q, L, he = 4e5, 0.8 * 0.1 * ramp_q, 96.0 * ramp_q, 120.0 * ramp_e
    k = LN2 / he
    ae = 0.8 * 0.2 * (1 - math.exp(-36 / 48))
    damped = 1 / k - (1 - math.exp(-k * L)) / (k * k * L)
    out = run(x)
    assert out["latency_revenue_loss_usd"] == pytest.approx(
        R * q * (L / 2 - ae * damped), rel=1e-12
    )


def test_closed_form_latency_with_churn_before_returns() -> None:
    # d = 0 and Tr ≥ L_D ≤ H: everyone who churned is away during the whole latency window, so
    # latency = R·(1 − p)·aq·L_D/2 with p from Eu = S·D + aq·L_D/2, aq = 0.8·0.1·(1 − e^(−36/24))
    # and L_D = 96·(1 − e^(−36/24)).
    x = point(engagement_max_drop=0, users_return_after_hours=200, algorithm_latency_hours=96)
    aq = 0.8 * 0.1 * (1 - math.exp(-1.5))
    L_D = 96 * (1 - math.exp(-1.5))
    p = 0.05 * (1 - math.exp(-(0.8 * 36 + aq * L_D / 2) / 200))
    out = run(x)
    assert out["latency_revenue_loss_usd"] == pytest.approx(4e5 * (1 - p) * aq * L_D / 2, rel=1e-12)
    assert out["users_churned"] == pytest.approx(1e8 * p, rel=1e-12)


def test_each_switch_zeroes_its_part_and_only_its_part() -> None:
    on = run(point(revenue_make_good_share=0.1))
    assert all(on[part] > 0 for part in PARTS)
    for switch, part in [
        ("engagement_max_drop", "engagement_revenue_loss_usd"),
        ("algorithm_quality_loss", "latency_revenue_loss_usd"),
        ("users_churn_max", "attrition_revenue_loss_usd"),
        ("revenue_make_good_share", "make_good_cost_usd"),
    ]:
        out = run(point(**{"revenue_make_good_share": 0.1, switch: 0}))
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
    # Model v3: zero views as a share, deferred demand, make-goods, churn shapes; each is at its
    # neutral value in about a third of the sets.
    x.update(
        {
            "outage.zero_view_share": log_uniform(-3, 1) if rng.uniform() < 0.7 else 0.0,
            "revenue.deferred_share": float(rng.uniform()) if rng.uniform() < 0.7 else 0.0,
            "revenue.deferral_hours": log_uniform(-2, 4),
            "revenue.make_good_share": float(rng.uniform(0, 2)) if rng.uniform() < 0.7 else 0.0,
            "users.churn_shape": float(rng.uniform(1, 4)) if rng.uniform() < 0.7 else 1.0,
            "creators.churn_shape": float(rng.uniform(1, 4)) if rng.uniform() < 0.7 else 1.0,
        }
    )
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
    keys = ("direct", "attrition", "engagement", "latency", "make_goods")
    for name, key in zip(PARTS, keys, strict=True):
        assert out[name] == pytest.approx(ref[key], abs=scale), name
    assert out["recovered_revenue_usd"] == pytest.approx(ref["recovered"], abs=scale)


# ---------------------------------------------------------------------------------------------
# Tier 3: hypothesis properties.
# ---------------------------------------------------------------------------------------------


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
    # v2: loss_hours does not involve R; v3: total = R·(loss_hours + μ·S·D).
    mu, S, D = x["revenue.make_good_share"], x["outage.severity"], x["outage.hours"]
    unit = run({**x, "revenue.hourly_loss": 1.0})
    assert unit[TOTAL] == pytest.approx(unit["loss_hours"] + mu * S * D, rel=1e-12, abs=1e-300)
    assert out["make_good_cost_usd"] == pytest.approx(R * mu * S * D, rel=1e-14, abs=0)
    assert out["recovered_revenue_usd"] == pytest.approx(R * made_up(x), rel=1e-9, abs=1e-300)
    assert out["creator_earnings_loss_usd"] == pytest.approx(
        C * out["loss_hours"], rel=1e-14, abs=0
    )
    assert out["outage_hours"] == x["outage.hours"]
    # direct = R·(S·D − F): the gross loss less what came back; F by quadrature here.
    assert out["direct_revenue_loss_usd"] == pytest.approx(
        R * (S * D - made_up(x)), rel=1e-9, abs=1e-9 * R * S * D
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
    "revenue.make_good_share": (TOTAL,),
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

    # v3: ψ = 0 zeroes what came back (and puts it back into the direct loss); μ = 0 zeroes
    # the make-goods and touches nothing else.
    no_deferral = run({**x, "revenue.deferred_share": 0.0})
    assert no_deferral["recovered_revenue_usd"] == 0.0
    assert no_deferral["direct_revenue_loss_usd"] == pytest.approx(
        x["revenue.hourly_loss"] * x["outage.severity"] * x["outage.hours"], rel=1e-14, abs=0
    )
    no_make_goods = run({**x, "revenue.make_good_share": 0.0})
    assert no_make_goods["make_good_cost_usd"] == 0.0
    for name in OUTPUTS:
        if name not in ("make_good_cost_usd", TOTAL):
            assert no_make_goods[name] == on[name], name


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


def short_outage(x: dict[str, float], psi_one: bool = False) -> float:
    """A duration D so short that every first-order expansion of the v3 scale law holds to
    ~1e-7 relative: D ≪ τe, τq, τu, τc, τψ·(1 − ψ) (so S·D − F ≈ S·D·(1 − ψ)); the latency
    exposure aq·L_D/2 = S·q·L·D²/(2τq²) ≪ S·D·(1 − ψ); and the gaps' persistence he_D, L_D
    well inside the horizon (else ∫ge is ae·H, first order). With ψ = 1, S·D − F ≈ S·D²/(2τψ),
    so the latency exposure must be small beside that instead: q·L/τq² ≪ 1/τψ."""
    tau_psi, psi = x["revenue.deferral_hours"], x["revenue.deferred_share"]
    L, H, he = (
        x["algorithm.latency_hours"],
        x["horizon.hours"],
        x["engagement.recovery_half_life_hours"],
    )
    tq, te = x["algorithm.degrade_hours"], x["engagement.decay_hours"]
    scales = [te, tq, x["users.churn_scale_hours"], x["creators.churn_scale_hours"], tau_psi]
    if not psi_one:
        scales.append(tau_psi * (1 - psi))
        if L > 0:
            scales.append(tq * tq * (1 - psi) / L)
    if H > 0:
        scales.append(te * H / he)
        if L > 0:
            scales.append(tq * H / L)
    return 1e-7 * min(scales)


def assert_halving(full: dict[str, float], half: dict[str, float], ratio: dict[str, float]) -> None:
    """Each output's value at D/2 over its value at D is the expected ratio, to 1e-4."""
    for name, expected in ratio.items():
        if full[name] > 1e-250:  # below that the halves underflow
            assert half[name] / full[name] == pytest.approx(expected, rel=1e-4), name
        else:
            assert half[name] <= full[name], name


@given(input_sets())
def test_scale_law_of_a_short_outage(x: dict[str, float]) -> None:
    # MODEL.md v3: with Z0 = 0 and ψ < 1, halving a very short outage halves direct,
    # make-goods and recovered (Θ(D)), quarters engagement and latency (O(D²)), and scales
    # attrition and the user counts by 2^(−ku), creators by 2^(−kc). The relative corrections
    # are ~1e-7 by construction of D (short_outage); the tolerance 1e-4 leaves room for them
    # times the exponent (k ≤ 4) and for rounding in the closed forms.
    x = {**x, "outage.zero_view_hours": 0.0}
    if x["revenue.deferred_share"] > 0.999:
        x["revenue.deferred_share"] = 0.5
    small = short_outage(x)
    x["outage.hours"] = small
    full, half = run(x), run({**x, "outage.hours": small / 2})
    ku, kc = x["users.churn_shape"], x["creators.churn_shape"]
    expected = {
        "direct_revenue_loss_usd": 0.5,
        "make_good_cost_usd": 0.5,
        "recovered_revenue_usd": 0.5,
        "engagement_revenue_loss_usd": 0.25,
        "latency_revenue_loss_usd": 0.25,
        "attrition_revenue_loss_usd": 0.5**ku,
        "users_churned": 0.5**ku,
        "users_lost": 0.5**ku,
        "users_to_rivals": 0.5**ku,
        "creators_lost": 0.5**kc,
    }
    assert_halving(full, half, expected)


@given(input_sets())
def test_scale_law_when_everything_wanted_comes_back(x: dict[str, float]) -> None:
    # ψ = 1: S·D − F = S·(D − τψ·(1 − e^(−D/τψ))) ≈ S·D²/(2τψ), so direct shrinks as D² and the
    # users' exposure too (the latency exposure is also O(D²)): users as D^(2ku). Creators felt
    # the whole outage (Ec takes S·D): still D^kc.
    x = {**x, "outage.zero_view_hours": 0.0, "revenue.deferred_share": 1.0}
    small = short_outage(x, psi_one=True)
    x["outage.hours"] = small
    full, half = run(x), run({**x, "outage.hours": small / 2})
    ku, kc = x["users.churn_shape"], x["creators.churn_shape"]
    expected = {
        "direct_revenue_loss_usd": 0.25,
        "recovered_revenue_usd": 0.5,
        "users_churned": 0.25**ku,
        "users_lost": 0.25**ku,
        "creators_lost": 0.5**kc,
    }
    assert_halving(full, half, expected)


def test_scale_a_one_hour_total_outage_of_tiktok_is_mostly_direct() -> None:
    # The audit's case: v2 gave a 1-hour total outage of tiktok-us-2026 after-effects of 3.2×
    # its direct loss. At the scenario's medians (τe 38 h, he 228 h, τq 18 h, L 221 h,
    # d 0.18, q 0.07, cu 0.03, τu 186 h) v3's engagement and latency parts are O(D²): below
    # a tenth of the direct loss here (ae·he_D/ln2 ≈ 0.0047·6 h/0.69 = 0.04 h against 1 h).
    x = point(
        outage_hours=1,
        outage_severity=1,
        engagement_max_drop=0.18,
        engagement_decay_hours=38,
        engagement_recovery_half_life_hours=228,
        algorithm_quality_loss=0.07,
        algorithm_degrade_hours=18,
        algorithm_latency_hours=221,
        users_churn_max=0.03,
        users_churn_scale_hours=186,
    )
    out = run(x)
    after = out["engagement_revenue_loss_usd"] + out["latency_revenue_loss_usd"]
    assert after < 0.1 * out["direct_revenue_loss_usd"]


def test_scale_zero_views_alone_cost_only_creators() -> None:
    # S = 0 with ζ > 0 (Z0 = 0): revenue and users are untouched, creators still feel the
    # zero-view hours: Ec = wz·Zx = 0.5·(ζ·D) = 0.5·(2·36) = 36 h (all of it outside the
    # outage's own hours beyond D, counted whole; inside, (1 − S) = 1).
    x = point(outage_severity=0, outage_zero_view_hours=0)
    x["outage.zero_view_share"] = 2.0
    out = run(x)
    assert out[TOTAL] == 0.0 and out["users_churned"] == 0.0
    expected = 1e6 * 0.04 * -math.expm1(-0.5 * 72 / 300) * (1 - 0.6)
    assert out["creators_lost"] == pytest.approx(expected, rel=1e-12)
    none = run({**x, "outage.hours": 0.0})
    assert all(none[name] == 0.0 for name in OUTPUTS), none


@given(input_sets())
def test_long_outages_tend_to_version_2(x: dict[str, float]) -> None:
    # MODEL.md v3: as τe, τq → 0 with ζ = ψ = μ = 0 and ku = kc = 1, every output tends to its
    # version-2 value. At τ = 1e-6·D the ramps are 1 − e^(−1e6) = 1 exactly in doubles, so
    # he_D = he and L_D = L to the bit and v3 must equal the v2 equations (written out in
    # `reference(x, version=2)`, integrated by quadrature) to the same 1e-9.
    D = x["outage.hours"]
    x = {
        **x,
        "engagement.decay_hours": 1e-6 * D,
        "algorithm.degrade_hours": 1e-6 * D,
        **V3_NEUTRAL,
    }
    out, ref = run(x), reference(x, version=2)
    assert out[TOTAL] == pytest.approx(ref["total"], rel=1e-9, abs=1e-300)
    scale = 1e-9 * ref["total"]
    for name, key in zip(PARTS[:4], ("direct", "attrition", "engagement", "latency"), strict=True):
        assert out[name] == pytest.approx(ref[key], abs=scale), name


@given(input_sets(), floats(0, 1))
def test_total_is_non_increasing_in_deferred_share(x: dict[str, float], t: float) -> None:
    # More demand made up lowers the direct loss and the users' exposure; 1 − a(u) rises with
    # c(u), so every path to the total goes down (MODEL.md v3 invariants).
    psi = x["revenue.deferred_share"]
    lo, hi = run(x), run({**x, "revenue.deferred_share": psi + t * (1 - psi)})
    assert hi[TOTAL] <= lo[TOTAL] * (1 + 1e-12)
    assert hi["users_lost"] <= lo["users_lost"] * (1 + 1e-12)


def test_scale_the_v1_blip_is_now_small() -> None:
    # The v1 flaw: a 6-minute, 10%-severity outage cost far more in latency than directly.
    # Now every after-effect scales with S·D: at 0.1 h every after-effect is below the direct
    # loss times the ratio of the after-effect's time scales, here well under 10× direct.
    out = run(point(outage_hours=0.1, outage_severity=0.1, outage_zero_view_hours=0))
    assert out[TOTAL] < 10 * out["direct_revenue_loss_usd"]
    assert out["users_lost"] < 1e-3 * 1e8  # a blip loses a tiny share of users


@given(input_sets(), log_uniform(-3, 5))
def test_horizon_does_not_change_who_leaves(x: dict[str, float], horizon: float) -> None:
    # v2: behaviour uses the whole latency ramp; only the revenue integrals stop at H.
    a, b = run(x), run({**x, "horizon.hours": horizon})
    for name in BEHAVIOUR:
        assert a[name] == b[name], name


@given(input_sets(), floats(0, 1))
def test_zero_views_inside_a_total_outage_change_nothing(x: dict[str, float], t: float) -> None:
    # S = 1: a zero-view hour inside the outage (Z ≤ D) adds (1 − S) = 0 to the creators'
    # exposure, so every output is exactly what it is with Z = 0, whether the hours are given
    # as Z0 or (v3) as a share ζ ≤ 1 of the outage.
    x = {**x, "outage.severity": 1.0}
    none = run({**x, "outage.zero_view_hours": 0.0, "outage.zero_view_share": 0.0})
    as_hours = run(
        {**x, "outage.zero_view_hours": t * x["outage.hours"], "outage.zero_view_share": 0.0}
    )
    as_share = run({**x, "outage.zero_view_hours": 0.0, "outage.zero_view_share": t})
    assert as_hours == none
    assert as_share == none


def test_zero_views_after_restoration_count_whole() -> None:
    # Z = D + 10 at S = 0.5: Zx = 0.5·D + 10, so Ec grows by wz·(0.5·D + 10) over Z = 0.
    x = point(outage_zero_view_hours=46.0, creators_zero_view_weight=1.0)
    aq = 0.8 * 0.1 * (1 - math.exp(-1.5))
    exposure = 0.8 * 36 + 1.0 * ((1 - 0.8) * 36 + 10) + aq * 96 * (1 - math.exp(-1.5)) / 2
    expected = 1e6 * 0.04 * -math.expm1(-exposure / 300) * (1 - 0.6)
    assert run(x)["creators_lost"] == pytest.approx(expected, rel=1e-12)


def test_implied_observables_follow_their_definitions() -> None:
    # 1 − a(u) with a(u) = (1 − c(u))(1 − ge(u))(1 − ga(u)), from MODEL.md written out here.
    from impact.model.core import evaluate_all

    x = dict(BASE)
    out = {k: float(v) for k, v in evaluate_all(x).items()}
    ae, aq, p = engagement_drop(x), quality_drop(x), user_churn_share(x)
    rho, Tr, he, L = 0.8, 500.0, half_life(x), latency_ramp(x)

    def gap(u: float) -> float:
        c = p * ((1 - rho) + rho * (u < Tr))
        return 1 - (1 - c) * (1 - ae * 2 ** (-u / he)) * (1 - aq * max(0.0, 1 - u / L))

    assert out["activity_gap_at_restore"] == pytest.approx(gap(0.0), rel=1e-12)
    assert out["activity_gap_7d"] == pytest.approx(gap(168.0), rel=1e-12)
    assert out["activity_gap_30d"] == pytest.approx(gap(720.0), rel=1e-12)
    assert out["direct_loss_per_hour_usd"] == pytest.approx(4e5 * 0.8, rel=1e-14)
    assert out["users_lost_share"] == pytest.approx(p * (1 - rho), rel=1e-12)


def test_users_away_is_the_closed_form_share_away_and_never_above_the_activity_gap() -> None:
    # c(u) = p·((1 − ρu) + ρu·[u < Tr]) with p = cu·(1 − exp(−(Eu/τu)^ku)), written out here
    # from the reference helpers; Tr = 500 h, so 0 and 499 h are before the return, 500 and
    # 2000 h after it. A daily-user count lies between c(u) and 1 − a(u) (MODEL.md v3).
    x = point(POINT, **{"users.churn_shape": 1.5})
    hours = np.array([0.0, 499.0, 500.0, 2000.0])
    away = users_away(x, hours)
    p, rho = user_churn_share(x), x["users.return_share"]
    expected = [p, p, p * (1 - rho), p * (1 - rho)]
    assert away.shape == (1, 4)
    np.testing.assert_allclose(away[0], expected, rtol=1e-12)
    gap = 1.0 - activity(x, hours)
    assert np.all(away <= gap + 1e-15)
