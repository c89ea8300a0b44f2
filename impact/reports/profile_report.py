"""The report's "When it happens" part: the revenue profile, the onsets and the loss by onset hour.

Renders the table of `impact.analysis.onset.onset_table` (computed once, in `ReportData`) as a
markdown section, a chart and a CSV; computes nothing new.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from impact.analysis.onset import onset_extremes
from impact.inputs.hour_of_week import DAYS
from impact.inputs.profile import Profile
from impact.reports.format import format_usd

__all__ = ["ONSET_CHART", "ONSET_CSV", "draw_onset_chart", "onset_section"]

ONSET_CHART = "loss_by_onset.png"
ONSET_CSV = "loss_by_onset.csv"


def onset_section(table: pd.DataFrame | None, profile: Profile, onset_spec: str) -> str:
    """'## When it happens': the profile, the onset and the dearest and cheapest hours to fail."""
    if table is None:
        return ""
    ends = onset_extremes(table)
    peak, trough = float(table["weight"].max()), float(table["weight"].min())
    spread = f"{peak / trough:.1f} to 1" if trough > 0 else "from 0 at its lowest"
    trials = table.attrs.get("trials", len(table))
    where = profile.name if profile.path is None else f"`{profile.path}`"
    return (
        "## When it happens\n\n"
        f"Revenue follows the weekly profile {where} (168 hourly weights, Monday 00:00 first, "
        f"mean 1, so R stays the average revenue per hour; peak to trough {spread}). The onset "
        f"`outage.onset_hour_of_week` is `{onset_spec}`. Only the revenue lost while down follows "
        "the profile; the after-effects, spread over weeks, are charged at its mean "
        "(docs/model.md).\n\n"
        f"![The revenue profile, the onsets drawn, and the loss by onset hour]({ONSET_CHART})\n\n"
        f"**Worst time to fail: {ends.worst}** (mean total loss {format_usd(ends.worst_value)}); "
        f"**cheapest: {ends.cheapest}** ({format_usd(ends.cheapest_value)}); the worst hour "
        f"costs {ends.ratio:.2f} times the cheapest. "
        f"Each hour's loss is over the same first {trials:,} trials, re-evaluated with the onset "
        "moved to that hour (minutes past the hour and every other input kept), so the "
        f"hours differ only by when the outage began; `{ONSET_CSV}` has the median, 90% band "
        "and mean for every hour."
    )


def draw_onset_chart(table: pd.DataFrame, path: Path) -> None:
    """Top: the profile, with the share of onsets per hour. Bottom: loss by onset hour."""
    from impact.reports.charts import USD
    from impact.reports.style import BLUE, GREY, ORANGE, chart_style, figure, save

    hours = table["hour"].to_numpy()
    with chart_style():
        fig = figure(9.0, 6.4)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
        top.step(hours, table["weight"], where="post", color=BLUE, label="revenue weight")
        top.set_ylabel("revenue weight (mean 1)")
        top.set_title("Revenue over the week, and when the outages began")
        share = top.twinx()
        share.bar(hours + 0.5, table["onset_share"] * 100, width=1.0, color=ORANGE, alpha=0.35)
        share.set_ylabel("onsets drawn (% per hour)", color=ORANGE)
        share.grid(False)
        top.set_zorder(share.get_zorder() + 1)  # the profile line over the onset bars
        top.patch.set_visible(False)
        bottom.fill_between(
            hours, table["p05"], table["p95"], step="post", color=BLUE, alpha=0.2, lw=0,
            label="90% band",
        )  # fmt: skip
        bottom.step(hours, table["p50"], where="post", color=BLUE, label="median")
        bottom.step(hours, table["mean"], where="post", color=GREY, ls="--", label="mean")
        bottom.yaxis.set_major_formatter(USD)
        bottom.set_ylabel("total loss")
        bottom.set_title("Total loss by onset hour (Monday 00:00 = 0)")
        bottom.legend(loc="upper right")
        ticks = np.arange(0, 169, 24)
        bottom.set_xticks(ticks, [*DAYS, ""], ha="left")
        bottom.set_xlim(0, 168)
        save(fig, path)
