"""What a resilience decision hinges on (a tornado), and the tables of its report."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from impact.inputs.designs import Design
from impact.inputs.keys import CHANGE_KEYS, COST_KEYS, COVER_KEYS, EXTRA_KEYS, FREQUENCY_KEY, KEYS
from impact.inputs.scenario import Scenario
from impact.rng import RNGLike
from impact.simulation.annual import frequency_of
from impact.simulation.resilience import ResilienceResult, simulate_resilience

__all__ = ["LOW_HIGH", "ResilienceReportData", "resilience_report_data", "tornado"]

LOW_HIGH = (0.10, 0.90)
TORNADO_FUTURES = 1_000
TORNADO_KEYS = 10


def _pinned_scenario(scenario: Scenario, key: str, q: float) -> Scenario:
    if scenario.record is not None:  # the rate as simulated, updated by the platform's record
        # (pinning the durations must not re-weigh the record's bands)
        rate = frequency_of(scenario).spec()
        scenario = replace(scenario.with_overrides({FREQUENCY_KEY: rate}), record=None)
    dist = scenario.distributions.get(key)
    if dist is None or dist.is_fixed:
        return scenario
    value = float(np.asarray(dist.ppf(np.array([q])))[0])
    return scenario.with_overrides({key: f"{value:.10g}"}, source=f"tornado: p{round(q * 100)}")


def _pinned(design: Design, key: str, q: float) -> Design:
    return replace(design, scenario=_pinned_scenario(design.scenario, key, q))


def _uncertain(design: Design) -> set[str]:
    scenario = design.scenario
    keys = [info.key for info in (*KEYS, *EXTRA_KEYS)]
    return {
        k for k in keys if k in scenario.distributions and not scenario.distributions[k].is_fixed
    }


def tornado(
    current: Design,
    candidate: Design,
    rng: RNGLike,
    n_futures: int = TORNADO_FUTURES,
    top: int = TORNADO_KEYS,
) -> pd.DataFrame:
    """Expected NPV of `candidate` against `current` with each uncertain key pinned at its p10,
    then at its p90, in both designs (each at its own spec's percentile; the rate at the
    record-updated one's), on common random numbers with the base run, so the swings are not
    noise. Columns key, label, low_value, high_value, base, swing; widest first."""

    def npv(now: Design, new: Design) -> float:
        return simulate_resilience(now, [new], n_futures, rng).pairs[0].npv.average

    base = npv(current, candidate)
    keys = sorted(_uncertain(current) | _uncertain(candidate))
    rows = []
    for key in keys:
        low, high = (npv(_pinned(current, key, q), _pinned(candidate, key, q)) for q in LOW_HIGH)
        rows.append(
            {
                "key": key,
                "label": key,
                "low_value": low,
                "high_value": high,
                "base": base,
                "swing": abs(high - low),
            }
        )
    frame = pd.DataFrame(rows, columns=["key", "label", "low_value", "high_value", "base", "swing"])
    return (
        frame.sort_values("swing", ascending=False, kind="stable").head(top).reset_index(drop=True)
    )


@dataclass(frozen=True)
class ResilienceReportData:
    """Everything the resilience report shows, computed once; the report only renders it."""

    result: ResilienceResult
    ranking: pd.DataFrame
    leader: Design  # the candidate with the highest expected NPV: the tornado's subject
    tornado: pd.DataFrame
    payback: pd.DataFrame  # cumulative share paid back by year, one column per candidate
    npv_quantiles: pd.DataFrame  # q, then one column per candidate
    designs: pd.DataFrame  # every design's change, cost and cover keys, with sources


def _designs(result: ResilienceResult) -> pd.DataFrame:
    rows = []
    for design in (result.current, *result.candidates):
        scenario = design.scenario
        for key in (*CHANGE_KEYS, *COST_KEYS, *COVER_KEYS):
            if key in scenario.specs:
                rows.append(
                    {
                        "design": design.name,
                        "key": key,
                        "spec": scenario.specs[key],
                        "source": scenario.sources.get(key, "") or "no note given",
                    }
                )
    return pd.DataFrame(rows, columns=["design", "key", "spec", "source"])


def resilience_report_data(
    result: ResilienceResult, rng: RNGLike, *, tornado_futures: int = TORNADO_FUTURES
) -> ResilienceReportData:
    """Compute every table of the resilience report (the tornado reruns the leader)."""
    leader = max(result.pairs, key=lambda p: p.npv.average).candidate
    qs = np.linspace(0.005, 0.995, 199)
    years = np.arange(1, result.horizon + 1)
    payback = pd.DataFrame({"year": years})
    quantiles = pd.DataFrame({"q": qs})
    for p in result.pairs:
        payback[p.candidate.name] = np.cumsum(p.payback_counts[1:]) / result.n_futures
        quantiles[p.candidate.name] = [p.npv.quantile(q) for q in qs]
    return ResilienceReportData(
        result=result,
        ranking=result.ranking,
        leader=leader,
        tornado=tornado(result.current, leader, rng, min(tornado_futures, result.n_futures)),
        payback=payback,
        npv_quantiles=quantiles,
        designs=_designs(result),
    )
