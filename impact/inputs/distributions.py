"""Small frozen distributions with validated fields, an inverse CDF `ppf(u)` and `sample(n, rng)`.

`sample` uses numpy's own samplers (the fast path for plain Monte Carlo); `ppf` pushes a
matrix of uniforms through the inverse CDF, which is how stratified and quasi-random designs
and correlated inputs are drawn. Both describe the same distribution. The inverse CDFs of the
beta, PERT, gamma, truncated normal and Poisson families come from `impact.inputs.inverse` (tables
checked against scipy), because scipy's own are too slow for a design of millions of rows.
"""

from impact.inputs.continuous import (
    Beta,
    Gamma,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    Weibull,
)
from impact.inputs.discrete import Choice, Empirical, Fixed, Poisson
from impact.inputs.dist_base import Distribution

__all__ = [
    "Beta",
    "Choice",
    "Distribution",
    "Empirical",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Normal",
    "Pert",
    "Poisson",
    "Triangular",
    "Uniform",
    "Weibull",
]
