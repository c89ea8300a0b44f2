"""Charts of the annual, compare and resilience reports, in the style of `impact.reports.charts`.

Each function draws one figure from an already computed table and saves it; nothing is computed
here beyond placing points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator

from impact.reports.charts import USD, USD_MINOR, usd_log_axis
from impact.reports.format import format_usd
from impact.reports.style import BLUE, GREEN, GREY, ORANGE, chart_style, figure, save
from impact.reports.style import footnote as add_footnote

__all__ = ["bar_chart", "cdf_chart", "exceedance_chart", "styled", "tornado_chart"]


def styled(draw: Callable[..., None]) -> Callable[..., None]:
    """Run a chart function in the report style, without matplotlib's degenerate-axis warning."""

    def wrapper(*args: object, **kwargs: object) -> None:
        with chart_style():
            draw(*args, **kwargs)

    return wrapper


@styled
def exceedance_chart(
    curve: pd.DataFrame,
    path: Path,
    *,
    title: str,
    xlabel: str,
    footnote: str,
    floor: float,
    marks: Sequence[tuple[float, float, str]] = (),
) -> None:
    """P(value > x) against x, both on log scales; `marks` are (x, probability, label)."""
    shown = curve[(curve["probability"] >= floor) & (curve["value"] > 0)]
    fig = figure()
    ax = fig.add_subplot()
    if not shown.empty:
        ax.step(shown["value"], shown["probability"] * 100, where="post", color=BLUE, lw=1.8)
        ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(floor * 100 / 1.5, 150)
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}%"))
    if shown.empty:
        ax.xaxis.set_major_formatter(USD)
        ax.xaxis.set_minor_formatter(USD_MINOR)
    else:
        usd_log_axis(ax.xaxis, float(shown["value"].min()), float(shown["value"].max()))
    for x, p, label in marks:
        if x > 0 and p >= floor:
            ax.plot([x], [p * 100], "o", color=ORANGE, markersize=6)
            ax.annotate(label, (x, p * 100), xytext=(8, 4), textcoords="offset points", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("chance of exceeding x")
    ax.set_title(title)
    add_footnote(fig, footnote)
    save(fig, path)


@styled
def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    path: Path,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    footnote: str,
) -> None:
    """Vertical bars of shares (0..1), labelled in percent."""
    fig = figure(8.0, 4.0)
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    heights = np.asarray(values, dtype=float) * 100
    ax.bar(x, heights, color=BLUE, alpha=0.8)
    for xi, h in zip(x, heights, strict=True):
        ax.text(float(xi), float(h), f"{h:.3g}%", ha="center", va="bottom", fontsize=8.5)
    ax.set_xticks(x, list(labels))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}%"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    add_footnote(fig, footnote)
    save(fig, path)


@styled
def cdf_chart(
    quantiles: pd.DataFrame,
    path: Path,
    *,
    title: str,
    xlabel: str,
    footnote: str,
    usd: bool = True,
    series: Sequence[tuple[str, str]] = (("value", ""),),
) -> None:
    """The distribution as its quantile function: share of trials at or below each value
    (columns q and each of `series`' columns, labelled in a legend when there are several),
    with 0 marked, for values of either sign."""
    fig = figure()
    ax = fig.add_subplot()
    colours = (BLUE, ORANGE, GREEN, GREY, "#8e44ad", "#c0392b")
    for i, (column, label) in enumerate(series):
        ax.plot(quantiles[column], quantiles["q"] * 100, color=colours[i % 6], lw=1.8, label=label)
    if len(series) > 1:
        ax.legend(loc="lower right", fontsize=8)
    ax.axvline(0.0, color=GREY, lw=1, ls=":")
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}%"))
    if usd:
        ax.xaxis.set_major_formatter(USD)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of trials at or below")
    ax.set_title(title)
    add_footnote(fig, footnote)
    save(fig, path)


@styled
def tornado_chart(table: pd.DataFrame, path: Path, *, title: str, footnote: str) -> None:
    """Bars from the outcome at each input's low value to that at its high value (columns
    label, low_value, high_value, base), widest at the top."""
    rows = table.iloc[::-1]
    fig = figure(8.0, max(3.0, 0.45 * len(rows) + 1.5))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    base = float(rows["base"].iloc[0]) if len(rows) else 0.0
    low = rows["low_value"].to_numpy(float)
    high = rows["high_value"].to_numpy(float)
    ax.barh(y, low - base, left=base, color=BLUE, alpha=0.8, label="input at its p10")
    ax.barh(y, high - base, left=base, color=ORANGE, alpha=0.8, label="input at its p90")
    ax.axvline(base, color="black", lw=1)
    ax.axvline(0.0, color=GREY, lw=1, ls=":")
    ax.set_yticks(y, list(rows["label"]))
    ax.xaxis.set_major_formatter(USD)
    ax.set_xlabel(f"expected NPV (base {format_usd(base)})")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    add_footnote(fig, footnote)
    save(fig, path)
