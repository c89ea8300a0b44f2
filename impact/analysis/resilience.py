"""What a resilience decision hinges on (a tornado), and the tables of its report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.inputs.keys import COST_KEYS, EXTRA_KEYS, FREQUENCY_KEY, KEYS
from impact.inputs.scenario import Scenario
from impact.rng import RNGLike
from impact.simulation.resilience import ResilienceResult, simulate_resilience

__all__ = ["LOW_HIGH", "ResilienceReportData", "resilience_report_data", "tornado"]

LOW_HIGH = (0.10, 0.90)
TORNADO_FUTURES = 1_000
TORNADO_KEYS = 10


def _pinned(design: Scenario, key: str, q: float) -> Scenario:
    dist = design.distributions.get(key)
    if dist is None or dist.is_fixed:
        return design
    value = float(np.asarray(dist.ppf(np.array([q])))[0])
    return design.with_overrides({key: f"{value:.10g}"}, source=f"tornado: p{round(q * 100)}")


def _uncertain(design: Scenario) -> set[str]:
    keys = [info.key for info in (*KEYS, *EXTRA_KEYS)]
    return {k for k in keys if k in design.distributions and not design.distributions[k].is_fixed}


def tornado(
    current: Scenario,
    candidate: Scenario,
    rng: RNGLike,
    n_futures: int = TORNADO_FUTURES,
    top: int = TORNADO_KEYS,
) -> pd.DataFrame:
    """Expected NPV with each uncertain key pinned at its p10, then at its p90, in both designs
    (each at its own spec's percentile), on common random numbers with the base run, so the
    swings are not noise. Columns key, low_value, high_value, base, swing; widest first."""
    base = simulate_resilience(current, candidate, n_futures, rng).npv.average
    keys = sorted(_uncertain(current) | _uncertain(candidate))
    rows = []
    for key in keys:
        low, high = (
            simulate_resilience(
                _pinned(current, key, q), _pinned(candidate, key, q), n_futures, rng
            ).npv.average
            for q in LOW_HIGH
        )
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
    result: ResilienceResult
    summary: pd.DataFrame
    payback: pd.DataFrame
    tornado: pd.DataFrame
    npv_quantiles: pd.DataFrame
    costs: pd.DataFrame


def _costs(result: ResilienceResult) -> pd.DataFrame:
    rows = []
    for key in (FREQUENCY_KEY, *COST_KEYS):
        rows.append(
            {
                "key": key,
                "current": result.current.specs.get(key, ""),
                "candidate": result.candidate.specs.get(key, ""),
                "source_candidate": result.candidate.sources.get(key, ""),
            }
        )
    return pd.DataFrame(rows)


def resilience_report_data(result: ResilienceResult, rng: RNGLike) -> ResilienceReportData:
    qs = np.linspace(0.005, 0.995, 199)
    return ResilienceReportData(
        result=result,
        summary=result.summary,
        payback=result.payback,
        tornado=tornado(result.current, result.candidate, rng),
        npv_quantiles=pd.DataFrame({"q": qs, "value": [result.npv.quantile(q) for q in qs]}),
        costs=_costs(result),
    )
