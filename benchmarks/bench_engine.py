"""Benchmark: trials per second and peak memory of `impact.simulate`, against the cost of only
drawing the same inputs with numpy's samplers (the floor no Monte Carlo of this model can beat).

Each size runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own. Ratios are
measured in the same run, on the same machine. Usage:

    python benchmarks/bench_engine.py                 # 1e5, 1e6, 1e7 trials, plus 1e8
    python benchmarks/bench_engine.py --sizes 1e5 1e6 # a quicker look
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SCENARIO = Path(__file__).with_name("all_uncertain.toml")


def _child(kind: str, n: int) -> dict[str, float]:
    import numpy as np

    import impact
    from impact.simulation.engine import BLOCK_SIZE, draw_inputs

    scenario = impact.load_scenario(SCENARIO)
    started = time.perf_counter()
    if kind == "simulate":
        impact.simulate(scenario, n, rng=1)
    else:  # draw only: the same inputs, block by block, with numpy's samplers, nothing else
        root = np.random.SeedSequence(1)
        for block, start in enumerate(range(0, n, BLOCK_SIZE)):
            child = np.random.SeedSequence(root.entropy, spawn_key=(block,))
            draw_inputs(scenario, min(BLOCK_SIZE, n - start), child)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb}


def _measure(kind: str, n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6, 1e7, 1e8])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return
    import impact

    scenario = impact.load_scenario(SCENARIO)
    print(f"scenario {SCENARIO.name}: {len(scenario.uncertain_keys)} of 22 inputs uncertain")
    print(
        f"{'trials':>12} {'simulate s':>11} {'trials/s':>12} {'peak MB':>8} "
        f"{'draw-only s':>12} {'ratio':>6}"
    )
    for size in args.sizes:
        n = int(size)
        sim = _measure("simulate", n)
        draw = _measure("draw", n) if n <= 10**7 else None
        ratio = f"{sim['seconds'] / draw['seconds']:6.2f}" if draw else "     -"
        draw_s = f"{draw['seconds']:12.2f}" if draw else f"{'-':>12}"
        print(
            f"{n:>12,} {sim['seconds']:11.2f} {n / sim['seconds']:12,.0f} "
            f"{sim['peak_mb']:8.0f} {draw_s} {ratio}",
            flush=True,
        )


if __name__ == "__main__":
    main()
