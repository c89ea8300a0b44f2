"""The backtest report: company cases and their coverage, analysts' arithmetic apart, a chart."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from impact.analysis.backtest import CONFIDENCE, BacktestResult
from impact.reports.after_effects_report import recoveries_section
from impact.reports.files import Writer, write_files
from impact.reports.format import format_usd
from impact.reports.md import table
from impact.reports.style import BLUE, GREY, ORANGE, chart_style, figure, footnote, save
from impact.reports.tables import write_csv

__all__ = [
    "ANALYST_HEADER",
    "COMPANY_HEADER",
    "COVERAGE_HEADER",
    "analyst_lines",
    "backtest_markdown",
    "company_lines",
    "coverage_lines",
    "coverage_sentence",
    "write_backtest_report",
]

CHART = "backtest_percentiles.png"

WHAT_IT_CHECKS = (
    "Published outage losses are of two kinds, and only one of them tests the model. A "
    "company's own count of what it lost (Roblox's lost bookings, RIM's lost service revenue "
    "and service credits) is compared with the "
    "predicted total loss at the horizon the figure covers: "
    "the hours from restoration to the day it was published, or to the end of the period it "
    "covers if that comes first, since losses after that cannot be in it. Only these cases "
    "count toward the coverage. An analyst's figure is revenue per hour times the hours down: "
    "the same arithmetic as R·S·D, the gross revenue the outage interrupted (the direct loss "
    "plus the revenue that came back after restoration), so it can only say whether the "
    "scenario's revenue per hour, severity and duration agree with the analyst's; it says "
    "nothing about deferred demand, make-goods, attrition, engagement or latency. Each case "
    "takes its revenue per hour from the company's own revenue or bookings, never from the "
    "published loss, so agreement is not circular. With n company figures, k inside is a "
    "binomial count: its exact (Clopper-Pearson) 95% interval is printed beside every share, "
    "and with n this small it is wide. Read the coverage as a check that can fail, not a "
    "calibration."
)

COVERAGE_HEADER = ["interval", "company figures inside", "share", "exact binomial 95% interval"]
COMPANY_HEADER = [
    "case",
    "published",
    "horizon",
    "pctl of direct",
    "pctl of total",
    "in 50%",
    "in 90%",
]
ANALYST_HEADER = [
    "case",
    "published",
    "pctl of R·S·D",
    "median R·S·D",
    "published / median",
]


def _share(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0%}"


def _percent(share: float) -> str:
    """A share as a percentage with one decimal at most: 0.0126 -> '1.3%', 1.0 -> '100%'."""
    text = f"{100 * share:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _interval(low: float, high: float) -> str:
    return f"{_percent(low)}–{_percent(high)}"


def _horizon(hours: float) -> str:
    if math.isnan(hours):
        return "n/a"
    days = hours / 24
    return f"{hours:,.0f} h ({days:.1f} d)" if days < 10 else f"{hours:,.0f} h ({days:.0f} d)"


def coverage_lines(result: BacktestResult) -> list[list[str]]:
    """Rows of the coverage table (company figures only), formatted."""
    return [
        [
            f"central {r['interval']}",
            f"{int(r['inside'])} of {int(r['n'])}",
            _share(float(r["coverage"])),
            _interval(float(r["ci95_low"]), float(r["ci95_high"])),
        ]
        for _, r in result.coverage_table().iterrows()
    ]


def coverage_sentence(result: BacktestResult, level: int = 90) -> str:
    """'1 of 2 company figures inside the 90% interval (50%; exact binomial 95% interval
    1.3%–98.7%).'"""
    k, n = result.coverage_counts(level)
    low, high = result.coverage_interval(level)
    share = _share(result.coverage(level))
    return (
        f"{k} of {n} company figures inside the central {level}% interval ({share}; exact "
        f"binomial {CONFIDENCE:.0%} interval {_interval(low, high)})."
    )


def company_lines(result: BacktestResult, *, bold_misses: bool = False) -> list[list[str]]:
    """Rows of the company cases' table, formatted."""
    miss = "**no**" if bold_misses else "no"
    return [
        [
            str(r["name"]),
            format_usd(float(r["published_usd"])),
            _horizon(float(r["horizon_hours"])),
            f"{float(r['direct_percentile']):.0f}",
            f"{float(r['total_percentile']):.0f}",
            "yes" if r["in_50"] else "no",
            "yes" if r["in_90"] else miss,
        ]
        for _, r in result.company.iterrows()
    ]


def analyst_lines(result: BacktestResult) -> list[list[str]]:
    """Rows of the analysts' arithmetic table, formatted."""
    return [
        [
            str(r["name"]),
            format_usd(float(r["published_usd"])),
            f"{float(r['rsd_percentile']):.0f}",
            format_usd(float(r["rsd_median_usd"])),
            f"{float(r['ratio_to_rsd_median']):.2f}",
        ]
        for _, r in result.analysts.iterrows()
    ]


def backtest_markdown(
    result: BacktestResult, recoveries: tuple[pd.DataFrame, pd.DataFrame] | None = None
) -> str:
    """The report; with `recoveries` (the leave-one-out table and its coverage) a
    "Recoveries (leave-one-out)" section too."""
    parts = [
        "# Backtest: published outage losses against the predicted distributions",
        f"Each case simulated with {result.n_trials:,} trials, seed {result.seed}.",
        "## Coverage (company figures only)\n\n"
        + coverage_sentence(result, 90)
        + "\n\n"
        + table(COVERAGE_HEADER, coverage_lines(result), "lrrr"),
        "## Company figures: the predicted total loss at the figure's horizon\n\n"
        "Percentiles (0-100) of the published figure in the predicted direct loss and in the "
        "predicted total loss at the horizon; the total is what a company figure tests.\n\n"
        + table(COMPANY_HEADER, company_lines(result, bold_misses=True), "lrrrrll"),
        "## Analysts' figures: arithmetic checks against R·S·D, not validation\n\n"
        "An analyst's revenue per hour times hours is the same arithmetic as R·S·D, the gross "
        "revenue interrupted. These rows say whether the scenario's R, S and D agree with the "
        "analyst's; they never count toward the coverage.\n\n"
        + (
            table(ANALYST_HEADER, analyst_lines(result), "lrrrr")
            if len(result.analysts)
            else "No analyst cases in this run."
        ),
        f"![Percentile of each published loss]({CHART})",
        "## What the figures can check\n\n" + WHAT_IT_CHECKS,
        "## Sources\n\n"
        + "\n".join(
            f"- {r['name']} ({r['kind']}): {r['source']}" for _, r in result.cases.iterrows()
        ),
    ]
    if recoveries is not None:
        parts.append(recoveries_section(*recoveries))
    return "\n\n".join(parts) + "\n"


def _chart(result: BacktestResult, path: Path) -> None:
    # Company cases on top, analysts below them; matplotlib counts rows from the bottom.
    frame = result.cases
    cases = frame.sort_values("kind", key=lambda kind: kind != "company", kind="stable").iloc[::-1]
    company = (cases["kind"] == "company").to_numpy()
    with chart_style():
        fig = figure(8.0, 0.55 * max(len(cases), 2) + 2.4)
        ax = fig.add_subplot()
        y = np.arange(len(cases))
        ax.axvspan(5, 95, color=GREY, alpha=0.12, label="90% interval")
        ax.axvspan(25, 75, color=GREY, alpha=0.18, label="50% interval")
        checked = cases["checked_percentile"].to_numpy()
        ax.plot(checked[company], y[company], "s", color=ORANGE, label="company: in total loss")
        ax.plot(
            checked[~company],
            y[~company],
            "o",
            color=BLUE,
            markerfacecolor="none",
            label="analyst: in R·S·D (arithmetic)",
        )
        ax.set_yticks(y, [f"{n} ({k})" for n, k in zip(cases["name"], cases["kind"], strict=True)])
        ax.set_xlim(-2, 102)
        ax.set_xlabel("percentile of the published loss in the predicted distribution")
        ax.set_title("Where each published loss falls")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8)
        footnote(
            fig,
            "Company figures: predicted total loss at the figure's horizon; they alone count "
            "toward coverage. Analyst figures: R·S·D, an arithmetic check.",
        )
        save(fig, path)


def _write_markdown(
    result: BacktestResult, recoveries: tuple[pd.DataFrame, pd.DataFrame] | None, path: Path
) -> None:
    path.write_text(backtest_markdown(result, recoveries), encoding="utf-8")


def write_backtest_report(
    result: BacktestResult,
    out_dir: Path,
    recoveries: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> list[Path]:
    """cases.csv, coverage.csv, the chart and report.md, written atomically; with
    `recoveries` (leave-one-out table, coverage) also recoveries.csv and its section."""
    writers: dict[str, Writer] = {
        "cases.csv": partial(write_csv, result.cases),
        "coverage.csv": partial(write_csv, result.coverage_table()),
        CHART: partial(_chart, result),
        "report.md": partial(_write_markdown, result, recoveries),
    }
    if recoveries is not None:
        writers["recoveries.csv"] = partial(write_csv, recoveries[0])
    return write_files(out_dir, writers)
