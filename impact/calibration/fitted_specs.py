"""Turn fitted estimates and their intervals into specs of impact's grammar, parser-checked."""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from impact.inputs.families import FAMILIES, number
from impact.inputs.keys import key_info
from impact.inputs.specs import parse_spec

__all__ = ["beta_spec", "checked", "default_median", "lognormal_spec", "number"]


def lognormal_spec(median: float, sigma: float) -> str:
    """'lognormal(median=…, sigma=…)'.

    >>> lognormal_spec(36.2, 0.153)
    'lognormal(median=36.2, sigma=0.153)'
    """
    return FAMILIES["lognormal"].fit.spec((median, sigma))  # type: ignore[union-attr]


def beta_spec(low: float, high: float, confidence: float) -> str:
    """The beta(a, b) whose central `confidence` interval is [low, high] (0 < low < high < 1).

    Used for shares whose estimate has an interval on the logit scale: the beta keeps the
    share inside [0, 1] and reproduces the interval.

    >>> spec = beta_spec(0.05, 0.2, 0.9)
    >>> spec
    'beta(5.426, 41.49)'
    >>> [round(float(v), 3) for v in parse_spec(spec).ppf([0.05, 0.95])]
    [0.05, 0.2]
    """
    tail = (1 - confidence) / 2
    target = np.array([low, high])

    def miss(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.asarray(stats.beta.ppf([tail, 1 - tail], a, b)) - target

    mean = (low + high) / 2
    spread = ((high - low) / (2 * stats.norm.ppf(1 - tail))) ** 2
    concentration = max(mean * (1 - mean) / spread - 1, 0.5)
    start = np.log([mean * concentration, (1 - mean) * concentration])
    solution = optimize.least_squares(miss, start, bounds=([-7.0, -7.0], [12.0, 12.0]))
    a, b = np.exp(solution.x)
    return f"beta({number(a)}, {number(b)})"


def default_median(key: str) -> float:
    """The median of `key`'s generic default, to 4 significant figures as a spec writes it:
    the τe and τq `RecoveryFit` assumes unless told (a series shows only their products with
    he, q and L).

    >>> default_median("engagement.decay_hours"), default_median("algorithm.degrade_hours")
    (53.67, 31.75)
    """
    info = key_info(key)
    median = float(parse_spec(info.default or "1", key=info.key, domain=info.domain).ppf(0.5))
    return float(number(median, 4))


def checked(key: str, spec: str) -> str:
    """`spec`, after checking that impact's parser accepts it for `key` (InputError otherwise)."""
    info = key_info(key)
    parse_spec(spec, key=info.key, domain=info.domain)
    return spec
