"""`impact serve` and report.html in a real browser: headless Chromium driven by Playwright.

The path a journalist takes: load the page, move a slider and see the headline change, type a
bad spec and see its one line, upload a bad file, pin a run and compare, download the zip, open
the annual and resilience tabs; then a report.html opened offline shows its hover values. Each
main view is saved as a screenshot in the test's tmp_path. Skipped, saying why, when Playwright
or Chromium is missing (`.ci/run` installs both).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import impact

# End to end and about a minute of the 2-core machine: slow, so `pytest` (the quick suite) leaves
# them to CI (`CI=true pytest`, as `.ci/run` sets) and to `pytest -m browser`.
pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason='playwright is not installed (pip install -e ".[test]")'
)
pytest.importorskip("starlette", reason='the web extra is not installed: pip install "impact[web]"')
CHROMIUM = os.environ.get("IMPACT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip(
        "chromium is not installed (apt-get install -y chromium; .ci/run does)",
        allow_module_level=True,
    )

BAD_TOML = b'[outage]\nhours = "triangular(300, 100, 500)"\nsevrity = 0.5\n'
TIMEOUT = 60_000  # ms; the CI machine has two busy cores


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    tmp = tmp_path_factory.mktemp("serve")
    proc = subprocess.Popen(
        [sys.executable, "-m", "impact", "serve", "--port", str(port)],
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert not list(tmp.glob("impact-serve-*"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _headline(page: Any) -> str:
    return str(page.locator("#headline").inner_text())


def _wait_run(page: Any, trials: str) -> None:
    page.wait_for_function(
        f"document.querySelector('#status').textContent.startsWith('{trials} trials')",
        timeout=TIMEOUT,
    )


def test_the_what_if_page(server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server)
    _wait_run(page, "100,000")
    page.wait_for_selector("#chart-exceedance svg, #chart-exceedance canvas")
    assert _headline(page).startswith("TikTok US, January 2026: an outage like this cost")
    page.screenshot(path=tmp_path / "1-whatif.png", full_page=True)

    page.fill("#trials", "20000")
    page.locator("#trials").dispatch_event("change")
    _wait_run(page, "20,000")
    before = _headline(page)
    page.locator('.key[data-key="outage.hours"] input[type=range]').fill("24")
    page.wait_for_function(
        "(b) => document.querySelector('#headline').textContent !== b", arg=before, timeout=TIMEOUT
    )
    _wait_run(page, "20,000")
    assert "$" in _headline(page)
    assert page.locator('.key[data-key="outage.hours"] .spec').input_value() == "24"

    spec = page.locator('.key[data-key="outage.severity"] .spec')
    spec.fill("triangular(0.5, 0.1, 0.9)")
    spec.press("Enter")
    error = page.locator('.key[data-key="outage.severity"] .err')
    error.wait_for(state="visible", timeout=TIMEOUT)
    page.wait_for_function(
        "document.querySelector('.key[data-key=\"outage.severity\"] .err').textContent !== ''",
        timeout=TIMEOUT,
    )
    assert error.inner_text() == (
        "outage.severity: triangular(0.5, 0.1, 0.9): mode must lie between low and high"
    )
    page.screenshot(path=tmp_path / "2-bad-spec.png")
    spec.fill("0.25")
    spec.press("Enter")
    page.wait_for_function(
        "document.querySelector('.key[data-key=\"outage.severity\"] .err').textContent === ''",
        timeout=TIMEOUT,
    )
    _wait_run(page, "20,000")

    page.set_input_files(
        "#upload", files=[{"name": "mine.toml", "mimeType": "text/plain", "buffer": BAD_TOML}]
    )
    page.locator("#upload-errors li").first.wait_for(timeout=TIMEOUT)
    lines = page.locator("#upload-errors li").all_inner_texts()
    assert any("outage.hours" in line and "mode must lie" in line for line in lines)
    assert any("sevrity" in line for line in lines)
    page.screenshot(path=tmp_path / "3-bad-upload.png")

    page.click("#pin")
    page.locator('.key[data-key="outage.hours"] input[type=range]').fill("96")
    page.wait_for_function(
        "document.querySelector('#compare-headline').textContent.includes('Common random')",
        timeout=TIMEOUT,
    )
    assert page.locator("#compare-table tr").count() > 3
    # A and B by what differs between them; the paired means are from the assumptions alone,
    # unlike the headline above, which says it is conditioned on the evidence.
    labels = page.locator("#compare-labels").inner_text()
    assert "A: pinned run-" in labels and "(outage.hours = 24)" in labels, labels
    assert "B: this run run-" in labels and "(outage.hours = 96)" in labels, labels
    heading = page.locator("#compare-table th").nth(1).inner_text()
    assert "from the assumptions alone, evidence not applied" in heading
    assert page.locator("#conditioned").inner_text().startswith("Conditioned on the evidence")
    page.screenshot(path=tmp_path / "4-compare.png", full_page=True)

    with page.expect_download(timeout=TIMEOUT) as download:
        page.click("#download-zip")
    saved = tmp_path / "report.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert any(n.endswith("/report.html") for n in names)
    assert any(n.endswith("/report.md") for n in names)
    with page.expect_download(timeout=TIMEOUT) as download:
        page.click("#download-samples")
    saved = tmp_path / "samples.csv"
    download.value.save_as(saved)
    assert len(saved.read_text().splitlines()) == 20_001  # a header and one row a trial

    # The annual tab answers as it opens (the quick run); pressing Simulate at once sends a
    # newer request, which replaces the first (the page shows one answer, from the second).
    page.click("#tab-annual")
    page.click("#run-annual")
    page.wait_for_function(
        "document.querySelector('#annual-headline').textContent.includes('a year')",
        timeout=TIMEOUT,
    )
    precision = page.locator("#annual-precision").inner_text()
    assert precision.startswith("50,000 simulated years.")
    assert "95% interval" in precision
    mean_cell = page.locator("#annual-table tr").nth(1).locator("td").nth(1).inner_text()
    assert mean_cell.startswith("$")
    assert "\n± $" in mean_cell  # the figure, its 95% Monte Carlo interval below
    page.screenshot(path=tmp_path / "5-annual.png", full_page=True)

    # A longer run shows its progress, and Stop cancels it, keeping the previous figures.
    before = page.locator("#annual-headline").inner_text()
    page.click("#long-annual")
    page.wait_for_function(
        "document.querySelector('#progress-annual span').textContent.includes('of 500,000 years')",
        timeout=TIMEOUT,
    )
    page.screenshot(path=tmp_path / "5b-annual-progress.png")
    page.click("#stop-annual")
    page.wait_for_function(
        "document.querySelector('#annual-precision').textContent.startsWith('Stopped')",
        timeout=TIMEOUT,
    )
    assert page.locator("#annual-headline").inner_text() == before
    assert page.locator("#progress-annual").is_hidden()

    page.click("#tab-resilience")
    page.wait_for_function(
        "document.querySelector('#resilience-headline').textContent.includes('pays for itself')",
        timeout=TIMEOUT,
    )
    assert page.locator("aside").is_hidden()  # the what-if settings do not apply here
    assert page.locator("#resilience-precision").inner_text().startswith("5,000 simulated futures")
    page.screenshot(path=tmp_path / "6-resilience.png", full_page=True)
    outside = [u for u in requests if not u.startswith(server)]
    assert not outside, outside  # nothing from a CDN
    page.close()


def _fits(page: Any) -> None:
    """Nothing is wider than the window: no sideways scrolling of the page."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"


@pytest.mark.parametrize(("name", "width", "height"), [("phone", 375, 812), ("tablet", 768, 1024)])
def test_narrow_screens(
    server: str, browser: Any, tmp_path: Path, name: str, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(server)
    _wait_run(page, "100,000")  # the page's own first run (it sets the trials field first)
    page.fill("#trials", "20000")
    page.locator("#trials").dispatch_event("change")
    _wait_run(page, "20,000")
    page.wait_for_selector("#chart-exceedance canvas, #chart-exceedance svg", timeout=TIMEOUT)
    page.wait_for_timeout(300)  # the charts' resize to their container
    _fits(page)
    # The charts follow the screen: each as wide as the column, no wider than the window.
    for chart in ("#chart-distribution", "#chart-exceedance", "#chart-breakdown"):
        box = page.locator(f"{chart} canvas, {chart} svg").first.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        assert box["width"] >= 0.6 * width  # resized to the column, not a fixed 560 px
    # The controls are on screen and work: a slider moves the headline.
    slider = page.locator('.key[data-key="outage.hours"] input[type=range]')
    slider.scroll_into_view_if_needed()
    sbox = slider.bounding_box()
    assert sbox["x"] >= 0
    assert sbox["x"] + sbox["width"] <= width
    assert sbox["height"] >= 16
    page.screenshot(path=tmp_path / f"{name}-1-whatif.png", full_page=True)
    before = _headline(page)
    slider.fill("12")
    page.wait_for_function(
        "(b) => document.querySelector('#headline').textContent !== b", arg=before, timeout=TIMEOUT
    )
    _wait_run(page, "20,000")
    _fits(page)
    page.click("#tab-annual")
    page.wait_for_function(
        "document.querySelector('#annual-headline').textContent.includes('a year')",
        timeout=TIMEOUT,
    )
    _fits(page)
    page.screenshot(path=tmp_path / f"{name}-2-annual.png", full_page=True)
    page.click("#tab-resilience")
    page.wait_for_function(
        "document.querySelector('#resilience-headline').textContent.includes('pays for itself')",
        timeout=TIMEOUT,
    )
    _fits(page)
    page.screenshot(path=tmp_path / f"{name}-3-resilience.png", full_page=True)
    page.close()


def test_report_html_offline_shows_hover_values(browser: Any, tmp_path: Path) -> None:
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), 20_000, rng=1)
    impact.write_report(result, tmp_path / "report")
    context = browser.new_context(offline=True, viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "report" / "report.html").as_uri())
    for chart in ("#chart-distribution", "#chart-exceedance"):
        page.wait_for_selector(f"{chart} canvas, {chart} svg", timeout=TIMEOUT)
    box = page.locator("#chart-distribution canvas, #chart-distribution svg").first.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    # Sweep across the bars near the plot's foot (below the title, above the axis and legend)
    # until one shows its tooltip.
    for i in range(40):
        page.mouse.move(box["x"] + box["width"] * (0.15 + 0.02 * i), box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(50)
        if tooltip.is_visible() and "total loss" in tooltip.inner_text():
            break
    tooltip.wait_for(state="visible", timeout=TIMEOUT)
    assert "total loss" in tooltip.inner_text()
    assert "$" in tooltip.inner_text()
    page.screenshot(path=tmp_path / "7-report-html-hover.png")
    assert all(u.startswith("file://") for u in requests), requests
    _fits(page)
    page.screenshot(path=tmp_path / "7-report-html.png", full_page=True)
    context.close()
    phone = browser.new_context(offline=True, viewport={"width": 375, "height": 812})
    page = phone.new_page()
    page.goto((tmp_path / "report" / "report.html").as_uri())
    page.wait_for_selector("#chart-breakdown canvas, #chart-breakdown svg", timeout=TIMEOUT)
    page.wait_for_timeout(300)
    _fits(page)
    box = page.locator("#chart-exceedance canvas, #chart-exceedance svg").first.bounding_box()
    assert box["x"] + box["width"] <= 375
    page.screenshot(path=tmp_path / "8-report-html-phone.png", full_page=True)
    phone.close()


def test_report_html_tables_fit_their_scroller_at_1280px(browser: Any, tmp_path: Path) -> None:
    """Every table of report.html fits its scroller at a laptop's width: long source URLs wrap
    instead of pushing the last column out of view."""
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), 2_000, rng=1)
    impact.write_report(result, tmp_path / "report")
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((tmp_path / "report" / "report.html").as_uri())
    overflow = page.evaluate(
        "[...document.querySelectorAll('.scroll')].map(s => s.scrollWidth - s.clientWidth)"
    )
    assert overflow and max(overflow) <= 0, overflow
    page.locator("h2", has_text="Assumptions and their sources").scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "9-report-html-assumptions.png")
    context.close()
    # On a phone the source column keeps a readable width (the table scrolls sideways) rather
    # than one that wraps a letter or two a line.
    phone = browser.new_context(offline=True, viewport={"width": 375, "height": 812})
    page = phone.new_page()
    page.goto((tmp_path / "report" / "report.html").as_uri())
    widths = page.evaluate("[...document.querySelectorAll('td.wrap')].map(td => td.offsetWidth)")
    assert widths and min(widths) >= 200, min(widths)
    phone.close()


def test_the_annual_and_resilience_tabs_say_when_they_are_stale(
    server: str, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server)
    _wait_run(page, "100,000")
    page.click("#tab-annual")
    page.wait_for_function(
        "document.querySelector('#annual-headline').textContent.includes('a year')",
        timeout=TIMEOUT,
    )
    # The annual tab runs a fixed number of years: no trials field there.
    assert page.locator("#trials").is_hidden()
    assert page.locator("#stale-annual").is_hidden()
    page.locator('.key[data-key="outage.hours"] input[type=range]').fill("48")
    assert page.locator("#stale-annual").is_visible()
    assert "run again" in page.locator("#stale-annual").inner_text()
    assert "stale" in (page.locator("#annual-table").get_attribute("class") or "")
    page.screenshot(path=tmp_path / "annual-stale.png", full_page=True)
    page.click("#run-annual")
    page.wait_for_function("document.querySelector('#stale-annual').hidden", timeout=TIMEOUT)
    page.select_option("#scenario", "meta-2024")  # asks the server for its specs first
    page.locator("#stale-annual").wait_for(state="visible", timeout=TIMEOUT)
    page.click("#tab-whatif")
    assert page.locator("#trials").is_visible()
    # Resilience runs over TikTok US whatever the scenario: the tab says so for another one.
    page.click("#tab-resilience")
    page.wait_for_function(
        "document.querySelector('#resilience-headline').textContent.includes('pays for itself')",
        timeout=TIMEOUT,
    )
    note = page.locator("#resilience-base")
    assert note.is_visible()
    assert note.inner_text().startswith("Resilience always runs over TikTok US")
    assert page.locator("#stale-resilience").is_hidden()
    designs = page.locator("#current option").all_inner_texts()
    other = next(d for d in designs if d != page.locator("#candidate").input_value())
    page.select_option("#current", other)
    assert page.locator("#stale-resilience").is_visible()
    page.screenshot(path=tmp_path / "resilience-stale.png", full_page=True)
    page.close()
