"""Evidence on what was measured (model v3): bounds with measurement error, an attribution share
integrated jointly over the attributed observations, and the headline under each reading."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.evidence import parse_evidence_item
from impact.inputs.scenario import scenario_from_specs, scenario_problems
from impact.simulation.evidence_weights import evidence_weights, reading_weights

DIRECT = "direct_revenue_loss_usd"
# R ~ uniform(0, 1) USD/h over one hour of total outage, no after-effects: direct = R exactly.
UNIT = {"outage.hours": 1, "outage.severity": 1, "revenue.hourly_loss": "uniform(0, 1)"}

ATTRIBUTED = """
name = "attributed"
[outage]
hours = 100
severity = 1
[revenue]
hourly_loss = "uniform(100k, 200k)"
[users]
count = 1000000
churn_max = "pert(0, 0.05, 0.2)"
[evidence]
users_away_at_restore = "<= normal(0.05, 0.01)"
activity_gap_at_restore = ">= normal(0.05, 0.01)"
[evidence.attribution]
share = "uniform(0, 1)"
quantities = ["users_away_at_restore", "activity_gap_at_restore"]
readings = { "all of it" = 1, "half" = 0.5, "none" = 0 }
"""


def test_a_bound_weighs_by_the_probability_that_it_holds() -> None:
    x = np.array([0.0, 0.03, 0.05, 0.07, 0.2])
    at_most = parse_evidence_item("users_away_at_restore", "<= normal(0.05, 0.01)")
    at_least = parse_evidence_item("activity_gap_at_restore", "≥ normal(0.05, 0.01)")
    assert (at_most.relation, at_least.relation) == ("<=", ">=")
    np.testing.assert_allclose(at_most.likelihood(x), stats.norm.sf(x, 0.05, 0.01), rtol=1e-12)
    np.testing.assert_allclose(at_least.likelihood(x), stats.norm.cdf(x, 0.05, 0.01), rtol=1e-12)
    # Under an attribution share A the central value scales by A, the error stays whole.
    np.testing.assert_allclose(
        at_most.likelihood(x, 0.5), stats.norm.sf(x, 0.025, 0.01), rtol=1e-12
    )
    np.testing.assert_allclose(at_least.likelihood(x, 0.0), stats.norm.cdf(x, 0.0, 0.01))


def test_conditioning_on_a_bound_gives_the_analytic_posterior_mean() -> None:
    # R ~ U(0, 1) and "R at most M", M ~ normal(0.5, 0.1): the posterior density of R is
    # proportional to sf((r − 0.5)/0.1) on [0, 1]; its mean by quadrature. The weighted mean's
    # standard error is the posterior sd over √ESS (Kong 1992), reported as se_mean; 4 of them.
    scenario = scenario_from_specs(UNIT)
    result = impact.simulate(scenario, 200_000, rng=3, evidence={DIRECT: "<= normal(0.5, 0.1)"})

    def weight(r: float) -> float:
        return float(stats.norm.sf(r, 0.5, 0.1))

    norm = integrate.quad(weight, 0, 1, epsabs=0, epsrel=1e-12)[0]
    mean = integrate.quad(lambda r: r * weight(r), 0, 1, epsabs=0, epsrel=1e-12)[0] / norm
    row = result.summary.loc[DIRECT]
    assert abs(float(row["mean"]) - mean) <= 4 * float(row["se_mean"])
    # ESS is (Σw)²/Σw²; its expectation n·(E w)²/E w², here 0.5²·… by quadrature, ±2%.
    ew = norm
    ew2 = integrate.quad(lambda r: weight(r) ** 2, 0, 1, epsabs=0, epsrel=1e-12)[0]
    assert result.ess == pytest.approx(200_000 * ew**2 / ew2, rel=0.02)


def test_an_attribution_is_integrated_jointly_over_one_share_per_trial(tmp_path: Path) -> None:
    path = tmp_path / "attributed.toml"
    path.write_text(ATTRIBUTED)
    scenario = impact.load_scenario(str(path))
    assert scenario.attribution is not None and len(scenario.attribution.readings) == 3
    away = np.array([0.0, 0.02, 0.04, 0.08])
    gap = np.array([0.01, 0.06, 0.05, 0.12])
    outputs = {"users_away_at_restore": away, "activity_gap_at_restore": gap}
    weights, own = evidence_weights(scenario.evidence, outputs)

    def joint(i: int, a: float) -> float:
        # One A for both observations: P(A·0.05 + e1 ≥ away) · P(A·0.05 + e2 ≤ gap).
        return float(
            stats.norm.sf(away[i], 0.05 * a, 0.01) * stats.norm.cdf(gap[i], 0.05 * a, 0.01)
        )

    for i in range(away.size):
        expected = integrate.quad(lambda a, i=i: joint(i, a), 0, 1, epsabs=0, epsrel=1e-12)[0]
        assert weights[i] == pytest.approx(expected, rel=1e-9, abs=1e-15)
        alone = integrate.quad(lambda a, i=i: stats.norm.sf(away[i], 0.05 * a, 0.01), 0, 1)[0]
        assert own[0][i] == pytest.approx(alone, rel=1e-9, abs=1e-15)
    readings = reading_weights(scenario.evidence, outputs)
    for label, a in (("all of it", 1.0), ("half", 0.5), ("none", 0.0)):
        expected = [joint(i, a) for i in range(away.size)]
        np.testing.assert_allclose(readings[label], expected, rtol=1e-12, atol=1e-300)


def test_the_readings_are_in_the_report_and_on_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "attributed.toml"
    path.write_text(ATTRIBUTED)
    out = tmp_path / "out"
    assert main(["simulate", "--scenario", str(path), "--trials", "20000", "--out", str(out)]) == 0
    console = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    line = console[console.index("Under each reading") :]
    assert "all of it $" in line and "; half $" in line and "; none $" in line
    text = (out / "report.md").read_text()
    assert "### Under each reading of the evidence" in text
    assert "> Under each reading of the evidence" in text
    # More of the dip from the outage admits more churn: the medians rise with the share.
    result = impact.simulate(impact.load_scenario(str(path)), 20_000, rng=1)
    from impact.analysis.evidence import readings_table

    table = readings_table(result).set_index("reading")
    medians = table.loc[["none", "half", "all of it"], "users_lost_p50"].to_numpy()
    assert medians[0] < medians[1] < medians[2]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('share = "uniform(0, 1)"\nquantities = ["total_revenue_loss_usd"]', "not observed"),
        ('share = "uniform(0, 2)"\nquantities = ["users_away_at_restore"]', "share"),
        ('quantities = ["users_away_at_restore"]', "share"),
        ('share = 1\nquantities = ["users_away_30d"]', "applies to bounds"),
        ('share = 1\nquantities = ["users_away_at_restore"]\nreadings = { x = 2 }', "[0, 1]"),
        ('share = 1\nquantities = "users_away_at_restore"', "list the observed"),
        ('share = 1\nquantities = ["users_away_at_restore"]\nwho = 1', "unknown key"),
    ],
)
def test_a_bad_attribution_is_named(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\n[outage]\nhours = 10\n[revenue]\nhourly_loss = 1000\n'
        '[evidence]\nusers_away_at_restore = "<= normal(0.05, 0.01)"\n'
        'users_away_30d = "normal(0.01, 0.005)"\n'
        f"[evidence.attribution]\n{table}\n"
    )
    problems = scenario_problems(path)
    assert any("evidence.attribution" in p and message in p for p in problems), problems


def test_a_bound_without_a_measurement_is_refused() -> None:
    with pytest.raises(InputError, match=r"evidence.users_away_30d: '<=': give the measurement"):
        parse_evidence_item("users_away_30d", "<=")


def test_the_relation_is_part_of_the_scenarios_identity() -> None:
    base = scenario_from_specs(UNIT)
    a = base.with_evidence({DIRECT: "normal(0.5, 0.1)"})
    b = base.with_evidence({DIRECT: "<= normal(0.5, 0.1)"})
    assert a.digest() != b.digest()
    assert math.isfinite(float(impact.simulate(b, 2_000, rng=1).ess))


# Where the measurement lies against where the quantity can (`Output.support`): the largest
# weight a value there could get, a normal's density ratio exp(-z²/2) at the nearest end for
# "=", and for a bound its probability there, by scipy.stats itself. 1e-6 (MIN_WEIGHT_WITHIN)
# lies between z = 5.2 (1.3e-6) and 5.4 (4.7e-7).
@pytest.mark.parametrize(
    ("quantity", "spec", "weight"),
    [
        ("total_revenue_loss_usd", "normal(-1e8, 1e7)", math.exp(-(10**2) / 2)),
        ("users_away_at_restore", "normal(-0.054, 0.01)", math.exp(-(5.4**2) / 2)),
        ("users_away_at_restore", "normal(1.054, 0.01)", math.exp(-(5.4**2) / 2)),
        ("users_away_at_restore", "uniform(-2, -1)", 0.0),
        ("users_away_at_restore", "uniform(1, 2)", 0.0),  # touches [0, 1] at 1 alone
        ("users_away_at_restore", "uniform(-1, 0)", 0.0),
        ("users_away_at_restore", "<= normal(-1, 0.1)", stats.norm.sf(10)),
        ("users_away_30d", ">= normal(2, 0.1)", stats.norm.sf(10)),
    ],
)
def test_a_measurement_where_the_quantity_cannot_lie_is_refused(
    quantity: str, spec: str, weight: float
) -> None:
    with pytest.raises(InputError) as caught:
        parse_evidence_item(quantity, spec)
    message = str(caught.value)
    assert message.startswith(f"evidence.{quantity}: {spec}: where {quantity} can lie (")
    shown = float(message.split("more than ")[1].split()[0])
    # printed to 2 significant digits: off by at most half a unit of the second, 5%
    assert math.isclose(shown, weight, rel_tol=0.05, abs_tol=1e-300), message


@pytest.mark.parametrize(
    ("quantity", "spec"),
    [
        ("users_away_at_restore", "normal(-0.052, 0.01)"),  # 1.3e-6 of the peak at 0
        ("users_away_at_restore", "<= normal(-0.02, 0.01)"),  # tension, not impossible
        ("total_revenue_loss_usd", ">= normal(1e12, 1e11)"),  # [0, inf) holds all of it
        ("users_away_at_restore", "normal(0.5, 1e6)"),  # flat over [0, 1]: every trial alike
    ],
)
def test_a_measurement_in_tension_with_the_support_is_kept(quantity: str, spec: str) -> None:
    assert parse_evidence_item(quantity, spec).quantity == quantity


def test_the_command_names_the_refused_measurement(tmp_path: Path) -> None:
    path = tmp_path / "negative.toml"
    path.write_text(
        '[outage]\nhours = 24\n[revenue]\nhourly_loss = "uniform(300k, 500k)"\n'
        '[evidence]\ntotal_revenue_loss_usd = "normal(-1e8, 1e7)"\n'
    )
    assert main(["simulate", str(path), "--trials", "1000", "--out", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()
