"""benchmarks/bench_peers.py compares impact with its peers on the same model and distributions.

The hand loop's fused formula and the plain numpy one the squigglepy side uses must both be
impact's model (`impact.model.core.evaluate`) on eight_inputs.toml, trial by trial; and their
distributions must be the scenario's, so that the three contenders draw the same thing.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy import integrate

import impact
from impact.model.core import evaluate
from impact.simulation.engine import draw_inputs

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_peers.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_peers", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load()
SCENARIO = impact.load_scenario(bench.SCENARIO)


def _inputs(n: int, seed: int) -> dict[str, np.ndarray]:
    """The scenario's fixed keys, and the eight inputs spread far wider than their specs."""
    x = draw_inputs(SCENARIO, n, np.random.SeedSequence(seed))
    rng = np.random.default_rng(seed)
    wide = {
        "D": np.exp(rng.uniform(np.log(0.01), np.log(5000), n)),
        "S": rng.uniform(0, 1, n),
        "R": rng.uniform(0, 1e7, n),
        "d": rng.uniform(0, 1, n),
        "tau_e": np.exp(rng.uniform(np.log(0.1), np.log(1e4), n)),
        "h_e": np.exp(rng.uniform(np.log(0.5), np.log(1e4), n)),
        "c_u": rng.uniform(0, 1, n),
        "tau_u": np.exp(rng.uniform(np.log(0.1), np.log(1e4), n)),
    }
    half = n // 2  # the first half as drawn from the scenario, the second half wide
    for name, key in bench.KEYS.items():
        x[key] = np.concatenate([x[key][:half], wide[name][half:]])
    return x


def _args(x: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [x[bench.KEYS[name]].copy() for name in bench.ORDER]


def test_the_scenario_has_exactly_the_eight_inputs_and_the_fixed_values_the_formula_uses():
    assert set(SCENARIO.uncertain_keys) == set(bench.KEYS.values())
    fixed = {k: d.support()[0] for k, d in SCENARIO.distributions.items() if d.is_fixed}
    assert fixed["algorithm.quality_loss"] == 0.0
    assert fixed["outage.zero_view_hours"] == 0.0
    assert fixed["users.return_share"] == bench.RHO
    assert fixed["users.return_after_hours"] == bench.T_R
    assert fixed["horizon.hours"] == bench.H


@pytest.mark.parametrize("formula", ["_total_in_place", "total_loss"])
def test_each_formula_is_impacts_model_trial_by_trial(formula):
    x = _inputs(20_000, seed=13)
    expected = evaluate(x)["total_revenue_loss_usd"]
    got = getattr(bench, formula)(*_args(x))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert np.all(expected[x["revenue.hourly_loss"] > 0] > 0)  # no trivially-zero comparison


def test_the_hand_formula_at_one_point_by_quadrature():
    """The total from a(u) = (1 − c(u))·(1 − ge(u)) integrated numerically (q = 0: no ga)."""
    D, S, R, d, tau_e, h_e, c_u, tau_u = 150.0, 0.3, 1.6e6, 0.2, 60.0, 200.0, 0.03, 300.0
    a_e = S * d * (1 - math.exp(-D / tau_e))
    h_e_d = h_e * (1 - math.exp(-D / tau_e))  # model v3: the half-life grows with D
    p = c_u * (1 - math.exp(-S * D / tau_u))

    def gap(u: float) -> float:
        away = p * ((1 - bench.RHO) + bench.RHO * (u < bench.T_R))
        return 1 - (1 - away) * (1 - a_e * 2 ** (-u / h_e_d))

    hours = sum(
        integrate.quad(gap, a, b, epsabs=0, epsrel=1e-13)[0]
        for a, b in [(0, bench.T_R), (bench.T_R, bench.H)]
    )
    expected = R * (S * D + hours)
    args = [np.array([v]) for v in (D, S, R, d, tau_e, h_e, c_u, tau_u)]
    assert bench._total_in_place(*args)[0] == pytest.approx(expected, rel=1e-11)
    args = [np.array([v]) for v in (D, S, R, d, tau_e, h_e, c_u, tau_u)]
    assert bench.total_loss(*args)[0] == pytest.approx(expected, rel=1e-11)


def test_the_benchmarks_distributions_are_the_scenarios():
    dists = SCENARIO.distributions
    for name, (p5, p95) in bench.LOGNORMAL.items():
        d = dists[bench.KEYS[name]]
        assert d.ppf(np.array([0.05, 0.95])) == pytest.approx([p5, p95], rel=1e-12)
        assert bench.NUMPY_LOGNORMAL[name] == pytest.approx((d.mu, d.sigma), rel=1e-12)
    for name, (low, mode, high) in bench.PERT.items():
        d = dists[bench.KEYS[name]]
        assert (d.low, d.mode, d.high, d.lam) == (low, mode, high, 4.0)
        a, b, _, _ = bench.NUMPY_BETA[name]  # beta-PERT: mean (low + 4·mode + high) / 6
        assert low + (high - low) * a / (a + b) == pytest.approx((low + 4 * mode + high) / 6)
    for name, (low, high) in bench.UNIFORM.items():
        d = dists[bench.KEYS[name]]
        assert (d.low, d.high) == (low, high)


def test_squigglepys_distributions_are_the_scenarios():
    pytest.importorskip("squigglepy")
    for name, dist in bench.squigglepy_distributions().items():
        ours = SCENARIO.distributions[bench.KEYS[name]]
        kind = type(ours).__name__
        if kind == "Lognormal":
            assert dist.norm_mean == pytest.approx(ours.mu, rel=1e-12)
            assert dist.norm_sd == pytest.approx(ours.sigma, rel=1e-12)
        elif kind == "Pert":
            assert (dist.left, dist.mode, dist.right, dist.lam) == (
                ours.low,
                ours.mode,
                ours.high,
                ours.lam,
            )
        else:
            assert kind == "Uniform"
            assert (dist.x, dist.y) == (ours.low, ours.high)


def test_squigglepy_and_the_hand_loop_draw_the_same_values_within_a_chunk():
    """One Generator, the same samplers in the same order: below CHUNK trials, the same draws
    (the two formulas round differently, so the summaries agree to the last few bits)."""
    pytest.importorskip("squigglepy")
    hand = bench.hand_loop(50_000, seed=5)
    assert bench.squigglepy_style(50_000, seed=5) == pytest.approx(hand, rel=1e-13)
    assert bench.hand_loop(50_000, seed=6)["mean"] != pytest.approx(hand["mean"], rel=1e-6)


def test_the_hand_loops_summary_agrees_with_impacts_simulation():
    n = 200_000
    hand = bench.hand_loop(n, seed=7)
    row = impact.simulate(SCENARIO, n, rng=7).summary.loc["total_revenue_loss_usd"]
    se = math.sqrt(2 / n) * hand["std"]  # of the difference of two independent means
    assert abs(hand["mean"] - row["mean"]) < 4 * se
    assert hand["std"] == pytest.approx(row["std"], rel=0.02)
    for q in ("p05", "p50", "p95", "p99"):
        assert hand[q] == pytest.approx(row[q], rel=0.03)


def test_summary_is_numpys_percentiles_and_the_upper_tail_mean():
    x = np.random.default_rng(3).lognormal(0, 1, 10_001)
    got = bench.summary(x.copy())
    want = np.percentile(x, [5, 50, 95, 99])
    assert [got["p05"], got["p50"], got["p95"], got["p99"]] == pytest.approx(want, rel=1e-15)
    assert got["cvar95"] == pytest.approx(np.sort(x)[9500:].mean(), rel=1e-12)
    assert got["mean"] == pytest.approx(x.mean(), rel=1e-14)
    assert got["std"] == pytest.approx(x.std(ddof=1), rel=1e-14)


def test_without_squigglepy_the_script_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench_peers.py"])
    monkeypatch.setattr(bench.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SystemExit) as exit_info:
        bench.main()
    assert exit_info.value.code == 2
    assert 'pip install -e ".[peers]"' in capsys.readouterr().err
