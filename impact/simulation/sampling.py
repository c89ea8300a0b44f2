"""Draw one block of inputs: plain Monte Carlo, Latin hypercube or scrambled Sobol, correlated.

Every block of trials has its own SeedSequence (the engine's), and inside a block each input key
has its own child stream (child i for KEYS[i]), so results never depend on how blocks are shared
among workers, and changing one key leaves the other keys' draws alone.

* ``mc``: each uncertain key draws with numpy's own sampler from its stream (the fast path).
* ``lhs``: each uncertain key draws a one-column Latin hypercube (`scipy.stats.qmc`) from its
  stream: the block's n values fall one in each of n equal-probability strata. Columns are
  paired at random, which is what a d-column Latin hypercube is, and keeps common random numbers.
* ``sobol``: the block is a scrambled Sobol sequence over the uncertain keys in model order
  (`scipy.stats.qmc.Sobol`, Owen-type LMS scrambling and a digital shift), seeded from the
  block's design stream. A full block is 2^16 points, a balanced (t, m, s)-net; blocks are
  independent randomisations, so a run of several blocks is a randomised-QMC estimate whose
  error falls like 1/√blocks beyond the first block (a single long sequence would do better,
  but could not be computed block by block without replaying it). A partial last block is the
  first n points of its sequence: low-discrepancy, without the exact balance of a 2^m net.

The uniforms of the lhs and sobol designs go through each marginal's inverse CDF (`ppf`). With
correlations, the correlated keys always draw uniforms (for mc from their own streams), which
`impact.simulation.correlation.iman_conover` re-pairs before the inverse CDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.keys import KEYS
from impact.inputs.methods import Method
from impact.inputs.scenario import Scenario
from impact.simulation.correlation import (
    CorrelationPlan,
    correlation_plan,
    iman_conover,
    rank_correlation,
)

__all__ = [
    "CORRELATION_STREAM",
    "DESIGN_STREAM",
    "SamplingPlan",
    "child",
    "draw_block",
    "plan",
]

FloatArray = NDArray[np.float64]
# Stream numbers inside a block, past any key's (keys use 0, 1, …, len(KEYS) − 1).
DESIGN_STREAM = 1 << 16
CORRELATION_STREAM = DESIGN_STREAM + 1
_KEY_INDEX = {info.key: i for i, info in enumerate(KEYS)}


def child(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The i-th child that `seq.spawn` gives, made directly so that it needs no spawn counter."""
    return np.random.SeedSequence(
        seq.entropy, spawn_key=(*seq.spawn_key, i), pool_size=seq.pool_size
    )


@dataclass(frozen=True, eq=False)
class SamplingPlan:
    """How every block is drawn: the design, the uncertain keys and the correlations."""

    method: str
    uncertain: tuple[str, ...]
    correlation: CorrelationPlan | None = None


def plan(scenario: Scenario, method: str | None = None) -> SamplingPlan:
    """Check the method and the correlations once, before any block is drawn."""
    method = scenario.method if method is None else str(method)
    if method not in tuple(Method):
        raise InputError(f"method: {method!r}: must be one of {', '.join(Method)}")
    return SamplingPlan(method, scenario.uncertain_keys, correlation_plan(scenario))


def _stream(seq: np.random.SeedSequence, key: str) -> np.random.Generator:
    return np.random.default_rng(child(seq, _KEY_INDEX[key]))


def _sobol(n: int, d: int, seq: np.random.SeedSequence) -> FloatArray:
    from scipy.stats import qmc  # on use: scipy.stats is slow to import, and mc needs none

    engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(child(seq, DESIGN_STREAM)))
    # random_base2 draws a whole 2^m net without scipy's balance warning; keep its first n.
    return engine.random_base2(max(0, math.ceil(math.log2(n))))[:n]


def _uniforms(
    sampling: SamplingPlan, keys: tuple[str, ...], n: int, seq: np.random.SeedSequence
) -> dict[str, FloatArray]:
    """The uniforms of `keys` for one block, by the plan's design."""
    if sampling.method == "sobol":
        design = _sobol(n, len(sampling.uncertain), seq)
        column = {key: j for j, key in enumerate(sampling.uncertain)}
        return {key: design[:, column[key]] for key in keys}
    if sampling.method == "lhs":
        from scipy.stats import qmc

        return {key: qmc.LatinHypercube(1, rng=_stream(seq, key)).random(n)[:, 0] for key in keys}
    return {key: _stream(seq, key).random(n) for key in keys}


def draw_block(
    scenario: Scenario, sampling: SamplingPlan, n: int, seq: np.random.SeedSequence
) -> tuple[dict[str, FloatArray], FloatArray | None]:
    """Every input's `n` values for one block, and the achieved rank correlations (or None)."""
    correlated = sampling.correlation.keys if sampling.correlation else ()
    by_ppf = sampling.uncertain if sampling.method != "mc" else correlated
    uniforms = _uniforms(sampling, by_ppf, n, seq) if by_ppf else {}
    achieved = None
    if sampling.correlation is not None:
        columns = np.column_stack([uniforms[key] for key in correlated])
        rng = np.random.default_rng(child(seq, CORRELATION_STREAM))
        columns, achieved = iman_conover(columns, sampling.correlation, rng)
        uniforms.update({key: columns[:, j] for j, key in enumerate(correlated)})
    out: dict[str, FloatArray] = {}
    for info in KEYS:
        dist = scenario.distributions[info.key]
        if dist.is_fixed:  # one value seen n times (read-only): nothing to fill or to read
            out[info.key] = np.broadcast_to(np.float64(dist.support()[0]), (n,))
        elif info.key in uniforms:
            out[info.key] = dist.ppf(uniforms[info.key])
        else:
            out[info.key] = dist.sample(n, _stream(seq, info.key))
    if sampling.correlation is not None and any(
        scenario.distributions[key].discrete for key in correlated
    ):  # a discrete input has ties, which the ranks of the scores do not: rank the values
        achieved = rank_correlation(np.column_stack([out[key] for key in correlated]))
    return out, achieved
