"""The family registry's scipy forms are the same distributions as impact's own."""

from __future__ import annotations

import numpy as np
import pytest

from impact.exceptions import InputError
from impact.inputs.evidence import scipy_form
from impact.inputs.families import FAMILIES, NormalForm
from impact.inputs.specs import parse_spec

SPECS = {
    "uniform": "uniform(1, 3)",
    "triangular": "triangular(1, 2, 4)",
    "pert": "pert(1, 2, 4)",
    "normal": "normal(5, 1)",
    "lognormal": "lognormal(median=3, sigma=0.5)",
    "beta": "beta(2, 5)",
    "gamma": "gamma(2, 3)",
    "weibull": "weibull(1.5, 2)",
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_scipy_form_has_impacts_quantiles(name: str) -> None:
    # F_scipy(x_impact(u)) = u for the same distribution; impact's inverse CDFs are accurate to
    # |F(x) − u| ≤ 1e-10 (tests/test_inverse.py), so 1e-8 leaves room and still catches any
    # wrong parameter mapping (those move F by far more).
    assert FAMILIES[name].scipy is not None
    dist = parse_spec(SPECS[name])
    u = np.linspace(0.01, 0.99, 41)
    np.testing.assert_allclose(scipy_form(dist).cdf(dist.ppf(u)), u, atol=1e-8)


def test_every_continuous_family_has_a_density_and_the_others_say_why_not() -> None:
    with_density = {name for name, family in FAMILIES.items() if family.scipy is not None}
    assert with_density == {*SPECS, "empirical"}
    for spec in ("poisson(3)", "choice(1, 2; p=0.5, 0.5)", "4"):
        with pytest.raises(InputError, match="density"):
            scipy_form(parse_spec(spec))


@pytest.mark.parametrize(
    ("loc", "scale"),
    [(4e5, 6.1e4), (0.022, 0.006), (110e3, 40e3), (0.0, 1.0), (-3.0, 1e-9), (-0.0, 5e-324)],
)
def test_a_normal_measurement_s_form_is_scipy_s_norm_bit_for_bit(loc: float, scale: float) -> None:
    # NormalForm stands in for scipy.stats.norm so that a run never imports scipy.stats; every
    # number must be scipy's own, on ordinary, extreme and invalid arguments alike.
    from scipy import stats

    ours = scipy_form(parse_spec(f"normal({loc!r}, {scale!r})"))
    assert isinstance(ours, NormalForm) and (ours.loc, ours.scale) == (loc, scale)
    theirs = stats.norm(loc=loc, scale=scale)
    rng = np.random.default_rng(11)
    edges = [np.inf, -np.inf, np.nan, 0.0, -0.0, loc, 5e-324, 1e308, -1e308]
    x = np.concatenate([rng.normal(loc, 3 * scale, 5_000), rng.lognormal(0, 5, 200), edges])
    q = np.concatenate([rng.random(5_000), [0.0, 1.0, 5e-324, 1e-300, 1 - 2**-53, 0.5, -0.1, 1.1]])
    q = np.append(q, np.nan)
    with np.errstate(all="ignore"):
        for name, at in (("pdf", x), ("logpdf", x), ("cdf", x), ("sf", x), ("ppf", q)):
            mine, scipys = getattr(ours, name)(at), getattr(theirs, name)(at)
            assert mine.dtype == scipys.dtype and np.array_equal(mine, scipys, equal_nan=True)
            one, theirs_one = getattr(ours, name)(at[7]), getattr(theirs, name)(at[7])
            assert type(one) is type(theirs_one) and one == theirs_one  # a scalar stays one
    assert ours.mean() == theirs.mean() and ours.var() == theirs.var()
    assert ours.std() == theirs.std() and ours.support() == theirs.support()
