"""Tables a paired-comparison report is made of: what differs, and the distribution of B − A."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.inputs.keys import EXTRA_KEYS, KEYS
from impact.inputs.scenario import Scenario
from impact.outputs import TOTAL
from impact.simulation.paired import PairedResult

__all__ = ["CompareReportData", "check_same_trials", "compare_report_data", "differing_keys"]

QUANTILES = np.linspace(0.005, 0.995, 199)


def check_same_trials(a: Scenario, b: Scenario) -> int | None:
    """The trial count both scenarios ask for ([sampling] trials), or an InputError if they
    ask for different ones (pairing needs one count; give it explicitly)."""
    if a.trials is not None and b.trials is not None and a.trials != b.trials:
        raise InputError(
            f"sampling.trials: A ({a.name}) asks for {a.trials:,} trials and B ({b.name}) for "
            f"{b.trials:,}; a paired comparison needs one count: pass --trials N"
        )
    return a.trials if a.trials is not None else b.trials


def differing_keys(a: Scenario, b: Scenario) -> pd.DataFrame:
    """Every key whose resolved spec differs between A and B: key, spec_a, spec_b."""
    rows = []
    for info in (*KEYS, *EXTRA_KEYS):
        da, db = a.distributions.get(info.key), b.distributions.get(info.key)
        sa = da.spec() if da is not None else ""
        sb = db.spec() if db is not None else ""
        if sa != sb:
            rows.append({"key": info.key, "spec_a": sa, "spec_b": sb})
    return pd.DataFrame(rows, columns=["key", "spec_a", "spec_b"])


def difference_quantiles(result: PairedResult, metric: str = TOTAL) -> pd.DataFrame:
    """B − A of `metric` at the quantiles 0.5%, 1%, …, 99.5%: columns q, value."""
    sketch = result.diffs[metric]
    return pd.DataFrame({"q": QUANTILES, "value": [sketch.quantile(q) for q in QUANTILES]})


@dataclass(frozen=True)
class CompareReportData:
    """Everything a comparison report shows."""

    result: PairedResult
    summary: pd.DataFrame
    differing: pd.DataFrame
    quantiles: pd.DataFrame


def compare_report_data(result: PairedResult) -> CompareReportData:
    return CompareReportData(
        result, result.summary, differing_keys(result.a, result.b), difference_quantiles(result)
    )
