"""`impact backtest`: company and analyst cases, horizons, coverage with its exact interval, JSON,
and malformed case files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import binom

from impact.analysis.backtest import backtest, exact_binomial_interval
from impact.cli import main
from impact.datafiles import data_path
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


# --- the exact binomial interval -----------------------------------------------------------------


def _clopper_pearson_by_root(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """The definition, solved directly: the lower end is the p at which seeing k or more has
    probability alpha/2, the upper end the p at which seeing k or fewer has."""
    low = 0.0 if k == 0 else brentq(lambda p: binom.sf(k - 1, n, p) - alpha / 2, 1e-12, 1 - 1e-12)
    high = 1.0 if k == n else brentq(lambda p: binom.cdf(k, n, p) - alpha / 2, 1e-12, 1 - 1e-12)
    return low, high


def test_exact_interval_has_the_known_values() -> None:
    assert exact_binomial_interval(0, 1) == pytest.approx((0.0, 0.975))
    assert exact_binomial_interval(1, 2) == pytest.approx((0.0126, 0.9874), abs=5e-5)
    assert exact_binomial_interval(1, 1) == pytest.approx((0.025, 1.0))
    assert exact_binomial_interval(0, 0) == (0.0, 1.0)  # nothing observed, nothing known


@pytest.mark.parametrize(("k", "n"), [(0, 5), (1, 5), (3, 5), (5, 5), (2, 7), (17, 40)])
def test_exact_interval_is_the_clopper_pearson_definition(k: int, n: int) -> None:
    assert exact_binomial_interval(k, n) == pytest.approx(_clopper_pearson_by_root(k, n), abs=1e-9)


# --- percentiles with known answers ------------------------------------------------------------


def test_company_figure_in_a_uniform_total_has_the_closed_form_percentile(tmp_path: Path) -> None:
    # total = R ~ uniform(100, 200): x sits at (x - 100)/100, within 4 standard errors.
    paths = [_case(tmp_path, f"c{x}", x) for x in (110, 150, 190)]
    frame = backtest(paths, TRIALS, 1).cases.set_index("name")
    for x in (110, 150, 190):
        p = (x - 100) / 100
        assert frame.loc[f"c{x}", "total_percentile"] == pytest.approx(100 * p, abs=_four_se(p))
        assert frame.loc[f"c{x}", "checked_percentile"] == frame.loc[f"c{x}", "total_percentile"]


def test_analyst_figure_in_a_uniform_rsd_has_the_closed_form_percentile(tmp_path: Path) -> None:
    paths = [_case(tmp_path, f"a{x}", x, "analyst", horizon=None) for x in (120, 175, 300)]
    frame = backtest(paths, TRIALS, 1).cases.set_index("name")
    for x in (120, 175):
        p = (x - 100) / 100
        assert frame.loc[f"a{x}", "rsd_percentile"] == pytest.approx(100 * p, abs=_four_se(p))
    assert frame.loc["a300", "rsd_percentile"] == 100
    # The median of uniform(100, 200) is 150; its sample median is within 4 se (sd / sqrt(n) of
    # a median: 1 / (2 f(m) sqrt(n)) with density f = 1/100).
    median_se = 1 / (2 * (1 / 100) * math.sqrt(TRIALS))
    assert frame["rsd_median_usd"].to_numpy() == pytest.approx(150, abs=4 * median_se)
    ratio = frame.loc["a175", "ratio_to_rsd_median"]
    assert ratio == pytest.approx(175 / frame.loc["a175", "rsd_median_usd"])


def test_point_values_put_the_figure_at_0_or_100(tmp_path: Path) -> None:
    # Every input fixed: every trial gives total = R·S·D = 150, so a figure below it is at the
    # 0th percentile and one above at the 100th; both are outside every interval.
    paths = [
        _case(tmp_path, "below", 149, hourly="150"),
        _case(tmp_path, "above", 151, hourly="150"),
        _case(tmp_path, "rsd-below", 149, "analyst", hourly="150"),
    ]
    frame = backtest(paths, 2_000, 3).cases.set_index("name")
    assert frame.loc["below", "total_percentile"] == 0
    assert frame.loc["above", "total_percentile"] == 100
    assert frame.loc["rsd-below", "rsd_percentile"] == 0
    assert frame.loc["rsd-below", "ratio_to_rsd_median"] == pytest.approx(149 / 150)
    assert not frame["in_90"].any()


# --- coverage: company cases only, with the exact interval ---------------------------------


def test_coverage_counts_company_cases_only(tmp_path: Path) -> None:
    paths = [
        _case(tmp_path, "inside", 150),  # company, percentile 50: in both intervals
        _case(tmp_path, "edge", 190),  # company, percentile 90: in the 90% interval only
        _case(tmp_path, "outside", 300),  # company, above every trial
        # Analysts inside both intervals: they must not lift the coverage.
        _case(tmp_path, "analyst-1", 150, "analyst", horizon=None),
        _case(tmp_path, "analyst-2", 160, "analyst", horizon=None),
    ]
    result = backtest(paths, TRIALS, 1)
    assert result.analysts["in_90"].all()
    assert result.coverage_counts(90) == (2, 3)
    assert result.coverage_counts(50) == (1, 3)
    assert result.coverage(90) == pytest.approx(2 / 3)
    assert result.coverage_interval(90) == pytest.approx(_clopper_pearson_by_root(2, 3), abs=1e-9)
    out = result.to_json()
    assert out["coverage_90"] == pytest.approx(2 / 3) and out["coverage_n"] == 3
    assert out["coverage_90_ci"] == pytest.approx(list(_clopper_pearson_by_root(2, 3)), abs=1e-9)
    assert out["coverage_50_ci"] == pytest.approx(list(_clopper_pearson_by_root(1, 3)), abs=1e-9)


def test_without_company_cases_the_coverage_is_unknown(tmp_path: Path) -> None:
    result = backtest([_case(tmp_path, "a", 150, "analyst", horizon=None)], 1_000, 1)
    out = result.to_json()
    assert out["coverage_90"] is None and out["coverage_90_ci"] == [0.0, 1.0]
    assert out["coverage_n"] == 0


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
    assert {"roblox-2021", "blackberry-2011", "facebook-2021", "meta-2024"} <= set(cases)
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
    assert cases["blackberry-2011"].horizon_hours == 44 * 24


def test_case_scenarios_sit_beside_the_cases_with_a_source_for_every_value() -> None:
    # A case's own base scenario lives in data/backtest/scenarios/, never among the built-ins
    # (data/scenarios/), and every value it gives carries a source comment.
    folder = data_path("backtest", "scenarios").resolve()
    files = {p.resolve() for p in folder.glob("*.toml")}
    assert files
    assert not {p.name for p in files} & {p.name for p in data_path("scenarios").glob("*.toml")}
    used = set()
    for case in (load_case(p) for p in builtin_cases()):
        path = case.scenario.path
        if path is None or path.resolve().parent != folder:
            continue
        used.add(path.resolve())
        for key in case.scenario.given_keys:
            assert case.scenario.sources[key], f"{path.name}: {key} has no source comment"
    assert used == files  # no orphan scenario beside the cases


def test_backtest_json_is_the_interface(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["backtest", "--trials", "2000", "--json", "--out", str(tmp_path / "bt")])
    assert status == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"cases", "coverage_90", "coverage_90_ci"}
    assert len(out["cases"]) == len(builtin_cases())
    for case in out["cases"]:
        assert set(case) >= {
            "name",
            "kind",
            "horizon_hours",
            "published_usd",
            "direct_percentile",
            "total_percentile",
            "in_90",
        }
        assert case["kind"] in KINDS
        assert isinstance(case["horizon_hours"], float) and case["horizon_hours"] > 0
        for key in ("published_usd", "direct_percentile", "total_percentile"):
            assert isinstance(case[key], float)
        assert isinstance(case["in_90"], bool)
        if case["kind"] == "analyst":
            assert isinstance(case["rsd_percentile"], float)
            assert isinstance(case["ratio_to_rsd_median"], float)
        else:
            assert case["rsd_percentile"] is None
    company = [c for c in out["cases"] if c["kind"] == "company"]
    k = sum(c["in_90"] for c in company)
    assert out["coverage_90"] == pytest.approx(k / len(company))
    low, high = out["coverage_90_ci"]
    assert isinstance(low, float) and isinstance(high, float)
    assert [low, high] == pytest.approx(list(_clopper_pearson_by_root(k, len(company))))
    assert low <= out["coverage_90"] <= high
    report = (tmp_path / "bt" / "report.md").read_text()
    assert "exact binomial 95% interval" in report and "not validation" in report
    assert (tmp_path / "bt" / "backtest_percentiles.png").exists()


def test_console_shows_coverage_with_its_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [_case(tmp_path, "inside", 150), _case(tmp_path, "a", 150, "analyst", horizon=None)]
    argv = ["backtest", "--trials", "1000", "--out", str(tmp_path / "bt")]
    for path in paths:
        argv += ["--case", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "1 of 1 company figures inside the central 90% interval" in out
    assert "2.5%–100%" in out  # 1 of 1: the exact interval is [0.025, 1]
    assert "arithmetic checks" in out


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


def test_rsd_is_direct_plus_recovered_in_every_trial(tmp_path: Path) -> None:
    # With deferred demand on, the direct loss is net of what came back; R·S·D is not.
    path = _case(tmp_path, "psi", 150, "analyst", horizon=None)
    path.write_text(
        path.read_text().replace('"revenue.deferred_share" = 0', '"revenue.deferred_share" = 0.5')
    )
    case = load_case(path)
    result = simulate(case.scenario, 2_000, 5, samples=True)
    assert result.samples is not None
    rsd = result.samples["direct_revenue_loss_usd"] + result.samples["recovered_revenue_usd"]
    hourly = result.samples["revenue.hourly_loss"]  # S = D = 1
    np.testing.assert_allclose(rsd, hourly, rtol=1e-12)
    assert (result.samples["direct_revenue_loss_usd"] < hourly).all()
