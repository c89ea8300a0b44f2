"""Paired comparison on common random numbers: exact zeros, exact shifts, determinism, the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.outputs import OUTPUTS, TOTAL
from impact.simulation import annual as annual_module
from impact.simulation import runner
from impact.simulation.paired import paired_block, simulate_paired
from impact.simulation.sampling import plan

TIKTOK = impact.load_scenario("tiktok-us-2026")
R_TIMES_HOURS = ("make_good_cost_usd", "recovered_revenue_usd")


@pytest.mark.parametrize("mode", ["outage", "year"])
def test_identical_scenarios_differ_by_exactly_zero(mode: str) -> None:
    result = simulate_paired(TIKTOK, TIKTOK, 5_000, rng=3, mode=mode)  # type: ignore[arg-type]
    summary = result.summary
    for column in ("mean_diff", "se_diff", "diff_p05", "diff_p50", "diff_p95", "p_b_below_a"):
        assert (summary[column] == 0).all(), column


def test_a_pure_revenue_scaling_gives_the_exact_difference_in_every_trial() -> None:
    # B = A with R doubled: uniform(a, b) → uniform(2a, 2b) draws exactly 2R from the same
    # uniforms (doubling is exact in binary), so B − A of every revenue output is A's value
    # itself (make-goods and recovered revenue are R times hours too), and every output without
    # R (hours, users, creators, creator earnings) differs by exactly 0.
    b = TIKTOK.with_overrides({"revenue.hourly_loss": "uniform(2.7M, 3.66M)"})
    seq = np.random.SeedSequence(8)
    out_a, out_b = paired_block(TIKTOK, b, (plan(TIKTOK), plan(b)), "outage", 4_000, seq)
    for name in OUTPUTS:
        diff = out_b[name] - out_a[name]
        if name.endswith("revenue_loss_usd") or name in R_TIMES_HOURS:
            np.testing.assert_array_equal(diff, out_a[name])
        else:
            np.testing.assert_array_equal(diff, 0.0)


def test_a_fixed_revenue_shift_gives_the_exact_difference() -> None:
    meta = impact.load_scenario("meta-2024")  # no [correlations], so R can be fixed
    a = meta.with_overrides({"revenue.hourly_loss": 1e6})
    b = meta.with_overrides({"revenue.hourly_loss": 1.5e6})
    result = simulate_paired(a, b, 20_000, rng=4)
    # total = R·loss_hours: the difference is 0.5M·loss_hours in every trial, so its mean is
    # 0.5M times the mean loss hours (to rounding), and B is never below A.
    row = result.summary.loc[TOTAL]
    hours = result.sketches_a["loss_hours"].mean
    assert row["mean_diff"] == pytest.approx(0.5e6 * hours, rel=1e-9)
    assert row["p_b_below_a"] == 0


def test_crn_reduces_variance_and_the_paired_error_matches_it() -> None:
    b = TIKTOK.with_overrides({"outage.hours": "pert(20, 24, 30)"})
    row = simulate_paired(TIKTOK, b, 50_000, rng=6).summary.loc[TOTAL]
    assert row["variance_reduction"] > 1.5
    ratio = (row["se_diff_independent"] / row["se_diff"]) ** 2
    assert ratio == pytest.approx(row["variance_reduction"], rel=1e-9)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
@pytest.mark.parametrize("mode", ["outage", "year"])
def test_compare_does_not_depend_on_workers(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    monkeypatch.setattr(annual_module, "YEAR_BLOCK", 2048)
    b = TIKTOK.with_overrides({"outage.hours": 24, "frequency.events_per_year": 0.5})
    import impact.simulation.paired as paired

    monkeypatch.setattr(paired, "BLOCK_SIZE", 2048)
    monkeypatch.setattr(paired, "YEAR_BLOCK", 2048)
    one = simulate_paired(TIKTOK, b, 6_000, rng=2, mode=mode, workers=1)  # type: ignore[arg-type]
    two = simulate_paired(TIKTOK, b, 6_000, rng=2, mode=mode, workers=2)  # type: ignore[arg-type]
    assert two.workers == 2
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)


def test_different_trial_counts_are_an_input_error() -> None:
    from dataclasses import replace

    with pytest.raises(InputError, match=r"sampling\.trials"):
        impact.compare(TIKTOK, replace(TIKTOK, trials=5_000))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_compare_json_names_every_difference_with_diff(tmp_path: Path, capsys) -> None:
    argv = ["compare", "tiktok-us-2026", "--b-set", "outage.hours=24", "--trials", "5k"]
    status, out, err = _run([*argv, "--out", str(tmp_path / "c"), "--json"], capsys)
    assert status == 0, err
    payload = json.loads(out)
    total = payload["metrics"][TOTAL]
    assert total["mean_diff"] < 0 and total["p_b_below_a"] > 0.99
    assert {"mean_diff", "se_diff", "diff_p05", "diff_p50", "diff_p95"} <= set(total)
    report = (tmp_path / "c" / "report.md").read_text()
    assert "Common random numbers cut the variance" in report and "outage.hours" in report
    assert "**Evidence not applied.**" in report  # A is tiktok-us-2026, which has [evidence]


def test_cli_different_trial_counts_exit_2(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.toml"
    text = (impact.builtin_scenarios()["tiktok-us-2026"]).read_text()
    other.write_text(text.replace("trials = 100000", "trials = 5000"))
    status, _, err = _run(["compare", "tiktok-us-2026", str(other), "--out", str(tmp_path / "x")],
                          capsys)  # fmt: skip
    assert status == 2 and "sampling.trials" in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()
