"""report.html: in every folder, self-contained (loads no URL), its numbers from the tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import impact
from impact.analysis.summaries import TOTAL, report_data
from impact.reports.format import format_usd
from impact.reports.headline import headline
from impact.reports.html import VENDORED, chart_specs, vendored_js
from impact.reports.vega import distribution_spec, exceedance_spec

# Anything a browser would fetch: a src/href to a URL, a stylesheet link, an @import, fetch().
LOADS = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|<link\b|@import|\bfetch\(""", re.I)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=3)
    out = tmp_path_factory.mktemp("html") / "meta"
    impact.write_report(result, out)
    return out


def test_every_report_folder_has_report_html(folder: Path) -> None:
    assert (folder / "report.html").is_file()
    assert "report.html" in (folder / "report.md").read_text()


def test_report_html_loads_nothing_and_inlines_the_scripts_once(folder: Path) -> None:
    page = (folder / "report.html").read_text()
    outside_scripts = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert not LOADS.search(outside_scripts)
    assert page.count(vendored_js()) == 1
    assert "sourceMappingURL" not in page
    assert '"editor":false' in page  # vega-embed's "open in editor" would leave the machine


def test_report_html_shows_the_headline_and_the_tables_numbers(folder: Path) -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=3)
    page = (folder / "report.html").read_text()
    assert headline(result.scenario.label, result.summary).replace("&", "&amp;") in page
    assert format_usd(float(result.summary.loc[TOTAL, "p95"])) in page
    assert "Assumptions and their sources" in page
    for key in ("outage.hours", "revenue.hourly_loss"):
        assert f"<td>{key}</td>" in page


def test_chart_specs_carry_formatted_hover_values() -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=3)
    specs = chart_specs(report_data(result))
    text = json.dumps(specs)
    assert '"tooltip"' in text
    bars = specs["chart-distribution"]["layer"][0]["data"]["values"]
    assert all(b["range"].startswith("$") for b in bars)
    assert sum(b["share"] for b in bars) == pytest.approx(100, abs=1.0)  # 0.1%–99.5% shown


def test_exceedance_stops_where_ten_trials_lie_beyond() -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=3)
    data = report_data(result)
    spec = exceedance_spec(data.exceedance, data.summary, 5_000)
    points = spec["layer"][0]["data"]["values"]
    assert min(p["percent"] for p in points) >= 100 * 10 / 5_000
    assert len(points) <= 240


def test_vendored_scripts_ship_with_their_licences() -> None:
    static = Path(impact.__file__).parent / "reports" / "static"
    for name in VENDORED:
        assert (static / name).is_file()
        assert "BSD" in (static / name.replace(".min.js", ".LICENSE")).read_text() or (
            "Redistribution" in (static / name.replace(".min.js", ".LICENSE")).read_text()
        )


def test_the_histogram_says_it_cuts_the_far_tail() -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=3)
    data = report_data(result)
    subtitle = chart_specs(data)["chart-distribution"]["title"]["subtitle"]
    edge = float(data.distribution["right"].iloc[-1])
    assert subtitle[1].startswith(f"cut at {format_usd(edge)} (the 99.5th percentile")
    assert subtitle[2] == "the largest outages, at most 0.5%, are off the chart"
    # What it says holds: no more than 0.5% of the trials lie above the cut.
    assert result.sketches[TOTAL].quantile(0.995) <= edge
    assert 1 - float(data.distribution["share"].sum()) > 0  # something is cut


def test_a_histogram_holding_every_trial_says_nothing_is_cut() -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 2_000, rng=3)
    whole = pd.DataFrame({"left": [0.0, 1e6], "right": [1e6, 2e6], "count": [1, 1999]})
    whole["share"] = whole["count"] / 2_000
    spec = distribution_spec(whole, result.summary, 2_000)
    assert spec["title"]["subtitle"] == ["the share of 2,000 simulated outages at each loss"]
