"""Vega-Lite specs of a report's charts, built from computed tables (the page computes nothing).

Every value a chart shows on hover is formatted here (`format_usd`, percentages), so the
browser only draws: report.html and `impact serve` embed these dicts as they are. Each spec
holds its data inline (`data.values`); nothing is fetched.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from impact.analysis.summaries import HISTOGRAM_RANGE, TOTAL
from impact.reports.format import format_usd
from impact.reports.tables import stat

__all__ = [
    "EMBED_OPTIONS",
    "MIN_TAIL_TRIALS",
    "breakdown_spec",
    "distribution_spec",
    "exceedance_spec",
]

Spec = dict[str, Any]
MIN_TAIL_TRIALS = 10  # the exceedance curve stops where fewer trials than this lie beyond
LOG_TICKS = [100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001]
EXCEEDANCE_MAX_POINTS = 240  # enough for a smooth curve; keeps the page small
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched
BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#7f7f7f"
# vega-embed's menu may export PNG/SVG; "open in editor" would send the spec off the machine.
EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False}}


def _percent(share: float) -> str:
    """'4.9%', '0.012%': enough digits to read a tail probability."""
    if share >= 0.01:
        return f"{100 * share:.1f}%"
    return f"{100 * share:.2g}%"


def _base(title: str | dict[str, Any], height: int = 260) -> Spec:
    """A chart as wide as its element ("container": it follows the window, phone to desktop;
    the page's CSS gives the element its width)."""
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "view": {"stroke": None, "continuousWidth": 560},
            "axis": {"labelFontSize": 11, "titleFontSize": 12},
            "title": {
                "anchor": "start",  # a long title is cut at its end, never at its start
                "fontSize": 13,
                "subtitleFontSize": 11.5,
                "subtitleColor": "#3d4652",
            },
        },
    }


def distribution_spec(hist: pd.DataFrame, summary: pd.DataFrame, n_trials: int) -> Spec:
    """The total loss as a histogram with its p05, median, mean and p95 marked; hover a bar for
    its range and share of trials, a line for its value."""
    bars = [
        {
            "left": float(r["left"]),
            "right": float(r["right"]),
            "share": 100 * float(r["share"]),
            "range": f"{format_usd(float(r['left']))}–{format_usd(float(r['right']))}",
            "trials": _percent(float(r["share"])),
        }
        for r in hist.to_dict("records")
    ]
    marks: list[dict[str, Any]] = []
    for col, name in (
        ("p05", "5th percentile"),
        ("p50", "median"),
        ("mean", "mean"),
        ("p95", "95th percentile"),
    ):
        value = stat(summary, TOTAL, col)
        marks.append({"value": value, "mark": name, "label": format_usd(value)})
    subtitle = [f"the share of {n_trials:,} simulated outages at each loss"]
    if len(hist) and 1 - float(hist["share"].sum()) > 1e-9:  # the far tail is cut off
        top, cut = 1 - HISTOGRAM_RANGE[1], float(hist["right"].iloc[-1])
        edge = f"{100 * HISTOGRAM_RANGE[1]:g}th percentile"
        # Short lines: a subtitle wider than a phone's chart would squeeze the plot.
        subtitle += [
            f"cut at {format_usd(cut)} (the {edge}, rounded up):",
            f"the largest outages, at most {top:.1%}, are off the chart",
        ]
    spec = _base({"text": "Total revenue loss of one outage", "subtitle": subtitle})
    usd_axis = {"title": "total revenue loss (US dollars)", "format": "$.3~s"}
    spec["layer"] = [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "color": BLUE, "opacity": 0.75},
            "encoding": {
                "x": {"field": "left", "type": "quantitative", "axis": usd_axis, "bin": "binned"},
                "x2": {"field": "right"},
                "y": {
                    "field": "share",
                    "type": "quantitative",
                    "title": "share of simulated outages (%)",
                },
                "tooltip": [
                    {"field": "range", "title": "total loss"},
                    {"field": "trials", "title": "share of simulated outages"},
                ],
            },
        },
        {
            "data": {"values": marks},
            "mark": {"type": "rule", "strokeWidth": 2.5},
            "encoding": {
                "x": {"field": "value", "type": "quantitative"},
                "color": {
                    "field": "mark",
                    "type": "nominal",
                    "title": None,
                    "sort": [m["mark"] for m in marks],
                    "scale": {"range": [GREY, ORANGE, "black", GREY]},
                    "legend": {"orient": "bottom", "columns": 2},
                },
                "strokeDash": {
                    "field": "mark",
                    "type": "nominal",
                    "sort": [m["mark"] for m in marks],
                    "scale": {"range": [[2, 2], [1, 0], [6, 3], [2, 2]]},
                    "legend": {"orient": "bottom", "columns": 2},
                },
                "tooltip": [
                    {"field": "mark", "title": "line"},
                    {"field": "label", "title": "total loss"},
                ],
            },
        },
    ]
    return spec


def exceedance_spec(curve: pd.DataFrame, summary: pd.DataFrame, n_trials: int) -> Spec:
    """P(total loss > x) on a log scale, to where 10 trials lie beyond; hover for each point's
    loss and chance, with the 1-in-2, 1-in-20 and 1-in-100 outages marked."""
    floor = MIN_TAIL_TRIALS / n_trials
    kept = curve[curve["probability"] >= floor]
    if len(kept) > EXCEEDANCE_MAX_POINTS:
        kept = kept.iloc[np.linspace(0, len(kept) - 1, EXCEEDANCE_MAX_POINTS).round().astype(int)]
    points = [
        {
            "value": float(r["value"]),
            "percent": 100 * float(r["probability"]),
            "loss": format_usd(float(r["value"])),
            "chance": _percent(float(r["probability"])),
        }
        for r in kept.to_dict("records")
    ]
    marks = []
    readings = (("p50", 0.5, "1 in 2"), ("p95", 0.05, "1 in 20"), ("p99", 0.01, "1 in 100"))
    amounts = [format_usd(stat(summary, TOTAL, col)) for col, _, _ in readings]
    for (col, chance, odds), amount in zip(readings, amounts, strict=True):
        text = f"{odds} outages cost more than {amount}"
        value = stat(summary, TOTAL, col)
        marks.append({"value": value, "percent": 100 * chance, "text": text, "odds": odds})
    # The dots carry short labels (they fit a phone's width); the amounts are the subtitle's.
    subtitle = [
        f"1 in 2 outages cost more than {amounts[0]},",
        f"1 in 20 more than {amounts[1]}, 1 in 100 more than {amounts[2]}",
    ]
    x = {
        "field": "value",
        "type": "quantitative",
        "axis": {"title": "total revenue loss, x (US dollars)", "format": "$.3~s"},
    }
    y = {
        "field": "percent",
        "type": "quantitative",
        "scale": {"type": "log"},
        "axis": {"title": "chance the loss exceeds x (%)", "format": "~g", "values": LOG_TICKS},
    }
    spec = _base({"text": "How likely is a loss above x? (exceedance)", "subtitle": subtitle})
    spec["layer"] = [
        {
            "data": {"values": points},
            "mark": {"type": "line", "interpolate": "step-after", "color": BLUE, "strokeWidth": 2},
            "encoding": {"x": x, "y": y},
        },
        {
            # Nearly invisible dots along the curve carry its hover values.
            "data": {"values": points},
            "mark": {"type": "point", "filled": True, "size": 90, "opacity": 0.01},
            "encoding": {
                "x": x,
                "y": y,
                "tooltip": [
                    {"field": "loss", "title": "loss above"},
                    {"field": "chance", "title": "chance"},
                ],
            },
        },
        {
            "data": {"values": marks},
            "mark": {"type": "point", "filled": True, "color": ORANGE, "size": 60},
            "encoding": {"x": x, "y": y, "tooltip": [{"field": "text", "title": "reading"}]},
        },
        {
            "data": {"values": marks},
            "mark": {"type": "text", "align": "left", "dx": 7, "dy": -8, "fontSize": 11},
            "encoding": {"x": x, "y": y, "text": {"field": "odds"}},
        },
    ]
    return spec


def breakdown_spec(breakdown: pd.DataFrame) -> Spec:
    """Each part's mean (bar) and 90% interval (line), with its share of the mean total."""
    rows = [
        {
            "part": str(r["part"]).replace("_", " ").capitalize(),
            "mean": float(r["mean"]),
            "p05": float(r["p05"]),
            "p95": float(r["p95"]),
            "mean_label": format_usd(float(r["mean"])),
            "interval": f"{format_usd(float(r['p05']))}–{format_usd(float(r['p95']))}",
            "share": f"{r['share_of_mean_total']:.0%}",
        }
        for r in breakdown.to_dict("records")
    ]
    tooltip = [
        {"field": "part"},
        {"field": "mean_label", "title": "mean"},
        {"field": "interval", "title": "90% interval"},
        {"field": "share", "title": "share of the mean total"},
    ]
    usd = {"format": "$.3~s", "title": "revenue loss (US dollars)"}
    spec = _base(
        {"text": "Where the loss comes from", "subtitle": "bars: means; lines: 90% intervals"},
        height=180,
    )
    spec["data"] = {"values": rows}
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": BLUE, "opacity": 0.75},
            "encoding": {
                "y": {"field": "part", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "mean", "type": "quantitative", "axis": usd},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "rule", "color": "black"},
            "encoding": {
                "y": {"field": "part", "type": "nominal", "sort": None},
                "x": {"field": "p05", "type": "quantitative"},
                "x2": {"field": "p95"},
                "tooltip": tooltip,
            },
        },
    ]
    return spec
