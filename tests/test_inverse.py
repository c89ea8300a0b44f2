"""The fast inverse CDFs of impact.inputs.inverse against scipy's exact (iterative) ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from impact.inputs.distributions import Beta, Gamma, Normal, Pert, Poisson
from impact.inputs.inverse import beta_ppf, gamma_ppf, poisson_ppf, truncated_normal_ppf

# Dense in the middle, geometric into both tails down to 1e-100 (scipy's betaincinv returns NaN
# below about 1e-107 for some shapes), plus the end points.
U = np.unique(
    np.concatenate(
        [
            [0.0, 1.0],
            np.geomspace(1e-100, 1e-3, 2_000),
            np.linspace(0.0, 1.0, 200_001)[1:-1],
            1.0 - np.geomspace(1e-16, 1e-3, 2_000),
        ]
    )
)
# The stated accuracy: |F(x) − u| ≤ 1e-10 everywhere. Measured: at most 1.1e-11 (Hermite cubic
# on a logit grid of 4,096 cells; its error is about h⁴/384·|x''''| with h = 0.0135); outside
# the grid (u < 1e-12 or u > 1 − 1e-12) the values are scipy's own.
U_TOLERANCE = 1e-10

# PERT shapes: α + β = 6, α from 1 (mode at low) to 5 (mode at high); plus general betas.
BETA_SHAPES = [(1.0, 5.0), (5.0, 1.0), (3.0, 3.0), (1.2, 4.8), (4.6, 1.4), (10.0, 10.0), (50, 200)]


@pytest.mark.parametrize(("a", "b"), BETA_SHAPES)
def test_beta_ppf_inverts_the_cdf_to_1e10(a: float, b: float) -> None:
    x = beta_ppf(a, b, U)
    assert np.max(np.abs(special.betainc(a, b, x) - U)) <= U_TOLERANCE
    assert np.all(np.diff(x) >= 0), "the inverse CDF must be non-decreasing"
    assert x[0] == 0.0 and x[-1] == 1.0


@pytest.mark.parametrize(("a", "b"), BETA_SHAPES)
def test_beta_ppf_matches_betaincinv_in_x(a: float, b: float) -> None:
    # In x: 1e-9 relative below the median. Above it x is close to 1, where an absolute 1e-11
    # (of the range of a PERT) is the honest scale: both solve for x itself there, and the two
    # differ by up to 2.4e-12 while both invert the CDF to 1e-11.
    x, exact = beta_ppf(a, b, U), special.betaincinv(a, b, U)
    lower = U <= 0.5
    np.testing.assert_allclose(x[lower], exact[lower], rtol=1e-9, atol=0)
    np.testing.assert_allclose(x[~lower], exact[~lower], rtol=0, atol=1e-11)


@pytest.mark.parametrize("shape", [1.0, 1.5, 2.5, 10.0, 300.0, 1e5])
def test_gamma_ppf_inverts_the_cdf_to_1e10(shape: float) -> None:
    x = gamma_ppf(shape, U)
    inside = U < 1.0
    assert np.max(np.abs(special.gammainc(shape, x[inside]) - U[inside])) <= U_TOLERANCE
    # The upper tail, from the survival function: 1e-10 of the tail mass, not just absolute.
    upper = (U > 0.5) & inside
    tail = 1.0 - U[upper]
    assert np.max(np.abs(special.gammaincc(shape, x[upper]) - tail) / tail) <= 1e-6
    assert np.all(np.diff(x) >= 0)
    assert x[-1] == math.inf


def test_unbounded_densities_use_scipy_exactly() -> None:
    # Beta a < 1 or b < 1 and gamma shape < 1 have a density that is infinite at an end, where
    # x(logit u) is not smooth: they take scipy's inverse as it is.
    np.testing.assert_array_equal(beta_ppf(0.5, 0.5, U), special.betaincinv(0.5, 0.5, U))
    np.testing.assert_array_equal(beta_ppf(2.0, 0.3, U), special.betaincinv(2.0, 0.3, U))
    np.testing.assert_array_equal(gamma_ppf(0.5, U), special.gammaincinv(0.5, U))


@pytest.mark.parametrize(
    ("mu", "sd", "low", "high"),
    [
        (10, 3, 0, math.inf),
        (1, 1, 0, math.inf),
        (-5, 1, 0, math.inf),
        (0.5, 0.3, 0, 1),
        (8, 1, 0, 1),
    ],
)
def test_truncated_normal_ppf_matches_scipy(mu: float, sd: float, low: float, high: float) -> None:
    # Absolute error 1e-9 sd: near a bound x is near 0 and a relative test would be meaningless.
    # scipy's truncnorm.ppf itself drifts (8e-9 sd at u = 1 − 6e-9); beyond u = 1 − 1e-6 ours
    # is checked against scipy's survival function instead, to 1e-9 of the tail mass.
    a, b = (low - mu) / sd, (high - mu) / sd
    reference = stats.truncnorm(a, b, loc=mu, scale=sd)
    u = U[(U >= 1e-12) & (U <= 1 - 1e-6)]
    np.testing.assert_allclose(
        truncated_normal_ppf(mu, sd, low, high, u), reference.ppf(u), atol=1e-9 * sd, rtol=0
    )
    far = np.array([1 - 1e-10, 1 - 1e-12])
    assert np.allclose(
        reference.sf(truncated_normal_ppf(mu, sd, low, high, far)), 1 - far, rtol=1e-6
    )


@pytest.mark.parametrize("lam", [0.3, 5.0, 300.0, 1e5])
def test_poisson_ppf_equals_scipy(lam: float) -> None:
    u = U[(U > 0) & (U < 1)][::7]  # scipy's own is slow (0.07M values/s for a mean of 1e5)
    np.testing.assert_array_equal(poisson_ppf(lam, u), stats.poisson.ppf(u, lam))
    assert poisson_ppf(lam, np.array([0.0]))[0] == 0.0


def test_distributions_use_the_fast_inverse() -> None:
    u = np.linspace(0.001, 0.999, 999)
    pert = Pert(24, 72, 240)
    np.testing.assert_allclose(
        pert.ppf(u), 24 + 216 * special.betaincinv(pert.alpha, pert.beta, u), rtol=1e-9
    )
    np.testing.assert_allclose(Beta(2, 5).ppf(u), special.betaincinv(2, 5, u), rtol=1e-9)
    np.testing.assert_allclose(Gamma(2, 3).ppf(u), 3 * special.gammaincinv(2, u), rtol=1e-9)
    np.testing.assert_allclose(
        Normal(10, 20, 0.0, math.inf).ppf(u),
        stats.truncnorm(-0.5, math.inf, loc=10, scale=20).ppf(u),
        rtol=1e-9,
    )
    np.testing.assert_array_equal(Poisson(4).ppf(u), stats.poisson.ppf(u, 4))


def test_shapes_are_kept() -> None:
    u = np.full((3, 4), 0.25)
    assert beta_ppf(2.0, 3.0, u).shape == (3, 4)
    assert gamma_ppf(2.0, u).shape == (3, 4)
