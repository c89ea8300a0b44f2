"""`impact backtest`: company and analyst cases, horizons, coverage, JSON, and malformed case
files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from impact.analysis.backtest import backtest
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.backtest_case import KINDS, builtin_cases, load_case
from impact.simulation.engine import simulate

BASIS = {"company": "company figure", "analyst": "third-party estimate"}
# R uniform(100, 200), S = D = 1 and every after-effect, deferral and make-good switched off: then
# R·S·D = direct = total = R in every trial, so a figure x sits at the (x - 100)/100 quantile.
PLANTED = """
name = "{name}"
kind = "{kind}"
scenario = "{base}"
{horizon}
[set]
"outage.hours" = 1
"outage.severity" = 1
"revenue.hourly_loss" = "{hourly}"
"engagement.max_drop" = 0
"algorithm.quality_loss" = 0
"users.churn_max" = 0
"revenue.deferred_share" = 0
"revenue.make_good_share" = 0
[published]
loss_usd = {loss}
basis = "{basis}"
source = "planted truth for a test"
"""
TRIALS = 20_000


def _case(
    tmp_path: Path,
    name: str,
    loss: float,
    kind: str = "company",
    *,
    hourly: str = "uniform(100, 200)",
    horizon: float | None = 24,
    base: str = "meta-2024",
) -> Path:
    path = tmp_path / f"{name}.toml"
    line = "" if horizon is None else f"horizon_hours = {horizon}"
    text = PLANTED.format(
        name=name, kind=kind, base=base, horizon=line, hourly=hourly, loss=loss, basis=BASIS[kind]
    )
    path.write_text(text)
    return path


def _four_se(p: float, n: int = TRIALS) -> float:
    """4 binomial standard errors of a share p from n trials, in percentile points."""
    return 4 * math.sqrt(p * (1 - p) / n) * 100


# --- percentiles with known answers ------------------------------------------------------------


def test_company_figure_in_a_uniform_total_has_the_closed_form_percentile(tmp_path: Path) -> None:
    # total = R ~ uniform(100, 200): x sits at (x - 100)/100, within 4 standard errors.
    paths = [_case(tmp_path, f"c{x}", x) for x in (110, 150, 190)]
    frame = backtest(paths, TRIALS, 1).cases.set_index("name")
    for x in (110, 150, 190):
        p = (x - 100) / 100
        assert frame.loc[f"c{x}", "total_percentile"] == pytest.approx(100 * p, abs=_four_se(p))
        assert frame.loc[f"c{x}", "checked_percentile"] == frame.loc[f"c{x}", "total_percentile"]


# --- horizon -------------------------------------------------------------------------------


def test_horizon_hours_changes_the_total_but_not_who_leaves(tmp_path: Path) -> None:
    # On the Roblox scenario (after-effects on), a case's horizon overrides horizon.hours:
    # users and creators who leave do not depend on the horizon (MODEL.md), the total does.
    texts = {
        hours: (
            f'name = "h{hours}"\nkind = "company"\nscenario = "roblox-2021"\n'
            f"horizon_hours = {hours}\n[published]\nloss_usd = '25M'\n"
            'basis = "company figure"\nsource = "test"\n'
        )
        for hours in (189, 2160)
    }
    results = {}
    for hours, text in texts.items():
        path = tmp_path / f"h{hours}.toml"
        path.write_text(text)
        case = load_case(path)
        assert case.horizon_hours == hours
        assert case.scenario.specs["horizon.hours"] == f"{hours:g}"
        results[hours] = simulate(case.scenario, 5_000, 11)
    short, long = results[189], results[2160]
    assert (
        short.summary.loc["total_revenue_loss_usd", "mean"]
        < (long.summary.loc["total_revenue_loss_usd", "mean"])
    )
    assert (
        short.summary.loc["direct_revenue_loss_usd", "mean"]
        == (long.summary.loc["direct_revenue_loss_usd", "mean"])
    )
    for metric in ("users_churned", "users_lost", "users_to_rivals", "creators_lost"):
        assert short.summary.loc[metric].to_dict() == long.summary.loc[metric].to_dict(), metric


# --- the built-in cases ---------------------------------------------------------------------


def test_builtin_cases_load_and_never_use_the_published_loss() -> None:
    cases = {c.name: c for c in (load_case(p) for p in builtin_cases())}
    assert {"roblox-2021", "facebook-2021", "meta-2024"} <= set(cases)
    for case in cases.values():
        assert case.kind in KINDS
        assert len(case.scenario.published) == 1
        assert case.scenario.published[0].basis == BASIS[case.kind]
        assert not case.scenario.evidence and not case.scenario.expect
        if case.kind == "company":
            assert case.horizon_hours is not None and case.horizon_hours > 0
    roblox = cases["roblox-2021"]
    assert roblox.horizon_hours == 189
    assert roblox.scenario.specs["revenue.make_good_share"] == "0"


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
        ("name = 'x'\nkind = 'analyst'\nscenario = 'meta-2024'\n", "published: missing"),
        ("name = 'x'\nscenario = 'meta-2024'\nbogus = 1\n", "bogus: unknown key"),
        ("name = 'x'\nkind = 'analyst'\n[published]\nloss_usd = 1\n", "scenario"),
        ("name = 'x'\nscenario = 'meta-2024'\n", "kind: None: must be"),
        ("name = 'x'\nkind = 'vendor'\nscenario = 'meta-2024'\n", "kind: 'vendor': must be"),
        (
            "name = 'x'\nkind = 'company'\nscenario = 'meta-2024'\n[published]\nloss_usd = 1\n"
            "basis = 'company figure'\nsource = 's'\n",
            "horizon_hours: missing",
        ),
        (
            "name = 'x'\nkind = 'company'\nhorizon_hours = -3\nscenario = 'meta-2024'\n",
            "horizon_hours: -3: must be > 0",
        ),
        (
            "name = 'x'\nkind = 'company'\nhorizon_hours = '8 days'\nscenario = 'meta-2024'\n",
            "horizon_hours: '8 days': must be a number",
        ),
        (
            "name = 'x'\nkind = 'analyst'\nscenario = 'meta-2024'\n[set]\n'horizon.hours' = 9\n",
            "give the case's horizon as horizon_hours",
        ),
        (
            "name = 'x'\nkind = 'analyst'\nscenario = 'meta-2024'\n[published]\nloss_usd = 1\n"
            "basis = 'company figure'\nsource = 's'\n",
            "a case of kind 'analyst' states 'third-party estimate'",
        ),
        (
            "name = 'x'\nkind = 'company'\nhorizon_hours = 9\nscenario = 'meta-2024'\n"
            "[published]\nloss_usd = -5\nbasis = 'company figure'\nsource = 's'\n",
            "loss_usd",
        ),
        (
            "name = 'x'\nkind = 'analyst'\nscenario = 'meta-2024'\n[published]\n"
            "basis = 'third-party estimate'\nsource = 's'\n",
            "published.loss_usd: missing: must be a positive amount in USD",
        ),
        (
            "name = 'x'\nkind = 'analyst'\nscenario = 'meta-2024'\n[set]\n"
            "'outage.hours' = 'pert(3, 1, 2)'\n[published]\nloss_usd = 1\n"
            "basis = 'third-party estimate'\nsource = 's'\n",
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
