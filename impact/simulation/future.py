"""Future outages of a year: their own durations and severities, a design's change, later value.

* `future_outages`: the scenario whose `outage.hours` and `outage.severity` are those of future
  outages (`[frequency] hours`, `severity`), drawn from the streams of the keys they stand for,
  so a scenario with and without them pairs up outage by outage.
* `year_terms`: the keys drawn once per simulated year (a design's rate factor and failover
  reach, a cover's terms, the value of a lost user or creator), each from its own stream.
* `contain`: a design's change to one outage: a share g·s of outages (losses of a site or
  region whose failover works) is cut to at most F hours at f_S times the severity.
* `later_factor`: the present value, at the onset, of one dollar a year from the end of the
  horizon to Tv years after the onset (continuous discounting at ln(1 + r)).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.distributions import Distribution
from impact.inputs.keys import CHANGE_KEYS, COVER_KEYS, VALUE_KEYS, key_info
from impact.inputs.scenario import Scenario
from impact.inputs.specs import parse_spec
from impact.simulation.sampling import child

__all__ = [
    "FUTURE_KEYS",
    "HOURS_PER_YEAR",
    "OUTAGE_TERM_STREAM",
    "YEAR_TERMS",
    "YEAR_TERM_STREAM",
    "contain",
    "extra",
    "future_outages",
    "has_change",
    "has_cover",
    "later_factor",
    "outage_terms",
    "year_terms",
]

FloatArray = NDArray[np.float64]
HOURS_PER_YEAR = 8760.0
# The model keys that future outages draw afresh from [frequency], and what stands for them.
FUTURE_KEYS = {"outage.hours": "frequency.hours", "outage.severity": "frequency.severity"}
# Streams, past any the year block already uses (rate 0, count 1, the k-th outage 2 + k, at most
# 1,000 outages a year): the per-year keys from child YEAR_TERM_STREAM + i of the year block;
# the per-outage draws of a change from child OUTAGE_TERM_STREAM + j of the k-th outage's seed
# (whose children below 2^16 + 2 are the model keys', the sampling design's and Iman–Conover's).
YEAR_TERM_STREAM = 1 << 20
OUTAGE_TERM_STREAM = 1 << 17
YEAR_TERMS: tuple[str, ...] = (
    "change.rate_factor",
    "change.regional_share",
    "change.failover_share",
    *COVER_KEYS,
    *VALUE_KEYS,
)
OUTAGE_TERMS = ("contained", "change.failover_hours", "change.severity_factor")


def extra(scenario: Scenario, key: str) -> Distribution:
    """A key of a year or a design: the scenario's spec, else the key's default."""
    dist = scenario.distributions.get(key)
    if dist is not None:
        return dist
    info = key_info(key)
    if info.default is None:
        raise InputError(f"{key}: missing in {scenario.name!r}; {info.default_source}")
    return parse_spec(info.default, key=key, domain=info.domain)


def has_cover(scenario: Scenario) -> bool:
    """True when the scenario carries a `[cover]` (every contract key then required)."""
    given = [key for key in COVER_KEYS if key in scenario.distributions]
    if not given:
        return False
    for key in COVER_KEYS:
        if key not in scenario.distributions and key_info(key).default is None:
            raise InputError(
                f"{key}: missing; a [cover] needs waiting_hours, retention_usd, limit_usd, "
                "aggregate_limit_usd and premium_usd (each a spec)"
            )
    return True


def has_change(scenario: Scenario) -> bool:
    """True when a design's `[change]` can contain outages (a regional share above 0); the rate
    factor alone needs no per-outage draws."""
    if not any(key in scenario.distributions for key in CHANGE_KEYS):
        return False
    if extra(scenario, "change.regional_share").support()[1] > 0:
        extra(scenario, "change.failover_hours")  # a contained outage needs its cap
        return True
    return False


def future_outages(scenario: Scenario) -> Scenario:
    """The scenario with `outage.hours` and `outage.severity` replaced by `frequency.hours` and
    `frequency.severity` where it gives them (their sources say so); unchanged otherwise."""
    swap = {key: stand for key, stand in FUTURE_KEYS.items() if stand in scenario.distributions}
    if not swap:
        return scenario
    dists = dict(scenario.distributions)
    specs = dict(scenario.specs)
    sources = dict(scenario.sources)
    for key, stand in swap.items():
        dists[key] = scenario.distributions[stand]
        specs[key] = scenario.specs[stand]
        sources[key] = f"[frequency] {stand.split('.')[1]}: {scenario.sources.get(stand, '')}"
    correlations = {
        pair: r
        for pair, r in scenario.correlations.items()
        if not any(dists[k].is_fixed for k in pair if k in dists)
    }
    return replace(
        scenario, distributions=dists, specs=specs, sources=sources, correlations=correlations
    )


def _draw(dist: Distribution, seq: np.random.SeedSequence, n: int) -> FloatArray:
    if dist.is_fixed:
        return np.full(n, dist.support()[0])
    return np.asarray(dist.ppf(np.random.default_rng(seq).random(n)), dtype=float)


def year_terms(scenario: Scenario, n: int, seq: np.random.SeedSequence) -> dict[str, FloatArray]:
    """One value per year of every key of `YEAR_TERMS` (cover keys only with a [cover])."""
    cover = has_cover(scenario)
    out = {}
    for i, key in enumerate(YEAR_TERMS):
        if key in COVER_KEYS and not cover:
            continue
        out[key] = _draw(extra(scenario, key), child(seq, YEAR_TERM_STREAM + i), n)
    return out


def outage_terms(scenario: Scenario, n: int, seq: np.random.SeedSequence) -> dict[str, FloatArray]:
    """Per outage (the k-th of every year, `seq` its seed): a uniform that decides whether the
    change contains it, its failover hours and its severity factor."""
    out = {"contained": np.random.default_rng(child(seq, OUTAGE_TERM_STREAM)).random(n)}
    for j, key in enumerate(OUTAGE_TERMS[1:], start=1):
        out[key] = _draw(extra(scenario, key), child(seq, OUTAGE_TERM_STREAM + j), n)
    return out


def contain(
    hours: FloatArray,
    severity: FloatArray,
    contained: NDArray[np.bool_],
    failover_hours: FloatArray,
    severity_factor: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """D' = min(D, F) and S' = f_S·S where `contained`; D and S elsewhere."""
    new_hours = np.where(contained, np.minimum(hours, failover_hours), hours)
    new_severity = np.where(contained, severity * severity_factor, severity)
    return new_hours, new_severity


def later_factor(start_years: FloatArray, years: FloatArray, rate: FloatArray) -> FloatArray:
    """∫_h^T (1 + r)^−s ds with h = `start_years`, T = `years` (0 when T ≤ h): the present
    value at the onset of a dollar a year flowing from h to T years after it.

    >>> float(later_factor(np.array([0.0]), np.array([2.0]), np.array([0.0]))[0])
    2.0
    """
    h = np.asarray(start_years, dtype=float)
    t = np.maximum(np.asarray(years, dtype=float), h)
    rho = np.log1p(np.asarray(rate, dtype=float))
    flat = np.abs(rho) < 1e-9
    safe = np.where(flat, 1.0, rho)
    discounted = (np.exp(-rho * h) - np.exp(-rho * t)) / safe
    return np.where(flat, t - h, discounted)
