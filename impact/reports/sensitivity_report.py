"""The sensitivity report: markdown, CSVs and charts (tornado, Sobol bars) of what drives a metric.

Everything here formats or draws the tables of `impact.analysis.sensitivity`; nothing new is
computed (STYLE.md point 9). Charts are drawn headless on matplotlib's Agg canvas; dollar axes read
$50M, never scientific notation. Also here: the short "What drives it" and "Correlated inputs"
sections that the simulate report adds when the run has them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from impact.analysis.sensitivity import SensitivityResult
from impact.inputs.keys import key_info
from impact.reports.files import Writer
from impact.reports.format import (
    PEOPLE_UNITS,
    format_hours,
    format_people,
    format_usd,
    format_value,
)
from impact.reports.headline import evidence_not_applied
from impact.reports.labels import METRIC_LABELS
from impact.reports.md import table
from impact.simulation.result import METRIC_UNITS

if TYPE_CHECKING:
    from matplotlib.ticker import FuncFormatter

__all__ = [
    "correlations_section",
    "drivers_section",
    "format_input",
    "render_sensitivity",
    "sensitivity_writers",
    "sobol_chart",
    "tornado_chart",
]

DPI = 150
TOP = 12  # inputs shown in the charts


def format_input(value: float, key: str) -> str:
    """An input's value in its unit: '$1.5M/h', '180 h', '0.25', '170 million'."""
    unit = key_info(key).unit
    if unit == "USD/h":
        return f"{format_usd(value)}/h"
    if unit == "h":
        return format_hours(value)
    if unit in PEOPLE_UNITS:
        return format_people(value)
    return f"{value:.3g}"


def _metric_value(value: float, metric: str) -> str:
    return format_value(value, METRIC_UNITS[metric], compact=True)


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _value_axis(metric: str) -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: _metric_value(float(x), metric))


def tornado_chart(result: SensitivityResult, path: Path) -> None:
    """Horizontal bars from the metric at each input's p10 to its p90, around the base value."""
    # matplotlib loads only when a chart is drawn: report.md's sections need none of it.
    from impact.reports.style import BLUE, GREY, ORANGE, chart_style, figure, footnote, save

    frame = result.tornado[result.tornado["swing"] > 0].head(TOP).iloc[::-1]
    with chart_style():
        fig = figure(8.0, 1.2 + 0.38 * max(len(frame), 1))
        ax = fig.add_subplot()
        y = range(len(frame))
        base = result.base
        ax.barh(y, frame["low"] - base, left=base, color=BLUE, label="input at its p10")
        ax.barh(y, frame["high"] - base, left=base, color=ORANGE, label="input at its p90")
        ax.axvline(base, color=GREY, linewidth=1)
        ax.set_yticks(list(y), list(frame["key"]))
        ax.xaxis.set_major_formatter(_value_axis(result.metric))
        ax.set_xlabel(_label(result.metric))
        ax.set_title(f"What moves the {_label(result.metric).lower()}")
        ax.legend(loc="lower right")
        footnote(
            fig,
            f"Each input swung from its 10th to its 90th percentile with every other input at "
            f"its median (the line: {_metric_value(base, result.metric)}). Scenario "
            f"{result.scenario.name}; inputs with no effect are left out.",
        )
        save(fig, path)


def sobol_chart(result: SensitivityResult, path: Path) -> None:
    """First-order and total Sobol indices as bars, with their bootstrap intervals."""
    from matplotlib.ticker import PercentFormatter

    from impact.reports.style import BLUE, GREY, ORANGE, chart_style, figure, footnote, save

    frame = result.sobol.head(TOP).iloc[::-1]
    with chart_style():
        fig = figure(8.0, 1.2 + 0.42 * max(len(frame), 1))
        ax = fig.add_subplot()
        y = list(range(len(frame)))
        for offset, column, colour, name in (
            (0.2, "first", BLUE, "first order (alone)"),
            (-0.2, "total", ORANGE, "total (with interactions)"),
        ):
            values = frame[column].to_numpy()
            errors = [
                (values - frame[f"{column}_low"].to_numpy()).clip(0),
                (frame[f"{column}_high"].to_numpy() - values).clip(0),
            ]
            ax.barh(
                [v + offset for v in y],
                values,
                height=0.4,
                color=colour,
                xerr=errors,
                error_kw={"ecolor": GREY, "capsize": 2, "linewidth": 1},
                label=name,
            )
        ax.set_yticks(y, list(frame["key"]))
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.set_xlim(left=0)
        ax.set_xlabel(f"share of the variance of the {_label(result.metric).lower()}")
        ax.set_title("How much of the uncertainty each input explains")
        ax.legend(loc="lower right")
        footnote(
            fig,
            f"{result.sobol_samples:,} base samples "
            f"({result.sobol_samples * (len(result.sobol) + 2):,} model runs), inputs "
            "independent; bars show 95% bootstrap intervals.",
        )
        save(fig, path)


def _headline(result: SensitivityResult) -> str:
    if result.sobol.empty:
        return "Every input of this scenario is fixed: nothing is uncertain, so nothing drives it."
    top = result.sobol.iloc[0]
    swing = result.tornado.set_index("key").loc[top["key"]]
    label = _label(result.metric).lower()
    return (
        f"**{top['key']}** matters most for the {label}: it explains "
        f"{top['first']:.0%} of its variance alone and {top['total']:.0%} with its interactions; "
        f"from its p10 ({format_input(swing['input_low'], top['key'])}) to its p90 "
        f"({format_input(swing['input_high'], top['key'])}) with everything else at its median, "
        f"the {label} goes from {_metric_value(swing['low'], result.metric)} "
        f"to {_metric_value(swing['high'], result.metric)}."
    )


def render_sensitivity(result: SensitivityResult, command: str) -> str:
    """The whole of sensitivity.md (inputs that never move the metric are listed, not tabled)."""
    metric = result.metric
    idle = set(result.tornado.loc[result.tornado["swing"] == 0, "key"]) & set(
        result.sobol.loc[(result.sobol["total"] == 0) & (result.sobol["total_high"] == 0), "key"]
    )
    tornado_rows = [
        [
            f"`{r['key']}`",
            format_input(r["input_low"], r["key"]),
            format_input(r["input_high"], r["key"]),
            _metric_value(r["low"], metric),
            _metric_value(r["high"], metric),
            _metric_value(r["swing"], metric),
        ]
        for r in result.tornado.to_dict("records")
        if r["key"] not in idle
    ]
    spearman_rows = [
        [f"`{r['key']}`", f"{r['spearman']:+.3f}", f"± {1.96 * r['se']:.3f}"]
        for r in result.spearman.to_dict("records")
        if r["key"] not in idle
    ]
    sobol_rows = [
        [
            f"`{r['key']}`",
            f"{r['first']:.3f}",
            f"{r['first_low']:.3f} – {r['first_high']:.3f}",
            f"{r['total']:.3f}",
            f"{r['total_low']:.3f} – {r['total_high']:.3f}",
        ]
        for r in result.sobol.to_dict("records")
        if r["key"] not in idle
    ]
    sections = [
        f"# What drives the {_label(metric).lower()}: {result.scenario.label}",
        _headline(result),
        "Three views, most important input first; fixed inputs are left out. The Sobol indices "
        "are the ones to act on: they say how much narrower the outcome would get if an "
        "assumption were pinned down (the total index is the share of the variance that would "
        "go), counting every way it acts. The tornado shows the size and direction of each "
        "swing; the rank correlations show the same ranking from an ordinary simulation.",
        "## Sobol indices\n\n![Sobol indices](sobol.png)\n\n"
        + table(
            ["input", "first order", "95% interval", "total", "95% interval"], sobol_rows, "lrrrr"
        )
        + f"\n\n{result.sobol_samples:,} base samples of a scrambled Sobol design (Saltelli 2010 "
        "estimators, `scipy.stats.sobol_indices`), percentile bootstrap intervals. The inputs "
        "are treated as independent. Small negative values are sampling noise around 0.",
        "## Tornado\n\n![Tornado](tornado.png)\n\n"
        + table(
            ["input", "input p10", "input p90", "metric at p10", "metric at p90", "swing"],
            tornado_rows,
            "lrrrrr",
        )
        + f"\n\nEvery other input at its median; the metric there is "
        f"{_metric_value(result.base, metric)}.",
        "## Rank correlations\n\n"
        + table(["input", "Spearman's rho", "95% margin"], spearman_rows, "lrr")
        + f"\n\nFrom a simulation of {result.trials:,} trials ({result.method}), with the "
        "scenario's correlations between inputs if it has any.",
        (
            "Inputs with no effect at all on this metric in this scenario: "
            + ", ".join(f"`{k}`" for k in sorted(idle))
            + "."
            if idle
            else ""
        ),
        evidence_not_applied([result.scenario]),
        "## How to reproduce\n\n```sh\n" + command + "\n```",
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def sensitivity_writers(result: SensitivityResult, command: str) -> dict[str, Writer]:
    """Every file of the sensitivity folder, as writers for `write_files`."""

    def csv(frame: pd.DataFrame) -> Callable[[Path], None]:
        return lambda path: frame.to_csv(path, index=False, float_format="%.10g")

    def markdown(path: Path) -> None:
        path.write_text(render_sensitivity(result, command), encoding="utf-8")

    return {
        "sensitivity.md": markdown,
        "tornado.csv": csv(result.tornado),
        "spearman.csv": csv(result.spearman),
        "sobol.csv": csv(result.sobol),
        "tornado.png": lambda path: tornado_chart(result, path),
        "sobol.png": lambda path: sobol_chart(result, path),
    }


def drivers_section(frame: pd.DataFrame, metric: str = "total_revenue_loss_usd") -> str:
    """'## What drives it': the top inputs by rank correlation with the metric (may be empty)."""
    if frame.empty:
        return ""
    rows = [[f"`{r['key']}`", f"{r['spearman']:+.2f}"] for r in frame.to_dict("records")]
    trials = frame.attrs.get("trials")
    over = f" over {trials:,} trials" if trials else ""
    return (
        "## What drives it\n\n"
        f"The inputs most rank-correlated with the {_label(metric).lower()}{over} (Spearman's "
        "rho; + means more of the input, more loss):\n\n"
        + table(["input", "Spearman's rho"], rows, "lr")
        + "\n\n`impact sensitivity` adds a tornado and Sobol indices with intervals."
    )


def correlations_section(frame: pd.DataFrame | None) -> str:
    """'## Correlated inputs': the rank correlations asked for, used and achieved."""
    if frame is None or frame.empty:
        return ""
    rows = [
        [
            f"`{r['key_a']}` ~ `{r['key_b']}`",
            f"{r['target']:+.2f}",
            f"{r['used']:+.2f}",
            f"{r['achieved']:+.3f}",
        ]
        for r in frame.to_dict("records")
    ]
    return (
        "## Correlated inputs\n\n"
        "Rank correlations imposed by Iman–Conover reordering (`used` differs from `asked` only "
        "when the table was not a valid correlation matrix and was repaired); `achieved` is "
        "Spearman's rho in the simulated trials.\n\n"
        + table(["pair", "asked", "used", "achieved"], rows, "lrrr")
    )
