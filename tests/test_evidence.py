"""Conditioning on evidence: weighted sketches, a conjugate posterior, determinism, bad input."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest

import impact
from impact.exceptions import EvidenceWarning, InputError
from impact.inputs.scenario import scenario_from_specs, scenario_problems
from impact.outputs import OUTPUTS, TOTAL
from impact.simulation import engine, runner
from impact.simulation.weighted_sketch import WeightedSketch

GAP = "activity_gap_at_restore"


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The brute-force weighted 'inverted_cdf' quantile: the smallest x with cum. weight ≥ q·Σw."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, q * cum[-1] * (1 - 1e-12))])


def _close_to_bucket(a: float, b: float) -> bool:
    # A sketch value is its bucket's mean: within 2^-12 relative of any value in the bucket.
    return abs(a - b) <= 2.5e-4 * max(abs(a), abs(b)) + 1e-9


def test_weighted_sketch_matches_brute_force() -> None:
    rng = np.random.default_rng(5)
    x = rng.lognormal(3, 1, 50_000)
    x[:200] = 0.0
    w = rng.gamma(0.5, 1.0, x.size)
    w[rng.random(x.size) < 0.3] = 0.0
    # Three blocks merged in order equal one block built at once (to float rounding).
    parts = np.array_split(np.arange(x.size), 3)
    merged = WeightedSketch.of_weighted(x[parts[0]], w[parts[0]])
    for p in parts[1:]:
        merged.merge(WeightedSketch.of_weighted(x[p], w[p]))
    mean = float(np.dot(w, x) / w.sum())
    ess = w.sum() ** 2 / np.dot(w, w)
    var = float(np.dot(w, (x - mean) ** 2) / w.sum()) * ess / (ess - 1)
    assert merged.mean == pytest.approx(mean, rel=1e-12)
    assert merged.ess == pytest.approx(ess, rel=1e-12)
    assert merged.std == pytest.approx(math.sqrt(var), rel=1e-9)
    assert merged.se_mean == pytest.approx(math.sqrt(var / ess), rel=1e-9)
    for q in (0.01, 0.05, 0.5, 0.95, 0.99):
        assert _close_to_bucket(merged.quantile(q), _weighted_quantile(x, w, q))
    # CVaR95: the weighted mean of the worst 5% of the weight.
    order = np.argsort(x)[::-1]
    cum = np.cumsum(w[order])
    k = int(np.searchsorted(cum, 0.05 * w.sum()))
    tail_w = w[order][: k + 1].copy()
    tail_w[-1] -= cum[k] - 0.05 * w.sum()
    cvar = float(np.dot(tail_w, x[order][: k + 1]) / tail_w.sum())
    assert merged.tail_mean(0.95) == pytest.approx(cvar, rel=3e-4)
    for t in (5.0, 20.0, 80.0):
        share = float(w[x > t].sum() / w.sum())
        assert float(merged.exceedance(np.array([t]))[0]) == pytest.approx(share, abs=2e-3)
        assert merged.share_below(t) == pytest.approx(float(w[x < t].sum() / w.sum()), abs=2e-3)
    assert merged.n == x.size and merged.min == float(x[w > 0].min())


def test_summary_is_the_weighted_summary_of_the_samples() -> None:
    scenario = impact.load_scenario("tiktok-us-2026").without_evidence()
    result = impact.simulate(
        scenario, 30_000, rng=3, samples=True, evidence={TOTAL: "normal(90M, 10M)"}
    )
    w = result.weights
    assert w is not None and len(w) == 30_000
    assert result.ess == pytest.approx(w.sum() ** 2 / np.dot(w, w), rel=1e-12)
    samples = result.samples
    assert samples is not None
    for name in OUTPUTS:
        x = samples[name].to_numpy()
        row = result.summary.loc[name]
        assert row["mean"] == pytest.approx(float(np.dot(w, x) / w.sum()), rel=1e-9, abs=1e-9)
        for label, q in (("p05", 0.05), ("p50", 0.5), ("p95", 0.95)):
            assert _close_to_bucket(float(row[label]), _weighted_quantile(x, w, q))
    # The prior is kept: the same run without evidence gives the prior summary exactly.
    prior = impact.simulate(scenario, 30_000, rng=3)
    pd.testing.assert_frame_equal(prior.summary, result.prior_summary, check_exact=True)


def test_conjugate_normal_posterior_is_recovered() -> None:
    # R ~ normal(400k, 50k); direct = R·S·D with S = 1 and D = 10 h, observed as
    # normal(4.6M, 0.3M), i.e. R observed as normal(460k, 30k): the posterior of R is normal
    # with precision 1/50k² + 1/30k² and the precision-weighted mean.
    scenario = scenario_from_specs(
        {"outage.hours": 10, "outage.severity": 1, "revenue.hourly_loss": "normal(400k, 50k)"}
    )
    prior_prec, obs_prec = 1 / 50e3**2, 1 / 30e3**2
    post_mean = (400e3 * prior_prec + 460e3 * obs_prec) / (prior_prec + obs_prec)
    post_sd = math.sqrt(1 / (prior_prec + obs_prec))
    result = impact.simulate(
        scenario, 200_000, rng=17, evidence={"direct_revenue_loss_usd": "normal(4.6M, 0.3M)"}
    )
    row = result.summary.loc["direct_revenue_loss_usd"]
    # The self-normalised importance-sampling mean is asymptotically normal with variance
    # σ²_posterior / ESS (Kong 1992), which is what se_mean reports (std / √ESS); 4 standard
    # errors make a false failure rarer than 1 in 10,000 for any seed.
    error = abs(float(row["mean"]) - 10 * post_mean)
    assert error <= 4 * float(row["se_mean"])
    # The posterior sd from ESS trials has a relative standard error of about 1/√(2·ESS).
    assert float(row["std"]) == pytest.approx(10 * post_sd, rel=4 / math.sqrt(2 * result.ess))
    # The posterior median of a normal is its mean; the p50's se is about 1.25 se_mean.
    assert abs(float(row["p50"]) - 10 * post_mean) <= 5 * float(row["se_mean"]) + 2.5e-4 * 4.4e6
    # Inputs' posterior: R's weighted sketch has the same centre.
    assert result.conditioned is not None
    r_post = result.conditioned.inputs_posterior["revenue.hourly_loss"]
    assert abs(r_post.mean - post_mean) <= 4 * r_post.se_mean


def test_uniform_band_keeps_only_trials_inside_it() -> None:
    scenario = impact.load_scenario("tiktok-us-2026").without_evidence()
    result = impact.simulate(
        scenario, 20_000, rng=8, samples=True, evidence={GAP: "uniform(0.05, 0.06)"}
    )
    assert result.samples is not None and result.weights is not None
    kept = result.weights > 0
    gap = result.samples.loc[kept, "activity_gap_at_restore"] if GAP in result.samples else None
    sketch = result.sketches[GAP]
    assert sketch.min >= 0.05 and sketch.max <= 0.06
    assert set(np.unique(result.weights)) <= {0.0, 1.0}  # accept / reject
    assert result.ess == pytest.approx(kept.sum())
    if gap is not None:
        assert gap.between(0.05, 0.06).all()


def test_weighted_results_do_not_depend_on_grouping(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = impact.load_scenario("tiktok-us-2026").with_evidence({GAP: "normal(0.054, 0.01)"})
    monkeypatch.setattr(engine, "BLOCK_SIZE", 4096)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 16)
    one = impact.simulate(scenario, 30_000, rng=4)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    two = impact.simulate(scenario, 30_000, rng=4)
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    assert one.ess == two.ess


@pytest.mark.slow  # about 7 s: a conditioned run with one worker and with two
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
def test_weighted_results_do_not_depend_on_workers() -> None:
    scenario = impact.load_scenario("meta-2024").with_evidence({GAP: "normal(0.02, 0.01)"})
    n = engine.BLOCK_SIZE * runner.BLOCKS_PER_TASK + engine.BLOCK_SIZE + 17
    serial = impact.simulate(scenario, n, rng=2026, workers=1)
    parallel = impact.simulate(scenario, n, rng=2026, workers=2)
    assert parallel.workers == 2
    pd.testing.assert_frame_equal(serial.summary, parallel.summary, check_exact=True)
    assert serial.ess == parallel.ess


def test_target_precision_counts_effective_trials() -> None:
    scenario = impact.load_scenario("meta-2024").with_evidence({GAP: "normal(0.02, 0.004)"})
    result = impact.simulate(scenario, 10_000, rng=1, target_precision=0.02)
    total = result.sketches[TOTAL]
    assert isinstance(total, WeightedSketch)
    assert result.converged and total.se_mean <= 0.02 * total.mean


def test_low_ess_warns_and_names_the_observable() -> None:
    scenario = impact.load_scenario("tiktok-us-2026")
    with pytest.warns(EvidenceWarning, match=r"evidence\.activity_gap_at_restore"):
        impact.simulate(scenario, 20_000, rng=1, evidence={GAP: "uniform(0.04, 0.0405)"})


def test_no_warning_without_tension() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", EvidenceWarning)
        impact.simulate(
            impact.load_scenario("tiktok-us-2026"),
            20_000,
            rng=1,
            evidence={GAP: "normal(0.05, 0.02)"},
        )


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ({"nonsense": "normal(1, 1)"}, r"evidence\.nonsense: unknown observable"),
        ({GAP: "0.05"}, r"evidence\.activity_gap_at_restore: 0\.05: .*narrow normal"),
        ({GAP: "choice(0.1, 0.2; p=0.5, 0.5)"}, r"no density"),
        ({GAP: "uniform(0.8, 0.9)"}, r"evidence\.activity_gap_at_restore: .*rules out every"),
    ],
)
def test_bad_evidence_is_an_input_error(evidence: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=1, evidence=evidence)


def test_evidence_table_in_a_scenario_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = impact.load_scenario("meta-2024").path.read_text()  # type: ignore[union-attr]
    bad = tmp_path / "bad.toml"
    bad.write_text(text + '\n[evidence]\nusers_lost = "5"\nbogus = "normal(1, 1)"\n')
    problems = scenario_problems(bad)
    assert any("evidence.users_lost: 5" in p for p in problems)
    assert any("evidence.bogus: unknown observable" in p for p in problems)
    good = tmp_path / "good.toml"
    good.write_text(text + '\n[evidence]\nactivity_gap_at_restore = "normal(0.02, 0.01)"\n')
    scenario = impact.load_scenario(good)
    assert [e.quantity for e in scenario.evidence] == [GAP]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--evidence", "activity_gap_at_restore=0.05"], "narrow normal"),
        (["--evidence", "nope=normal(1,1)"], "evidence.nope: unknown observable"),
        (["--evidence", "activity_gap_at_restore"], "--evidence"),
        (["--evidence", "activity_gap_at_restore=uniform(0.8, 0.9)"], "rules out every"),
    ],
)
def test_cli_bad_evidence_exits_2_with_one_line(
    argv: list[str],
    message: str,
    tmp_path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    from impact.cli import main

    out = tmp_path / "out"
    status = main(
        ["simulate", "--scenario", "meta-2024", "--trials", "2000", "--out", str(out), *argv]
    )
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("loc", "scale"), [(4e5, 6.1e4), (0.022, 0.006), (110e3, 40e3), (0.0, 1.0), (-3.0, 1e-9)]
)
def test_a_normal_measurement_s_density_and_tails_are_scipy_s_bit_for_bit(
    loc: float, scale: float
) -> None:
    # The weighting computes a normal's pdf, cdf and sf itself (docs/performance.md); the
    # numbers must stay scipy's exactly, at the edges too.
    from scipy import stats

    from impact.inputs import evidence

    form = stats.norm(loc=loc, scale=scale)
    rng = np.random.default_rng(7)
    edges = [np.inf, -np.inf, np.nan, 0.0, -0.0, loc, 5e-324, 1e308, -1e308]
    x = np.concatenate([rng.normal(loc, 3 * scale, 20_000), rng.lognormal(0, 5, 500), edges])
    assert evidence._normal(form) == (loc, scale)
    with np.errstate(all="ignore"):
        for ours, theirs in (
            (evidence._pdf, form.pdf),
            (evidence._cdf, form.cdf),
            (evidence._sf, form.sf),
        ):
            assert np.array_equal(ours(form, x), theirs(x), equal_nan=True)
    assert evidence._normal(stats.lognorm(0.5, scale=2.0)) is None  # other families: scipy's own


def test_a_weighted_sketchs_kept_cumulative_weights_follow_its_merges() -> None:
    """Quantiles read kept cumulative weights: after a merge they must be the merged sketch's
    (as a sketch merged without any quantile asked before), and a pickled sketch leaves them
    behind."""
    import pickle

    rng = np.random.default_rng(5)
    parts = [(rng.lognormal(10, 1, 3_000), rng.random(3_000)) for _ in range(3)]
    asked = WeightedSketch.of_weighted(*parts[0])
    fresh = WeightedSketch.of_weighted(*parts[0])
    qs = (0.05, 0.5, 0.95, 0.99)
    for values, weights in parts[1:]:
        [asked.quantile(q) for q in qs]  # keeps the cumulative weights of the sketch so far
        asked.merge(WeightedSketch.of_weighted(values, weights))
        fresh.merge(WeightedSketch.of_weighted(values, weights))
    assert [asked.quantile(q) for q in qs] == [fresh.quantile(q) for q in qs]
    sent = pickle.loads(pickle.dumps(asked))
    assert sent._cumulative is None
    assert [sent.quantile(q) for q in qs] == [fresh.quantile(q) for q in qs]
