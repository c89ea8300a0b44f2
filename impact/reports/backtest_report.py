"""The backtest report: coverage and case tables, a chart of percentiles, what they check."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from impact.analysis.backtest import BacktestResult
from impact.reports.files import Writer, write_files
from impact.reports.format import format_usd
from impact.reports.md import table
from impact.reports.style import BLUE, GREY, ORANGE, chart_style, figure, footnote, save
from impact.reports.tables import write_csv

__all__ = ["backtest_markdown", "coverage_lines", "write_backtest_report"]

CHART = "backtest_percentiles.png"

WHAT_IT_CHECKS = (
    "Published outage losses are of two kinds, and they check different things. Most are an "
    "analyst's revenue per hour times the hours down (Facebook 2019 and 2021, Meta 2024, "
    "Google 2020): they restate the direct-loss arithmetic R·S·D and can only check the "
    "direct part, i.e. whether the scenario's revenue per hour, severity and duration agree "
    "with the analyst's; they say nothing about attrition, engagement or latency losses. A "
    "company's own count of what it lost (Roblox's lost bookings) is rarer and better: it "
    "checks the whole total, after-effects included. Each case takes its revenue per hour "
    "from annual or quarterly revenue or bookings, never from the published loss, so "
    "agreement is not circular. With a handful of cases a coverage share is itself uncertain "
    "(one case moves it by 20 points): read it as a sanity check, not a calibration."
)


def coverage_lines(result: BacktestResult) -> list[list[str]]:
    """Rows of the coverage table, formatted."""
    return [
        [
            str(r["cases"]),
            str(r["n"]),
            f"{int(r['inside_50'])} ({float(r['coverage_50']):.0%})" if r["n"] else "",
            f"{int(r['inside_90'])} ({float(r['coverage_90']):.0%})" if r["n"] else "",
        ]
        for _, r in result.coverage_table().iterrows()
    ]


def backtest_markdown(result: BacktestResult) -> str:
    cases = [
        [
            str(r["name"]),
            format_usd(float(r["published_usd"])),
            str(r["basis"]),
            f"{float(r['direct_percentile']):.0f}",
            f"{float(r['total_percentile']):.0f}",
            str(r["checks"]),
            "yes" if r["in_50"] else "no",
            "yes" if r["in_90"] else "**no**",
        ]
        for _, r in result.cases.iterrows()
    ]
    parts = [
        "# Backtest: published outage losses against the predicted distributions",
        f"Each case simulated with {result.n_trials:,} trials, seed {result.seed}.",
        "## Coverage\n\n"
        + table(
            ["cases", "n", "inside the 50% interval", "inside the 90% interval"],
            coverage_lines(result),
            "lrrr",
        ),
        "## Cases\n\n"
        + table(
            [
                "case",
                "published",
                "basis",
                "percentile of direct loss",
                "percentile of total loss",
                "checks",
                "in 50%",
                "in 90%",
            ],
            cases,
            "lrlrrlll",
        ),
        f"![Percentile of each published loss]({CHART})",
        "## What the figures can check\n\n" + WHAT_IT_CHECKS,
        "Sources: " + "; ".join(f"{r['name']}: {r['source']}" for _, r in result.cases.iterrows()),
    ]
    return "\n\n".join(parts) + "\n"


def _chart(result: BacktestResult, path: Path) -> None:
    cases = result.cases.iloc[::-1]
    with chart_style():
        fig = figure(8.0, 0.55 * max(len(cases), 2) + 1.8)
        ax = fig.add_subplot()
        y = np.arange(len(cases))
        ax.axvspan(5, 95, color=GREY, alpha=0.12, label="90% interval")
        ax.axvspan(25, 75, color=GREY, alpha=0.18, label="50% interval")
        ax.plot(cases["direct_percentile"], y + 0.12, "o", color=BLUE, label="in direct loss")
        ax.plot(cases["total_percentile"], y - 0.12, "s", color=ORANGE, label="in total loss")
        ax.set_yticks(
            y, [f"{n} ({c})" for n, c in zip(cases["name"], cases["checks"], strict=True)]
        )
        ax.set_xlim(-2, 102)
        ax.set_xlabel("percentile of the published loss in the predicted distribution")
        ax.set_title("Where each published loss falls")
        ax.legend(loc="lower right", fontsize=8)
        footnote(fig, "In brackets: what the figure can check (direct part or whole total).")
        save(fig, path)


def _write_markdown(result: BacktestResult, path: Path) -> None:
    path.write_text(backtest_markdown(result), encoding="utf-8")


def write_backtest_report(result: BacktestResult, out_dir: Path) -> list[Path]:
    """cases.csv, coverage.csv, the chart and report.md, written atomically."""
    writers: dict[str, Writer] = {
        "cases.csv": partial(write_csv, result.cases),
        "coverage.csv": partial(write_csv, result.coverage_table()),
        CHART: partial(_chart, result),
        "report.md": partial(_write_markdown, result),
    }
    return write_files(out_dir, writers)
