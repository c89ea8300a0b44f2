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
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from impact.inputs.evidence import Evidence
from impact.inputs.scenario import Scenario
from impact.outputs import TOTAL, TRACKED
from impact.simulation.sketch import Sketch
from impact.simulation.weighted_sketch import WeightedSketch

__all__ = ["READING_METRICS", "Conditioned", "evidence_weights", "reading_weights"]

# What the report shows under each reading of an attribution: the headline's three figures.
READING_METRICS = (TOTAL, "users_lost", "creators_lost")


def evidence_weights(
    evidence: tuple[Evidence, ...], outputs: Mapping[str, NDArray[np.float64]]
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Each trial's weight (the product of the likelihoods) and each observation's own.

    Attributed observations (`Attribution`) share one share A per trial: their joint
    likelihood is E_A[Π_i L_i(x_i | A)], by quadrature over A's distribution; an observation's
    own likelihood is its marginal E_A[L_i(x_i | A)]."""
    plain = [e for e in evidence if e.attribution is None]
    own_by = {e.quantity: _clean(e.likelihood(outputs[e.quantity])) for e in plain}
    weights = _product([own_by[e.quantity] for e in plain], outputs)
    attributed = [e for e in evidence if e.attribution is not None]
    if attributed:
        attribution = attributed[0].attribution
        assert attribution is not None
        shares, node_weights = attribution.nodes()
        joint = np.zeros_like(weights)
        for e in attributed:
            own_by[e.quantity] = np.zeros_like(weights)
        for share, node_weight in zip(shares, node_weights, strict=True):
            factors = [_clean(e.likelihood(outputs[e.quantity], float(share))) for e in attributed]
            for e, factor in zip(attributed, factors, strict=True):
                own_by[e.quantity] += node_weight * factor
            joint += node_weight * _product(factors, outputs)
        weights *= joint
    return weights, [own_by[e.quantity] for e in evidence]


def reading_weights(
    evidence: tuple[Evidence, ...], outputs: Mapping[str, NDArray[np.float64]]
) -> dict[str, NDArray[np.float64]]:
    """Per declared reading of the attribution (label -> weights): the same product as
    `evidence_weights`, with A fixed at the reading's share. Empty without readings."""
    attributed = [e for e in evidence if e.attribution is not None]
    if not attributed or attributed[0].attribution is None:
        return {}
    readings = attributed[0].attribution.readings
    if not readings:
        return {}
    plain = _product(
        [_clean(e.likelihood(outputs[e.quantity])) for e in evidence if e.attribution is None],
        outputs,
    )
    return {
        label: plain
        * _product([_clean(e.likelihood(outputs[e.quantity], share)) for e in attributed], outputs)
        for label, share in readings
    }


def _clean(likelihood: NDArray[np.float64]) -> NDArray[np.float64]:
    # In place: a likelihood is a new array of its own (166 a default run, 65,536 values each)
    return np.nan_to_num(np.asarray(likelihood, dtype=np.float64), nan=0.0, copy=False)


def _product(
    factors: list[NDArray[np.float64]], outputs: Mapping[str, NDArray[np.float64]]
) -> NDArray[np.float64]:
    if not factors:
        n = np.shape(next(iter(outputs.values())))
        return np.ones(n, dtype=np.float64)
    out = factors[0].copy()
    for factor in factors[1:]:
        out *= factor
    return out


@dataclass
class Conditioned:
    """The weighted side of a run (or one block of it)."""

    sketches: dict[str, WeightedSketch]
    inputs_prior: dict[str, Sketch]
    inputs_posterior: dict[str, WeightedSketch]
    own: NDArray[np.float64]  # per observation: Σw, Σw² of its likelihood alone
    kept: int = 0  # trials with a positive weight
    # per reading of an attribution (label): weighted sketches of READING_METRICS
    readings: dict[str, dict[str, WeightedSketch]] = field(default_factory=dict)

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
            readings={
                label: {
                    name: WeightedSketch.of_weighted(outputs[name], w)
                    for name in READING_METRICS
                    if name in outputs
                }
                for label, w in reading_weights(scenario.evidence, outputs).items()
            },
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
        for label, sketches in other.readings.items():
            for name, sketch in sketches.items():
                self.readings[label][name].merge(sketch)
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
