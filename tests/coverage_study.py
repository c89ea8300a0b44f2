"""Coverage over seeds of percentile intervals and of mean ± 1.96·se_mean, for any scenario.

Shared by the slow test (`test_precision.py`) and the re-runnable study
(`benchmarks/coverage.py`), so the docs' table can be refreshed when the model or the
scenarios change.

The truth is a reference run of `n_reference` trials from its own seed: each quantile is the
exact order statistic of rank ⌈q·N⌉ (found in two passes over the same draws, so memory stays
at one block: the first pass sketches, the second keeps only the values inside the bucket that
holds the rank), and the mean is the reference's mean. Its own Monte Carlo error is
√(n / n_reference) times that of a studied run, which lowers the coverage a study can see by a
little: at 95% nominal and a ratio of 1/5, to 1 − 2·Φ(−1.96/√1.04) ≈ 94.5%.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from impact.inputs.scenario import Scenario
from impact.model.core import OUTPUTS, evaluate
from impact.simulation.engine import BLOCK_SIZE, simulate
from impact.simulation.sampling import child, draw_block, plan
from impact.simulation.sketch import Sketch, order_statistic_ranks

QUANTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95, "p99": 0.99}
LEVEL = 0.95


def _blocks(scenario: Scenario, n: int, seq: np.random.SeedSequence) -> Iterator[dict]:
    """Every block's outputs, drawn exactly as the engine draws them."""
    sampling = plan(scenario)
    for block in range(math.ceil(n / BLOCK_SIZE)):
        size = min(BLOCK_SIZE, n - block * BLOCK_SIZE)
        inputs, _ = draw_block(scenario, sampling, size, child(seq, block))
        yield evaluate(inputs)


def reference(scenario: Scenario, n: int, seq: np.random.SeedSequence) -> pd.DataFrame:
    """Exact order statistics at ⌈q·n⌉ and the mean of `n` trials: one row per output."""
    sketches = {name: Sketch() for name in OUTPUTS}
    for outputs in _blocks(scenario, n, seq):
        for name in OUTPUTS:
            sketches[name].merge(Sketch.of(outputs[name]))
    # Each wanted rank lies in a known bucket: keep only the values inside its bounds.
    wanted = {}
    for name in OUTPUTS:
        for label, q in QUANTILES.items():
            rank = math.ceil(q * n - 1e-9)
            low, high = sketches[name].bounds_at_rank(rank)
            wanted[name, label] = (rank, low, high, [], [0])
    for outputs in _blocks(scenario, n, seq):
        for (name, _), (_, low, high, inside, below) in wanted.items():
            x = np.maximum(outputs[name], 0.0)
            below[0] += int(np.count_nonzero(x < low))
            inside.append(x[(x >= low) & (x <= high)])
    rows = []
    for name in OUTPUTS:
        row: dict[str, object] = {"metric": name, "mean": sketches[name].mean}
        for label in QUANTILES:
            rank, _, _, inside, below = wanted[name, label]
            values = np.sort(np.concatenate(inside))
            row[label] = float(values[rank - below[0] - 1])
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")


def old_interval(sketch: Sketch, q: float) -> tuple[float, float]:
    """The interval before bucket widening: bucket means at the two ranks (for comparison)."""
    lo, hi = order_statistic_ranks(sketch.n, q, LEVEL)
    return sketch.value_at_rank(lo), sketch.value_at_rank(hi)


def study(
    scenario: Scenario, truth: pd.DataFrame, n: int, seeds: int, rng: np.random.SeedSequence
) -> pd.DataFrame:
    """One row per (seed, output, quantile): whether each interval covers the truth.

    Columns: seed, metric, quantile, covered (the sketch's interval), covered_before (bucket
    means at the ranks), mean_covered (mean ± 1.96·se_mean), tail_index (Hill, from the sketch).
    """
    rows = []
    # The study checks the sketch's precision against exact quantiles of unweighted draws
    # (`reference`): a scenario's [evidence] would weight the trials, so it is set aside.
    scenario = scenario.without_evidence()
    for seed, seq in enumerate(rng.spawn(seeds)):
        result = simulate(scenario, n, rng=seq)
        for name in OUTPUTS:
            sketch = result.sketches[name]
            true_mean = float(truth.loc[name, "mean"])
            half = 1.96 * sketch.se_mean
            mean_covered = abs(sketch.mean - true_mean) <= half or sketch.min == sketch.max
            tail_index = sketch.tail_index()
            for label, q in QUANTILES.items():
                x = float(truth.loc[name, label])
                low, high = sketch.quantile_interval(q, LEVEL)
                before_low, before_high = old_interval(sketch, q)
                rows.append(
                    {
                        "seed": seed,
                        "metric": name,
                        "quantile": label,
                        "covered": low <= x <= high,
                        "covered_before": before_low <= x <= before_high,
                        "mean_covered": mean_covered,
                        "tail_index": tail_index,
                    }
                )
    return pd.DataFrame(rows)
