"""Closed-form integrals of the recovery shape's pieces, accurate for every rate and width.

Each integrand of the model is a sum of terms e^(−k·u) · (affine in u) between breaks, so
these two primitives give every integral over the horizon with no numerical quadrature.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["exp_integral", "ramp_integrals"]

FloatArray = NDArray[np.float64]
# Σ_{n≥2} (n−1)/n! · (−x)^(n−2), truncated after n = 10: error below 1e-15 for x < 0.05.
_PHI1_SERIES = tuple((n - 1) / math.factorial(n) for n in range(10, 1, -1))


def exp_integral(k: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """∫_a^b exp(−k·u) du for 0 ≤ a ≤ b, accurate for any k ≥ 0 (written with expm1)."""
    w = b - a
    x = k * w
    small = x < 1e-12
    phi0 = np.where(small, 1.0 - 0.5 * x, -np.expm1(-x) / np.where(small, 1.0, x))
    return np.exp(-k * a) * w * phi0


def _phi1(x: FloatArray) -> FloatArray:
    """(1 − e^(−x)·(1 + x)) / x², by its Taylor series near 0 where the direct form cancels."""
    small = x < 0.05
    xs = np.where(small, 1.0, x)
    direct = (-np.expm1(-xs) - xs * np.exp(-xs)) / (xs * xs)
    if not small.any():
        return direct
    # The series only where it is used: over the whole array it cost nine passes per call.
    near = -x[small]
    series = np.zeros_like(near)
    for coef in _PHI1_SERIES:
        series = coef + near * series
    if np.ndim(direct) == 0:  # scalar inputs (point evaluations)
        return series[0]
    direct[small] = series
    return direct


def ramp_integrals(
    k: FloatArray, inv_l: FloatArray, a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """∫_a^b (1 − u/L) du and ∫_a^b e^(−k·u)·(1 − u/L) du, for 0 ≤ a ≤ b ≤ L."""
    w = b - a
    plain = w * (1.0 - (a + b) * 0.5 * inv_l)
    e0 = exp_integral(k, np.zeros_like(a), w)  # ∫_0^w e^(−k·s) ds
    e1 = w * w * _phi1(k * w)  # ∫_0^w s·e^(−k·s) ds
    damped = np.exp(-k * a) * ((1.0 - a * inv_l) * e0 - inv_l * e1)
    return plain, damped
