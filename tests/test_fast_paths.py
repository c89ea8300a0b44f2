"""The engine's fast paths give what the plain computation gives.

- `exp_moments` (the after-effect integrals from one expm1) against numerical quadrature;
- `simulate(outputs=...)`: the sketches it keeps are bit for bit those of a full run;
- the allocator setting (`impact.simulation.memory`) applies on glibc, and not when the user
  has tuned the allocator through the environment.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import integrate

import impact
from impact.model.integrals import PHI1_CUT, exp_moments
from impact.outputs import OBSERVABLES, OUTPUTS, PER_CREATOR, TOTAL, TRACKED


@pytest.mark.parametrize("x", [1e-300, 1e-12, 1e-6, 0.01, PHI1_CUT * 0.999, PHI1_CUT,
                               PHI1_CUT * 1.001, 0.5, 1.0, 7.0, 40.0, 700.0, 1e4])  # fmt: skip
@pytest.mark.parametrize("w", [0.0, 1.0, 336.0])
def test_exp_moments_match_quadrature(x: float, w: float) -> None:
    # k > 0 (it is ln 2 / half-life) chosen so that k·w = x; for w = 0 both moments are 0.
    k = x / w if w else max(x, 1e-3)
    m0, m1 = exp_moments(np.array([k]), np.array([w]))
    assert m1 is not None
    # Independent values: adaptive quadrature of the integrands (its error estimate is far
    # below the 1e-10 relative tolerance asked of the closed forms, which are exact to
    # rounding), with the decay's scale 1/k as a break point when it falls inside [0, w].
    points = [1 / k] if 0 < 1 / k < w else None
    q0 = integrate.quad(lambda s: math.exp(-k * s), 0, w, points=points, epsabs=0, limit=200)[0]
    q1 = integrate.quad(lambda s: s * math.exp(-k * s), 0, w, points=points, epsabs=0, limit=200)[0]
    assert m0[0] == pytest.approx(q0, rel=1e-10, abs=0.0 if w else 1e-300)
    assert m1[0] == pytest.approx(q1, rel=1e-10, abs=0.0 if w else 1e-300)


def test_exp_moments_broadcast_and_scalars() -> None:
    m0, m1 = exp_moments(np.log(2.0), 1.0)
    assert np.shape(m0) == () and np.shape(m1) == ()
    assert float(m0) == pytest.approx(0.5 / math.log(2.0), rel=1e-15)  # ∫0^1 2^-s ds
    m0, _ = exp_moments(np.array([1.0, 2.0]), 3.0, first=False)
    assert m0.shape == (2,)
    assert m0.tolist() == pytest.approx([1 - math.exp(-3.0), (1 - math.exp(-6.0)) / 2], rel=1e-15)


@pytest.fixture(scope="module")
def runs() -> tuple[impact.SimulationResult, impact.SimulationResult]:
    scenario = impact.load_scenario("tiktok-us-2026")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = impact.simulate(scenario, 150_000, rng=5)
        part = impact.simulate(scenario, 150_000, rng=5, outputs=["users_lost", "activity_gap_7d"])
    return full, part


def test_outputs_keeps_what_was_asked_and_the_total(runs) -> None:  # type: ignore[no-untyped-def]
    full, part = runs
    # The total, what was asked for, and what the scenario's [expect] and [evidence] read.
    scenario = full.scenario
    read = {b.quantity for b in scenario.expect} | {e.quantity for e in scenario.evidence}
    wanted = {TOTAL, "users_lost", "activity_gap_7d", *read}
    assert list(part.sketches) == [name for name in TRACKED if name in wanted]  # registry order
    assert "outage_hours" not in part.sketches and "creators_lost" not in part.sketches
    assert part.summary.index.tolist() == [n for n in OUTPUTS if n in wanted]
    assert part.observables.index.tolist() == [n for n in OBSERVABLES if n in wanted]
    assert list(full.sketches) == list(TRACKED)


def test_outputs_sketches_are_those_of_a_full_run(runs) -> None:  # type: ignore[no-untyped-def]
    full, part = runs
    for name, sketch in part.sketches.items():  # evidence on: the weighted sketches
        other = full.sketches[name]
        assert (sketch.n, sketch.mean, sketch.m2) == (other.n, other.mean, other.m2), name
        assert sketch.quantile(0.95) == other.quantile(0.95), name
    assert part.prior_sketches is not None and full.prior_sketches is not None
    for name, sketch in part.prior_sketches.items():
        other = full.prior_sketches[name]
        assert (sketch.mean, sketch.m2, sketch.offset) == (other.mean, other.m2, other.offset)
        assert np.array_equal(sketch.counts, other.counts) and np.array_equal(
            sketch.sums, other.sums
        )


def test_outputs_bad_names_and_missing_tiers(runs) -> None:  # type: ignore[no-untyped-def]
    _, part = runs
    scenario = impact.load_scenario("meta-2024")
    with pytest.raises(impact.InputError, match=r"`outputs`: 'nope': not an output"):
        impact.simulate(scenario, 1000, rng=1, outputs=["nope"])
    with pytest.raises(impact.InputError, match=r"creator_earnings_loss"):
        part.tiers()
    alone = impact.simulate(scenario, 3000, rng=1, outputs=TOTAL)  # one name as a string
    assert list(alone.sketches) == [TOTAL]


def _allocator(env: dict[str, str]) -> str:
    code = "from impact.simulation.memory import keep_blocks_in_heap as k; print(k(), k())"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_allocator_setting_applies_once_unless_tuned_by_the_user() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUN"))}
    assert _allocator(env) == "True True"
    assert _allocator({**env, "MALLOC_MMAP_THRESHOLD_": "131072"}) == "False False"


@pytest.mark.parametrize(
    "names", [[TOTAL], ["users_to_rivals"], ["creators_lost", "activity_gap_30d"], [PER_CREATOR]]
)
def test_evaluate_all_with_names_computes_the_same_values(names: list[str]) -> None:
    from impact.model.core import evaluate_all
    from impact.simulation.engine import draw_inputs

    scenario = impact.load_scenario("tiktok-us-2026")
    inputs = draw_inputs(scenario, 5000, np.random.SeedSequence(3))
    full = evaluate_all(inputs, scenario.profile_weights)
    some = evaluate_all(inputs, scenario.profile_weights, names)
    assert set(names) <= set(some) < set(full)
    for name, values in some.items():
        assert np.array_equal(values, full[name]), name


def test_exp_moments_where_k_w_is_zero_or_subnormal() -> None:
    # e^(−k·s) is 1 on [0, w] to the last bit when k·w is below the smallest normal double:
    # the moments are w and w²/2 exactly (the quotient form lost digits there, 0/0 at k = 0).
    k = np.array([0.0, 4e-319, 1e-310])
    w = np.array([917.0, 917.0, 3.0])
    m0, m1 = exp_moments(k, w)
    assert m1 is not None
    assert m0.tolist() == w.tolist()
    assert m1.tolist() == (0.5 * w * w).tolist()


def test_sketch_of_a_block_with_a_nan_is_a_nan_sketch() -> None:
    from impact.simulation.sketch import Sketch

    sketch = Sketch.of(np.array([1.0, np.nan, 3.0]))
    assert sketch.n == 3 and math.isnan(sketch.mean)


def test_a_subset_result_says_what_it_lacks(runs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    scenario = impact.load_scenario("meta-2024")
    alone = impact.simulate(scenario, 3000, rng=1, outputs=iter([TOTAL]))  # any iterable, once
    assert list(alone.sketches) == [TOTAL]
    assert alone.observables.empty and list(alone.observables.columns)[:2] == ["unit", "label"]
    assert alone.percentile_intervals().index.tolist() == [TOTAL]
    with pytest.raises(impact.InputError, match=r"'outage_hours': not summarised in this run"):
        alone.quantile_interval("outage_hours", 0.5)
    with pytest.raises(impact.InputError, match=r"a report needs every output"):
        impact.write_report(alone, tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_a_subset_run_still_checks_the_expect_bands() -> None:
    # A band on the 30-day activity gap below 0.1% puts more than 10% of roblox-2021's trials
    # outside it; the band's quantity is summarised even when only the total is asked for.
    from dataclasses import replace

    from impact.inputs.expect import Band

    base = impact.load_scenario("roblox-2021")
    scenario = replace(base, expect=(Band("activity_gap_30d", 0.0, 0.001, "a test band"),))
    for outputs in (None, [TOTAL]):
        with pytest.warns(impact.ExpectationWarning):
            impact.simulate(scenario, 20_000, rng=1, outputs=outputs)


def test_a_nan_draw_of_a_bounded_family_is_named() -> None:
    # beta's inverse CDF gives NaN for a shape as large as 1e200 (LHS draws through it).
    scenario = impact.load_scenario("tiktok-us-2026").with_overrides(
        {"engagement.max_drop": "beta(1e200, 2)"}
    )
    with pytest.raises(impact.InputError, match=r"^engagement\.max_drop: beta"):
        impact.simulate(scenario, 1000, rng=1, method="lhs")


@pytest.mark.parametrize(
    "spec",
    ["uniform(-1e99, 1e99)", "triangular(0, 1e-300, 5e-300)", "pert(1, 1, 2)", "pert(1, 2, 2)",
     "pert(0, 3, 1e99)", "pert(-7, -7, 1e-9)"],
)  # fmt: skip
def test_families_that_skip_the_overflow_scan_draw_inside_their_support(spec: str) -> None:
    # check_inputs skips these families (draws_in_support): every draw, by the native sampler
    # (mc) or the inverse CDF (LHS, Sobol, correlations), must be finite and in [low, high].
    from impact.inputs.specs import parse_spec

    dist = parse_spec(spec)
    assert dist.draws_in_support
    low, high = dist.support()
    u = np.array([0.0, 5e-324, 1e-300, 1e-12, 0.5, 1 - 1e-12, np.nextafter(1.0, 0.0), 1.0])
    for values in (dist.ppf(u), dist.sample(100_000, np.random.default_rng(1))):
        assert np.all(np.isfinite(values))
        span = high - low
        assert np.all(values >= low - 1e-12 * span) and np.all(values <= high + 1e-12 * span)


def test_families_whose_inverse_cdf_can_fail_are_scanned() -> None:
    from impact.inputs.specs import parse_spec

    for spec in ("beta(2, 3)", "gamma(2, 3)", "lognormal(median=3, sigma=1)", "normal(1, 2)"):
        assert not parse_spec(spec).draws_in_support, spec
