"""Rank correlations between inputs: validate, repair to a valid matrix, impose by Iman–Conover.

A scenario's `[correlations]` table gives Spearman rank correlations between pairs of uncertain
inputs ("outage.hours ~ outage.severity" = 0.6); pairs it leaves out are uncorrelated. They are
imposed on each block of trials by Iman & Conover's (1982) method, the one @RISK and Crystal Ball
use: every column of uniforms keeps its values (so each marginal, and the stratification of a
Latin hypercube or Sobol design in each column, is untouched) and only the pairing of values
across columns changes, to follow the ranks of a matrix of normal scores that has exactly the
wanted correlation. The method is deterministic given its random stream.

Rank correlation ρ of normal scores corresponds to their Pearson correlation r = 2·sin(π·ρ/6),
so the scores are given r, and the achieved Spearman correlations match the table's up to
sampling noise of about (1 − ρ²)/√n. A table that is not a valid correlation matrix (not
positive semi-definite: e.g. a ~ b = 0.9, a ~ c = 0.9, b ~ c = −0.9) is replaced by the nearest
valid one (Higham's alternating projections, `statsmodels.stats.correlation_tools.corr_nearest`),
with a `CorrelationWarning` saying how much that changed it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd
from scipy import special

from impact.exceptions import CorrelationWarning, InputError
from impact.inputs.keys import KEYS
from impact.inputs.scenario import Scenario, fixed_correlation_problem

__all__ = [
    "CorrelationPlan",
    "achieved_table",
    "average_ranks",
    "correlation_plan",
    "correlation_problems",
    "iman_conover",
    "nearest_correlation",
    "rank_correlation",
]

FloatArray = NDArray[np.float64]
PSD_TOLERANCE = 1e-10  # eigenvalues above −this count as ≥ 0 (rounding in a valid matrix)


@dataclass(frozen=True, eq=False)
class CorrelationPlan:
    """The correlated keys (model order) and the matrices that impose their rank correlations."""

    keys: tuple[str, ...]
    target: FloatArray  # the rank correlations as given (0 for pairs left out)
    used: FloatArray  # the rank correlations imposed: `target`, or its nearest valid repair
    factor: FloatArray  # A with A·Aᵀ = the Pearson correlation of the normal scores

    def pairs(self) -> list[tuple[int, int]]:
        """Index pairs (i < j) of the matrix that the scenario names."""
        k = len(self.keys)
        return [(i, j) for i in range(k) for j in range(i + 1, k)]


def _factor(corr: FloatArray) -> FloatArray:
    """A square root A·Aᵀ = corr that also works for singular matrices (|r| = 1)."""
    values, vectors = np.linalg.eigh(corr)
    return np.asarray(vectors * np.sqrt(np.clip(values, 0.0, None)), dtype=float)


def _is_valid(corr: FloatArray) -> bool:
    return bool(np.linalg.eigvalsh(corr).min() >= -PSD_TOLERANCE)


def nearest_correlation(corr: FloatArray) -> FloatArray:
    """`corr` itself when it is positive semi-definite, else the nearest correlation matrix.

    >>> bad = np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]])
    >>> np.round(nearest_correlation(bad), 3).tolist()[0]
    [1.0, 0.5, 0.5]
    """
    corr = np.asarray(corr, dtype=float)
    if _is_valid(corr):
        return corr
    from statsmodels.stats.correlation_tools import corr_clipped, corr_nearest
    from statsmodels.tools.sm_exceptions import IterationLimitWarning

    with warnings.catch_warnings():
        # Its stopping rule is strict (1e-15); the result is checked below instead.
        warnings.simplefilter("ignore", IterationLimitWarning)
        repaired = np.asarray(corr_nearest(corr, threshold=1e-15, n_fact=1000), dtype=float)
    if not _is_valid(repaired):  # pragma: no cover - alternating projections did not get there
        repaired = np.asarray(corr_clipped(corr, threshold=1e-12), dtype=float)
    repaired = (repaired + repaired.T) / 2
    np.fill_diagonal(repaired, 1.0)
    return repaired


def correlation_plan(scenario: Scenario) -> CorrelationPlan | None:
    """Check the scenario's correlations and prepare them; None when it has none.

    Raises InputError when a pair names a fixed input; warns (CorrelationWarning) when the
    table had to be repaired, naming the largest change.
    """
    if not scenario.correlations:
        return None
    for pair in scenario.correlations:
        problem = fixed_correlation_problem(pair, scenario.distributions)
        if problem:
            raise InputError(problem)
    keys, target, used, scores = _repaired(scenario)
    repair = _repair_note(keys, target, used)
    if repair:
        warnings.warn(
            f"correlations: {repair}; using the nearest valid one", CorrelationWarning, stacklevel=3
        )
    return CorrelationPlan(keys=keys, target=target, used=used, factor=_factor(scores))


def correlation_problems(scenario: Scenario) -> list[str]:
    """What `correlation_plan` would refuse or repair, one line each; empty when it is valid.

    `impact validate` reports these, so a table that `simulate` would quietly repair is a
    problem of the file, not a surprise in the run.
    """
    if not scenario.correlations:
        return []
    fixed = [
        fixed_correlation_problem(pair, scenario.distributions) for pair in scenario.correlations
    ]
    problems = [p for p in fixed if p]
    if problems:
        return problems
    repair = _repair_note(*_repaired(scenario)[:3])
    return [f"correlations: {repair}; simulate would use the nearest valid one"] if repair else []


def _repaired(scenario: Scenario) -> tuple[tuple[str, ...], FloatArray, FloatArray, FloatArray]:
    """The correlated keys, the table as given, the rank correlations used and the scores'."""
    named = {key for pair in scenario.correlations for key in pair}
    keys = tuple(info.key for info in KEYS if info.key in named)
    index = {key: i for i, key in enumerate(keys)}
    target = np.eye(len(keys))
    for (a, b), r in scenario.correlations.items():
        target[index[a], index[b]] = target[index[b], index[a]] = r
    # Normal scores with Pearson r have rank correlation (6/π)·asin(r/2): the scores get
    # r = 2·sin(π·ρ/6). Repairs are made on that scale, where the scores live, and reported on
    # the rank scale, so the achieved correlations match `used` up to sampling noise.
    scores = nearest_correlation(2 * np.sin(np.pi * target / 6))
    used = np.clip(6 / np.pi * np.arcsin(scores / 2), -1.0, 1.0)
    np.fill_diagonal(used, 1.0)
    return keys, target, used, scores


def _repair_note(keys: tuple[str, ...], target: FloatArray, used: FloatArray) -> str:
    """How much the repair changes the table ('' when it changes nothing)."""
    change = np.abs(used - target)
    if change.max() <= 1e-9:
        return ""
    i, j = np.unravel_index(int(np.argmax(change)), change.shape)
    return (
        "the rank correlations given are not a valid correlation matrix (not positive "
        f"semi-definite); the nearest valid one changes them by at most {change.max():.3f} "
        f"({keys[i]} ~ {keys[j]}: {target[i, j]:g} → {used[i, j]:.3f})"
    )


def iman_conover(
    columns: FloatArray, plan: CorrelationPlan, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray | None]:
    """Re-pair the rows of each column (n × k) so that their ranks follow `plan`'s correlation.

    Every column keeps its values; only their order changes. Returns the re-paired columns and
    the rank correlation matrix they now have (that of the score ranks they follow, exact for
    columns without ties). With n ≤ k + 1 the columns are returned as they are, with None
    (no n × k matrix of scores has a k × k correlation to correct).
    """
    n, k = columns.shape
    if n <= k + 1:
        return columns, None
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1))
    matrix = np.column_stack([scores[rng.permutation(n)] for _ in range(k)])
    # Correct the scores' own sample correlation E to exactly the target: S·(Q⁻¹)ᵀ·Aᵀ, E = Q·Qᵀ.
    try:
        inverse = np.linalg.inv(np.linalg.cholesky(_pearson(matrix)))
    except np.linalg.LinAlgError:  # pragma: no cover - a few rows only: skip the correction
        inverse = np.eye(k)
    matrix = np.einsum("nk,jk->nj", matrix, np.einsum("ij,jk->ik", plan.factor, inverse))
    out = np.empty_like(columns)
    ranks = np.empty((n, k), dtype=float)
    positions = np.arange(n, dtype=float)
    for j in range(k):
        # Scores are continuous (no ties), so the default sort is as deterministic as a stable
        # one, and faster.
        ranks[np.argsort(matrix[:, j]), j] = positions
        out[:, j] = np.sort(columns[:, j])[ranks[:, j].astype(np.intp)]
    return out, _pearson(ranks)


def rank_correlation(columns: FloatArray) -> FloatArray:
    """Spearman's rank correlation matrix of the columns (ties take their average rank)."""
    n, k = columns.shape
    if n < 2:
        return np.full((k, k), np.nan)
    return _pearson(average_ranks(columns))


def average_ranks(columns: FloatArray) -> FloatArray:
    """The ranks (1…n) of each column's values, ties taking their average rank, and a column
    holding a NaN all NaN: `scipy.stats.rankdata(columns, axis=0)`, the same doubles.

    Written here because importing scipy.stats costs about 0.4 s, and a default `impact
    simulate` needs nothing else from it (docs/performance.md). scipy 1.17's `_rankdata`
    (`stats/_stats_py.py`): an argsort, groups of equal sorted values, each given its first
    ordinal rank + (count − 1)/2, which are whole or half numbers, exact in a double. scipy's
    argsort is stable; here it need not be, since every value of a group of ties gets the
    group's rank whatever their order, and numpy's default sort is 5 times faster on the
    pilot's 10,000 × 30 (3 ms against 17). tests/test_sampling.py compares with scipy.stats
    on data with ties.
    """
    x = np.ascontiguousarray(np.asarray(columns, dtype=np.float64).T)  # a row per column
    n = x.shape[1]
    order = np.argsort(x, axis=1)
    y = np.take_along_axis(x, order, axis=1)
    at = np.arange(n)
    first = np.ones(x.shape, dtype=bool)  # a sorted value unlike the one before: a group starts
    np.not_equal(y[:, 1:], y[:, :-1], out=first[:, 1:])
    last = np.ones(x.shape, dtype=bool)
    last[:, :-1] = first[:, 1:]
    start = np.maximum.accumulate(np.where(first, at, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, at, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(x.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, (start + 1) + (end - start) / 2, axis=1)
    ranks[np.isnan(x).any(axis=1)] = np.nan  # scipy's nan_policy="propagate"
    return ranks.T


def _pearson(columns: FloatArray) -> FloatArray:
    """Pearson correlation matrix of the columns (NaN for a constant column).

    Written with einsum rather than `np.corrcoef`: BLAS's threads, when other processes hold
    the CPUs, made corrcoef on a tall matrix take 10–200 ms instead of 1.
    """
    centred = np.ascontiguousarray((columns - columns.mean(axis=0)).T)
    products = np.einsum("ik,jk->ij", centred, centred)
    scale = np.sqrt(np.diag(products))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(products / np.outer(scale, scale), dtype=float)


def achieved_table(plan: CorrelationPlan, achieved: FloatArray) -> pd.DataFrame:
    """One row per pair of correlated keys: the rank correlation given, used and achieved."""
    rows = [
        {
            "key_a": plan.keys[i],
            "key_b": plan.keys[j],
            "target": float(plan.target[i, j]),
            "used": float(plan.used[i, j]),
            "achieved": float(achieved[i, j]),
        }
        for i, j in plan.pairs()
    ]
    import pandas as pd

    return pd.DataFrame(rows, columns=["key_a", "key_b", "target", "used", "achieved"])
