"""Read outage durations from a catalogue CSV (default: the bundled data/outages.csv)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from impact.calibration.durations import check_durations
from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import expand_user, read_csv_file

__all__ = ["DURATION_COLUMN", "SCOPE_COLUMN", "Scope", "default_catalogue", "read_durations"]

DURATION_COLUMN = "duration_hours"
SCOPE_COLUMN = "scope"


class Scope(StrEnum):
    """Which outages of the catalogue to use: total blackouts, partial ones, or all."""

    total = "total"
    partial = "partial"
    all = "all"


def default_catalogue() -> Path:
    """The bundled outage catalogue."""
    return data_path("outages.csv")


def read_durations(path: str | Path | None = None, scope: Scope | str = Scope.all) -> np.ndarray:
    """The `duration_hours` of the catalogue's outages in `scope`, each checked to be > 0.

    >>> read_durations(scope="total").size > 5
    True
    """
    path = expand_user(path) if path is not None else default_catalogue()
    scope = Scope(scope)
    where = repr(str(path))
    frame = read_csv_file(path, "catalogue CSV file", flag="--catalogue")
    if DURATION_COLUMN not in frame.columns:
        raise InputError(
            f"{where} has no column {DURATION_COLUMN!r}; columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    if scope is not Scope.all:
        if SCOPE_COLUMN not in frame.columns:
            raise InputError(
                f"{where} has no column {SCOPE_COLUMN!r} to select `scope` {scope.value}; "
                "use `scope` all"
            )
        frame = frame[frame[SCOPE_COLUMN].astype(str).str.strip().str.lower() == scope.value]
        if frame.empty:
            raise InputError(f"{where}: no outage has {SCOPE_COLUMN} {scope.value!r}")
    values = pd.to_numeric(frame[DURATION_COLUMN], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
    if bad.size:
        i = int(bad[0])
        row = int(frame.index[i]) + 2  # the line in the file: the header is line 1
        cell = frame[DURATION_COLUMN].iloc[i]
        cell = cell.item() if isinstance(cell, np.generic) else cell
        if pd.isna(cell):
            shown = "a missing value (empty, NA or NaN)"
        else:
            shown = f"{cell:g}" if isinstance(cell, int | float) else repr(cell)
        raise InputError(
            f"{where} column {DURATION_COLUMN!r} row {row}: {shown} is not a positive number "
            "of hours; fix or remove the row"
        )
    scope_note = f" with scope {scope.value!r}" if scope is not Scope.all else ""
    return check_durations(values, f"{where}{scope_note}")
