"""Sampling designs (mc, lhs, sobol) and correlated inputs: balance, accuracy, reproducibility."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from impact.cli import main
from impact.exceptions import CorrelationWarning, InputError
from impact.inputs.keys import KEYS
from impact.inputs.methods import Method
from impact.inputs.scenario import Scenario, load_scenario, scenario_from_specs
from impact.simulation import runner
from impact.simulation.correlation import (
    _pearson,
    average_ranks,
    nearest_correlation,
    rank_correlation,
)
from impact.simulation.engine import BLOCK_SIZE, draw_inputs, simulate
from impact.simulation.sampling import child, draw_block, plan

TOTAL = "total_revenue_loss_usd"
KEY_INDEX = {info.key: i for i, info in enumerate(KEYS)}
# Only D, S and R are uncertain and every after-effect is switched off, so the total is R·S·D
# exactly and its mean is E[R]·E[S]·E[D]: a smooth case with a known answer.
SMOOTH = {
    "outage.hours": "pert(24, 72, 240)",
    "outage.severity": "uniform(0.2, 0.6)",
    "revenue.hourly_loss": "triangular(1M, 1.5M, 2.5M)",
    "engagement.max_drop": 0,
    "algorithm.quality_loss": 0,
    "users.churn_max": 0,
    "creators.churn_max": 0,
}
PAIRS = {
    ("outage.hours", "outage.severity"): 0.6,
    ("outage.severity", "revenue.hourly_loss"): -0.3,
    ("outage.hours", "revenue.hourly_loss"): 0.2,
}


def smooth() -> Scenario:
    return scenario_from_specs(SMOOTH)


def correlated(method: str = "mc") -> Scenario:
    return replace(load_scenario("tiktok-us-2026"), correlations=PAIRS, method=method)


def test_plain_mc_draws_with_each_keys_own_native_sampler() -> None:
    # Unchanged from before designs existed: key i samples from child i of the block's seed.
    # (meta-2024 has no [correlations]; tiktok-us-2026's would reorder the draws.)
    scenario = load_scenario("meta-2024")
    seq = np.random.SeedSequence(5)
    inputs = draw_inputs(scenario, 1000, seq)
    for key in scenario.uncertain_keys:
        rng = np.random.default_rng(child(seq, KEY_INDEX[key]))
        np.testing.assert_array_equal(inputs[key], scenario.distributions[key].sample(1000, rng))


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_each_column_of_a_design_is_stratified(method: str) -> None:
    # LHS: one value in each of n equal-probability strata. Sobol: every one-dimensional
    # projection of a scrambled 2^m-point net is stratified the same way.
    n = 1024
    specs = {
        **SMOOTH,
        "outage.severity": "uniform(0, 1)",
        "algorithm.quality_loss": "uniform(0, 1)",
    }
    scenario = scenario_from_specs(specs)
    inputs, _ = draw_block(scenario, plan(scenario, method), n, np.random.SeedSequence(3))
    for key in ("outage.severity", "algorithm.quality_loss"):
        assert sorted(np.floor(inputs[key] * n).astype(int)) == list(range(n))


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_correlation_keeps_each_column_stratified(method: str) -> None:
    # Iman–Conover only re-pairs values across columns: each column keeps its values.
    n = 1024
    specs = {
        **SMOOTH,
        "outage.severity": "uniform(0, 1)",
        "algorithm.quality_loss": "uniform(0, 1)",
    }
    scenario = replace(
        scenario_from_specs(specs),
        correlations={("outage.severity", "algorithm.quality_loss"): 0.7},
    )
    inputs, achieved = draw_block(scenario, plan(scenario, method), n, np.random.SeedSequence(3))
    for key in ("outage.severity", "algorithm.quality_loss"):
        assert sorted(np.floor(inputs[key] * n).astype(int)) == list(range(n))
    assert achieved is not None and abs(achieved[0, 1] - 0.7) < 0.05


def test_lhs_keeps_common_random_numbers_when_one_key_changes() -> None:
    base = load_scenario("tiktok-us-2026")
    changed = base.with_overrides({"outage.severity": "pert(0.1, 0.2, 0.5)"})
    seq = np.random.SeedSequence(11)
    a = draw_inputs(base, 2000, seq, plan(base, "lhs"))
    b = draw_inputs(changed, 2000, seq, plan(changed, "lhs"))
    for key in base.uncertain_keys:
        if key != "outage.severity":
            np.testing.assert_array_equal(a[key], b[key])


def test_lhs_and_sobol_estimate_the_mean_better_than_plain_mc() -> None:
    # RMSE of the mean of R·S·D over 30 seeds at 2,048 trials each, against the exact mean.
    # With 30 seeds an RMSE is known to about 1/√60 ≈ 13% (its relative standard error), so a
    # ratio of two is known to about 18%. Measured ratios to mc: ≈ 0.2–0.3 for LHS (it removes
    # the additive part of the variance) and ≈ 0.004 for Sobol; 0.5 is more than 3 standard
    # errors above the LHS one.
    scenario = smooth()
    d = scenario.distributions
    truth = d["outage.hours"].mean() * d["outage.severity"].mean() * d["revenue.hourly_loss"].mean()
    rmse = {}
    for method in tuple(Method):
        errors = [
            simulate(scenario, 2048, rng=seed, method=method).summary.loc[TOTAL, "mean"] - truth
            for seed in range(30)
        ]
        rmse[method] = math.sqrt(float(np.mean(np.square(errors))))
    assert rmse["lhs"] < 0.5 * rmse["mc"], rmse
    assert rmse["sobol"] < 0.5 * rmse["mc"], rmse


@pytest.mark.parametrize("method", tuple(Method))
def test_same_seed_same_numbers_for_every_method(method: str) -> None:
    scenario = correlated(method)
    first = simulate(scenario, 5000, rng=42)
    again = simulate(scenario, 5000, rng=42)
    other = simulate(scenario, 5000, rng=43)
    assert first.method == method
    assert first.summary.equals(again.summary)
    assert first.correlations is not None and first.correlations.equals(again.correlations)
    assert not first.summary.equals(other.summary)


@pytest.mark.parametrize("method", tuple(Method))
def test_results_do_not_depend_on_the_number_of_workers(method: str, monkeypatch) -> None:
    # One block per task, so three blocks make three tasks that two workers share.
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    scenario = correlated(method)
    n = 2 * BLOCK_SIZE + 1000
    one = simulate(scenario, n, rng=9, workers=1)
    two = simulate(scenario, n, rng=9, workers=2)
    assert two.workers == 2
    assert one.summary.equals(two.summary)
    assert one.correlations is not None and one.correlations.equals(two.correlations)


@pytest.mark.parametrize("method", tuple(Method))
def test_achieved_rank_correlations_match_the_target(method: str) -> None:
    # Spearman's rho from n pairs has a standard error of about (1 − ρ²)/√(n − 1); Iman–Conover
    # does better than independent sampling, so 4 of those standard errors is a loose bound.
    n = BLOCK_SIZE
    result = simulate(correlated(method), n, rng=1, samples=True)
    table = result.correlations
    assert table is not None and result.samples is not None
    for row in table.to_dict("records"):
        target = PAIRS.get((row["key_a"], row["key_b"]), PAIRS.get((row["key_b"], row["key_a"]), 0))
        assert row["target"] == target and row["used"] == pytest.approx(target, abs=1e-12)
        assert abs(row["achieved"] - target) <= 4 * (1 - target**2) / math.sqrt(n - 1), row
        rho = stats.spearmanr(result.samples[row["key_a"]], result.samples[row["key_b"]])[0]
        assert rho == pytest.approx(row["achieved"], abs=1e-9)  # one block: the same number


def test_an_invalid_matrix_is_repaired_with_a_warning_saying_by_how_much() -> None:
    pairs = {
        ("outage.hours", "outage.severity"): 0.9,
        ("outage.hours", "revenue.hourly_loss"): 0.9,
        ("outage.severity", "revenue.hourly_loss"): -0.9,
    }
    scenario = replace(load_scenario("tiktok-us-2026"), correlations=pairs)
    with pytest.warns(CorrelationWarning, match=r"changes them by at most 0\.4\d\d"):
        result = simulate(scenario, BLOCK_SIZE, rng=2)
    table = result.correlations
    assert table is not None
    used = np.eye(3)
    for i, j, r in zip([0, 0, 1], [1, 2, 2], table["used"], strict=True):
        used[i, j] = used[j, i] = r
    assert np.linalg.eigvalsh(used).min() > -1e-9  # the repaired matrix is valid
    assert np.allclose(table["achieved"], table["used"], atol=0.02)


def test_nearest_correlation_leaves_a_valid_matrix_alone() -> None:
    valid = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert nearest_correlation(valid) is valid or np.array_equal(nearest_correlation(valid), valid)


def test_a_correlation_naming_a_fixed_input_is_an_input_error() -> None:
    scenario = replace(smooth(), correlations={("outage.hours", "users.count"): 0.5})
    with pytest.raises(InputError, match=r"users\.count is fixed at 0"):
        simulate(scenario, 100, rng=1)


def test_an_unknown_method_is_an_input_error() -> None:
    with pytest.raises(InputError, match="method: 'halton'"):
        simulate(smooth(), 100, rng=1, method="halton")


@pytest.mark.parametrize(
    ("table", "args", "expected"),
    [
        (
            '"outage.hourz ~ outage.severity" = 0.5',
            [],
            "'outage.hourz ~ outage.severity': outage.hourz: unknown scenario key; "
            "did you mean 'outage.hours'?",
        ),
        (
            '"outage.hours ~ outage.severity" = 1.5',
            [],
            "'outage.hours ~ outage.severity' = 1.5: a rank correlation must lie in [-1, 1]",
        ),
    ],
)
def test_a_bad_correlation_table_is_one_line_and_exit_2(
    table: str, args: list[str], expected: str, tmp_path: Path, capsys
) -> None:
    overlay = tmp_path / "corr.toml"
    overlay.write_text(f"[correlations]\n{table}\n", encoding="utf-8")
    argv = ["simulate", "--overlay", str(overlay), *args, "--trials", "100"]
    status = main([*argv, "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err


def test_an_override_that_fixes_a_correlated_key_drops_its_pairs() -> None:
    # A what-if (`--set outage.severity=0.25`) must not fail on the scenario's own
    # [correlations]: a fixed key cannot be correlated, so its pairs go; the others stay.
    scenario = load_scenario("tiktok-us-2026").with_overrides(
        {"engagement.max_drop": "pert(0.02, 0.15, 0.5)"}
    )
    scenario = replace(
        scenario,
        correlations={
            **scenario.correlations,
            ("engagement.max_drop", "users.churn_max"): 0.3,
            ("outage.severity", "revenue.hourly_loss"): -0.5,
        },
    )
    pairs = set(scenario.correlations)
    fixed = scenario.with_overrides({"outage.severity": 0.25})
    gone = {p for p in pairs if "outage.severity" in p}
    assert gone and set(fixed.correlations) == pairs - gone
    result = simulate(fixed, 1_000, rng=1)
    assert result.n_trials == 1_000


def test_validate_reports_a_fixed_input_in_a_correlation(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[outage]\nhours = "pert(1, 2, 3)"\n[revenue]\nhourly_loss = 5\n'
        '[correlations]\n"outage.hours ~ revenue.hourly_loss" = 0.5\n',
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    assert "revenue.hourly_loss is fixed at 5" in capsys.readouterr().err


def test_simulate_method_flag_and_json_correlations(tmp_path: Path, capsys) -> None:
    overlay = tmp_path / "corr.toml"
    overlay.write_text('[correlations]\n"outage.hours ~ outage.severity" = 0.5\n', "utf-8")
    argv = ["simulate", "--method", "sobol", "--overlay", str(overlay), "--trials", "4096"]
    status = main([*argv, "--json", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    import json

    payload = json.loads(captured.out)
    assert payload["method"] == "sobol"
    pair = payload["correlations"]["outage.hours ~ outage.severity"]
    assert pair["target"] == 0.5 and abs(pair["achieved"] - 0.5) < 4 * 0.75 / math.sqrt(4095)
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Correlated inputs" in report and "## What drives it" in report


def test_achieved_correlation_of_a_discrete_input_counts_its_ties() -> None:
    # A choice of three values has ties; the achieved rho is Spearman's with average ranks.
    scenario = replace(
        load_scenario("tiktok-us-2026").with_overrides(
            {"outage.hours": "choice(24, 48, 168; p=0.5, 0.3, 0.2)"}
        ),
        correlations={("outage.hours", "outage.severity"): 0.6},
    )
    result = simulate(scenario, 20_000, rng=3, samples=True)
    assert result.samples is not None and result.correlations is not None
    rho = stats.spearmanr(result.samples["outage.hours"], result.samples["outage.severity"])[0]
    assert result.correlations["achieved"].iloc[0] == pytest.approx(rho, abs=1e-9)


@pytest.mark.parametrize("n", [2, 3, 17, 1_000, 10_000])
def test_average_ranks_are_scipy_s_rankdata(n: int) -> None:
    # average_ranks stands in for scipy.stats.rankdata (average ties) so that a run never
    # imports scipy.stats: the same doubles, on continuous data, many ties, all ties, ±0, ±inf.
    rng = np.random.default_rng(n)
    columns = np.column_stack(
        [
            rng.normal(size=n),
            rng.integers(0, 3, n).astype(float),  # three values: long runs of ties
            np.round(rng.lognormal(size=n), 1),
            np.full(n, 2.5),  # one tie of the whole column
            rng.choice([-0.0, 0.0, 1.0, -np.inf, np.inf], n),
            np.arange(n, 0, -1, dtype=float),
        ]
    )
    assert np.array_equal(average_ranks(columns), stats.rankdata(columns, axis=0))
    # and the correlation matrix, bit for bit, and Spearman's (corrcoef of scipy's ranks)
    rho = rank_correlation(columns)
    assert np.array_equal(rho, _pearson(stats.rankdata(columns, axis=0)), equal_nan=True)
    np.testing.assert_allclose(
        rho[np.ix_([0, 1, 2, 4, 5], [0, 1, 2, 4, 5])],
        np.corrcoef(stats.rankdata(columns[:, [0, 1, 2, 4, 5]], axis=0), rowvar=False),
        rtol=1e-12,
    )
    assert np.isnan(rho[3]).all()  # a constant column has no correlation
    columns[n // 2, 2] = np.nan  # a NaN makes its column's ranks NaN, as scipy's "propagate"
    assert np.array_equal(average_ranks(columns), stats.rankdata(columns, axis=0), equal_nan=True)
