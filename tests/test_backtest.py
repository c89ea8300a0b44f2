"""`impact backtest`: cases from the catalogue, coverage, JSON, and malformed case files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impact.analysis.backtest import backtest
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.backtest_case import builtin_cases, load_case

PLANTED = """
name = "{name}"
scenario = "{base}"
[set]
"outage.hours" = 1
"outage.severity" = 1
"revenue.hourly_loss" = "uniform(100, 200)"
"revenue.deferred_share" = 0
[published]
loss_usd = {loss}
basis = "third-party estimate"
source = "planted truth for a test"
"""


def _case(tmp_path: Path, name: str, loss: float, base: str = "meta-2024") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(PLANTED.format(name=name, base=base, loss=loss))
    return path


def test_planted_truth_gives_the_known_percentile_and_coverage(tmp_path: Path) -> None:
    # direct = R·S·D = R with R uniform(100, 200): a published 150 sits at the 50th percentile,
    # 110 at the 10th, 195 at the 95th (outside the 50% interval, at the 90% edge), 300 above all.
    paths = [
        _case(tmp_path, "middle", 150),
        _case(tmp_path, "low", 110),
        _case(tmp_path, "high", 190),
        _case(tmp_path, "above", 300),
    ]
    result = backtest(paths, 20_000, 1)
    frame = result.cases.set_index("name")
    # Binomial standard error of a share at 20,000 trials is at most 0.35 points; 1.5 is > 4 se.
    assert frame.loc["middle", "direct_percentile"] == pytest.approx(50, abs=1.5)
    assert frame.loc["low", "direct_percentile"] == pytest.approx(10, abs=1.5)
    assert frame.loc["high", "direct_percentile"] == pytest.approx(90, abs=1.5)
    assert frame.loc["above", "direct_percentile"] == 100
    assert list(frame["in_50"]) == [True, False, False, False]
    assert list(frame["in_90"]) == [True, True, True, False]
    assert result.coverage(90) == 0.75 and result.coverage(50) == 0.25
    out = result.to_json()
    assert out["coverage_90"] == 0.75
    assert set(out["cases"][0]) >= {  # type: ignore[index]
        "name",
        "published_usd",
        "direct_percentile",
        "total_percentile",
        "in_90",
    }


def test_builtin_cases_load_and_never_use_the_published_loss() -> None:
    cases = [load_case(p) for p in builtin_cases()]
    assert {c.name for c in cases} >= {"roblox-2021", "facebook-2021", "meta-2024"}
    for case in cases:
        assert len(case.scenario.published) == 1
        assert not case.scenario.evidence and not case.scenario.expect


def test_backtest_json_is_the_interface(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["backtest", "--trials", "2000", "--json", "--out", str(tmp_path / "bt")])
    assert status == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"cases", "coverage_90"}
    names = [c["name"] for c in out["cases"]]
    assert len(names) == len(builtin_cases())
    for case in out["cases"]:
        assert set(case) >= {
            "name",
            "published_usd",
            "direct_percentile",
            "total_percentile",
            "in_90",
        }
    assert out["coverage_90"] == pytest.approx(
        sum(c["in_90"] for c in out["cases"]) / len(out["cases"])
    )
    assert (tmp_path / "bt" / "report.md").exists()
    assert (tmp_path / "bt" / "backtest_percentiles.png").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\nscenario = 'meta-2024'\n", "published: missing"),
        ("name = 'x'\nscenario = 'meta-2024'\nbogus = 1\n", "bogus: unknown key"),
        ("name = 'x'\n[published]\nloss_usd = 1\n", "scenario"),
        (
            "name = 'x'\nscenario = 'meta-2024'\n[published]\nloss_usd = -5\n"
            "basis = 'company figure'\nsource = 's'\n",
            "loss_usd",
        ),
        (
            "name = 'x'\nscenario = 'meta-2024'\n[published]\nbasis = 'company figure'\n"
            "source = 's'\n",
            "published.loss_usd: missing: must be a positive amount in USD",
        ),
        (
            "name = 'x'\nscenario = 'meta-2024'\n[set]\n'outage.hours' = 'pert(3, 1, 2)'\n"
            "[published]\nloss_usd = 1\nbasis = 'company figure'\nsource = 's'\n",
            "outage.hours",
        ),
        ("name = [", "not valid TOML"),
    ],
)
def test_malformed_case_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_case(path)
    out = tmp_path / "out"
    status = main(["backtest", "--case", str(path), "--trials", "100", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert status == 2 and message in err and len(err.splitlines()) == 1
    assert not out.exists()
