"""The look of every chart: colours, matplotlib settings, figure set-up, footnote and saving.

Figures are `matplotlib.figure.Figure` on a `FigureCanvasAgg`, never pyplot, so drawing is
headless and thread-safe. `chart_style()` wraps the drawing of one chart.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave
from matplotlib.typing import RcKeyType

from impact.reports.files import write_later

__all__ = [
    "BLUE", "DPI", "GREEN", "GREY", "ORANGE", "PNG_COMPRESSION", "chart_style", "figure",
    "footnote", "save",
]  # fmt: skip

DPI = 150
# zlib's level for the PNGs: 3 rather than PIL's 6 encodes a report's charts in two thirds of
# the time for 3% more bytes (docs/performance.md, "Under 1.5 s"); the pixels are the same.
PNG_COMPRESSION = 3
BLUE, ORANGE, GREEN, GREY = "#1f5f99", "#d9822b", "#3a8d4f", "#6b6b6b"
_BASE: dict[RcKeyType, Any] = {
    "text.parse_math": False,  # "$5M to $9M" is money, not a TeX formula between two dollars
    "axes.titleweight": "bold",
    "axes.labelsize": "medium",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
}
_SIZES: dict[bool, dict[RcKeyType, Any]] = {
    False: {"font.size": 10, "axes.titlesize": 12},
    True: {"font.size": 9, "axes.titlesize": 10},  # the calibration charts
}


@contextmanager
def chart_style(*, small: bool = False) -> Iterator[None]:
    """Draw in the house style (`small` type for the calibration charts)."""
    with matplotlib.rc_context({**_BASE, **_SIZES[small]}), warnings.catch_warnings():
        # A degenerate axis (every trial equal, e.g. a zero horizon) makes matplotlib warn as it
        # widens the limits itself; the chart is still right, so the warning is not shown.
        warnings.filterwarnings(
            "ignore", message="Attempting to set identical", category=UserWarning
        )
        yield


def figure(width: float = 8.0, height: float = 4.6) -> Figure:
    """A new figure with constrained layout, at the resolution it is saved at."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def footnote(fig: Figure, text: str) -> None:
    """A grey note under the chart, wrapped to the figure's width (about 15 characters an inch)."""
    wrapped = textwrap.fill(text, width=int(fig.get_figwidth() * 15))
    fig.supxlabel(wrapped, fontsize=8, color=GREY, x=0.01, ha="left", multialignment="left")


def save(fig: Figure, path: Path) -> None:
    """Write `fig` as a PNG with no software time stamp in it.

    This is `fig.savefig(path, pil_kwargs={"compress_level": PNG_COMPRESSION})` in fewer steps,
    with the same bytes under matplotlib's default `savefig.*` settings (which it does not
    read: a chart looks the same whatever the user's matplotlibrc). For a figure with a layout
    engine, savefig draws it twice: a dry run with rendering disabled, which runs the layout,
    then the real draw with the engine off. Here the layout runs on its own, then the figure is
    drawn once; the figure's engine and resolution are put back after, so it can be changed and
    saved again. The pixels go to `imsave`, where savefig ends, through `write_later`: in a
    report folder the PNG is encoded on a background thread while the next chart is drawn.
    Measured in docs/performance.md, "Charts".
    """
    canvas = FigureCanvasAgg(fig)
    layout, dpi = fig.get_layout_engine(), fig.get_dpi()
    fig.set_dpi(DPI)
    try:
        if layout is not None:
            if fig.axes:  # as Figure.draw: a figure of text alone is not laid out
                layout.execute(fig)
            fig.set_layout_engine(None)
        canvas.draw()
    finally:
        fig.set_dpi(dpi)
        if layout is not None:
            fig.set_layout_engine(layout)
    # The call savefig ends in (FigureCanvasAgg._print_pil), with the same arguments; a None
    # value drops the key (matplotlib's stub types the values str).
    no_stamp: dict[str, Any] = {"Software": None}
    pixels = canvas.buffer_rgba()
    write_later(
        partial(
            imsave, path, pixels, format="png", origin="upper", dpi=DPI, metadata=no_stamp,
            pil_kwargs={"compress_level": PNG_COMPRESSION},
        )
    )  # fmt: skip
