"""The rate of outages learned from the platform's own record: a gamma–Poisson update.

The survey prior on the rate λ (`[frequency] events_per_year`, any spec) is replaced by the
gamma with the same mean and variance, Gamma(a, β) with a = m²/v and β = m/v (β a rate, per
year). Why moments rather than quantiles: the expected annual loss is linear in λ, so keeping
E[λ] keeps the prior's expected loss exactly, and keeping Var λ keeps the spread of the yearly
count, Var N = E[λ] + Var λ, exactly; and with those two the posterior mean below is the
Bühlmann credibility estimate, the best linear estimate of λ from the record whatever the
prior's family, which is the form actuaries price from. Quantiles are not kept: a gamma with a
lognormal's mean and variance has more of its mass near 0 (the report shows both).

A record of n_b outages in band b over T years (`impact.inputs.record`) is Poisson with mean
λ·p_b·T, where p_b is the chance that an outage falls in band b under the future outages'
duration spec (`frequency.hours`, else `outage.hours`); a total has p = 1. So

    posterior λ ~ Gamma(a + Σ n_b, β + T·Σ p_b)        (bands not counted are left out)
    E[λ | record] = Z·(Σ n_b / (T·Σ p_b)) + (1 − Z)·m,   Z = T·Σ p_b / (T·Σ p_b + β)

(Z is the record's credibility).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.inputs.continuous import Gamma, Normal
from impact.inputs.discrete import Poisson
from impact.inputs.distributions import Distribution
from impact.inputs.families import family_of, number
from impact.inputs.keys import FREQUENCY_KEY
from impact.inputs.record import BANDS, RECORD_KEY, TOTAL_BAND, Record
from impact.inputs.scenario import Scenario

__all__ = [
    "RateUpdate",
    "band_shares",
    "check_rate",
    "future_hours",
    "gamma_by_moments",
    "moments",
    "rate_update",
    "share_below",
]

GRID = 1 << 18  # midpoints in probability for a family without a closed form


def _frozen(dist: Distribution) -> object | None:
    if isinstance(dist, Normal):  # truncated at its key's domain: the class keeps its own
        return dist._frozen
    family = family_of(dist)
    if family is None or family.scipy is None or family.name == "empirical":
        return None
    return family.scipy(dist)


def _grid(dist: Distribution) -> np.ndarray:
    return dist.ppf((np.arange(GRID) + 0.5) / GRID)


def moments(dist: Distribution) -> tuple[float, float]:
    """The mean and variance of a distribution (scipy's closed forms, else by quadrature)."""
    if dist.is_fixed:
        return dist.support()[0], 0.0
    if isinstance(dist, Poisson):  # its own closed form (a grid of 2^18 inverse CDFs is slow)
        return float(dist.lam), float(dist.lam)
    frozen = _frozen(dist)
    if frozen is not None:
        return float(frozen.mean()), float(frozen.var())  # type: ignore[attr-defined]
    x = _grid(dist)
    return float(x.mean()), float(x.var())


def share_below(dist: Distribution, x: float) -> float:
    """P(X < x)."""
    if math.isinf(x):
        return 1.0
    frozen = _frozen(dist)
    if frozen is not None and not dist.is_fixed:
        return float(frozen.cdf(x))  # type: ignore[attr-defined]
    return float(np.mean(_grid(dist) < x))


def band_shares(hours: Distribution) -> dict[str, float]:
    """The chance that an outage falls in each duration band of `impact.inputs.record.BANDS`."""
    return {b.name: share_below(hours, b.high) - share_below(hours, b.low) for b in BANDS}


def future_hours(scenario: Scenario) -> Distribution:
    """The duration spec of future outages: `frequency.hours`, else `outage.hours`."""
    return scenario.distributions.get("frequency.hours") or scenario.distributions["outage.hours"]


# Each drawn outage of a year is one more pass over a block of years (impact.simulation.annual).
MAX_OUTAGES_PER_YEAR = 1000


def check_rate(dist: Distribution, key: str = FREQUENCY_KEY) -> None:
    """An InputError if a rate draws past `MAX_OUTAGES_PER_YEAR` (its 99.99th percentile), as
    annual risk would refuse it after drawing; checked before any year is drawn, and by
    `impact validate` (with the families' own inverse CDFs: no scipy.stats)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if dist.is_fixed:
            top = dist.support()[0]
        elif isinstance(dist, Poisson):  # a high quantile of poisson(1e12) takes scipy minutes
            top = float(dist.lam)
        else:
            top = float(dist.ppf(np.array([0.9999]))[0])
    if not (math.isfinite(top) and top <= MAX_OUTAGES_PER_YEAR):
        drawn = f"{top:.3g} outages a year" if math.isfinite(top) else "an infinite rate"
        raise InputError(
            f"{key}: {dist.spec()}: draws {drawn}; at most {MAX_OUTAGES_PER_YEAR:,} outages a "
            "year are simulated"
        )


def gamma_by_moments(dist: Distribution, key: str = FREQUENCY_KEY) -> Gamma:
    """The gamma with the mean and variance of `dist` (an InputError if it has no spread, or
    if it draws rates past `MAX_OUTAGES_PER_YEAR`, as annual risk would refuse them)."""
    check_rate(dist, key)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, var = moments(dist)
    if not (var > 0 and math.isfinite(var) and mean > 0):
        raise InputError(
            f"{key}: {dist.spec()}: a [frequency.record] updates an uncertain rate; give the "
            "prior a spread, e.g. lognormal(p5=0.1, p95=3)"
        )
    return Gamma(mean * mean / var, var / mean)


def _short(dist: Distribution) -> str:
    """A gamma's spec with 4 significant digits (as reports show it); other specs as they are."""
    if isinstance(dist, Gamma):
        return f"gamma({number(dist.shape)}, {number(dist.scale)})"
    return dist.spec()


@dataclass(frozen=True)
class RateUpdate:
    """The prior rate as stated, its gamma, the record and the updated (posterior) gamma."""

    prior: Distribution
    prior_gamma: Gamma
    record: Record
    exposure_years: float  # T·Σ p_b: years of the record, thinned to the bands it counts
    posterior: Gamma
    prior_spec: str = ""  # the prior as the scenario wrote it

    @property
    def credibility(self) -> float:
        """Z = exposure / (exposure + β): the record's weight in the updated mean."""
        beta = 1.0 / self.prior_gamma.scale
        return self.exposure_years / (self.exposure_years + beta)

    def table(self) -> pd.DataFrame:
        """Rows prior (as stated), prior (gamma), updated: spec, mean, p05, p50, p95."""
        rows = []
        for label, dist, spec in (
            ("prior, as stated", self.prior, self.prior_spec or self.prior.spec()),
            ("prior, as a gamma (same mean and variance)", self.prior_gamma, ""),
            ("updated with the record", self.posterior, ""),
        ):
            p05, p50, p95 = (float(v) for v in dist.ppf(np.array([0.05, 0.5, 0.95])))
            rows.append(
                {
                    "rate": label,
                    "spec": spec or _short(dist),
                    "mean": moments(dist)[0],
                    "p05": p05,
                    "p50": p50,
                    "p95": p95,
                }
            )
        return pd.DataFrame(rows)


def rate_update(scenario: Scenario) -> RateUpdate | None:
    """The gamma–Poisson update of the scenario's rate by its `[frequency.record]`; None without
    a record, or when the rate is a point value (a known rate, which no record moves: a what-if
    such as `--set frequency.events_per_year=1` keeps its rate)."""
    record = scenario.record
    prior = scenario.distributions.get(FREQUENCY_KEY)
    if record is None or prior is None or prior.is_fixed:
        return None  # a rate given as a point is known: no record moves it
    gamma = gamma_by_moments(prior)
    shares = band_shares(future_hours(scenario)) | {TOTAL_BAND: 1.0}
    for name, count in record.counts.items():
        if count > 0 and not shares[name] > 0:
            raise InputError(
                f"{RECORD_KEY}.{name}: {count}: the future outages' durations "
                f"({future_hours(scenario).spec()}) give this band no chance; give durations "
                "that can reach it, or leave the band out of the record"
            )
    exposure = record.years * sum(shares[name] for name in record.counts)
    beta = 1.0 / gamma.scale
    posterior = Gamma(gamma.shape + record.events, 1.0 / (beta + exposure))
    spec = str(scenario.specs.get(FREQUENCY_KEY, ""))
    return RateUpdate(prior, gamma, record, exposure, posterior, spec)
