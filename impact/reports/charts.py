"""Charts of a report, drawn headless with matplotlib's Agg canvas from computed tables.

Figures are made with `matplotlib.figure.Figure` on a `FigureCanvasAgg`, never through pyplot,
so drawing a report neither needs a display nor changes the backend of a notebook that imports
`impact`. Dollar axes read $50M or $1.2B (`format_usd`), never scientific notation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from impact.analysis.summaries import TOTAL, ReportData
from impact.reports.chart_data import ChartData
from impact.reports.format import format_usd
from impact.reports.style import BLUE, GREY, ORANGE, chart_style, figure, footnote, save
from impact.reports.tables import stat

__all__ = ["CHARTS", "Chart", "usd_log_axis"]


Chart = Callable[[ChartData, Path], None]
MIN_TAIL_TRIALS = 10
USD = FuncFormatter(lambda x, _: format_usd(x, digits=3))


def _usd_minor(x: float, _: object) -> str:
    """Minor ticks of a log axis in dollars, labelled at 2 and 5 × 10^k only (matplotlib's own
    minor labels are mathtext, printed raw as `$\\mathdefault{6\\times10^{7}}$`)."""
    if not x > 0:
        return ""
    lead = round(x / 10 ** math.floor(math.log10(x)), 6)
    return format_usd(x, digits=3) if lead in (2.0, 5.0) else ""


USD_MINOR = FuncFormatter(_usd_minor)
NO_LABELS = NullFormatter()


def usd_log_axis(axis: Axis, low: float, high: float) -> None:
    """Dollar labels on a log axis from `low` to `high` that never run into each other: at
    1, 2 and 5 × 10^k over up to two decades; over more, at powers of ten only (every other
    one past six decades), the 2s and 5s left as unlabelled minor ticks."""
    decades = math.log10(high / low) if low > 0 and high > low else 0.0
    axis.set_major_formatter(USD)
    if decades <= 2:
        axis.set_minor_formatter(USD_MINOR)
        return
    axis.set_major_locator(LogLocator(base=100.0 if decades > 6 else 10.0))
    axis.set_minor_locator(LogLocator(base=10.0, subs=(2.0, 5.0)))
    axis.set_minor_formatter(NO_LABELS)


PERCENT = FuncFormatter(lambda x, _: f"{x:g}%")


def _stat(data: ChartData, metric: str, column: str) -> float:
    return stat(data.summary, metric, column)


def total_loss_distribution(data: ChartData, path: Path) -> None:
    """Histogram of the total loss with its mean, p05, p50 and p95 marked."""
    hist = data.distribution
    n = data.n_trials
    fig = figure()
    ax = fig.add_subplot()
    width = float(hist["right"].iloc[0] - hist["left"].iloc[0])
    ax.bar(hist["left"], hist["share"] * 100, width=width, align="edge", color=BLUE, alpha=0.75)
    marks = (
        ("p05", "5th percentile", ":", GREY),
        ("p50", "median", "-", ORANGE),
        ("mean", "mean", "--", "black"),
        ("p95", "95th percentile", ":", GREY),
    )
    for column, name, style, colour in marks:
        value = _stat(data, TOTAL, column)
        label = f"{name}: {format_usd(value)}"
        ax.axvline(value, linestyle=style, color=colour, linewidth=1.6, label=label)
    ax.xaxis.set_major_formatter(USD)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:.1f}%"))
    ax.set_xlabel("total revenue loss (US dollars)")
    ax.set_ylabel(f"share of trials per {format_usd(width)} bin")
    ax.set_title(f"Total revenue loss over {n:,} simulated outages")
    ax.legend(loc="upper right")
    outside = 1.0 - float(hist["share"].sum())
    footnote(
        fig,
        f"{data.label}. The axis stops at the 99.5th percentile "
        f"({format_usd(float(hist['right'].iloc[-1]))}); {outside:.1%} of trials lie outside "
        f"the range shown.",
    )
    save(fig, path)


def loss_exceedance(data: ChartData, path: Path) -> None:
    """P(total loss > x) against x, on a log scale, with p50, p95 and p99 marked."""
    n = data.n_trials
    floor = MIN_TAIL_TRIALS / n  # below this the curve rests on too few trials to show
    curve = data.exceedance[data.exceedance["probability"] >= floor]
    fig = figure()
    ax = fig.add_subplot()
    ax.step(curve["value"], curve["probability"] * 100, where="post", color=BLUE, linewidth=1.8)
    ax.set_yscale("log")
    ax.set_ylim(floor * 100 / 1.5, 150)
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}%"))
    ax.xaxis.set_major_formatter(USD)
    for column, chance, odds in (
        ("p50", 50, "1 in 2"),
        ("p95", 5, "1 in 20"),
        ("p99", 1, "1 in 100"),
    ):
        value = _stat(data, TOTAL, column)
        ax.plot([value], [chance], "o", color=ORANGE, markersize=6)
        ax.annotate(
            f"{odds} outages cost more than {format_usd(value)}",
            (value, chance),
            xytext=(10, 4),
            textcoords="offset points",
            fontsize=9,
        )
    ax.set_xlabel("total revenue loss, x (US dollars)")
    ax.set_ylabel("chance the loss exceeds x")
    ax.set_title("Loss exceedance: how likely is a loss above x?")
    footnote(
        fig,
        f"{data.label}; {n:,} trials. The curve stops at {100 * floor:.2g}%, "
        f"where only {MIN_TAIL_TRIALS} trials lie beyond.",
    )
    save(fig, path)


def loss_breakdown(data: ChartData, path: Path) -> None:
    """Each part's mean (bar), median (dot) and 90% interval (line), with its share of the mean."""
    parts = data.breakdown.iloc[::-1]
    fig = figure(8.0, 4.0)
    ax = fig.add_subplot()
    y = np.arange(len(parts))
    ax.barh(y, parts["mean"], color=BLUE, alpha=0.75, height=0.55, label="mean")
    ax.hlines(y, parts["p05"], parts["p95"], color="black", linewidth=1.4, label="90% interval")
    ax.plot(parts["p50"], y, "o", color=ORANGE, label="median")
    for yi, (_, row) in zip(y, parts.iterrows(), strict=True):
        ax.text(
            float(row["p95"]),
            float(yi),
            f"  mean {format_usd(float(row['mean']))} ({row['share_of_mean_total']:.0%})",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(y, [str(p).capitalize() for p in parts["part"]])
    ax.set_xlim(0, float(parts["p95"].max()) * 1.45)
    ax.xaxis.set_major_formatter(USD)
    ax.xaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("revenue loss (US dollars)")
    total = _stat(data, TOTAL, "mean")
    ax.set_title(f"Where the loss comes from (the means add up to {format_usd(total)})")
    ax.legend(loc="lower right")
    footnote(fig, "Percentages: each part's share of the mean total loss.")
    save(fig, path)


def activity_path(data: ChartData, path: Path) -> None:
    """a(u), activity relative to normal after restoration: median and 90% band over trials."""
    band = data.activity_path
    if band is None:
        raise ValueError("the result has no activity path")
    days = band["hours_after_restore"] / 24
    fig = figure()
    ax = fig.add_subplot()
    ax.fill_between(
        days, band["p05"] * 100, band["p95"] * 100, color=BLUE, alpha=0.2, label="90% of trials"
    )
    ax.plot(days, band["p50"] * 100, color=BLUE, linewidth=2, label="median")
    ax.axhline(100, color=GREY, linewidth=1, linestyle="--", label="normal activity")
    ax.yaxis.set_major_locator(MaxNLocator(8, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set_xlim(0, float(days.max()))
    ax.set_ylim(min(float(band["p05"].min()) * 100 - 2, 98), 101)
    ax.set_xlabel("days after restoration")
    ax.set_ylabel("activity, % of normal")
    ax.set_title("Recovery after restoration: activity a(u) relative to normal")
    ax.legend(loc="lower right")
    traced = min(data.n_trials, 10_000)
    footnote(
        fig,
        f"{data.label}. a(u) = (1 - users away)(1 - engagement gap)"
        f"(1 - latency gap), over the first {traced:,} trials.",
    )
    save(fig, path)


def creator_tiers(data: ChartData, path: Path) -> None:
    """Creator earnings lost by tier: the tier's total, and per creator (log scale)."""
    tiers = data.tiers.iloc[::-1]
    y = np.arange(len(tiers))
    fig = figure(10.0, 1.6 + 0.6 * max(len(tiers), 2))  # 4.6 inches for five tiers
    if not float(tiers["loss_per_creator_p95_usd"].max()) > 0:
        # Nothing to draw on a log scale: the scenario counts no creator earnings.
        fig.text(
            0.5,
            0.5,
            "This scenario counts no creator earnings\n"
            "(creators.count or creators.earnings_per_hour is 0).",
            ha="center",
            va="center",
            fontsize=12,
        )
        fig.suptitle("Creator earnings lost, by tier", weight="bold")
        save(fig, path)
        return
    left, right = fig.subplots(1, 2, sharey=True)
    _tier_bars(left, y, tiers["loss_p50_usd"], tiers["loss_p95_usd"])
    left.set_title("Earnings lost by the whole tier", fontsize=10)
    left.set_xlim(0, float(tiers["loss_p95_usd"].max()) * 1.9)
    left.xaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10]))
    _tier_bars(right, y, tiers["loss_per_creator_p50_usd"], tiers["loss_per_creator_p95_usd"])
    right.set_xscale("log")
    high = float(tiers["loss_per_creator_p95_usd"].max())
    low = float(tiers["loss_per_creator_p50_usd"][tiers["loss_per_creator_p50_usd"] > 0].min())
    right.set_xlim(low / 3, high * 30)
    right.set_title("Earnings lost per creator (log scale)", fontsize=10)
    left.xaxis.set_major_formatter(USD)
    usd_log_axis(right.xaxis, low / 3, high * 30)
    for ax in (left, right):
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("US dollars")
    left.set_yticks(y, list(tiers["tier"]))
    if len(tiers) == 1:  # one tier ("all creators"): a bar, not a block filling the axes
        left.set_ylim(-1.0, 1.0)
    right.legend(loc="upper right")
    fig.suptitle("Creator earnings lost, by tier (median, with 95th percentile)", weight="bold")
    footnote(
        fig,
        f"{data.label}. Where the tier shares come from: report.md, section Creator tiers.",
    )
    save(fig, path)


def _tier_bars(ax: Axes, y: np.ndarray, p50: object, p95: object) -> None:
    p50_values = np.asarray(p50, dtype=float)
    p95_values = np.asarray(p95, dtype=float)
    ax.barh(y, p50_values, color=BLUE, alpha=0.75, height=0.55, label="median")
    ax.hlines(y, p50_values, p95_values, color="black", linewidth=1.4, label="up to p95")
    for yi, value in zip(y, p50_values, strict=True):
        label = f"  {format_usd(value)} (p95 {format_usd(float(p95_values[yi]))})"
        ax.text(float(p95_values[yi]), float(yi), label, va="center", fontsize=8.5)


CHARTS: dict[str, tuple[Chart, str]] = {
    "total_loss_distribution.png": (total_loss_distribution, "Distribution of the total loss"),
    "loss_exceedance.png": (loss_exceedance, "Loss exceedance curve"),
    "loss_breakdown.png": (loss_breakdown, "The total loss by part"),
    "activity_path.png": (activity_path, "Activity after restoration"),
    "creator_tiers.png": (creator_tiers, "Creator earnings lost by tier"),
}


def draw(name: str, data: ChartData | ReportData, path: Path) -> None:
    """Draw the chart called `name` (a key of CHARTS) into `path`, in the report's style."""
    chart, _ = CHARTS[name]
    with chart_style():
        chart(data if isinstance(data, ChartData) else ChartData.of(data), path)
