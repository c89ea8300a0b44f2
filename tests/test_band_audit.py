"""Bands of [expect] that cannot fail: the pilot audit and `impact validate`'s warnings."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

import impact
from impact.analysis.bands import AUDIT_TRIALS, band_audit, band_warnings
from impact.cli import main
from impact.exceptions import InputError

LOW, HIGH = 100_000, 200_000  # R ~ uniform(LOW, HIGH)

SCENARIO = """
name = "audit"
[sampling]
seed = 11
[outage]
hours = "uniform(10, 20)"
severity = {severity}
[revenue]
hourly_loss = "uniform(100k, 200k)"
[expect]
"""


def _scenario(tmp_path: Path, expect: str, severity: str = "1") -> Path:
    path = tmp_path / "audit.toml"
    path.write_text(SCENARIO.format(severity=severity) + expect + "\n")
    return path


def _audit(path: Path) -> dict[str, object]:
    (row,) = band_audit(impact.load_scenario(path)).to_dict("records")
    return row


def test_a_band_equal_to_the_range_of_r_with_s_fixed_cannot_fail(tmp_path: Path) -> None:
    # With S = 1 and a flat revenue profile, R·S = R, which never leaves [LOW, HIGH]: the share
    # outside is exactly 0, and R·S is an increasing function of R alone, so its rank
    # correlation with R is exactly 1.
    path = _scenario(tmp_path, f"direct_loss_per_hour_usd = [{LOW}, {HIGH}]")
    row = _audit(path)
    assert row["n_trials"] == AUDIT_TRIALS
    assert row["share_outside"] == 0.0
    assert row["cannot_fail"]
    assert row["input"] == "revenue.hourly_loss"
    assert row["input_spec"] == "uniform(100000, 200000)"
    assert row["rho"] == pytest.approx(1.0, abs=1e-12)
    (line,) = band_warnings(impact.load_scenario(path))
    assert line == (
        "expect.direct_loss_per_hour_usd: [100k, 200k]: equals the range of revenue.hourly_loss "
        "(uniform(100000, 200000)), which sets it (rank correlation +1.000; 0 of 4,000 trials "
        "of the scenario's own assumptions fall outside): it cannot fail; drop it, or mark it "
        'check = "construction", restates = "revenue.hourly_loss"'
    )


def test_half_the_range_of_r_is_informative(tmp_path: Path) -> None:
    # R·S = R ~ uniform(LOW, HIGH): P(R > (LOW + HIGH)/2) = 0.5 exactly. The pilot's share is a
    # binomial proportion of n trials (plain Monte Carlo, the scenario's design), standard error
    # sqrt(0.25/n); 4 standard errors make a false failure a 1-in-15,000 event.
    mid = (LOW + HIGH) / 2
    path = _scenario(tmp_path, f"direct_loss_per_hour_usd = [{LOW}, {mid:.0f}]")
    row = _audit(path)
    assert row["share_outside"] == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / AUDIT_TRIALS))
    assert not row["cannot_fail"]
    assert row["input"] == "revenue.hourly_loss"  # it still sets the quantity: named, not flagged
    assert band_warnings(impact.load_scenario(path)) == []


def test_a_wider_band_holds_the_whole_range_of_the_input(tmp_path: Path) -> None:
    # The pilot's values span at most 100k of the band's 1M: "holds", not "equals".
    path = _scenario(tmp_path, "direct_loss_per_hour_usd = [0, 1000000]")
    (line,) = band_warnings(impact.load_scenario(path))
    assert "holds the whole range of revenue.hourly_loss (uniform(100000, 200000))" in line


def test_a_band_no_single_input_sets_is_flagged_without_naming_one(tmp_path: Path) -> None:
    # R and S independent and uniform: R·S lies in [0.5 LOW, HIGH] always, so nothing falls
    # outside; neither input alone has a rank correlation near 1 with the product.
    path = _scenario(
        tmp_path, f"direct_loss_per_hour_usd = [{LOW / 2:.0f}, {HIGH}]", '"uniform(0.5, 1)"'
    )
    row = _audit(path)
    assert row["share_outside"] == 0.0 and row["cannot_fail"]
    assert row["input"] == "" and abs(row["rho"]) < 0.99
    (line,) = band_warnings(impact.load_scenario(path))
    assert line.startswith(
        "expect.direct_loss_per_hour_usd: [50k, 200k]: 0 of 4,000 trials of the scenario's own "
        "assumptions fall outside it: it cannot fail"
    )


def test_a_band_marked_construction_is_not_flagged(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        f'direct_loss_per_hour_usd = {{ band = [{LOW}, {HIGH}], check = "construction", '
        'restates = "revenue.hourly_loss" }',
    )
    assert _audit(path)["cannot_fail"]
    assert band_warnings(impact.load_scenario(path)) == []


def test_an_independent_band_that_cannot_fail_is_flagged(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path, f'direct_loss_per_hour_usd = {{ band = [{LOW}, {HIGH}], check = "independent" }}'
    )
    (line,) = band_warnings(impact.load_scenario(path))
    assert "equals the range of revenue.hourly_loss" in line


def test_the_audit_ignores_evidence_and_reads_outputs_too(tmp_path: Path) -> None:
    # Total loss with S = 1 and the other effects at their defaults is at least R·D ≥ LOW·10:
    # a band from 0 to far above any trial cannot fail. The evidence (which no trial meets)
    # would make a weighted run an input error: the audit runs the assumptions alone.
    path = _scenario(tmp_path, "total_revenue_loss_usd = [0, 1e12]")
    path.write_text(path.read_text() + "[evidence]\noutage_hours = 'uniform(30, 40)'\n")
    row = _audit(path)
    assert row["quantity"] == "total_revenue_loss_usd" and row["cannot_fail"]


def test_the_pilot_is_at_most_the_engines_pilot_sample(tmp_path: Path) -> None:
    scenario = impact.load_scenario(_scenario(tmp_path, "activity_gap_30d = [0, 1]"))
    with pytest.raises(InputError, match="n_trials"):
        band_audit(scenario, n_trials=1_000_000)
    assert band_audit(scenario, n_trials=500)["n_trials"].tolist() == [500]


def test_validate_warns_of_a_band_that_cannot_fail_and_exits_0(tmp_path: Path, capsys) -> None:
    path = _scenario(tmp_path, f"direct_loss_per_hour_usd = [{LOW}, {HIGH}]  # source: revenue")
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert f"{path}: ok" in captured.out
    (line,) = captured.err.splitlines()
    assert line.startswith(f"warning: {path}: expect.direct_loss_per_hour_usd: [100k, 200k]: ")
    assert "equals the range of revenue.hourly_loss (uniform(100000, 200000))" in line
    assert 'it cannot fail; drop it, or mark it check = "construction"' in line


def test_validate_is_silent_on_an_informative_band(tmp_path: Path, capsys) -> None:
    path = _scenario(tmp_path, f"direct_loss_per_hour_usd = [{LOW}, 150000]")
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_validate_from_stdin_warns_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _scenario(tmp_path, f"direct_loss_per_hour_usd = [{LOW}, {HIGH}]").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["validate", "-"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: <stdin>: expect.direct_loss_per_hour_usd: ")
