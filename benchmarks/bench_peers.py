"""Benchmark: impact against squigglepy's vectorised style and a hand-tuned numpy loop.

All three run the same model (MODEL.md v3) on `eight_inputs.toml`: eight uncertain inputs
(lognormal by a 90% interval, PERT with lambda 4, uniform), every other key fixed.

- impact: `impact.simulate(scenario, n, rng=1, outputs=["total_revenue_loss_usd"])`, the
  peers' job: every input drawn, the model evaluated and checked, the total loss sketched and
  summarised. "impact-all" is its whole job as the CLI runs it: every output and implied
  quantity evaluated, checked, sketched and summarised (18 of them, not one).
- squigglepy: the eight distributions (`sq.lognorm(p5, p95)`, `sq.pert(...)`, `sq.uniform`)
  sampled n at a time with `sq.sample`, then `total_loss` below in plain numpy on the arrays.
- hand loop: numpy's own samplers (`Generator.lognormal`, `beta` for PERT, `uniform`) in
  1M-trial chunks and `_total_in_place`, the closed form written by hand for these inputs
  with fused in-place operations, into one preallocated array.

The summary is of `total_revenue_loss_usd`: mean, sd, p5, p50, p95, p99 and cvar95 (the mean
of the values from p95's rank up). squigglepy and the hand loop keep every value and take the
percentiles by one `np.partition` (exact order statistics); impact summarises every output by
its streaming sketch. tests/test_peers_model.py checks that both formulas here equal
`impact.model.core.evaluate`. Each measurement runs in its own subprocess with its library
imports warmed before the clock; every ratio printed is measured in this one run. Usage:

    pip install -e ".[peers]"
    python benchmarks/bench_peers.py           # 1e6 and 1e7 trials (or --sizes 1e6 ...)
    python benchmarks/bench_peers.py --split   # also each step of impact and the hand loop

On machines where OPENBLAS_CORETYPE is set, run it with that and OPENBLAS_L2_SIZE unset.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SCENARIO = Path(__file__).with_name("eight_inputs.toml")
CHUNK = 1_000_000
LN2 = float(np.log(2.0))
# The fixed keys the closed form folds in (eight_inputs.toml): users' return share and
# return time, and the horizon. No quality loss, so no latency part and Eu = S·D.
RHO, T_R, H = 0.85, 336.0, 2160.0
AWAY_HOURS = T_R + (1.0 - RHO) * (H - T_R)  # ∫0^H c(u) du / p
# The eight uncertain inputs (KEYS gives the order every function here takes them in).
LOGNORMAL = {
    "D": (96.0, 192.0),
    "tau_e": (24.0, 240.0),
    "h_e": (72.0, 720.0),
    "tau_u": (72.0, 720.0),
}
PERT = {"S": (0.16, 0.27, 0.37), "d": (0.05, 0.15, 0.35), "c_u": (0.005, 0.02, 0.06)}
UNIFORM = {"R": (1.35e6, 1.83e6)}
KEYS = {
    "D": "outage.hours",
    "S": "outage.severity",
    "R": "revenue.hourly_loss",
    "d": "engagement.max_drop",
    "tau_e": "engagement.decay_hours",
    "h_e": "engagement.recovery_half_life_hours",
    "c_u": "users.churn_max",
    "tau_u": "users.churn_scale_hours",
}
ORDER = tuple(KEYS)
Z95 = 1.6448536269514722  # the standard normal's 95th percentile
# numpy's parameters: lognormal(mu, sigma) from the 90% interval; PERT as low + span·beta(a, b).
NUMPY_LOGNORMAL = {
    name: ((np.log(lo) + np.log(hi)) / 2, (np.log(hi) - np.log(lo)) / (2 * Z95))
    for name, (lo, hi) in LOGNORMAL.items()
}
NUMPY_BETA = {
    name: (1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo), lo, hi - lo)
    for name, (lo, mode, hi) in PERT.items()
}
Array = np.ndarray


def total_loss(
    D: Array, S: Array, R: Array, d: Array, tau_e: Array, h_e: Array, c_u: Array, tau_u: Array
) -> Array:
    """total_revenue_loss_usd per trial, in plain numpy (the squigglepy side)."""
    ramp = -np.expm1(-D / tau_e)
    a_e = S * d * ramp  # engagement drop at restoration
    p = c_u * -np.expm1(-S * D / tau_u)  # user churn share
    k = LN2 / (h_e * ramp)  # model v3: the half-life he_D = he·(1 − e^(−D/τe))
    early, late = np.exp(-k * T_R), np.exp(-k * H)
    attrition = p * T_R + p * (1 - RHO) * (H - T_R)
    engagement = a_e * ((1 - p) * (1 - early) + (1 - p * (1 - RHO)) * (early - late)) / k
    return R * (S * D + attrition + engagement)


def _total_in_place(
    D: Array,
    S: Array,
    R: Array,
    d: Array,
    tau_e: Array,
    h_e: Array,
    c_u: Array,
    tau_u: Array,
    out: Array | None = None,
) -> Array:
    """The same, fused by hand: overwrites its arguments; the total goes to `out` (else R).

    total = R·(S·D + p·A + ae·he_D/ln2·((1 − l) − p·(1 − ρ·e − (1 − ρ)·l))), where A = ∫0^H c/p,
    e = 2^(−Tr/he_D) and l = 2^(−H/he_D) (the two engagement integrals collected).
    """
    np.negative(D, out=D)
    np.divide(D, tau_e, out=tau_e)
    np.expm1(tau_e, out=tau_e)  # −(1 − e^(−D/τe))
    np.multiply(h_e, tau_e, out=h_e)
    np.negative(h_e, out=h_e)  # model v3: he_D = he·(1 − e^(−D/τe))
    np.multiply(D, S, out=D)  # D is now −S·D
    np.multiply(d, S, out=d)
    np.multiply(d, tau_e, out=d)  # −ae
    np.divide(D, tau_u, out=tau_u)
    np.expm1(tau_u, out=tau_u)
    np.multiply(c_u, tau_u, out=c_u)  # −p
    np.divide(-T_R, h_e, out=tau_e)
    np.exp2(tau_e, out=tau_e)  # e
    np.divide(-H, h_e, out=tau_u)
    np.exp2(tau_u, out=tau_u)  # l
    np.multiply(tau_e, -RHO, out=tau_e)
    np.multiply(tau_u, RHO - 1.0, out=S)
    np.add(tau_e, S, out=tau_e)
    np.add(tau_e, 1.0, out=tau_e)  # 1 − ρe − (1 − ρ)l
    np.multiply(tau_e, c_u, out=tau_e)  # −p·(…)
    np.subtract(1.0, tau_u, out=tau_u)
    np.add(tau_u, tau_e, out=tau_u)  # (1 − l) − p·(…)
    np.multiply(d, h_e, out=d)
    np.multiply(d, tau_u, out=d)  # −ae·he·(…)
    np.multiply(d, -1.0 / LN2, out=d)  # the engagement hours
    np.multiply(c_u, -AWAY_HOURS, out=c_u)  # the attrition hours, p·A
    np.subtract(c_u, D, out=c_u)
    np.add(c_u, d, out=c_u)
    return np.multiply(R, c_u, out=R if out is None else out)


def summary(total: Array) -> dict[str, float]:
    """mean, sd, p5, p50, p95, p99 and cvar95 of every value, reordering `total` in place.

    The percentiles are exact order statistics interpolated as `np.percentile` does by default,
    from one `np.partition`; cvar95 is the mean of the values from p95's rank up.
    """
    n = total.size
    rank = np.array([0.05, 0.5, 0.95, 0.99]) * (n - 1)
    low = rank.astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    mean, std = float(total.mean()), float(total.std(ddof=1))
    total.partition(np.union1d(low, high))
    p05, p50, p95, p99 = total[low] + (rank - low) * (total[high] - total[low])
    return {
        "mean": mean,
        "std": std,
        "p05": float(p05),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "cvar95": float(total[low[2] :].mean()),
    }


def _draw_chunk(rng: np.random.Generator, m: int) -> list[Array]:
    """m values of each input, in ORDER, by numpy's own samplers."""
    x = []
    for name in ORDER:
        if name in LOGNORMAL:
            x.append(rng.lognormal(*NUMPY_LOGNORMAL[name], m))
        elif name in PERT:
            a, b, low, span = NUMPY_BETA[name]
            x.append(rng.beta(a, b, m))
            x[-1] *= span
            x[-1] += low
        else:
            x.append(rng.uniform(*UNIFORM[name], m))
    return x


def hand_loop(n: int, seed: int = 1) -> dict[str, float]:
    """numpy's samplers in CHUNK-trial chunks, the fused closed form, one array of totals."""
    rng = np.random.default_rng(seed)
    total = np.empty(n)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        _total_in_place(*_draw_chunk(rng, m), out=total[start : start + m])
    return summary(total)


def squigglepy_distributions() -> dict[str, object]:
    import squigglepy as sq

    dists: dict[str, object] = {name: sq.lognorm(*args) for name, args in LOGNORMAL.items()}
    dists.update({name: sq.pert(*args, lam=4) for name, args in PERT.items()})
    dists.update({name: sq.uniform(*args) for name, args in UNIFORM.items()})
    return dists


def squigglepy_style(n: int, seed: int = 1) -> dict[str, float]:
    """Each distribution sampled n at a time by squigglepy, the model on the whole arrays."""
    import squigglepy as sq

    sq.set_seed(seed)
    dists = squigglepy_distributions()
    x = {name: sq.sample(dists[name], n=n, verbose=False) for name in ORDER}
    return summary(total_loss(*(x[name] for name in ORDER)))


def _impact_parts(n: int) -> dict[str, float]:
    """The engine's per-block steps for n trials of the "impact" row (outputs = the total),
    each timed on its own (no merging)."""
    import impact
    from impact.model.core import evaluate_all
    from impact.outputs import TOTAL
    from impact.simulation.engine import BLOCK_SIZE
    from impact.simulation.overflow import check_inputs, check_outputs
    from impact.simulation.sampling import child, draw_block, plan
    from impact.simulation.sketch import Sketch

    scenario = impact.load_scenario(SCENARIO)
    sampling, root = plan(scenario), np.random.SeedSequence(1)
    spent = dict.fromkeys(("draw", "evaluate_all", "checks", "sketch"), 0.0)
    for block, start in enumerate(range(0, n, BLOCK_SIZE)):
        m = min(BLOCK_SIZE, n - start)
        t0 = time.perf_counter()
        inputs, _ = draw_block(scenario, sampling, m, child(root, block))
        t1 = time.perf_counter()
        names = None if block == 0 else (TOTAL,)  # the engine computes all on block 0
        outputs = evaluate_all(inputs, scenario.profile_weights, names)
        t2 = time.perf_counter()
        check_inputs(scenario, inputs)
        check_outputs(scenario, inputs, outputs)
        t3 = time.perf_counter()
        Sketch.of(outputs[TOTAL])
        t4 = time.perf_counter()
        for part, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            spent[part] += seconds
    return spent


def _hand_parts(n: int) -> dict[str, float]:
    """hand_loop's steps for n trials, each timed on its own."""
    rng, total = np.random.default_rng(1), np.empty(n)
    spent = dict.fromkeys(("draw", "formula", "summary"), 0.0)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        t0 = time.perf_counter()
        x = _draw_chunk(rng, m)
        t1 = time.perf_counter()
        _total_in_place(*x, out=total[start : start + m])
        spent["draw"] += t1 - t0
        spent["formula"] += time.perf_counter() - t1
    t2 = time.perf_counter()
    summary(total)
    spent["summary"] = time.perf_counter() - t2
    return spent


def _child(kind: str, n: int) -> dict[str, object]:
    result: dict[str, object] = {}
    if kind in ("impact", "impact-all"):
        import impact

        # "impact": the peers' job, the total loss summarised (`outputs=`); "impact-all": every
        # output and implied observable evaluated, checked and summarised, as the CLI does.
        outputs = None if kind == "impact-all" else ["total_revenue_loss_usd"]
        scenario = impact.load_scenario(SCENARIO)
        impact.simulate(scenario, 1000, rng=0)  # imports load on first use: not the engine's cost
        started = time.perf_counter()
        summary_table = impact.simulate(scenario, n, rng=1, outputs=outputs).summary
        seconds = time.perf_counter() - started
        row = summary_table.loc["total_revenue_loss_usd"]
        result["summary"] = {k: float(row[k]) for k in ("mean", "std", "p05", "p50", "p95", "p99")}
    elif kind in ("impact-parts", "hand-parts"):
        parts = _impact_parts if kind == "impact-parts" else _hand_parts
        parts(1000)
        started = time.perf_counter()
        result["parts"] = parts(n)
        seconds = time.perf_counter() - started
    else:
        run = squigglepy_style if kind == "squigglepy" else hand_loop
        run(1000, seed=0)  # warm: squigglepy's imports and numpy's first calls
        started = time.perf_counter()
        result["summary"] = run(n)
        seconds = time.perf_counter() - started
    result["seconds"] = seconds
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _measure(kind: str, n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e6, 1e7])
    parser.add_argument("--split", action="store_true", help="also time each step apart")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return
    if importlib.util.find_spec("squigglepy") is None:
        print('squigglepy is not installed: pip install -e ".[peers]"', file=sys.stderr)
        sys.exit(2)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f} at start, OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print("seconds (trials/s, peak MB); ratio = impact's time over the peer's (< 1: impact faster)")
    for size in args.sizes:
        n = int(size)
        runs = {kind: _measure(kind, n) for kind in ("impact", "impact-all", "squigglepy", "hand")}
        print(f"\n{n:,} trials (load {os.getloadavg()[0]:.2f})")
        for kind, run in runs.items():
            s = run["summary"]
            print(
                f"  {kind:<11}{run['seconds']:7.2f} s ({n / run['seconds']:>11,.0f}/s, "
                f"{run['peak_mb']:5.0f} MB)  total loss: mean {s['mean'] / 1e6:7.2f}M "
                f"sd {s['std'] / 1e6:6.2f}M  p5 {s['p05'] / 1e6:7.2f}M  p50 {s['p50'] / 1e6:7.2f}M"
                f"  p95 {s['p95'] / 1e6:7.2f}M  p99 {s['p99'] / 1e6:7.2f}M"
            )
        sim, everything = runs["impact"]["seconds"], runs["impact-all"]["seconds"]
        print(
            f"  ratio impact/squigglepy {sim / runs['squigglepy']['seconds']:.2f}, "
            f"impact/hand {sim / runs['hand']['seconds']:.2f}; with every output summarised "
            f"{everything / runs['squigglepy']['seconds']:.2f} and "
            f"{everything / runs['hand']['seconds']:.2f}",
            flush=True,
        )
        if args.split:
            for kind, whole in (("impact", sim), ("hand", runs["hand"]["seconds"])):
                parts = _measure(f"{kind}-parts", n)["parts"]
                steps = ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
                rest = whole - sum(parts.values())
                print(f"  {kind}'s steps, timed apart: {steps}; the rest {rest:.2f} s", flush=True)


if __name__ == "__main__":
    main()
