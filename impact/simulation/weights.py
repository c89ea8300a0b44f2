"""Evidence weights per block of trials, and the weighted sketches a conditioned run keeps.

A trial's weight is the product of the scenario's observations' likelihoods at its implied
values (`impact.inputs.evidence`). For one block the engine builds, right after evaluating the
model, a `Conditioned`: a weighted sketch of every tracked quantity, prior and weighted sketches
of every uncertain input (for "what the evidence changed"), and each observation's own Σw and
Σw² (its effective sample size alone, to name the one most in tension with the assumptions).
Blocks fold in the engine's order, so the sums do not depend on the number of workers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from impact.inputs.evidence import Evidence
from impact.inputs.scenario import Scenario
from impact.model.outputs import TRACKED
from impact.simulation.sketch import Sketch
from impact.simulation.weighted import WeightedSketch

__all__ = ["Conditioned", "evidence_weights"]


def evidence_weights(
    evidence: tuple[Evidence, ...], outputs: Mapping[str, NDArray[np.float64]]
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Each trial's weight (the product of the likelihoods) and each observation's own."""
    own = [np.nan_to_num(e.likelihood(outputs[e.quantity]), nan=0.0) for e in evidence]
    weights = own[0].copy()
    for factor in own[1:]:
        weights *= factor
    return weights, own


@dataclass
class Conditioned:
    """The weighted side of a run (or one block of it)."""

    sketches: dict[str, WeightedSketch]
    inputs_prior: dict[str, Sketch]
    inputs_posterior: dict[str, WeightedSketch]
    own: NDArray[np.float64]  # per observation: Σw, Σw² of its likelihood alone
    kept: int = 0  # trials with a positive weight

    @classmethod
    def of_block(
        cls,
        scenario: Scenario,
        inputs: Mapping[str, NDArray[np.float64]],
        outputs: Mapping[str, NDArray[np.float64]],
        names: tuple[str, ...] = TRACKED,
    ) -> tuple[Conditioned, NDArray[np.float64]]:
        """The block's weighted sketches (of `names`), and its trials' weights."""
        weights, own = evidence_weights(scenario.evidence, outputs)
        keys = scenario.uncertain_keys
        block = cls(
            sketches={name: WeightedSketch.of_weighted(outputs[name], weights) for name in names},
            inputs_prior={key: Sketch.of(inputs[key]) for key in keys},
            inputs_posterior={
                key: WeightedSketch.of_weighted(inputs[key], weights) for key in keys
            },
            own=np.array([[w.sum(), np.einsum("i,i->", w, w)] for w in own], dtype=np.float64),
            kept=int(np.count_nonzero(weights > 0)),
        )
        return block, weights

    def copy(self) -> Conditioned:
        """An independent copy (merging into it leaves this one as it is)."""
        return copy.deepcopy(self)

    def merge(self, other: Conditioned) -> Conditioned:
        """Fold a later block in (in place) and return self."""
        for name, sketch in other.sketches.items():
            self.sketches[name].merge(sketch)
        for key, prior in other.inputs_prior.items():
            self.inputs_prior[key].merge(prior)
        for key, posterior in other.inputs_posterior.items():
            self.inputs_posterior[key].merge(posterior)
        self.own = self.own + other.own
        self.kept += other.kept
        return self

    @property
    def ess(self) -> float:
        return next(iter(self.sketches.values())).ess

    def own_ess(self, evidence: tuple[Evidence, ...]) -> dict[str, float]:
        """Each observation's effective sample size were it the only one."""
        return {
            e.quantity: float(s**2 / s2) if s2 > 0 else 0.0
            for e, (s, s2) in zip(evidence, self.own, strict=True)
        }
