"""The family registry's scipy forms are the same distributions as impact's own."""

from __future__ import annotations

import numpy as np
import pytest

from impact.exceptions import InputError
from impact.inputs.evidence import scipy_form
from impact.inputs.families import FAMILIES
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
