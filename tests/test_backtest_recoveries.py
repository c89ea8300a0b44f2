"""`impact backtest` gains the recoveries table: each observed recovery of data/recoveries.csv
against after-effect priors pooled without its case (INTERFACE.md, third round)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impact.cli import main


def test_backtest_json_and_report_carry_the_recoveries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backtest"
    status = main(["backtest", "--trials", "2000", "--json", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    payload = json.loads(captured.out)
    assert "cases" in payload and "coverage_90" in payload  # the backtest's own keys stay
    rows = payload["recoveries"]
    assert len(rows) == 14
    for row in rows:
        assert {"name", "quantity", "observed", "loo_percentile", "in_90"} <= set(row)
        assert 0 <= row["loo_percentile"] <= 100 and isinstance(row["in_90"], bool)
    assert {r["name"] for r in rows} >= {"roblox-2021", "tiktok-us-2025", "psn-2011"}
    cover = payload["recoveries_coverage"]
    low, high = cover["coverage_90_ci"]
    assert low <= cover["coverage_90"] <= high and cover["n"] == 11
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Recoveries (leave-one-out)" in report and "exact 95% interval" in report
    assert (out / "recoveries.csv").is_file()


def test_backtest_console_prints_the_recoveries_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["backtest", "--trials", "2000", "--out", str(tmp_path / "b")])
    out = capsys.readouterr().out
    assert status == 0 and "Recoveries (leave-one-out):" in out
