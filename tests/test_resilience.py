"""Resilience ROI: closed-form NPV at point values, determinism, designs, bad input, the CLI."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from points import POINT

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.designs import builtin_designs, load_design
from impact.model.core import evaluate
from impact.model.outputs import TOTAL
from impact.simulation import annual as annual_module
from impact.simulation import engine
from impact.simulation.resilience import simulate_resilience

BASE = impact.scenario_from_specs(dict(POINT), name="point")


def _design(rate: float, one_off: float, per_year: float, years: int, r: float) -> impact.Scenario:
    return BASE.with_overrides(
        {
            "frequency.events_per_year": rate,
            "cost.one_off_usd": one_off,
            "cost.per_year_usd": per_year,
            "cost.years": years,
            "cost.discount_rate": r,
        }
    )


def test_npv_at_point_values_is_the_discounted_sum() -> None:
    # No outages in either design: NPV = −ΔK0 − Σ_t Δk/(1 + r)^t exactly, in every future.
    now, new = _design(0, 0, 1e9, 5, 0.08), _design(0, 3e8, 1.5e9, 5, 0.08)
    result = simulate_resilience(now, new, 1_000, rng=1)
    expected = -3e8 - sum(0.5e9 / 1.08**t for t in range(1, 6))
    assert result.npv.quantile(0.01) == pytest.approx(expected, rel=1e-12)
    assert result.npv.quantile(0.99) == pytest.approx(expected, rel=1e-12)
    assert result.npv.average == pytest.approx(expected, rel=1e-12)
    assert result.p_npv_positive == 0
    assert result.break_even_per_year == 0


def test_expected_npv_with_outages_avoided() -> None:
    # Current: λ = 2 fixed outages a year of a fixed loss L; candidate: none. The avoided loss
    # per year is N·L with N ~ Poisson(2), so E[NPV] = −ΔK0 + Σ_t (λL − Δk)/(1 + r)^t, and the
    # NPV's sd is L·√(λ·Σ_t (1 + r)^−2t); 4 standard errors of the mean.
    loss = float(evaluate({k: np.array([v]) for k, v in POINT.items()})[TOTAL][0])
    lam, r, years, n = 2.0, 0.05, 4, 20_000
    now, new = _design(lam, 0, 0, years, r), _design(0, 1e8, 2e7, years, r)
    result = simulate_resilience(now, new, n, rng=2)
    d = [(1 + r) ** -t for t in range(1, years + 1)]
    expected = -1e8 + sum((lam * loss - 2e7) * x for x in d)
    sd = loss * math.sqrt(lam * sum(x * x for x in d))
    assert abs(result.npv.average - expected) < 4 * sd / math.sqrt(n)
    # Break-even all-in: E[PV avoided] / Σ d = λL (to Monte Carlo error).
    assert result.break_even_per_year == pytest.approx(lam * loss, rel=0.02)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
def test_resilience_does_not_depend_on_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(annual_module, "YEAR_BLOCK", 2_000)
    monkeypatch.setattr(engine, "BLOCKS_PER_TASK", 1)
    now, new = load_design("single-site"), load_design("multi-region")
    one = simulate_resilience(now, new, 2_000, rng=3, workers=1)
    two = simulate_resilience(now, new, 2_000, rng=3, workers=2)
    assert two.workers == 2
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    assert one.npv_positive == two.npv_positive
    np.testing.assert_array_equal(one.payback_counts, two.payback_counts)


def test_builtin_designs_are_found_by_name() -> None:
    assert {"single-site", "multi-region"} <= set(builtin_designs())
    design = load_design("multi-region")
    assert design.specs["cost.per_year_usd"].startswith("pert(")
    assert (
        design.specs["revenue.hourly_loss"]
        == load_design("single-site").specs["revenue.hourly_loss"]
    )


def test_a_missing_cost_key_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"cost\.one_off_usd: missing"):
        simulate_resilience(impact.load_scenario("tiktok-us-2026"), load_design("multi-region"))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_resilience_opens_with_the_cfo_sentence(tmp_path: Path, capsys) -> None:
    argv = ["resilience", "--trials", "2k", "--out", str(tmp_path / "r"), "--json"]
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert 0 <= payload["p_npv_positive"] <= 1 and payload["tornado"]
    report = (tmp_path / "r" / "report.md").read_text()
    assert report.splitlines()[2].startswith("> **") and "pays for itself in" in report
    assert "**Evidence not applied.**" in report  # the designs build on tiktok-us-2026
    assert {"npv.png", "payback.png", "tornado.png"} <= {p.name for p in (tmp_path / "r").iterdir()}
    status, out, err = _run(argv[:-1], capsys)  # the console gets the sentence as plain text
    assert status == 0, err
    assert out.startswith(report.splitlines()[2].removeprefix("> **").split(" ", 1)[0])
    assert "(P(NPV > 0) = " in out.replace("\n", " ") and "**" not in out


@pytest.mark.parametrize(
    ("cost", "needle"),
    [
        ("discount_rate = -1\none_off_usd = 0\nper_year_usd = 0\nyears = 5", "cost.discount_rate"),
        ("discount_rate = 0.05\none_off_usd = 0\nper_year_usd = 0\nyears = 0", "cost.years"),
        ("discount_rate = 0.05\none_off_usd = 0\nyears = 5", "cost.per_year_usd: missing"),
        ("discount_rate = 0.05\none_off_usd = -1\nper_year_usd = 0\nyears = 5", "cost.one_off_usd"),
    ],
)
def test_cli_bad_designs_exit_2_naming_the_key(
    cost: str, needle: str, tmp_path: Path, capsys
) -> None:
    design = tmp_path / "bad.toml"
    design.write_text(f'name = "bad"\n[frequency]\nevents_per_year = 0.1\n[cost]\n{cost}\n')
    argv = ["resilience", "--current", "single-site", "--candidate", str(design)]
    argv += ["--base", "tiktok-us-2026", "--trials", "100", "--out", str(tmp_path / "x")]
    status, _, err = _run(argv, capsys)
    assert status == 2, err
    assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_end_to_end_through_the_installed_command(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    exe = shutil.which("impact", path=os.path.dirname(sys.executable)) or shutil.which("impact")
    assert exe, "the `impact` console script is not installed"
    for argv in (
        ["annual", "--trials", "5000", "--out", "a"],
        [
            "compare",
            "tiktok-us-2026",
            "--b-set",
            "outage.hours=24",
            "--trials",
            "5000",
            "--out",
            "c",
        ],
        ["resilience", "--trials", "500", "--out", "r"],
    ):
        done = subprocess.run(
            [exe, *argv], capture_output=True, text=True, timeout=300, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / argv[-1] / "report.md").is_file()
    bad = subprocess.run(
        [exe, "annual", "--set", "frequency.events_per_year=-2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "frequency.events_per_year" in bad.stderr
    assert "Traceback" not in bad.stderr
