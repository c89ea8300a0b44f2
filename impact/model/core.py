"""The impact model: a pure function from arrays of inputs (one per trial) to arrays of outputs.

Every integral over the horizon is evaluated in closed form, piece by piece between the breaks
of its integrand (the users' return at Tr, the end of algorithmic latency at L, the horizon H),
so one trial costs a fixed number of vectorised operations and there is no loop over trials or
time steps. See docs/model.md for the equations and their derivation.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from impact.inputs.keys import KEYS

__all__ = ["INPUTS", "OUTPUTS", "activity", "evaluate", "loss_per_creator"]

FloatArray = NDArray[np.float64]
INPUTS: tuple[str, ...] = tuple(k.key for k in KEYS)
OUTPUTS: tuple[str, ...] = (
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
LN2 = float(np.log(2.0))


def _exp_integral(k: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """∫_a^b exp(-k·u) du for 0 ≤ a ≤ b, accurate for any k ≥ 0 (written with expm1)."""
    w = b - a
    x = k * w
    small = x < 1e-12
    phi0 = np.where(small, 1.0 - 0.5 * x, -np.expm1(-x) / np.where(small, 1.0, x))
    return np.exp(-k * a) * w * phi0


def _phi1(x: FloatArray) -> FloatArray:
    """(1 - e^(-x)·(1 + x)) / x², by its Taylor series near 0 where the direct form cancels."""
    small = x < 0.05
    xs = np.where(small, 1.0, x)
    direct = (-np.expm1(-xs) - xs * np.exp(-xs)) / (xs * xs)
    # Σ_{n≥2} (n-1)/n! · (-x)^(n-2), truncated after n = 10: error below 1e-15 for x < 0.05.
    series = np.zeros_like(x)
    for n in range(10, 1, -1):
        coef = (n - 1) / float(np.prod(np.arange(1, n + 1)))
        series = coef + (-x) * series
    return np.where(small, series, direct)


def _ramp_integrals(
    k: FloatArray, inv_l: FloatArray, a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """∫_a^b (1 - u/L) du and ∫_a^b e^(-k·u)·(1 - u/L) du, for 0 ≤ a ≤ b ≤ L."""
    w = b - a
    plain = w * (1.0 - (a + b) * 0.5 * inv_l)
    e0 = _exp_integral(k, np.zeros_like(a), w)  # ∫_0^w e^(-k·s) ds
    e1 = w * w * _phi1(k * w)  # ∫_0^w s·e^(-k·s) ds
    damped = np.exp(-k * a) * ((1.0 - a * inv_l) * e0 - inv_l * e1)
    return plain, damped


def _get(inputs: Mapping[str, ArrayLike], key: str) -> FloatArray:
    return np.asarray(inputs[key], dtype=float)


def evaluate(inputs: Mapping[str, ArrayLike]) -> dict[str, FloatArray]:
    """Evaluate the model for every trial at once.

    `inputs` maps each key of `INPUTS` ('outage.hours', …) to an array (or scalar) of values;
    the result maps each name of `OUTPUTS` to an array of the broadcast shape.

    >>> x = {k: 0.0 for k in INPUTS}
    >>> x.update({"outage.hours": 10, "outage.severity": 1, "revenue.hourly_loss": 1e5,
    ...           "engagement.decay_hours": 1, "engagement.recovery_half_life_hours": 1,
    ...           "users.churn_scale_hours": 1, "creators.churn_scale_hours": 1})
    >>> float(evaluate(x)["total_revenue_loss_usd"])
    1000000.0
    """
    D = _get(inputs, "outage.hours")
    S = _get(inputs, "outage.severity")
    Z = _get(inputs, "outage.zero_view_hours")
    R = _get(inputs, "revenue.hourly_loss")
    d = _get(inputs, "engagement.max_drop")
    tau_e = _get(inputs, "engagement.decay_hours")
    h_e = _get(inputs, "engagement.recovery_half_life_hours")
    q = _get(inputs, "algorithm.quality_loss")
    L = _get(inputs, "algorithm.latency_hours")
    N = _get(inputs, "users.count")
    c_u = _get(inputs, "users.churn_max")
    tau_u = _get(inputs, "users.churn_scale_hours")
    rho_u = _get(inputs, "users.return_share")
    T_r = _get(inputs, "users.return_after_hours")
    m = _get(inputs, "users.rival_share")
    N_c = _get(inputs, "creators.count")
    c_c = _get(inputs, "creators.churn_max")
    tau_c = _get(inputs, "creators.churn_scale_hours")
    w_z = _get(inputs, "creators.zero_view_weight")
    rho_c = _get(inputs, "creators.return_share")
    C = _get(inputs, "creators.earnings_per_hour")
    H = _get(inputs, "horizon.hours")
    D, S, R, q, L, H = np.broadcast_arrays(D, S, R, q, L, H)

    outage_hours_lost = S * D
    a_e = S * d * -np.expm1(-D / tau_e)  # engagement drop at restoration
    k = LN2 / h_e  # decay rate of the engagement gap

    # Latency: ga(u) = q·(1 - u/L) on [0, L]; only [0, min(L, H)] lies inside the horizon.
    # A subnormal L (< 2.2e-308 h) would overflow 1/L into NaN; its loss is below any double,
    # so it counts as no latency at all.
    has_latency = np.greater_equal(L, np.finfo(np.float64).tiny)
    inv_l = np.where(has_latency, 1.0 / np.where(has_latency, L, 1.0), 0.0)
    L_h = np.where(has_latency, np.minimum(L, H), 0.0)
    latency_exposure = np.where(has_latency, q * L_h * (1.0 - 0.5 * L_h * inv_l), 0.0)

    # Users: churn share p, away until T_r (the returners) or for good (the rest).
    p = c_u * -np.expm1(-(outage_hours_lost + latency_exposure) / tau_u)
    away_early = p  # c(u) for u < T_r
    away_late = p * (1.0 - rho_u)  # c(u) for u ≥ T_r
    T1 = np.minimum(T_r, H)
    attrition_hours = away_early * T1 + away_late * (H - T1)

    zero = np.zeros_like(T1)
    engagement_hours = a_e * (
        (1.0 - away_early) * _exp_integral(k, zero, T1)
        + (1.0 - away_late) * _exp_integral(k, T1, H)
    )

    T1_l = np.minimum(T_r, L_h)
    plain_1, damped_1 = _ramp_integrals(k, inv_l, zero, T1_l)
    plain_2, damped_2 = _ramp_integrals(k, inv_l, T1_l, L_h)
    latency_hours = q * (
        (1.0 - away_early) * (plain_1 - a_e * damped_1)
        + (1.0 - away_late) * (plain_2 - a_e * damped_2)
    )
    # Closed forms can land a few ulps below zero where a part is exactly zero.
    attrition_hours = np.maximum(attrition_hours, 0.0)
    engagement_hours = np.maximum(engagement_hours, 0.0)
    latency_hours = np.maximum(latency_hours, 0.0)

    direct = R * outage_hours_lost
    attrition = R * attrition_hours
    engagement = R * engagement_hours
    latency = R * latency_hours
    total = direct + attrition + engagement + latency
    hours = outage_hours_lost + attrition_hours + engagement_hours + latency_hours
    loss_hours = np.where(R > 0, hours, 0.0)

    creator_exposure = outage_hours_lost + w_z * Z + latency_exposure
    p_c = c_c * -np.expm1(-creator_exposure / tau_c)
    return {
        "outage_hours": D * 1.0,
        "direct_revenue_loss_usd": direct,
        "attrition_revenue_loss_usd": attrition,
        "engagement_revenue_loss_usd": engagement,
        "latency_revenue_loss_usd": latency,
        "total_revenue_loss_usd": total,
        "loss_hours": loss_hours,
        "users_churned": N * p,
        "users_lost": N * p * (1.0 - rho_u),
        "users_to_rivals": N * p * m,
        "creators_lost": N_c * p_c * (1.0 - rho_c),
        "creator_earnings_loss_usd": C * loss_hours,
    }


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

    def col(key: str) -> FloatArray:
        return np.atleast_1d(_get(inputs, key))[:, None]

    D, S = col("outage.hours"), col("outage.severity")
    a_e = S * col("engagement.max_drop") * -np.expm1(-D / col("engagement.decay_hours"))
    g_e = a_e * np.exp2(-u / col("engagement.recovery_half_life_hours"))
    q, L, H = col("algorithm.quality_loss"), col("algorithm.latency_hours"), col("horizon.hours")
    safe_l = np.where(L > 0, L, 1.0)
    g_a = np.where(L > 0, q * np.maximum(0.0, 1.0 - u / safe_l), 0.0)
    L_h = np.minimum(L, H)
    exposure = np.where(L > 0, q * L_h * (1.0 - L_h / (2.0 * safe_l)), 0.0)
    p = col("users.churn_max") * -np.expm1(-(S * D + exposure) / col("users.churn_scale_hours"))
    away = p * (
        (1.0 - col("users.return_share"))
        + col("users.return_share") * (u < col("users.return_after_hours"))
    )
    return np.asarray((1.0 - away) * (1.0 - g_e) * (1.0 - g_a))
