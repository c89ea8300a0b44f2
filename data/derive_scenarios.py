"""Re-run the derivation check of every built-in scenario: implied observables against their facts.

    python data/derive_scenarios.py [--trials N] [NAME ...]

For each scenario it prints first its `[[facts]]`: each observed fact, its source and the one key
it sets (model v3: a fact is used once; `impact validate` refuses a fact given twice), then the
implied observables (p05/p50/p95), each `[expect]` band with the share of trials outside it, each
`[published]` loss as a percentile of the predicted direct and total loss, and the creator
earnings lost. The comments in `data/scenarios/*.toml` say how each input was derived; this
script shows which fact sets what, and what the result implies.
"""

from __future__ import annotations

import argparse
import warnings

import impact
from impact.simulation.world_checks import expectation_table, published_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(impact.builtin_scenarios()))
    parser.add_argument("--trials", type=int, default=50_000)
    args = parser.parse_args()
    for name in args.names:
        scenario = impact.load_scenario(name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", impact.ImpactWarning)
            result = impact.simulate(scenario, args.trials, rng=scenario.seed)
        print(f"== {name} ({args.trials:,} trials, seed {scenario.seed})")
        print(f"{len(scenario.facts)} facts, each used once:")
        for fact in scenario.facts:
            print(f"  {fact.sets:<40} <- {fact.fact}")
        print(result.observables[["p05", "p50", "p95"]].to_string(float_format="{:.4g}".format))
        bands = expectation_table(result)
        if not bands.empty:
            print(bands[["quantity", "low", "high", "p50", "share_outside"]].to_string(index=False))
        pub = published_table(result)
        if not pub.empty:
            cols = ["published_usd", "basis", "direct_percentile", "total_percentile", "in_90"]
            print(pub[cols].to_string(index=False, float_format="{:.1f}".format))
        summary = result.summary
        for metric in ("total_revenue_loss_usd", "creator_earnings_loss_usd", "users_lost"):
            row = summary.loc[metric]
            print(f"{metric}: p05 {row['p05']:.4g}  p50 {row['p50']:.4g}  p95 {row['p95']:.4g}")
        share = (
            summary.loc["direct_revenue_loss_usd", "mean"]
            / summary.loc["total_revenue_loss_usd", "mean"]
        )
        print(f"direct share of the mean total: {share:.0%}")
        for w in caught:
            print(f"warning: {w.message}")
        print()


if __name__ == "__main__":
    main()
