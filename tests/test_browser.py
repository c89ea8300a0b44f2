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

pytestmark = pytest.mark.browser
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
    page.screenshot(path=tmp_path / "4-compare.png", full_page=True)

    with page.expect_download(timeout=TIMEOUT) as download:
        page.click("#download-zip")
    saved = tmp_path / "report.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert any(n.endswith("/report.html") for n in names)
    assert any(n.endswith("/report.md") for n in names)

    page.click("#tab-annual")
    page.click("#run-annual")
    page.wait_for_function(
        "document.querySelector('#annual-headline').textContent.includes('a year')",
        timeout=TIMEOUT,
    )
    page.screenshot(path=tmp_path / "5-annual.png")
    page.click("#tab-resilience")
    page.click("#run-resilience")
    page.wait_for_function(
        "document.querySelector('#resilience-headline').textContent.includes('pays for itself')",
        timeout=TIMEOUT,
    )
    page.screenshot(path=tmp_path / "6-resilience.png")
    outside = [u for u in requests if not u.startswith(server)]
    assert not outside, outside  # nothing from a CDN
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
    page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.8)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=TIMEOUT)
    assert "total loss" in tooltip.inner_text()
    assert "$" in tooltip.inner_text()
    page.screenshot(path=tmp_path / "7-report-html-hover.png")
    assert all(u.startswith("file://") for u in requests), requests
    context.close()
