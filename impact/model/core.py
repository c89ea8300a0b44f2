"""The impact model (MODEL.md version 3): a pure function from arrays of inputs to outputs.

Every integral over the horizon is evaluated in closed form, piece by piece between the breaks
of its integrand (the users' return at Tr, the end of algorithmic latency at L, the horizon H),
so one trial costs a fixed number of vectorised operations and there is no loop over trials or
time steps. See docs/model.md for the equations, their derivation, and what changed from v1.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from impact.inputs.keys import KEYS, key_info
from impact.model import shape
from impact.model.integrals import exp_moments, ramp_shortfall
from impact.model.week import discounted_window_hours, window_hours
from impact.outputs import OUTPUTS, PER_CREATOR, output

__all__ = [
    "INPUTS",
    "OUTPUTS",
    "activity",
    "evaluate",
    "evaluate_all",
    "loss_per_creator",
    "revenue_hours",
    "users_away",
]

FloatArray = NDArray[np.float64]
INPUTS: tuple[str, ...] = tuple(k.key for k in KEYS)
LN2 = float(np.log(2.0))
WEEK_HOURS, MONTH_HOURS = 168.0, 720.0  # the implied gaps are read 7 and 30 days after


def _get(inputs: Mapping[str, ArrayLike], key: str) -> FloatArray:
    return np.asarray(inputs[key], dtype=float)


# Keys added after v2 that a caller's mapping may leave out take their documented defaults
# (impact.inputs.keys), each of which leaves the model as it was (v3's deferral time has no
# effect while ψ = 0).
_OPTIONAL = (
    "outage.onset_hour_of_week",
    "revenue.week_factor",
    "outage.zero_view_share",
    "revenue.deferred_share",
    "revenue.deferral_hours",
    "revenue.make_good_share",
    "users.churn_shape",
    "creators.churn_shape",
)
_NEUTRAL = {key: float(str(key_info(key).default)) for key in _OPTIONAL}
# he_D below this counts as this (k = ln 2 / he_D stays finite): the engagement gap then lasts
# under 1e-200 h, and its loss (≤ ae·1e-200 h of revenue) is below any figure reported.
HALF_LIFE_FLOOR = 1e-200


def _optional(inputs: Mapping[str, ArrayLike], key: str) -> FloatArray:
    return np.asarray(inputs.get(key, _NEUTRAL[key]), dtype=float)


def revenue_hours(
    inputs: Mapping[str, ArrayLike], D: FloatArray, profile: ArrayLike | None = None
) -> FloatArray:
    """Hours of average revenue in the outage window: ∫ w over [o, o + D), with the first
    168 hours scaled by the week factor f. Without a profile (w = 1) this is D + (f − 1)·min(D,
    168), which is D itself, to the bit, when f = 1 (the v2 direct loss)."""
    factor = _optional(inputs, "revenue.week_factor")
    if profile is None and factor.min(initial=1.0) == 1.0 == factor.max(initial=1.0):
        return D  # f = 1 in every trial: D + 0·min(D, 168) is D to the bit
    first = np.minimum(D, 168.0)
    if profile is None:
        return D + (factor - 1.0) * first
    onset = _optional(inputs, "outage.onset_hour_of_week")
    return window_hours(profile, onset, D) + (factor - 1.0) * window_hours(profile, onset, first)


@dataclass(frozen=True)
class _State:
    """The per-trial quantities every output is built from (MODEL.md's intermediate symbols)."""

    D: FloatArray
    S: FloatArray
    R: FloatArray
    W: FloatArray  # revenue-weighted hours of the outage window (D without a profile)
    H: FloatArray
    L: FloatArray  # v3: the latency ramp L_D = L·(1 − e^(−D/τq))
    a_e: FloatArray  # engagement drop at restoration
    a_q: FloatArray  # quality drop at restoration (v2: builds up with the disruption)
    h_e: FloatArray  # v3: the engagement half-life he_D = he·(1 − e^(−D/τe)), floored
    p: FloatArray  # user churn share
    rho_u: FloatArray
    T_r: FloatArray
    F: FloatArray  # v3: made-up revenue-weighted hours of the window (deferred demand)
    net: FloatArray  # v3: S·W − F, the weighted hours lost while down (direct / R)


def _ramp(D: FloatArray, tau: FloatArray) -> FloatArray:
    """1 − e^(−D/τ): how far a build-up with time constant τ has come after D hours."""
    return np.asarray(-np.expm1(-D / tau))


def _shaped(exposure: FloatArray, scale: FloatArray, shape_k: FloatArray) -> FloatArray:
    """1 − exp(−(E/τ)^k), with k = 1 in every trial taking v2's one division (same bits)."""
    x = exposure / scale
    if shape_k.min(initial=1.0) != 1.0 or shape_k.max(initial=1.0) != 1.0:
        x = x**shape_k
    return np.asarray(-np.expm1(-x))


def made_up_hours(
    inputs: Mapping[str, ArrayLike], D: FloatArray, W: FloatArray, profile: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Deferred demand (MODEL.md v3), before the severity S multiplies it: the made-up hours
    ψ·∫0^D w(t)·e^(−(D−t)/τψ) dt (revenue-weighted), the weighted hours not made up, W − that,
    and the plain hours not made up (w = 1: what people felt), D − ψ·τψ·(1 − e^(−D/τψ)).

    Without a profile, w is the week factor f for the first 168 hours and 1 after, so the
    made-up hours are ψ·τψ·[(1 − e^(−D/τψ)) + (f − 1)·(e^(−(D−m)/τψ) − e^(−D/τψ))], m = min(D,
    168). The plain remainder is (1 − ψ)·D + ψ·τψ·g(D/τψ) (`ramp_shortfall`), which keeps its
    digits when almost everything comes back (ψ = 1 and D ≪ τψ: it is then ≈ D²/(2τψ)).
    """
    psi = _optional(inputs, "revenue.deferred_share")
    if not np.any(psi):
        return np.zeros(np.shape(D)), W, D
    tau = _optional(inputs, "revenue.deferral_hours")
    plain = psi * tau * _ramp(D, tau)
    net_plain = (1.0 - psi) * D + psi * tau * ramp_shortfall(D / tau)
    if W is D:  # no profile and f = 1: the weighted hours are the plain ones
        return plain, net_plain, net_plain
    first = np.minimum(D, 168.0)
    factor = _optional(inputs, "revenue.week_factor")
    if profile is None:
        late = np.exp(-(D - first) / tau) - np.exp(-D / tau)
        weighted = plain + psi * tau * (factor - 1.0) * late
    else:
        onset = _optional(inputs, "outage.onset_hour_of_week")
        weighted = psi * discounted_window_hours(profile, onset, D, tau)
        if factor.min(initial=1.0) != 1.0 or factor.max(initial=1.0) != 1.0:
            # the first 168 hours again, times (f − 1), discounted from the end at D
            early = discounted_window_hours(profile, onset, first, tau)
            weighted = weighted + psi * (factor - 1.0) * np.exp(-(D - first) / tau) * early
    return weighted, np.maximum(W - weighted, 0.0), net_plain


def _state(inputs: Mapping[str, ArrayLike], profile: ArrayLike | None = None) -> _State:
    D, S, R, L, H = (
        _get(inputs, k)
        for k in (
            "outage.hours",
            "outage.severity",
            "revenue.hourly_loss",
            "algorithm.latency_hours",
            "horizon.hours",
        )
    )
    D, S, R, L, H = np.broadcast_arrays(D, S, R, L, H)
    ramp_e = _ramp(D, _get(inputs, "engagement.decay_hours"))
    ramp_q = _ramp(D, _get(inputs, "algorithm.degrade_hours"))
    a_e = S * _get(inputs, "engagement.max_drop") * ramp_e
    a_q = S * _get(inputs, "algorithm.quality_loss") * ramp_q
    # v3: a short break barely disturbs habits or the recommender, so the gaps' persistence
    # grows with the disruption as their depth does (he_D, L_D).
    h_e = np.maximum(_get(inputs, "engagement.recovery_half_life_hours") * ramp_e, HALF_LIFE_FLOOR)
    L_D = L * ramp_q
    W = revenue_hours(inputs, D, profile)
    made_up, net, net_plain = made_up_hours(inputs, D, W, profile)
    # v2: behaviour (who leaves) sees the whole latency ramp, whatever the accounting horizon;
    # v3: less what users made up after restoration (hours people felt, w = 1).
    exposure = S * net_plain + a_q * L_D * 0.5
    p = _get(inputs, "users.churn_max") * _shaped(
        exposure, _get(inputs, "users.churn_scale_hours"), _optional(inputs, "users.churn_shape")
    )
    return _State(
        D, S, R, W, H, L_D, a_e, a_q, h_e,
        p,
        _get(inputs, "users.return_share"),
        _get(inputs, "users.return_after_hours"),
        S * made_up,
        S * net,
    )  # fmt: skip


def _after_effect_hours(s: _State) -> tuple[FloatArray, FloatArray, FloatArray]:
    """∫0^H of c(u), (1 − c)·ge and (1 − c)(1 − ge)·ga: hours of activity lost to each cause.

    c(u) is p before the users' return at Tr and p·(1 − ρu) after it; ge(u) = ae·e^(−k·u);
    ga(u) = aq·(1 − u/L) on [0, L]. Each piece is e^(−k·u)·(affine in u) between breaks, so
    `exp_moments` gives it in closed form (see its docstring and docs/model.md §4).
    """
    k = LN2 / s.h_e  # decay rate of the engagement gap
    early = s.p  # c(u) for u < Tr
    late = s.p * (1.0 - s.rho_u)  # c(u) for u ≥ Tr
    stay_early, stay_late = 1.0 - early, 1.0 - late
    T1 = np.minimum(s.T_r, s.H)
    rest = s.H - T1
    attrition = early * T1 + late * rest
    before, _ = exp_moments(k, T1, first=False)  # ∫_0^T1 e^(−k·u) du
    after, _ = exp_moments(k, rest, first=False)  # ∫_T1^H, shifted to start at 0
    engagement = s.a_e * (stay_early * before + stay_late * np.exp(-k * T1) * after)
    if not np.any(s.a_q):  # no quality loss in any trial (a scenario without latency)
        latency = np.zeros(np.shape(engagement))
        return np.maximum(attrition, 0.0), np.maximum(engagement, 0.0), latency
    # ga(u) = aq·(1 − u/L) on [0, L]; only [0, min(L, H)] lies inside the horizon. A subnormal
    # L (< 2.2e-308 h) would overflow 1/L; its loss is below any double, so it counts as none.
    has_latency = np.greater_equal(s.L, np.finfo(np.float64).tiny)
    if np.all(has_latency):
        inv_l = 1.0 / s.L
        L_h = np.minimum(s.L, s.H)
    else:
        inv_l = np.where(has_latency, 1.0 / np.where(has_latency, s.L, 1.0), 0.0)
        L_h = np.where(has_latency, np.minimum(s.L, s.H), 0.0)
    T1_l = np.minimum(s.T_r, L_h)
    w2 = L_h - T1_l
    m0_1, m1_1 = exp_moments(k, T1_l)
    m0_2, m1_2 = exp_moments(k, w2)
    assert m1_1 is not None and m1_2 is not None
    # ∫ (1 − u/L) du and ∫ e^(−k·u)·(1 − u/L) du over [0, T1_l] and over [T1_l, L_h]
    plain_1 = T1_l * (1.0 - 0.5 * T1_l * inv_l)
    plain_2 = w2 * (1.0 - 0.5 * (T1_l + L_h) * inv_l)
    damped_1 = m0_1 - inv_l * m1_1
    damped_2 = np.exp(-k * T1_l) * ((1.0 - T1_l * inv_l) * m0_2 - inv_l * m1_2)
    latency = s.a_q * (
        stay_early * (plain_1 - s.a_e * damped_1) + stay_late * (plain_2 - s.a_e * damped_2)
    )
    # Closed forms can land a few ulps below zero where a part is exactly zero.
    return np.maximum(attrition, 0.0), np.maximum(engagement, 0.0), np.maximum(latency, 0.0)


def _creators_churn(inputs: Mapping[str, ArrayLike], s: _State) -> FloatArray:
    """pc: the share of creators who stop posting, from their effective disruption Ec."""
    # v3: zero-view hours are mostly a share of the outage, Z = ζ·D + Z0.
    Z = _optional(inputs, "outage.zero_view_share") * s.D + _get(inputs, "outage.zero_view_hours")
    # v2: a zero-view hour inside the outage adds only the activity the outage left, (1 − S).
    exposure_z = (1.0 - s.S) * np.minimum(Z, s.D) + np.maximum(0.0, Z - s.D)
    exposure = (
        s.S * s.D + _get(inputs, "creators.zero_view_weight") * exposure_z + s.a_q * s.L * 0.5
    )
    return _get(inputs, "creators.churn_max") * _shaped(
        exposure,
        _get(inputs, "creators.churn_scale_hours"),
        _optional(inputs, "creators.churn_shape"),
    )


def _groups(names: Collection[str] | None) -> frozenset[str] | None:
    """The registry's groups (`impact.outputs`, `Output.group`) of the named quantities: what
    to compute besides the revenue group (None: everything)."""
    return None if names is None else frozenset(output(name).group for name in names)


def _outputs(
    inputs: Mapping[str, ArrayLike], s: _State, groups: frozenset[str] | None = None
) -> dict[str, FloatArray]:
    """The outputs: every one, or (with `groups`) the revenue group and the groups named."""
    attrition_h, engagement_h, latency_h = _after_effect_hours(s)
    # Revenue lost while down follows the profile; after-effects use its mean, 1 (docs/model.md).
    interrupted = s.S * s.W  # v3: gross, before deferred demand comes back
    outage_h = s.net
    loss_hours = outage_h + attrition_h + engagement_h + latency_h  # v2: without R
    make_good_h = _optional(inputs, "revenue.make_good_share") * interrupted
    out = {
        "outage_hours": s.D * 1.0,
        "direct_revenue_loss_usd": s.R * outage_h,
        "attrition_revenue_loss_usd": s.R * attrition_h,
        "engagement_revenue_loss_usd": s.R * engagement_h,
        "latency_revenue_loss_usd": s.R * latency_h,
        "total_revenue_loss_usd": s.R * (loss_hours + make_good_h),
        "loss_hours": loss_hours,
        "make_good_cost_usd": s.R * make_good_h,
        "recovered_revenue_usd": s.R * s.F,
    }
    if groups is None or "users" in groups:
        N = _get(inputs, "users.count")
        out["users_churned"] = N * s.p
        out["users_lost"] = N * s.p * (1.0 - s.rho_u)
        out["users_to_rivals"] = N * s.p * _get(inputs, "users.rival_share")
    if groups is None or "creators" in groups:
        rho_c = _get(inputs, "creators.return_share")
        out["creators_lost"] = (
            _get(inputs, "creators.count") * _creators_churn(inputs, s) * (1.0 - rho_c)
        )
    if groups is None or "earnings" in groups:
        earnings = _get(inputs, "creators.earnings_per_hour") * loss_hours
        out["creator_earnings_loss_usd"] = earnings
        out[PER_CREATOR] = loss_per_creator(inputs, out)
    return {name: out[name] for name in (*OUTPUTS, PER_CREATOR) if name in out}


def _gap(s: _State, u: float) -> FloatArray:
    a = shape.activity(u, s.a_e, s.h_e, s.a_q, s.L, s.p, s.rho_u, s.T_r)
    return np.asarray(1.0 - a)


def _per_hour(s: _State) -> FloatArray:
    """Revenue-weighted hours per hour of outage (1 without a profile or a week factor)."""
    if s.W is s.D:  # no profile and f = 1 (`revenue_hours`): W/D is 1 in every trial
        return np.ones(np.shape(s.D))
    positive = s.D > 0
    return np.where(positive, s.W / np.where(positive, s.D, 1.0), 1.0)


def _observables(s: _State) -> dict[str, FloatArray]:
    """Quantities implied per trial that someone could check against the world."""
    return {
        "activity_gap_at_restore": _gap(s, 0.0),
        "activity_gap_7d": _gap(s, WEEK_HOURS),
        "activity_gap_30d": _gap(s, MONTH_HOURS),
        "direct_loss_per_hour_usd": s.R * s.S * _per_hour(s),
        "users_lost_share": s.p * (1.0 - s.rho_u),
        "users_away_at_restore": shape.away_share(0.0, s.p, s.rho_u, s.T_r),
        "users_away_30d": shape.away_share(MONTH_HOURS, s.p, s.rho_u, s.T_r),
    }


def evaluate(
    inputs: Mapping[str, ArrayLike], profile: ArrayLike | None = None
) -> dict[str, FloatArray]:
    """Evaluate the model for every trial at once.

    `inputs` maps each key of `INPUTS` ('outage.hours', …) to an array (or scalar) of values
    (the onset and the week factor may be left out: 0 and 1); the result maps each name of
    `OUTPUTS` to an array of the broadcast shape. `profile` is the revenue profile's 168 hourly
    weights with mean 1 (Monday 00:00 first), or None for a flat one.

    >>> x = {k: 0.0 for k in INPUTS}
    >>> x.update({"outage.hours": 10, "outage.severity": 1, "revenue.hourly_loss": 1e5,
    ...           "engagement.decay_hours": 1, "engagement.recovery_half_life_hours": 1,
    ...           "algorithm.degrade_hours": 1, "revenue.week_factor": 1,
    ...           "users.churn_scale_hours": 1, "creators.churn_scale_hours": 1})
    >>> float(evaluate(x)["total_revenue_loss_usd"])
    1000000.0
    """
    out = _outputs(inputs, _state(inputs, profile))
    return {name: out[name] for name in OUTPUTS}


def evaluate_all(
    inputs: Mapping[str, ArrayLike],
    profile: ArrayLike | None = None,
    names: Collection[str] | None = None,
) -> dict[str, FloatArray]:
    """Every registered quantity (`impact.outputs.TRACKED`): outputs, the creator loss per
    creator and the implied observables, from one evaluation. With `names`, only the revenue
    group and the registry groups of the named quantities are computed (the others are not):
    the same values, bit for bit.
    """
    s = _state(inputs, profile)
    groups = _groups(names)
    out = _outputs(inputs, s, groups)
    if groups is None or "observables" in groups:
        out.update(_observables(s))
    return out


def loss_per_creator(
    inputs: Mapping[str, ArrayLike], outputs: Mapping[str, ArrayLike]
) -> FloatArray:
    """Creator earnings lost per active creator, C·loss_hours / Nc (0 where there are no creators).

    A tier's loss per creator is this times its earnings share over its creator share.
    """
    n_c = _get(inputs, "creators.count")
    loss = np.asarray(outputs["creator_earnings_loss_usd"], dtype=float)
    return np.where(n_c > 0, loss / np.where(n_c > 0, n_c, 1.0), 0.0)


def activity(inputs: Mapping[str, ArrayLike], hours_after_restore: ArrayLike) -> FloatArray:
    """a(u): activity relative to normal, u hours after restoration (trials × times).

    Used for the recovery-path chart; the loss figures above never integrate it numerically.
    """
    u = np.asarray(hours_after_restore, dtype=float)[None, :]
    s = _state({k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in inputs.items()})

    def col(x: FloatArray) -> FloatArray:
        return np.atleast_1d(x)[:, None]

    return shape.activity(
        u, col(s.a_e), col(s.h_e), col(s.a_q), col(s.L), col(s.p), col(s.rho_u), col(s.T_r)
    )


def users_away(inputs: Mapping[str, ArrayLike], hours_after_restore: ArrayLike) -> FloatArray:
    """c(u): the share of users away u hours after restoration (trials × times).

    The people-count side of a daily-user bracket, c(u) ≤ dip ≤ 1 − a(u) (MODEL.md v3); the
    after-effect calibration (`impact.calibration.after_effects`) reads it beside `activity`.
    """
    u = np.asarray(hours_after_restore, dtype=float)[None, :]
    s = _state({k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in inputs.items()})
    p, rho, T_r = (np.atleast_1d(x)[:, None] for x in (s.p, s.rho_u, s.T_r))
    return shape.away_share(u, p, rho, T_r)
