"""The report's charts drawn in other processes (`impact.reports.drawing`): the same files, and the
main process of `impact simulate` never loads matplotlib."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import impact
from impact.reports import charts, drawing
from impact.reports.chart_data import SIMULATE_CHARTS
from impact.reports.folder import write_report

needs_pool = pytest.mark.skipif(
    drawing.processes() == 0, reason="no drawing processes here (one core, or no fork)"
)


def test_the_chart_list_is_the_charts_registry() -> None:
    assert tuple(charts.CHARTS) == SIMULATE_CHARTS


@needs_pool
def test_a_report_drawn_in_the_pool_is_the_same_bytes(tmp_path: Path) -> None:
    """Every file of the folder, charts included, is byte for byte the one written in this
    process (but for the folder's name in the command that regenerates it): a chart is drawn
    from the same data with the same code wherever it is drawn."""
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), 3_000, rng=11)
    here = write_report(result, tmp_path / "drawn-in-process")
    with drawing.drawing_pool() as pool:
        assert pool is not None
        there = write_report(result, tmp_path / "drawn-in-pool", pool=pool)
    assert [p.name for p in there] == [p.name for p in here]
    assert {p.name for p in here} >= {*SIMULATE_CHARTS, "evidence_inputs.png"}
    for a, b in zip(here, there, strict=True):  # report.md and .html name their own folder
        assert a.read_bytes().replace(b"in-process", b"in-pool") == b.read_bytes(), a.name


def test_no_pool_where_none_is_asked_for() -> None:
    with drawing.drawing_pool(0) as pool:
        assert pool is None


@needs_pool
def test_simulate_leaves_matplotlib_to_the_drawing_processes(tmp_path: Path) -> None:
    """The command's own process draws nothing: it would load matplotlib (about 0.3 s) if a chart
    were drawn here."""
    code = (
        "import sys; from impact.cli import main\n"
        f"status = main(['simulate', '--trials', '2000', '--quiet', '--out', {str(tmp_path)!r}])\n"
        "print(status, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["0", "False"], done.stderr
    assert {p.name for p in tmp_path.iterdir()} >= set(SIMULATE_CHARTS)
