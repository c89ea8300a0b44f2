"""CSV tables and the terminal summary, made from computed summaries (nothing is computed here)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from impact.reports.format import format_value

__all__ = ["SUMMARY_COLUMNS", "stat", "summary_table", "write_csv", "write_summary_csv"]

SUMMARY_COLUMNS = ("metric", "unit", "mean", "std", "p05", "p50", "p95", "p99", "cvar95", "se_mean")


def stat(summary: pd.DataFrame, metric: str, column: str) -> float:
    """One number of a summary, as a float."""
    return float(summary[column].to_dict()[metric])


def write_summary_csv(summary: pd.DataFrame, path: Path) -> None:
    """summary.csv: one row per metric with INTERFACE.md's columns, full precision."""
    frame = summary.reset_index()[list(SUMMARY_COLUMNS)]
    frame.to_csv(path, index=False, float_format="%.10g")


def summary_table(summary: pd.DataFrame, title: str = "") -> Table:
    """A readable terminal table: mean, p05, p50, p95 and cvar95 in people's units."""
    table = Table(title=title or None, title_justify="left")
    table.add_column("metric", no_wrap=True)
    for col in ("mean", "p05", "p50", "p95", "cvar95"):
        table.add_column(col, justify="right", no_wrap=True)
    for metric, row in summary.iterrows():
        unit = str(row["unit"])
        table.add_row(
            str(metric),
            *(
                format_value(float(row[c]), unit, compact=True)
                for c in ("mean", "p05", "p50", "p95", "cvar95")
            ),
        )
    return table


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Any report table as CSV: no index, 10 significant digits."""
    frame.to_csv(path, index=False, float_format="%.10g")
