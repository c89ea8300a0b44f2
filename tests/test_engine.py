"""Tests of the streaming sketch and of engine.simulate: exactness, reproducibility, statistics."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from points import POINT
from scipy import stats
from strategies import sketch_values

from impact.exceptions import InputError
from impact.inputs.scenario import Scenario, load_scenario
from impact.model.core import OUTPUTS, evaluate
from impact.simulation import engine, runner
from impact.simulation.engine import simulate
from impact.simulation.sampling import plan
from impact.simulation.sketch import MANTISSA_BITS, TINY, Sketch

RESOLUTION = 2.0**-MANTISSA_BITS  # a bucket spans at most this share of its lower edge
TINY_BUCKET = TINY * (1 + RESOLUTION)  # values up to here share one bucket (absolute error)
QUANTILES = (0.0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1.0)


def close_to_bucket(value: float, exact: float) -> bool:
    """`value` is within the bucket resolution of `exact` (absolute in the tiny bucket)."""
    return abs(value - exact) <= RESOLUTION * abs(exact) + TINY_BUCKET


def worst_mean(x: np.ndarray, q: float = 0.95) -> float:
    """Mean of the largest ⌈(1 − q)·n⌉ values, computed exactly."""
    m = math.ceil(round((1 - q) * x.size, 9))
    return float(np.sort(x)[-m:].mean())


def sample_values(seed: int, n: int = 20_000) -> np.ndarray:
    """Heavy-tailed values with exact zeros and a few values in the tiny bucket mixed in."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(10.0, 2.0, n)
    x[rng.random(n) < 0.1] = 0.0
    tiny = rng.random(n) < 0.01
    x[tiny] = rng.uniform(1e-9, 1e-6, int(tiny.sum()))
    return x


# ---------------------------------------------------------------------------------------------
# Sketch
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sketch_quantiles_match_numpy_within_bucket_resolution(seed: int) -> None:
    x = sample_values(seed)
    sketch = Sketch.of(x)
    for q in QUANTILES:
        exact = float(np.quantile(x, q, method="inverted_cdf"))
        assert close_to_bucket(sketch.quantile(q), exact), q
    assert sketch.min == x.min() and sketch.max == x.max()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sketch_tail_mean_within_bucket_resolution(seed: int) -> None:
    x = sample_values(seed)
    sketch = Sketch.of(x)
    for q in (0.5, 0.9, 0.95, 0.99):
        assert close_to_bucket(sketch.tail_mean(q), worst_mean(x, q)), q


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sketch_moments_are_exact(seed: int) -> None:
    x = sample_values(seed)
    sketch = Sketch.of(x)
    assert sketch.n == x.size
    assert sketch.mean == pytest.approx(x.mean(), rel=1e-12)
    assert sketch.average == pytest.approx(x.mean(), rel=1e-12)
    assert sketch.std == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert sketch.se_mean == pytest.approx(x.std(ddof=1) / math.sqrt(x.size), rel=1e-12)


def split_and_merge(x: np.ndarray, cuts: list[int]) -> Sketch:
    merged = Sketch()
    for block in np.split(x, sorted(cuts)):
        merged.merge(Sketch.of(block))
    return merged


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merge_of_split_blocks_equals_one_sketch_of_everything(seed: int) -> None:
    x = sample_values(seed)
    rng = np.random.default_rng(seed)
    cuts = [0, 0, *rng.integers(0, x.size, 12).tolist(), x.size]  # includes empty blocks
    whole, merged = Sketch.of(x), split_and_merge(x, cuts)
    assert merged.n == whole.n
    assert (merged.zero_count, merged.tiny_count) == (whole.zero_count, whole.tiny_count)
    assert merged.min == whole.min and merged.max == whole.max
    # The buckets (counts) are identical; only floating-point sums differ in their rounding.
    lo = min(merged.offset, whole.offset)
    assert merged.offset == whole.offset == lo
    np.testing.assert_array_equal(merged.counts, whole.counts)
    np.testing.assert_allclose(merged.sums, whole.sums, rtol=1e-12, atol=0)
    assert merged.tiny_sum == pytest.approx(whole.tiny_sum, rel=1e-12)
    assert merged.mean == pytest.approx(whole.mean, rel=1e-12)
    assert merged.std == pytest.approx(whole.std, rel=1e-12)
    for q in QUANTILES:
        assert merged.quantile(q) == pytest.approx(whole.quantile(q), rel=1e-12), q
    assert merged.tail_mean(0.95) == pytest.approx(whole.tail_mean(0.95), rel=1e-12)


def test_merging_empty_sketches_changes_nothing() -> None:
    x = sample_values(4, 1000)
    sketch = Sketch.of(x)
    before = (sketch.n, sketch.mean, sketch.m2, sketch.quantile(0.5))
    sketch.merge(Sketch()).merge(Sketch.of(np.array([])))
    assert (sketch.n, sketch.mean, sketch.m2, sketch.quantile(0.5)) == before
    into_empty = Sketch().merge(sketch)
    assert (into_empty.n, into_empty.mean, into_empty.m2) == (sketch.n, sketch.mean, sketch.m2)
    empty = Sketch()
    assert math.isnan(empty.quantile(0.5)) and math.isnan(empty.tail_mean())


@pytest.mark.parametrize("value", [0.0, 7e-7, 0.1, 1 / 3, 1.0, 123_456.789, 3.7e12])
@pytest.mark.parametrize("n", [1, 2, 1000, 65_537])
def test_sketch_is_exact_for_constant_arrays(value: float, n: int) -> None:
    for sketch in (
        Sketch.of(np.full(n, value)),
        split_and_merge(np.full(n, value), [n // 3, n // 2]),
    ):
        assert sketch.n == n
        assert sketch.average == value  # `mean` is the running mean, within an ulp or so
        assert sketch.mean == pytest.approx(value, rel=1e-14)
        assert sketch.std == 0.0
        assert sketch.min == sketch.max == value
        for q in QUANTILES:
            assert sketch.quantile(q) == value, q
        for q in (0.5, 0.95, 0.99):
            assert sketch.tail_mean(q) == value, q
        assert sketch.quantile_interval(0.5) == (value, value)


@settings(max_examples=60)  # each example builds sketches of up to ~2e5 buckets
@given(
    sketch_values(),
    st.lists(st.integers(0, 400), max_size=5),
)
def test_sketch_properties_on_arbitrary_arrays(x: np.ndarray, cuts: list[int]) -> None:
    sketch = split_and_merge(x, [min(c, x.size) for c in cuts])
    for q in QUANTILES:
        exact = float(np.quantile(x, q, method="inverted_cdf"))
        assert close_to_bucket(sketch.quantile(q), exact), q
    assert close_to_bucket(sketch.tail_mean(0.95), worst_mean(x, 0.95))
    values = [sketch.quantile(q) for q in QUANTILES]
    assert values == sorted(values)  # percentiles are ordered
    # Up to rounding of the bucket sums, which the exact values need not share.
    assert sketch.quantile(0.95) <= sketch.tail_mean(0.95) * (1 + 1e-12) <= sketch.max * (1 + 1e-12)
    assert sketch.mean == pytest.approx(x.mean(), rel=1e-12, abs=1e-300)


def test_quantile_interval_covers_the_true_quantile_about_95_percent_of_the_time() -> None:
    # For a continuous distribution, [X_(lo), X_(hi)] covers the true q-quantile exactly when
    # lo ≤ B ≤ hi − 1 with B = #{X_i ≤ ξ_q} ~ Binomial(n, q), so its coverage is
    # P = F_B(hi − 1) − F_B(lo − 1) (≥ 0.95 by the construction from binomial quantiles).
    # Over 200 independent seeds the number of hits is Binomial(200, P): with P ≈ 0.95 its
    # standard deviation is √(200·0.95·0.05) ≈ 3.1, and we accept ±4 of those (a false alarm
    # has probability ≈ 1e-4; the test is seeded, so it is deterministic anyway).
    n, repetitions = 1000, 200
    dist = stats.lognorm(s=1.0, scale=math.exp(2.0))
    for q in (0.5, 0.95):
        lo = int(stats.binom.ppf(0.025, n, q))
        hi = int(stats.binom.ppf(0.975, n, q)) + 1
        coverage = stats.binom.cdf(hi - 1, n, q) - stats.binom.cdf(lo - 1, n, q)
        assert coverage >= 0.95
        truth = float(dist.ppf(q))
        hits = 0
        for seed in range(repetitions):
            sample = dist.rvs(size=n, random_state=np.random.default_rng([7, seed]))
            low, high = Sketch.of(sample).quantile_interval(q)
            hits += low <= truth <= high
        sd = math.sqrt(repetitions * coverage * (1 - coverage))
        assert abs(hits - repetitions * coverage) <= 4 * sd, (q, hits, coverage)


# ---------------------------------------------------------------------------------------------
# engine.simulate
# ---------------------------------------------------------------------------------------------


def write_scenario(
    directory: Path, sections: dict[str, dict[str, object]], name: str = "test"
) -> Path:
    """Write a small scenario file: numbers as TOML numbers, specs as strings."""
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value!r}")
        lines.append("")
    path = directory / f"{name}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


FIXED_POINT: dict[str, float] = dict(POINT)


def sections_of(values: dict[str, object]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for key, value in values.items():
        section, name = key.split(".")
        out.setdefault(section, {})[name] = value
    return out


@pytest.fixture
def uncertain_scenario(tmp_path: Path) -> Scenario:
    """Uncertain outage and revenue; every other key keeps its (mostly uncertain) default."""
    path = write_scenario(
        tmp_path,
        {
            "outage": {"hours": "lognormal(p5=24, p95=240)", "severity": "uniform(0.5, 1)"},
            "revenue": {"hourly_loss": "pert(300k, 400k, 500k)"},
            "users": {"count": 1e8},
            "creators": {"count": 1e6, "earnings_per_hour": 200_000},
        },
    )
    return load_scenario(path)


def test_fixed_inputs_give_the_point_value_in_every_trial(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, sections_of(dict(FIXED_POINT))))
    assert scenario.uncertain_keys == ()
    n = engine.BLOCK_SIZE + 1000  # two blocks
    result = simulate(scenario, n_trials=n, rng=5, samples=True)
    expected = {name: float(v) for name, v in evaluate(FIXED_POINT).items()}
    assert result.samples is not None and len(result.samples) == n
    summary = result.summary
    for name in OUTPUTS:
        column = result.samples[name].to_numpy()
        np.testing.assert_allclose(column, expected[name], rtol=1e-13, atol=0, err_msg=name)
        assert np.all(column == column[0]), name
        value = column[0]
        for stat in ("mean", "p05", "p50", "p95", "p99", "cvar95"):
            assert summary.loc[name, stat] == value, (name, stat)
        assert summary.loc[name, "std"] == 0.0 and summary.loc[name, "se_mean"] == 0.0
    assert expected["total_revenue_loss_usd"] > 0


def test_samples_have_one_row_per_trial(uncertain_scenario: Scenario) -> None:
    n = engine.BLOCK_SIZE + 4_321
    result = simulate(uncertain_scenario, n_trials=n, rng=11, samples=True)
    assert result.samples is not None
    assert len(result.samples) == n == result.n_trials
    np.testing.assert_array_equal(result.samples["trial"].to_numpy(), np.arange(n))
    assert list(result.samples.columns) == ["trial", *uncertain_scenario.uncertain_keys, *OUTPUTS]
    for name in OUTPUTS:  # the summary describes exactly the samples
        column = result.samples[name].to_numpy()
        assert result.summary.loc[name, "mean"] == pytest.approx(column.mean(), rel=1e-12)
        assert close_to_bucket(
            result.summary.loc[name, "p95"], float(np.quantile(column, 0.95, method="inverted_cdf"))
        )
    assert simulate(uncertain_scenario, n_trials=10, rng=11).samples is None


def test_same_seed_same_numbers_different_seed_different_numbers(
    uncertain_scenario: Scenario,
) -> None:
    first = simulate(uncertain_scenario, n_trials=20_000, rng=42)
    again = simulate(uncertain_scenario, n_trials=20_000, rng=42)
    other = simulate(uncertain_scenario, n_trials=20_000, rng=43)
    pd.testing.assert_frame_equal(first.summary, again.summary, check_exact=True)
    assert first.seed == 42
    as_generator = simulate(uncertain_scenario, n_trials=20_000, rng=np.random.default_rng(42))
    pd.testing.assert_frame_equal(first.summary, as_generator.summary, check_exact=True)
    numbers = ["mean", "p50", "p95"]
    differs = first.summary[numbers] != other.summary[numbers]
    assert differs.loc["total_revenue_loss_usd"].all()
    assert differs.loc["outage_hours"].all()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
def test_summary_does_not_depend_on_the_number_of_workers(uncertain_scenario: Scenario) -> None:
    # More than one task (BLOCK_SIZE·BLOCKS_PER_TASK trials each), so two workers really share
    # the run; the module constants are left alone so worker processes see the same ones.
    n = engine.BLOCK_SIZE * runner.BLOCKS_PER_TASK + 3 * engine.BLOCK_SIZE + 17
    serial = simulate(uncertain_scenario, n_trials=n, rng=2026, workers=1)
    parallel = simulate(uncertain_scenario, n_trials=n, rng=2026, workers=2)
    assert parallel.workers == 2 and serial.workers == 1
    pd.testing.assert_frame_equal(serial.summary, parallel.summary, check_exact=True)
    for name in OUTPUTS:
        a, b = serial.sketches[name], parallel.sketches[name]
        np.testing.assert_array_equal(a.counts, b.counts)
        assert (a.n, a.mean, a.m2, a.offset) == (b.n, b.mean, b.m2, b.offset)


def test_trials_do_not_depend_on_how_blocks_are_grouped(
    uncertain_scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Random streams belong to blocks, not tasks: regrouping blocks into tasks (serially, so
    # no worker process is involved) leaves every trial's inputs and outputs unchanged.
    monkeypatch.setattr(engine, "BLOCK_SIZE", 1000)
    n = 5_500
    reference = simulate(uncertain_scenario, n_trials=n, rng=8, samples=True).samples
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    regrouped = simulate(uncertain_scenario, n_trials=n, rng=8, samples=True).samples
    assert reference is not None and regrouped is not None
    pd.testing.assert_frame_equal(reference, regrouped, check_exact=True)


def test_overriding_one_key_leaves_the_other_draws_unchanged(uncertain_scenario: Scenario) -> None:
    n = engine.BLOCK_SIZE + 500
    base = simulate(uncertain_scenario, n_trials=n, rng=99, samples=True).samples
    for spec in ("uniform(0, 0.5)", "0.3"):
        variant = uncertain_scenario.with_overrides({"engagement.max_drop": spec})
        changed = simulate(variant, n_trials=n, rng=99, samples=True).samples
        assert base is not None and changed is not None
        others = [k for k in uncertain_scenario.uncertain_keys if k != "engagement.max_drop"]
        assert len(others) > 10
        pd.testing.assert_frame_equal(base[others], changed[others], check_exact=True)
        # The direct loss depends only on D, S and R, so it is unchanged trial by trial.
        np.testing.assert_array_equal(
            base["direct_revenue_loss_usd"], changed["direct_revenue_loss_usd"]
        )
        assert not np.array_equal(
            base["engagement_revenue_loss_usd"], changed["engagement_revenue_loss_usd"]
        )


def test_lognormal_outage_alone_matches_the_analytic_distribution(tmp_path: Path) -> None:
    # Only D is uncertain and d = q = cu = 0, so every trial's total is exactly R·S·D.
    R, S, n = 400_000.0, 0.5, 200_000
    path = write_scenario(
        tmp_path,
        {
            "outage": {"hours": "lognormal(p5=24, p95=240)", "severity": S},
            "revenue": {"hourly_loss": R},
            "engagement": {"max_drop": 0},
            "algorithm": {"quality_loss": 0},
            "users": {"churn_max": 0},
        },
    )
    result = simulate(load_scenario(path), n_trials=n, rng=20240305)
    row = result.summary.loc["total_revenue_loss_usd"]

    # log D ~ Normal(mu, sigma) with p5 = 24 and p95 = 240.
    z95 = stats.norm.ppf(0.95)
    mu = (math.log(24) + math.log(240)) / 2
    sigma = (math.log(240) - math.log(24)) / (2 * z95)
    mean = R * S * math.exp(mu + sigma**2 / 2)
    sd = mean * math.sqrt(math.expm1(sigma**2))

    # Mean: the sample mean has standard error sd/√n (CLT); 4 SE leaves a false-alarm rate of
    # 6e-5. The reported se_mean estimates the same SE.
    se = sd / math.sqrt(n)
    assert abs(row["mean"] - mean) <= 4 * se
    assert row["se_mean"] == pytest.approx(se, rel=0.1)
    assert row["std"] == pytest.approx(sd, rel=0.1)

    # Quantiles: the reported p is the k-th order statistic, k = ⌈p·n⌉, and F(X_(k)) ~
    # Beta(k, n + 1 − k) exactly. Its central 1 − 1e-4 interval, mapped through the analytic
    # quantile function, bounds X_(k); widen it by the sketch's bucket resolution.
    for label, p in (("p50", 0.5), ("p95", 0.95)):
        k = math.ceil(p * n)
        u_lo, u_hi = stats.beta.ppf([5e-5, 1 - 5e-5], k, n + 1 - k)
        lo = R * S * math.exp(mu + sigma * stats.norm.ppf(u_lo))
        hi = R * S * math.exp(mu + sigma * stats.norm.ppf(u_hi))
        assert lo * (1 - RESOLUTION) <= row[label] <= hi * (1 + RESOLUTION), (
            label,
            lo,
            row[label],
            hi,
        )
        analytic = R * S * math.exp(mu + sigma * stats.norm.ppf(p))
        assert lo <= analytic <= hi

    # The other parts are exactly zero in every trial.
    for part in (
        "attrition_revenue_loss_usd",
        "engagement_revenue_loss_usd",
        "latency_revenue_loss_usd",
        "users_churned",
    ):
        assert result.summary.loc[part, "mean"] == 0.0 and result.summary.loc[part, "p99"] == 0.0


def test_total_is_exactly_rsd_trial_by_trial(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        {
            "outage": {"hours": "lognormal(p5=24, p95=240)", "severity": 0.5},
            "revenue": {"hourly_loss": 400_000},
            "engagement": {"max_drop": 0},
            "algorithm": {"quality_loss": 0},
            "users": {"churn_max": 0},
        },
    )
    samples = simulate(load_scenario(path), n_trials=5_000, rng=1, samples=True).samples
    assert samples is not None
    expected = 400_000 * (0.5 * samples["outage.hours"].to_numpy())
    np.testing.assert_array_equal(samples["total_revenue_loss_usd"].to_numpy(), expected)


# (None is the default: the scenario's [sampling] trials, else 100,000; tests/test_newcomer.py)
@pytest.mark.parametrize("trials", [0, -5, 2.5, True, "100"])
def test_invalid_trial_counts_are_rejected(uncertain_scenario: Scenario, trials: object) -> None:
    with pytest.raises(InputError, match="trials"):
        simulate(uncertain_scenario, n_trials=trials, rng=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2", None])
def test_invalid_worker_counts_are_rejected(uncertain_scenario: Scenario, workers: object) -> None:
    with pytest.raises(InputError, match="workers"):
        simulate(uncertain_scenario, n_trials=10, rng=1, workers=workers)  # type: ignore[arg-type]


def test_numpy_integer_trial_count_is_accepted(uncertain_scenario: Scenario) -> None:
    result = simulate(uncertain_scenario, n_trials=np.int64(50), rng=1)
    assert result.n_trials == 50 and isinstance(result.n_trials, int)


@pytest.mark.parametrize("per_task", [1, 3, 16, 40])
def test_sketches_do_not_depend_on_the_task_size(
    uncertain_scenario: Scenario, monkeypatch: pytest.MonkeyPatch, per_task: int
) -> None:
    # Sketches are merged in fixed groups of MERGE_BLOCKS blocks whatever the task size, so
    # even the floating-point sums are bit-identical; tasks of 3 blocks cut across groups.
    monkeypatch.setattr(engine, "BLOCK_SIZE", 1000)
    n = 2 * engine.MERGE_BLOCKS * 1000 + 5 * 1000 + 17
    reference = simulate(uncertain_scenario, n_trials=n, rng=4)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", per_task)
    regrouped = simulate(uncertain_scenario, n_trials=n, rng=4)
    pd.testing.assert_frame_equal(reference.summary, regrouped.summary, check_exact=True)
    for name in OUTPUTS:
        a, b = reference.sketches[name], regrouped.sketches[name]
        np.testing.assert_array_equal(a.sums, b.sums)
        assert (a.n, a.mean, a.m2, a.offset) == (b.n, b.mean, b.m2, b.offset)


WEIGHTED_TRIALS = 2 * engine.MERGE_BLOCKS * 1000 + 5 * 1000 + 17  # in blocks of 1,000


@pytest.fixture(scope="module")
def weighted_reference() -> engine.SimulationResult:
    """tiktok-us-2026 (with [evidence]) in blocks of 1,000 and tasks of the default size: run
    once for the task sizes below, which only read it."""
    import warnings

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setattr(engine, "BLOCK_SIZE", 1000)
        warnings.simplefilter("ignore")
        return simulate(load_scenario("tiktok-us-2026"), n_trials=WEIGHTED_TRIALS, rng=4)


@pytest.mark.parametrize("per_task", [1, 3, 40])
def test_weighted_sketches_do_not_depend_on_the_task_size(
    weighted_reference: engine.SimulationResult, monkeypatch: pytest.MonkeyPatch, per_task: int
) -> None:
    # With [evidence] the weighted sketches are folded in the same fixed groups (a task sends
    # back one weighted set per group, not one per block), so they are bit-identical too.
    import warnings

    reference = weighted_reference
    assert runner.BLOCKS_PER_TASK == 16 and reference.n_trials == WEIGHTED_TRIALS
    monkeypatch.setattr(engine, "BLOCK_SIZE", 1000)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", per_task)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regrouped = simulate(load_scenario("tiktok-us-2026"), n_trials=WEIGHTED_TRIALS, rng=4)
    assert reference.conditioned is not None and regrouped.conditioned is not None
    assert reference.ess == regrouped.ess
    for name in OUTPUTS:
        a, b = reference.sketches[name], regrouped.sketches[name]
        np.testing.assert_array_equal(a.weights, b.weights)  # type: ignore[attr-defined]
        assert (a.n, a.mean, a.m2, a.w_sum) == (b.n, b.mean, b.m2, b.w_sum)  # type: ignore[attr-defined]
    for key, a in reference.conditioned.inputs_posterior.items():
        b = regrouped.conditioned.inputs_posterior[key]
        assert (a.mean, a.m2, a.w_sum) == (b.mean, b.m2, b.w_sum), key


def test_a_task_sends_back_one_merged_sketch_per_group(
    uncertain_scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a worker pickles back is one sketch per tracked output per merge group, not one per
    # block (that was 98 MB a task); blocks before its first group start come back one by one.
    monkeypatch.setattr(engine, "BLOCK_SIZE", 1000)
    group = engine.MERGE_BLOCKS
    blocks = range(group - 2, 3 * group)
    part = engine._run_task(
        uncertain_scenario,
        plan(uncertain_scenario),
        np.random.SeedSequence(1),
        engine.TRACKED,
        blocks,
        3 * group * 1000,
        False,
    )
    assert [piece.first_block for piece in part.pieces] == [group - 2, group - 1, group, 2 * group]
