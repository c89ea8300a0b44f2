"""Benchmark: `impact.simulate` against the floor of numpy's own samplers, and 2 workers against 1.

The floor is only drawing the scenario's uncertain inputs with numpy's samplers
(`Generator.lognormal`, `beta` for PERT, `uniform`, ...) in chunks of 1,000,000 trials, with
nothing else: no Monte Carlo of this model can go below it. Each measurement runs in a fresh
subprocess so that its peak memory (ru_maxrss) is its own; every ratio printed is measured in
this one run, on this machine. Usage:

    python benchmarks/bench_engine.py                        # 1e5, 1e6, 1e7 trials
    python benchmarks/bench_engine.py --sizes 1e7 --workers  # also --workers 2 against 1

On machines where OPENBLAS_CORETYPE is set (see the environment notes), run it with that and
OPENBLAS_L2_SIZE unset to measure a current numpy at its speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SCENARIO = Path(__file__).with_name("all_uncertain.toml")
CHUNK = 1_000_000


def _floor(n: int) -> None:
    """Draw the scenario's uncertain inputs with numpy's samplers, CHUNK trials at a time."""
    import numpy as np

    import impact

    scenario = impact.load_scenario(SCENARIO)
    dists = [scenario.distributions[key] for key in scenario.uncertain_keys]
    rng = np.random.default_rng(1)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        for d in dists:
            kind = type(d).__name__
            if kind == "Lognormal":
                rng.lognormal(d.mu, d.sigma, m)
            elif kind == "Pert":
                span = d.high - d.low
                a = 1 + d.lam * (d.mode - d.low) / span
                b = 1 + d.lam * (d.high - d.mode) / span
                x = rng.beta(a, b, m)
                x *= span  # scaled in place, as impact does
                x += d.low
            elif kind == "Uniform":
                rng.uniform(d.low, d.high, m)
            elif kind == "Triangular":
                rng.triangular(d.low, d.mode, d.high, m)
            else:
                d.sample(m, rng)


def _child(kind: str, n: int, workers: int) -> dict[str, float]:
    import impact

    scenario = impact.load_scenario(SCENARIO)
    if kind == "simulate":  # the library's imports (loaded on first use) are not the engine's cost
        impact.simulate(scenario, 1000, rng=0)
    started = time.perf_counter()
    if kind == "simulate":
        impact.simulate(scenario, n, rng=1, workers=workers)
    else:
        _floor(n)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "worker_peak_mb": children_mb}


def _measure(kind: str, n: int, workers: int = 1) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(n), str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--workers", action="store_true", help="also time --workers 2 against 1")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]), int(args.child[2]))))
        return
    print(
        f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.2f} at start, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print(
        f"{'trials':>12} {'simulate s':>10} {'trials/s':>11} {'peak MB':>8} {'floor s':>8} "
        f"{'ratio':>6}" + (f" {'2 workers s':>11} {'speed-up':>8}" if args.workers else "")
    )
    for size in args.sizes:
        n = int(size)
        sim = _measure("simulate", n)
        floor = _measure("floor", n)
        line = (
            f"{n:>12,} {sim['seconds']:10.2f} {n / sim['seconds']:11,.0f} {sim['peak_mb']:8.0f} "
            f"{floor['seconds']:8.2f} {sim['seconds'] / floor['seconds']:6.2f}"
        )
        if args.workers:
            two = _measure("simulate", n, workers=2)
            line += f" {two['seconds']:11.2f} {sim['seconds'] / two['seconds']:8.2f}"
        print(line, f"(load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
