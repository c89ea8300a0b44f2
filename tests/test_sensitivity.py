"""Sensitivity analysis: Sobol indices against known answers, the tornado, the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.analysis.sensitivity import analyse, drivers, rank_correlations, sobol, tornado
from impact.analysis.sobol import sobol_table
from impact.cli import main
from impact.inputs.distributions import Pert, Uniform
from impact.inputs.scenario import load_scenario, scenario_from_specs
from impact.simulation.engine import simulate

LEVEL = 0.99  # six or four indices each checked against its interval: 99% keeps that honest


def inside(frame: pd.DataFrame, key: str, kind: str, value: float) -> bool:
    row = frame.set_index("key").loc[key]
    return bool(row[f"{kind}_low"] <= value <= row[f"{kind}_high"])


def test_sobol_indices_of_the_ishigami_function() -> None:
    # Y = sin x1 + a sin² x2 + b x3⁴ sin x1, xi ~ U(−π, π); analytic indices (Ishigami and
    # Homma 1990): V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V13 = 8b²π⁸/225, V = V1 + V2 + V13.
    a, b = 7.0, 0.1
    v1, v2, v13 = (1 + b * math.pi**4 / 5) ** 2 / 2, a**2 / 8, 8 * b**2 * math.pi**8 / 225
    v = v1 + v2 + v13
    expected = {
        "x1": (v1 / v, (v1 + v13) / v),
        "x2": (v2 / v, v2 / v),
        "x3": (0.0, v13 / v),
    }

    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[0]) + a * np.sin(x[1]) ** 2 + b * x[2] ** 4 * np.sin(x[0])

    dists = [Uniform(-math.pi, math.pi)] * 3
    frame = sobol_table(ishigami, dists, ["x1", "x2", "x3"], 2**13, rng=4, level=LEVEL)
    for key, (first, total) in expected.items():
        assert inside(frame, key, "first", first), (key, first, frame)
        assert inside(frame, key, "total", total), (key, total, frame)
    assert list(frame["key"]) == ["x1", "x2", "x3"]  # sorted by total: 0.558, 0.442, 0.244


def test_sobol_indices_of_a_product_of_two_inputs() -> None:
    # With after-effects off and the outage length fixed, the direct loss is R·S·D: a product
    # of two independent inputs. For Y = X1·X2: V1 = Var X1·(E X2)², V2 = Var X2·(E X1)²,
    # V = E X1²·E X2² − (E X1·E X2)², and the interaction V12 = Var X1·Var X2, so the total
    # index of X1 is (V1 + V12)/V.
    scenario = scenario_from_specs(
        {
            "outage.hours": 100,
            "outage.severity": "pert(0.1, 0.3, 0.8)",
            "revenue.hourly_loss": "uniform(1M, 2M)",
        }
    )
    r, s = Uniform(1e6, 2e6), Pert(0.1, 0.3, 0.8)
    var_r = (2e6 - 1e6) ** 2 / 12
    var_s = s.alpha * s.beta / ((s.alpha + s.beta) ** 2 * (s.alpha + s.beta + 1)) * (0.8 - 0.1) ** 2
    mean_r, mean_s = r.mean(), s.mean()
    v_r, v_s, v_rs = var_r * mean_s**2, var_s * mean_r**2, var_r * var_s
    v = v_r + v_s + v_rs
    frame = sobol(scenario, "direct_revenue_loss_usd", 2**13, rng=5, level=LEVEL)
    assert set(frame["key"]) == set(scenario.uncertain_keys)  # no fixed input
    for key, first, total in (
        ("revenue.hourly_loss", v_r / v, (v_r + v_rs) / v),
        ("outage.severity", v_s / v, (v_s + v_rs) / v),
    ):
        assert inside(frame, key, "first", first), (key, first, frame)
        assert inside(frame, key, "total", total), (key, total, frame)


def test_tornado_swings_each_input_with_the_others_at_their_medians() -> None:
    scenario = scenario_from_specs(
        {"outage.hours": 100, "outage.severity": "uniform(0.2, 0.6)", "revenue.hourly_loss": 1e6}
    )
    frame = tornado(scenario, "direct_revenue_loss_usd")
    row = frame.set_index("key").loc["outage.severity"]
    assert row["input_low"] == pytest.approx(0.24) and row["input_high"] == pytest.approx(0.56)
    assert row["low"] == pytest.approx(0.24 * 100 * 1e6)
    assert row["high"] == pytest.approx(0.56 * 100 * 1e6)
    assert row["swing"] == pytest.approx(0.32 * 100 * 1e6)
    assert frame.attrs["base"] == pytest.approx(0.4 * 100 * 1e6)
    assert set(frame["key"]) == set(scenario.uncertain_keys)
    assert list(frame["swing"]) == sorted(frame["swing"], reverse=True)


def test_rank_correlations_and_drivers() -> None:
    scenario = load_scenario("tiktok-us-2026")
    result = simulate(scenario, 20_000, rng=2, samples=True)
    assert result.samples is not None
    frame = rank_correlations(result.samples, scenario.uncertain_keys)
    rho = frame.set_index("key")["spearman"]
    assert rho["outage.severity"] > 0.3 and rho["users.churn_scale_hours"] < 0  # signs
    top = drivers(result)
    assert len(top) == 5 and top.attrs["trials"] == 20_000
    # Without samples, from the first 10,000 trials the engine ranks anyway: the same leaders.
    quick = drivers(simulate(scenario, 20_000, rng=2))
    assert quick.attrs["trials"] == 10_000
    assert set(quick["key"][:2]) == set(top["key"][:2])


def test_analyse_is_reproducible() -> None:
    scenario = load_scenario("meta-2024")
    first = analyse(scenario, n_trials=10_000, rng=3)
    again = analyse(scenario, n_trials=10_000, rng=3)
    assert first.to_json() == again.to_json()


def test_sensitivity_command_json_and_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sens"
    argv = ["sensitivity", "--trials", "30k", "--seed", "4", "--json", "--out", str(out)]
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    scenario = load_scenario("tiktok-us-2026")
    assert set(payload) == {"metric", "tornado", "spearman", "sobol"}
    assert payload["metric"] == "total_revenue_loss_usd"
    for part in ("tornado", "spearman", "sobol"):
        assert set(payload[part]) == set(scenario.uncertain_keys), part  # fixed inputs left out
    for entry in payload["tornado"].values():
        assert set(entry) == {"low", "high", "swing"}
    for entry in payload["sobol"].values():
        assert set(entry) == {"first", "total", "first_ci", "total_ci"}
        assert len(entry["first_ci"]) == 2 and len(entry["total_ci"]) == 2
    names = {p.name for p in out.iterdir()}
    assert {"sensitivity.md", "tornado.csv", "spearman.csv", "sobol.csv"} <= names
    assert {"tornado.png", "sobol.png"} <= names
    report = (out / "sensitivity.md").read_text(encoding="utf-8")
    assert "## Sobol indices" in report and "impact sensitivity --scenario" in report
    assert "**Evidence not applied.**" in report  # tiktok-us-2026 has [evidence]; not weighed


def test_sensitivity_and_annual_refuse_evidence_they_would_not_apply(tmp_path, capsys) -> None:
    for command in ("sensitivity", "annual"):
        argv = [command, "--evidence", "activity_gap_at_restore=uniform(0.04, 0.06)"]
        assert main([*argv, "--out", str(tmp_path / command)]) == 2
        err = capsys.readouterr().err
        assert err == "error: No such option: --evidence\n" and not (tmp_path / command).exists()


def test_sensitivity_command_rejects_an_unknown_metric(tmp_path: Path, capsys) -> None:
    assert main(["sensitivity", "--metric", "profit", "--out", str(tmp_path)]) == 2
    assert "metric: 'profit': unknown" in capsys.readouterr().err
