"""Coverage over seeds of percentile intervals and of mean ± 1.96·se_mean, for every built-in
scenario; prints the markdown tables that docs/model.md §7 shows. Re-run it after a change to
the model, a scenario or the sketch:

    python benchmarks/coverage.py                    # 100 seeds × 200k trials, 5e6 reference
    python benchmarks/coverage.py --seeds 20 --trials 50000 --reference 2000000   # quicker

It takes about 3 minutes per scenario at the default size on one core. The second table is an
exact simulation of a 1e8-trial run's interval for `outage_hours` (whose distribution is known,
so the truth is its ppf): the two order statistics are drawn from their joint Beta law and
mapped through the ppf, then widened to the sketch's bucket edges exactly as the sketch does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from coverage_study import QUANTILES, reference, study

from impact.inputs.scenario import builtin_scenarios, load_scenario
from impact.simulation.sketch import bucket_bounds, order_statistic_ranks


def _bounds(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sketch's bucket edges around each value."""
    edges = np.array([bucket_bounds(float(v)) for v in values])
    return edges[:, 0], edges[:, 1]


def huge_run(name: str, n: int, seeds: int, rng: np.random.SeedSequence) -> dict[str, float]:
    """Coverage of a `n`-trial run's outage_hours intervals, by exact order-statistic draws."""
    dist = load_scenario(name).distributions["outage.hours"]
    gen = np.random.default_rng(rng)
    row: dict[str, float] = {}
    for label, q in QUANTILES.items():
        lo, hi = order_statistic_ranks(n, q, 0.95)
        u_lo = gen.beta(lo, n - lo + 1, seeds)
        u_hi = u_lo + (1 - u_lo) * gen.beta(hi - lo, n - hi + 1, seeds)
        x_lo, x_hi = dist.ppf(u_lo), dist.ppf(u_hi)
        truth = float(dist.ppf(q))
        exact = (x_lo <= truth) & (truth <= x_hi)
        low, _ = _bounds(x_lo)
        _, high = _bounds(x_hi)
        widened = (low <= truth) & (truth <= high)
        row[f"{label} exact"] = float(exact.mean())
        row[f"{label} sketch"] = float(widened.mean())
    return row


def _markdown(frame: pd.DataFrame) -> str:
    lines = ["| | " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|---|" + "---:|" * len(frame.columns))
    for index, row in frame.iterrows():
        lines.append(f"| {index} | " + " | ".join(f"{v:.3g}" for v in row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--trials", type=int, default=200_000)
    parser.add_argument("--reference", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--scenarios", nargs="*", default=list(builtin_scenarios()))
    args = parser.parse_args()
    root = np.random.SeedSequence(args.seed)
    frames = []
    for name, seq in zip(args.scenarios, root.spawn(len(args.scenarios)), strict=True):
        ref_seq, study_seq = seq.spawn(2)
        scenario = load_scenario(name)
        truth = reference(scenario, args.reference, ref_seq)
        frames.append(
            study(scenario, truth, args.trials, args.seeds, study_seq).assign(scenario=name)
        )
        print(f"{name}: done", file=sys.stderr)
    data = pd.concat(frames, ignore_index=True)
    cells = data.groupby(["scenario", "metric", "quantile"])
    worst = cells[["covered", "covered_before"]].mean().groupby(["metric", "quantile"]).min()
    pooled = data.groupby(["metric", "quantile"])[["covered", "covered_before"]].mean()
    print(
        f"\nPercentile intervals, nominal 95%: {args.seeds} seeds × {args.trials:,} trials per "
        f"scenario ({len(args.scenarios)} scenarios), truth from {args.reference:,} trials. "
        "Pooled over scenarios, before → after (worst scenario in brackets).\n"
    )
    print("| output | " + " | ".join(QUANTILES) + " |")
    print("|---|" + "---:|" * len(QUANTILES))
    for metric in data["metric"].unique():
        cells_text = []
        for label in QUANTILES:
            p, w = pooled.loc[(metric, label)], worst.loc[(metric, label)]
            cells_text.append(
                f"{p['covered_before']:.0%} → **{p['covered']:.0%}** "
                f"({w['covered_before']:.0%} → {w['covered']:.0%})"
            )
        print(f"| `{metric}` | " + " | ".join(cells_text) + " |")
    means = data.drop_duplicates(["scenario", "metric", "seed"])
    table = means.groupby(["scenario", "metric"]).agg(
        mean_coverage=("mean_covered", "mean"), tail_index=("tail_index", "median")
    )
    print("\nMean ± 1.96·se_mean, nominal 95%, with the median Hill tail index, by output:\n")
    by_metric = table.groupby("metric").agg(
        coverage_pooled=("mean_coverage", "mean"),
        coverage_worst=("mean_coverage", "min"),
        tail_index_lowest=("tail_index", "min"),
    )
    print(_markdown(by_metric.sort_values("tail_index_lowest")))
    heaviest = table["tail_index"].idxmin()
    print(f"\nHeaviest tail: {heaviest}: {table.loc[heaviest].to_dict()}")
    print(f"\nA 1e8-trial run, outage_hours, {20 * args.seeds} exact draws per cell:\n")
    huge = {
        name: huge_run(name, 100_000_000, 20 * args.seeds, seq)
        for name, seq in zip(args.scenarios, root.spawn(len(args.scenarios)), strict=True)
    }
    print(_markdown(pd.DataFrame(huge).T))


if __name__ == "__main__":
    main()
