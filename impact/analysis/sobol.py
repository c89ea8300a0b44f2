"""Sobol sensitivity indices of any vectorised function, with percentile-bootstrap intervals.

Saltelli's design: two independent (d × n) matrices A and B (the halves of one scrambled Sobol
design with 2d columns, pushed through each input's inverse CDF) and, for each input i, A with
its row i taken from B; the function is evaluated on all n·(d + 2) points in one call. The
indices are `scipy.stats.sobol_indices`' Saltelli (2010) estimators, given the outputs. Their
intervals are percentile bootstraps over the n rows: scipy's own bootstrap uses BCa, whose
jackknife costs n² function-output passes and fails for inputs that have no effect at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.inputs.distributions import Distribution
from impact.rng import RNGLike, as_seed_sequence

__all__ = ["BOOTSTRAP_RESAMPLES", "COLUMNS", "sobol_table"]

BOOTSTRAP_RESAMPLES = 999
COLUMNS = ["key", "first", "total", "first_low", "first_high", "total_low", "total_high"]
Model = Callable[[np.ndarray], np.ndarray]  # (d, m) inputs → (m,) outputs


def _design(
    dists: Sequence[Distribution], n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    from scipy.stats import qmc  # on use: scipy.stats is slow to import, and a report needs none

    d = len(dists)
    u = qmc.Sobol(2 * d, scramble=True, rng=rng).random_base2(int(math.log2(n))).T
    x = np.empty_like(u)
    for i, dist in enumerate(dists):
        x[i], x[d + i] = dist.ppf(u[i]), dist.ppf(u[d + i])
    return x[:d], x[d:]


def _indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> np.ndarray:
    """First-order and total indices, shape (2, d), by scipy's estimators."""
    from scipy.stats import sobol_indices

    d = f_ab.shape[0]
    if d == 1:  # scipy's sobol_indices fails on one input; the estimators are per input anyway
        f_ab = np.concatenate([f_ab, f_ab])
    result = sobol_indices(
        func={"f_A": f_a[None], "f_B": f_b[None], "f_AB": f_ab[:, None]}, n=f_a.size
    )
    first, total = np.atleast_1d(result.first_order), np.atleast_1d(result.total_order)
    return np.array([first[:d], total[:d]])


def sobol_table(
    model: Model,
    dists: Sequence[Distribution],
    names: Sequence[str],
    n: int,
    rng: RNGLike = None,
    *,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> pd.DataFrame:
    """Sobol indices of `model` in each input, largest total first, with `level` intervals.

    `model` maps a (d × m) array of inputs to m outputs; `n` (a power of two) base samples
    cost n·(d + 2) of them. Columns: key, first, total, first_low, first_high, total_low,
    total_high. Estimates can fall a little outside [0, 1] by sampling noise.

    >>> from impact.inputs.distributions import Uniform
    >>> table = sobol_table(lambda x: x[0] + 0.1 * x[1], [Uniform(0, 1)] * 2, ["a", "b"], 1024, 1)
    >>> round(float(table.loc[0, "first"]), 2), table.loc[0, "key"]
    (0.99, 'a')
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1):
        raise InputError(f"sobol samples: {n!r}: must be a power of two (e.g. 4096 or 8192)")
    d = len(dists)
    if d == 0:
        return pd.DataFrame(columns=COLUMNS)
    design_seed, boot_seed = as_seed_sequence(rng).spawn(2)
    a, b = _design(dists, n, np.random.default_rng(design_seed))
    stacked = np.concatenate([a, b, np.tile(a, d)], axis=1)
    for i in range(d):
        stacked[i, (2 + i) * n : (3 + i) * n] = b[i]
    values = np.asarray(model(stacked), dtype=float)
    f_a, f_b, f_ab = values[:n], values[n : 2 * n], values[2 * n :].reshape(d, n)
    first, total = _indices(f_a, f_b, f_ab)
    boot_rng = np.random.default_rng(boot_seed)
    draws = np.empty((resamples, 2, d))
    for r in range(resamples):
        rows = boot_rng.integers(0, n, n)
        draws[r] = _indices(f_a[rows], f_b[rows], f_ab[:, rows])
    alpha = (1 - level) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha], axis=0)
    frame = pd.DataFrame(
        {
            "key": list(names),
            "first": first,
            "total": total,
            "first_low": low[0],
            "first_high": high[0],
            "total_low": low[1],
            "total_high": high[1],
        }
    )
    order = np.argsort(-frame["total"].to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)
