"""What a newcomer hit (issue 21): the Python API agrees with the CLI, and the CLI says so."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import impact
from impact.cli import app, main
from impact.rng import DEFAULT_SEED

SAMPLED = """name = "sampled"
[sampling]
trials = 1000
seed = 7
[outage]
hours = "uniform(2, 6)"
[revenue]
hourly_loss = "uniform(20k, 40k)"
[frequency]
events_per_year = "lognormal(p5=0.5, p95=3)"
"""


def cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    status = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


@pytest.fixture
def sampled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sampled.toml"
    path.write_text(SAMPLED, encoding="utf-8")
    return path


def test_simulate_takes_trials_and_seed_from_the_scenario_as_the_cli_does(
    sampled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = impact.simulate(impact.load_scenario(sampled))
    assert (result.n_trials, result.seed) == (1000, 7)
    again = impact.simulate(impact.load_scenario(sampled))
    assert again.summary.equals(result.summary)  # no fresh entropy on every call
    payload = cli_json(["simulate", "--scenario", str(sampled), "-q"], capsys)
    assert (payload["trials"], payload["seed"]) == (1000, 7)
    mean = payload["metrics"]["total_revenue_loss_usd"]["mean"]
    assert mean == result.summary.loc["total_revenue_loss_usd", "mean"]


def test_without_sampling_the_default_seed_is_the_cli_one() -> None:
    scenario = impact.scenario_from_specs({"outage.hours": 3, "revenue.hourly_loss": "1M"})
    assert impact.simulate(scenario, 1000).seed == DEFAULT_SEED == 20260125
    # An explicit None still means fresh entropy (documented), recorded in the result.
    assert impact.simulate(scenario, 1000, None).seed != DEFAULT_SEED


def test_annual_compare_and_resilience_take_the_scenario_seed(
    sampled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = impact.load_scenario(sampled)
    annual = impact.annual(scenario)
    assert (annual.n_years, annual.seed) == (1000, 7)
    payload = cli_json(["annual", "--scenario", str(sampled), "--out", "a"], capsys)
    assert payload["seed"] == 7 and payload["years"] == 1000
    assert payload["p_any_outage"] == annual.p_any_outage

    paired = impact.compare(scenario, b_overrides={"outage.hours": 1})
    assert (paired.n_trials, paired.seed) == (1000, 7)
    payload = cli_json(["compare", str(sampled), "--b-set", "outage.hours=1", "--out", "c"], capsys)
    assert payload["seed"] == 7

    # Designs are changes applied over a base platform (issue 20): the seed is the base's.
    cost = "[cost]\none_off_usd = {}\nper_year_usd = 0\nyears = 5\ndiscount_rate = 0.05\n"
    current = sampled.with_name("current.toml")
    current.write_text(cost.format(0), encoding="utf-8")
    candidate = sampled.with_name("candidate.toml")
    candidate.write_text(cost.format(1000), encoding="utf-8")
    assert impact.resilience(current, candidate, n_futures=100, base=sampled).seed == 7
    payload = cli_json(
        ["resilience", "--base", str(sampled), "--current", str(current), "--candidate",
         str(candidate), "--trials", "100", "--out", "r"], capsys,
    )  # fmt: skip
    assert payload["seed"] == 7


@pytest.mark.parametrize("command", ["simulate", "annual", "compare", "resilience", "sensitivity"])
def test_help_states_the_real_default_seed(command: str) -> None:
    text = " ".join(CliRunner().invoke(app, [command, "--help"]).output.split())
    assert "[sampling] seed, else 20260125" in text, text


@pytest.mark.parametrize("command", ["simulate", "annual", "compare"])
def test_help_states_the_real_default_trials(command: str) -> None:
    text = " ".join(CliRunner().invoke(app, [command, "--help"]).output.split())
    assert "[sampling] trials, else 100k" in text, text


def test_compare_help_does_not_call_outages_years() -> None:
    text = " ".join(CliRunner().invoke(app, ["compare", "--help"]).output.split())
    trials = text[text.index("--trials") :][:160]
    assert "outages, or years with --annual" in trials, trials


def test_print_of_a_changed_scenario_says_it_was_modified() -> None:
    scenario = impact.load_scenario("meta-2024").with_overrides({"outage.hours": 2})
    text = repr(impact.simulate(scenario, 2000, 1))
    assert "modified='outage.hours'" in text
    assert "modified" not in repr(impact.simulate(impact.load_scenario("meta-2024"), 2000, 1))
    assert "(modified: outage.hours)" in impact.simulate(scenario, 2000, 1)._repr_html_()


def test_estimate_documents_its_dataframe() -> None:
    assert "DataFrame" in (impact.estimate.__doc__ or "").split("\n\n")[0]
    summary = impact.estimate(outage_hours=3, hourly_loss="1M", n_trials=1000)
    assert np.isclose(summary.loc["total_revenue_loss_usd", "p50"], 3e6, rtol=0.5)


# --- what a new user hit ----------------------------------------------------------------------

LIVE = """name = "live"
title = "Mid-size live-streaming platform, one region of three down for 3-6 hours"
[outage]
hours = "uniform(3, 6)"
severity = "pert(0.2, 0.33, 0.5)"
[revenue]
hourly_loss = "uniform(20k, 40k)"
[users]
count = "2M"
[frequency]
events_per_year = "lognormal(p5=0.5, p95=3)"
"""


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "live.toml"
    path.write_text(LIVE, encoding="utf-8")
    return path


def test_no_creators_means_no_tiers_and_no_zero_creators(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["simulate", "--scenario", str(live), "--trials", "3000", "--out", "out"])
    out, err = capsys.readouterr()
    assert status == 0, err
    headline = " ".join(out.split("20,260,125")[0].split()[:40])
    assert headline.startswith(
        "Mid-size live-streaming platform, one region of three down for 3-6 hours: an outage "
        "like this cost an estimated $"
    )
    assert "creators for good" not in out and "users for good" in headline
    folder = live.parent / "out"
    assert not (folder / "tiers.csv").exists() and not (folder / "creator_tiers.png").exists()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Creator tiers" not in report and "0 creators" not in report
    assert "Creators lost $0" not in report
    assert "## Users who left" in report


def test_creators_without_tiers_are_one_tier(live: Path) -> None:
    scenario = impact.load_scenario(live).with_overrides({"creators.count": 39})
    tiers = impact.simulate(scenario, 2000, 1).tiers()
    assert list(tiers["tier"]) == ["all creators"]
    assert tiers.loc[0, "creators"] == 39
    none = impact.simulate(impact.load_scenario(live), 2000, 1).tiers()
    assert none.empty and "loss_p50_usd" in none.columns


def test_people_are_whole_numbers_wherever_they_are_printed(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = LIVE.replace('"2M"', '"20k"')
    live.write_text(small + "[creators]\ncount = 39\n", encoding="utf-8")
    assert main(["simulate", "--scenario", str(live), "--trials", "1000", "--out", "o"]) == 0
    assert main(["annual", "--scenario", str(live), "--trials", "1000", "--out", "a"]) == 0
    out = capsys.readouterr().out
    report = (live.parent / "o" / "report.md").read_text(encoding="utf-8")
    annual = (live.parent / "a" / "report.md").read_text(encoding="utf-8")
    people = r"(\d+\.\d+) (users|creators)\b"

    for text in (out, report, annual):
        assert not re.search(people, text), re.search(people, text)
    rows = [line for line in report.splitlines() if line.startswith("| Users lost for good")]
    assert rows and not re.search(r"\| \d+\.\d+ ", rows[0]), rows


def test_annual_odds_and_thresholds_read_well_for_a_small_platform(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["annual", "--scenario", str(live), "--trials", "5000", "--out", "a"]) == 0
    capsys.readouterr()
    report = (live.parent / "a" / "report.md").read_text(encoding="utf-8")
    assert "1 year in 1 " not in report and "1 year in 1\n" not in report
    assert "1 year in 1 |" not in report
    assert "none simulated" not in report
    assert report.split("\n\n")[1].startswith("> **Mid-size live-streaming platform, one region")


def test_compare_labels_do_not_nest_parentheses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["compare", "meta-2024", "--set", "outage.severity=0.3", "--b-set", "outage.hours=1"]
    assert main([*argv, "--trials", "2000", "--out", "c"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    title = impact.load_scenario("meta-2024").label
    assert f"B ({title} with outage.severity=0.3, outage.hours=1) changes" in out, out
    assert f"against A ({title} with outage.severity=0.3), with a paired" in out, out
    assert "(modified:" not in out


def test_validate_checks_design_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    designs = Path(impact.__file__).resolve().parents[1] / "data" / "designs" / "tiktok-us-2026"
    for design in sorted(designs.glob("*.toml")):
        assert main(["validate", str(design)]) == 0, capsys.readouterr().err
        assert "ok (a resilience design over tiktok-us-2026" in capsys.readouterr().out
    assert main(["validate", "active-active"]) == 0
    capsys.readouterr()
    mine = tmp_path / "mine.toml"
    mine.write_text((designs / "active-active.toml").read_text(encoding="utf-8"), "utf-8")
    assert main(["validate", "mine.toml"]) == 2  # a partial design on its own
    err = capsys.readouterr().err
    assert "revenue.hourly_loss: missing" in err and "--base SCENARIO" in err
    assert main(["validate", "mine.toml", "--base", "tiktok-us-2026"]) == 0
    capsys.readouterr()
    # The decision's horizon is the current design's (single-site states it).
    current = (designs / "single-site.toml").read_text(encoding="utf-8")
    assert "years = 5" in current
    mine.write_text(current.replace("years = 5", "years = 500"), "utf-8")
    assert main(["validate", "mine.toml", "--base", "tiktok-us-2026"]) == 2
    assert "cost.years: 500: at most 100 years" in capsys.readouterr().err


def test_a_folder_named_like_a_builtin_does_not_hide_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "meta-2024").mkdir()
    assert main(["simulate", "--scenario", "meta-2024", "--trials", "1000", "-q"]) == 0
    assert main(["simulate", "--scenario", "./meta-2024", "--trials", "1000", "-q"]) == 2
    assert "'./meta-2024': is a folder" in capsys.readouterr().err
    assert impact.load_scenario("meta-2024").path != tmp_path / "meta-2024"
    (tmp_path / "single-site").mkdir()  # likewise for a built-in resilience design
    from impact.inputs.designs import builtin_designs, load_design

    assert load_design("single-site").path == builtin_designs()["single-site"]
    assert main(["validate", "single-site"]) == 0


@pytest.mark.parametrize(("low", "high"), [(0.02, 3700.0), (40e6, 230e6), (1.0, 1e9), (3.0, 50.0)])
def test_dollar_log_axis_labels_never_overlap(low: float, high: float) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from impact.reports.charts import usd_log_axis
    from impact.reports.style import chart_style, figure

    with chart_style():
        fig = figure(4.5, 3.0)  # the width of one panel of creator_tiers.png
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        usd_log_axis(ax.xaxis, low, high)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        ticks = [*ax.xaxis.get_major_ticks(), *ax.xaxis.get_minor_ticks()]
        shown = [
            t.label1.get_window_extent(renderer)
            for t in ticks
            if t.label1.get_visible() and t.label1.get_text() and low <= t.get_loc() <= high
        ]
    assert len(shown) >= 2
    shown.sort(key=lambda box: box.x0)
    for left, right in itertools.pairwise(shown):
        assert left.x1 < right.x0, (left, right)


def test_evidence_chart_legend_covers_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from impact.analysis.summaries import report_data
    from impact.reports import evidence_report, style

    tables = report_data(impact.simulate(impact.load_scenario("tiktok-us-2026"), 5000, 1)).evidence
    assert tables is not None
    drawn = []
    # evidence_report imports the style (and so matplotlib) when it draws, so the patch goes there
    monkeypatch.setattr(style, "save", lambda fig, path: drawn.append(fig))
    evidence_report.draw_evidence_chart(tables, tmp_path / "e.png")
    (fig,) = drawn
    canvas = FigureCanvasAgg(fig)
    fig.get_layout_engine().execute(fig)
    canvas.draw()
    (ax,) = fig.axes
    legend = ax.get_legend().get_window_extent(canvas.get_renderer())
    assert legend.y0 >= ax.get_window_extent().y1  # above the rows, not on them


ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "docs/model.md", "docs/architecture.md", "docs/performance.md"]


@pytest.mark.parametrize("doc", DOCS)
def test_docs_name_only_files_in_the_repository(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    named = r"`((?:impact|data|tests|docs|benchmarks)/[\w/.-]+\.(?:py|md|csv|toml|png))`"
    missing = [path for path in re.findall(named, text) if not (ROOT / path).exists()]
    assert not missing, missing
    assert "](../" not in text and "shared/design" not in text


def test_readme_lists_every_report_file() -> None:
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for name in ("evidence_inputs.csv", "evidence_inputs.png", "tiers.csv", "observables.csv"):
        assert f"`{name}`" in text, name
