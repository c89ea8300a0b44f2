"""Charts of `calibrate` and `retro`, drawn headless (Figure + Agg canvas) from fitted estimators.

As in `impact.reports.charts`, no pyplot: drawing a report neither needs a display nor
changes the backend of a notebook that imports `impact`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from impact.calibration.durations import DurationFit
from impact.calibration.recovery import RecoveryFit
from impact.calibration.retro_impact import RetroImpact
from impact.reports.format import format_value
from impact.reports.style import BLUE, GREEN, GREY, ORANGE, chart_style, figure, save

__all__ = ["durations_chart", "recovery_chart", "retro_chart"]

FAMILY_COLOURS = {"lognormal": BLUE, "gamma": ORANGE, "weibull": GREEN}
AMOUNT = FuncFormatter(lambda x, _: format_value(x, "", compact=True))
SHARE = FuncFormatter(lambda x, _: f"{100 * x:.0f}%")
HOURS = FuncFormatter(lambda x, _: f"{x:g} h")


def durations_chart(fit: DurationFit, path: Path) -> None:
    """The empirical distribution of the durations against each fitted distribution (log hours)."""
    with chart_style(small=True):
        fig = figure(7.5, 4.2)
        ax = fig.add_subplot()
        x = np.sort(fit.durations_)
        ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", color="black", label="observed")
        grid = np.geomspace(x[0] / 2, x[-1] * 2, 300)
        for family, f in fit.fits_.items():
            dist = fit.frozen(family)
            label = f"{family} (AIC {f['aic']:.1f})"
            ax.plot(grid, dist.cdf(grid), color=FAMILY_COLOURS[family], label=label)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(
            HOURS
        )  # math text is off, so the default 10^k would not render
        ax.set_xlabel("outage duration, hours (log scale)")
        ax.set_ylabel("share of outages this short or shorter")
        ax.yaxis.set_major_formatter(SHARE)
        ax.set_title(f"Outage durations: {fit.n_} outages and the fitted distributions")
        ax.legend(loc="lower right")
        save(fig, path)


def recovery_chart(fit: RecoveryFit, path: Path, metric: str) -> None:
    """Top: the series and its normal level. Bottom: the relative gap and the fitted curve."""
    frame = fit.fitted_
    shown = frame[frame.index >= fit.onset_ - pd.Timedelta(days=7)]
    with chart_style(small=True):
        fig = figure(8.5, 6.0)
        top, bottom = fig.subplots(2, 1, sharex=True)
        top.plot(shown.index, shown["observed"], color="black", lw=0.7, label=f"observed {metric}")
        top.plot(shown.index, shown["normal_level"], color=BLUE, lw=0.9, label="normal level")
        top.yaxis.set_major_formatter(AMOUNT)
        top.set_title(f"{metric}: observed and the normal level fitted before the onset")
        after = shown[shown["period"] == "recovery"]
        bottom.plot(after.index, after["gap_observed"], color=GREY, lw=0.6, label="observed gap")
        bottom.plot(after.index, after["gap_fitted"], color=ORANGE, lw=1.6, label="fitted gap")
        bottom.axhline(0, color="black", lw=0.6)
        bottom.yaxis.set_major_formatter(SHARE)
        bottom.set_title("Share of the normal level missing after restoration")
        for ax in (top, bottom):
            ax.axvspan(fit.onset_, fit.restored_, color=ORANGE, alpha=0.15, lw=0)
            ax.legend(loc="lower right")
        fig.autofmt_xdate()
        save(fig, path)


def _band(ax: Any, frame: pd.DataFrame, prefix: str, color: str, label: str | None = None) -> None:
    """Shade the interval between the columns `<prefix>_low` and `<prefix>_high`."""
    low, high = frame[f"{prefix}_low"], frame[f"{prefix}_high"]
    ax.fill_between(frame.index, low, high, color=color, alpha=0.2, lw=0, label=label)


def retro_chart(retro: RetroImpact, path: Path, metric: str) -> None:
    """The three classic panels: observed vs counterfactual, pointwise effect, cumulative effect."""
    effects, before = retro.effects_, retro.before_
    lead = before.iloc[-max(len(effects), 2) :]  # as many rows before the onset as after it
    pct = f"{retro.confidence:.0%}"
    with chart_style(small=True):
        fig = figure(8.5, 8.0)
        first, second, third = fig.subplots(3, 1, sharex=True)
        first.plot(lead.index, lead["observed"], color="black", lw=0.7, label="observed")
        first.plot(
            lead.index, lead["fitted"], color=BLUE, lw=0.7, ls="--", label="model (one step ahead)"
        )
        first.plot(effects.index, effects["observed"], color="black", lw=0.7)
        first.plot(
            effects.index, effects["counterfactual"], color=BLUE, lw=0.9, label="counterfactual"
        )
        _band(first, effects, "counterfactual", BLUE, label=f"{pct} interval")
        first.set_title(f"{metric}: observed and without the outage")
        second.plot(effects.index, effects["effect"], color=ORANGE, lw=0.8)
        _band(second, effects, "effect", ORANGE)
        second.set_title("Pointwise effect (observed − counterfactual)")
        third.plot(effects.index, effects["cumulative_effect"], color=ORANGE, lw=1.2)
        _band(third, effects, "cumulative", ORANGE)
        third.set_title(f"Cumulative effect ({pct} interval from simulated paths)")
        for ax in (first, second, third):
            ax.axvline(retro.onset_, color=GREY, lw=0.8, ls=":")
            ax.yaxis.set_major_formatter(AMOUNT)
        for ax in (second, third):
            ax.axhline(0, color="black", lw=0.6)
        first.legend(loc="lower left", ncols=2)
        fig.autofmt_xdate()
        save(fig, path)
