"""Benchmark: scaling figures for docs/performance.md, every ratio measured in this one run.

- trials/s of `impact.simulate` against the floor of numpy's own samplers (bench_engine.py);
- `--workers 2` against `--workers 1`;
- `--scheduler local` (a LocalCluster of one single-threaded worker process per core, started
  before the clock) against `--workers 2`, for the overhead of Dask;
- start-up: `impact --help` against `python -c "import typer, numpy"` (best of 5 each);
- optionally (`--billion`) 1e9 trials on a LocalCluster: time, and peak memory per worker.

Usage:

    python benchmarks/bench_scaling.py --sizes 1e5 1e6 1e7 --parallel 2e7
    python benchmarks/bench_scaling.py --sizes 1e5 1e6 1e7 1e8 --parallel 1e8 --billion
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import SCENARIO, _measure


def _cluster_child(n: int) -> dict[str, float]:
    from distributed import Client, LocalCluster

    import impact

    scenario = impact.load_scenario(SCENARIO)
    with (
        LocalCluster(
            n_workers=os.cpu_count() or 1, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        started = time.perf_counter()
        impact.simulate(scenario, n, rng=1, scheduler=cluster.scheduler_address)
        seconds = time.perf_counter() - started
        memory = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"seconds": seconds, "worker_peak_mb": max(memory.values())}


def _cluster(n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best_of(command: list[str], times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--parallel", type=float, default=2e7, help="trials for the 1 vs 2 rows")
    parser.add_argument("--billion", action="store_true", help="also 1e9 on a LocalCluster")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_cluster_child(int(args.child))))
        return
    print(
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f} at start, OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print("\n1. against the floor (numpy's own samplers, 1M-trial chunks)")
    for size in args.sizes:
        n = int(size)
        sim, floor = _measure("simulate", n), _measure("floor", n)
        print(
            f"  {n:>13,} trials: {n / sim['seconds']:>11,.0f} trials/s, floor "
            f"{n / floor['seconds']:>11,.0f}/s, ratio {sim['seconds'] / floor['seconds']:.2f}, "
            f"peak {sim['peak_mb']:.0f} MB (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    n = int(args.parallel)
    one, two = _measure("simulate", n, 1), _measure("simulate", n, 2)
    print(
        f"\n2. {n:,} trials: --workers 1 {one['seconds']:.2f} s, "
        f"--workers 2 {two['seconds']:.2f} s, speed-up {one['seconds'] / two['seconds']:.2f}x "
        f"(load {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    try:
        dask = _cluster(n)
        print(
            f"\n3. {n:,} trials: --scheduler local {dask['seconds']:.2f} s against --workers 2 "
            f"{two['seconds']:.2f} s: {dask['seconds'] / two['seconds']:.2f}x",
            flush=True,
        )
    except subprocess.CalledProcessError as exc:
        print(f"\n3. --scheduler local: failed ({exc.stderr.strip().splitlines()[-1]})")
    impact = shutil.which("impact") or "impact"
    help_s = _best_of([impact, "--help"])
    floor_s = _best_of([sys.executable, "-c", "import typer, numpy"])
    print(
        f"\n4. start-up: impact --help {help_s:.3f} s, import typer, numpy {floor_s:.3f} s: "
        f"{help_s / floor_s:.2f}x"
    )
    if args.billion:
        big = _cluster(10**9)
        print(
            f"\n5. 1e9 trials on a LocalCluster: {big['seconds']:.0f} s, "
            f"{1e9 / big['seconds']:,.0f} trials/s, peak {big['worker_peak_mb']:.0f} MB per worker"
        )


if __name__ == "__main__":
    main()
