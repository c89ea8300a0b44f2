"""What the evidence changed: tables a conditioned run's report shows, read off its sketches.

With `[evidence]` the engine keeps, beside the weighted sketches every summary is read from, the
prior (unweighted) sketches of every output and the prior and weighted sketches of every
uncertain input, over all trials (not a pilot sample: an input's posterior percentiles then have
the precision of the run's effective sample size). From them: the effective sample size and the
share of trials kept, each observation's own effective sample size, each input's p05/p50/p95
before and after, and the headline total before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from impact.inputs.keys import key_info
from impact.outputs import TOTAL, output
from impact.simulation.engine import ESS_SHARE_WARNING, ESS_WARNING
from impact.simulation.evidence_weights import READING_METRICS
from impact.simulation.result import SimulationResult

__all__ = ["EvidenceTables", "evidence_tables", "readings_table"]

QUANTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95}


@dataclass(frozen=True)
class EvidenceTables:
    """Everything "What the evidence changed" shows."""

    trials: int
    ess: float
    kept_share: float  # share of trials with a positive weight
    observations: pd.DataFrame  # quantity, spec, source, own_ess, prior and posterior p05/p50/p95
    inputs: pd.DataFrame  # key, prior and posterior p05/p50/p95, shift, width_ratio, moved
    headline: pd.DataFrame  # metric rows (total, users_lost, creators_lost) x prior/posterior
    warning: str | None  # the tension warning, when the effective sample size is small
    # one row per declared reading of an attribution (empty without): reading, share, ess,
    # total p05/p50/p95, users_lost p50, creators_lost p50; the first row is the run itself
    readings: pd.DataFrame = field(default_factory=pd.DataFrame)


def _quantiles(sketch: object, prefix: str) -> dict[str, float]:
    return {f"{prefix}_{k}": float(sketch.quantile(q)) for k, q in QUANTILES.items()}  # type: ignore[attr-defined]


def evidence_tables(result: SimulationResult) -> EvidenceTables | None:
    """The tables of a conditioned run, or None for a run without evidence."""
    conditioned, prior = result.conditioned, result.prior_sketches
    if conditioned is None or prior is None:
        return None
    evidence = result.scenario.evidence
    own = conditioned.own_ess(evidence)
    observations = pd.DataFrame(
        [
            {
                "quantity": e.quantity,
                "label": output(e.quantity).label,
                "spec": e.spec,
                "source": e.source,
                "own_ess": own[e.quantity],
                **_quantiles(prior[e.quantity], "prior"),
                **_quantiles(result.sketches[e.quantity], "posterior"),
            }
            for e in evidence
        ]
    )
    rows = []
    for key, before in conditioned.inputs_prior.items():
        after = conditioned.inputs_posterior[key]
        row: dict[str, object] = {"key": key, "unit": key_info(key).unit}
        row.update(_quantiles(before, "prior"))
        row.update(_quantiles(after, "posterior"))
        width = row["prior_p95"] - row["prior_p05"]  # type: ignore[operator]
        post_width = row["posterior_p95"] - row["posterior_p05"]  # type: ignore[operator]
        shift = (row["posterior_p50"] - row["prior_p50"]) / width if width > 0 else 0.0  # type: ignore[operator]
        ratio = post_width / width if width > 0 else 1.0
        row.update(shift=shift, width_ratio=ratio, moved=max(abs(shift), abs(1 - ratio)))
        rows.append(row)
    inputs = pd.DataFrame(rows)
    headline = pd.DataFrame(
        [
            {
                "metric": name,
                **_quantiles(prior[name], "prior"),
                **_quantiles(result.sketches[name], "posterior"),
            }
            for name in READING_METRICS
        ]
    )
    kept = conditioned.kept
    ess = conditioned.ess
    warning = None
    if ess < ESS_WARNING or ess < ESS_SHARE_WARNING * result.n_trials:
        worst = min(own, key=lambda name: own[name])
        warning = (
            f"The evidence is in tension with the assumptions: an effective sample size of "
            f"{ess:,.0f} of {result.n_trials:,} trials. Most responsible: `{worst}` (alone it "
            f"leaves {own[worst]:,.0f}). Read the conditioned figures as rough; run more trials "
            "or revisit the inputs that drive it."
        )
    return EvidenceTables(
        trials=result.n_trials,
        ess=ess,
        kept_share=kept / result.n_trials if result.n_trials else 0.0,
        observations=observations,
        inputs=inputs,
        headline=headline,
        warning=warning,
        readings=readings_table(result),
    )


def readings_table(result: SimulationResult) -> pd.DataFrame:
    """The headline under the attribution's uncertain share (the run itself), then under each
    declared reading (the share fixed); empty without readings. Same trials throughout."""
    conditioned = result.conditioned
    attribution = result.scenario.attribution
    if conditioned is None or attribution is None or not conditioned.readings:
        return pd.DataFrame()
    shares = dict(attribution.readings)

    def row(label: str, share: str, sketches: Mapping[str, Any]) -> dict[str, object]:
        total = sketches[TOTAL]
        return {
            "reading": label,
            "share": share,
            "ess": float(total.ess),
            **{f"total_{k}": float(total.quantile(q)) for k, q in QUANTILES.items()},
            **{
                f"{name}_p50": float(sketches[name].quantile(0.5))
                for name in READING_METRICS[1:]
                if name in sketches
            },
        }

    run = {name: result.sketches[name] for name in READING_METRICS}
    rows = [row("the share is uncertain (this run)", attribution.spec, run)]
    rows += [
        row(label, f"{shares[label]:g}", sketches)
        for label, sketches in conditioned.readings.items()
    ]
    return pd.DataFrame(rows)
