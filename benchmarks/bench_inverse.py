"""Benchmark: impact's inverse CDFs against scipy's PINV and FastGeneratorInversion.

The same 1,000,000 uniforms through `impact/inputs/inverse.py` and through scipy's
`NumericalInversePolynomial` (u_resolution 1e-10 and 1e-12) and `FastGeneratorInversion`:
M values/s after set-up (best of 3), set-up seconds, and the largest |F(x) - u|, in one run.
Usage: python benchmarks/bench_inverse.py
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
from scipy import stats
from scipy.stats.sampling import FastGeneratorInversion, NumericalInversePolynomial

from impact.inputs import inverse
from impact.inputs.inverse import beta_ppf, gamma_ppf, poisson_ppf, truncated_normal_ppf

U = np.random.default_rng(0).random(1_000_000)
A_PERT, B_PERT = 1 + 4 * 48 / 216, 1 + 4 * 168 / 216  # PERT(24, 72, 240) as a beta
CASES = [
    ("beta(2,5)", lambda v: beta_ppf(2.0, 5.0, v), stats.beta(2, 5)),
    ("PERT(24,72,240)", lambda v: beta_ppf(A_PERT, B_PERT, v), stats.beta(A_PERT, B_PERT)),
    ("gamma(2.5)", lambda v: gamma_ppf(2.5, v), stats.gamma(2.5)),
    (
        "normal(10,20) >= 0",
        lambda v: truncated_normal_ppf(10.0, 20.0, 0.0, np.inf, v),
        stats.truncnorm(-0.5, np.inf, loc=10, scale=20),
    ),
]


def _timed(f):  # type: ignore[no-untyped-def]
    best, x = float("inf"), None
    for _ in range(3):
        started = time.perf_counter()
        x = f(U)
        best = min(best, time.perf_counter() - started)
    return best, x


def _column(name, make, frozen):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    method = make()
    setup = time.perf_counter() - started
    seconds, x = _timed(method)
    return f" | {1 / seconds:7.1f} {setup:6.3f} {np.max(np.abs(frozen.cdf(x) - U)):8.1e}"


def main() -> None:
    warnings.simplefilter("ignore")
    print(f"load average {os.getloadavg()[0]:.2f}; columns: M/s, set-up s, max |F(x) - u|")
    print(f"{'family':20} | {'impact':>23} | {'PINV 1e-10':>23} | {'PINV 1e-12':>23} | FGI")
    for name, ours, frozen in CASES:
        inverse._beta_table.cache_clear()
        inverse._gamma_table.cache_clear()
        row = f"{name:20}" + _column(name, lambda ours=ours: (ours(U[:10]), ours)[1], frozen)
        for res in (1e-10, 1e-12):
            row += _column(
                name,
                lambda res=res, frozen=frozen: (
                    NumericalInversePolynomial(frozen, u_resolution=res).ppf
                ),
                frozen,
            )
        try:
            row += _column(name, lambda frozen=frozen: FastGeneratorInversion(frozen).ppf, frozen)
        except ValueError as exc:
            row += f" | not supported ({str(exc)[:30]})"
        print(row, flush=True)
    seconds, x = _timed(lambda v: poisson_ppf(5.0, v))
    same = np.array_equal(x, stats.poisson.ppf(U, 5.0))
    print(f"poisson(5): impact {1 / seconds:.1f} M/s, identical to scipy.stats.poisson.ppf: {same}")


if __name__ == "__main__":
    main()
