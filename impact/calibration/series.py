"""Read and check an observed series (hourly or daily CSV) and the outage times placed on it.

Every problem is an InputError naming the file, the column, the row (as the line number in
the file, the header being line 1) or the value, and saying what to do about it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.inputs.datafile import expand_user, read_csv_file

__all__ = [
    "DAY",
    "HOUR",
    "SeriesData",
    "check_periods",
    "check_time_zones",
    "check_varies",
    "min_pre_rows",
    "parse_time",
    "read_series",
    "series_step",
]

# A time that ends in a UTC offset ('+02:00', '-0500', 'Z', ' UTC').
_OFFSET = r"(?:[+-]\d{2}:?\d{2}|Z|\bUTC|\bGMT)$"
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
# Two full weeks of hours, or four weeks of days: enough rows to estimate a weekly pattern, a
# daily one (hourly data), a trend and the autocorrelation of what is left, with rows to spare.
MIN_PRE_DAYS = {HOUR: 14, DAY: 28}


@dataclass(frozen=True)
class SeriesData:
    """A checked series: a DatetimeIndex at a regular step, the metric and any control columns."""

    frame: pd.DataFrame
    path: Path
    metric: str
    controls: tuple[str, ...] = ()
    utc: bool = False  # the file's times carried UTC offsets (and are now in UTC)

    @property
    def step(self) -> pd.Timedelta:
        """One hour or one day."""
        return series_step(pd.DatetimeIndex(self.frame.index), str(self.path))

    @property
    def y(self) -> pd.Series:
        """The metric as a Series indexed by time; `attrs["source"]` names the file in errors."""
        y = self.frame[self.metric].copy()
        y.attrs["source"] = str(self.path)
        return y

    def with_source(self) -> pd.DataFrame:
        """The frame, with `attrs["source"]` naming the file in errors."""
        frame = self.frame.copy()
        frame.attrs["source"] = str(self.path)
        return frame


def _where(path: Path | str) -> str:
    return repr(str(path))


def _column(frame: pd.DataFrame, name: str, path: Path, parameter: str) -> str:
    if name in frame.columns:
        return name
    columns = [str(c) for c in frame.columns]
    hint = get_close_matches(name, columns, n=1)
    fix = f"; did you mean {hint[0]!r}?" if hint else ""
    raise InputError(
        f"{_where(path)} has no column {name!r} ({parameter}){fix} columns are {', '.join(columns)}"
    )


def _cell(frame: pd.DataFrame, column: str, row: int) -> str:
    value = frame[column].iloc[row]
    value = value.item() if isinstance(value, np.generic) else value
    return "a missing value (empty, NA or NaN)" if pd.isna(value) else repr(value)


def _times(frame: pd.DataFrame, column: str, path: Path) -> pd.DatetimeIndex:
    """Parse the time column; times with a UTC offset are converted to UTC, others kept as given."""
    raw = frame[column]
    text = raw.astype(str).where(raw.notna(), None)
    zoned = text.str.strip().str.contains(_OFFSET, regex=True, na=False).to_numpy()
    if zoned.any() and not zoned.all():
        row = int(np.flatnonzero(zoned != zoned[0])[0])
        which = "has a UTC offset" if zoned[row] else "has no UTC offset"
        raise InputError(
            f"{_where(path)} column {column!r} row {row + 2}: {_cell(frame, column, row)} "
            f"{which}, unlike row 2 ({_cell(frame, column, 0)}); write every time with an "
            "offset or none"
        )
    with warnings.catch_warnings():
        # pandas warns when it cannot infer one format; unparsed rows are reported just below.
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
    if parsed.isna().any():
        # The first row fixes the format pandas infers; allow rows written another way too.
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise InputError(
            f"{_where(path)} column {column!r} row {row + 2}: {_cell(frame, column, row)} is not "
            "a timestamp (write e.g. 2025-04-07 09:00, or name the time column with `time_col`)"
        )
    return pd.DatetimeIndex(parsed).tz_localize(None)


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        raise InputError(
            f"{_where(path)} column {column!r} row {row + 2}: {_cell(frame, column, row)} is not "
            "a finite number; fill or drop the row (the models need every step)"
        )
    return values


def _span(delta: pd.Timedelta) -> str:
    """A time difference as people write it: '4 hours', '90 minutes', '2 days 3 hours'."""
    seconds = int(abs(delta.total_seconds()))
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 seconds"


def series_step(index: pd.DatetimeIndex, source: str = "the series") -> pd.Timedelta:
    """The series' step, one hour or one day, after checking that every row follows it."""
    if len(index) < 2:
        raise InputError(f"{source}: needs at least two rows, found {len(index)}")
    diffs = index[1:] - index[:-1]
    back = np.flatnonzero(diffs <= pd.Timedelta(0))
    if back.size:
        i = int(back[0]) + 1
        what = "the same time as" if diffs[i - 1] == pd.Timedelta(0) else "earlier than"
        raise InputError(
            f"{source}: row {i + 2}: {index[i]} is {what} the row before it ({index[i - 1]}); "
            "the rows must be "
            "sorted by time, one per time (sort the file and remove duplicates first)"
        )
    step = diffs[0]
    if step not in (HOUR, DAY):
        raise InputError(
            f"{source}: rows 2 and 3 are {_span(step)} apart; the series must have one row per "
            "hour or per day (aggregate finer data first)"
        )
    bad = np.flatnonzero(diffs != step)
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(
            f"{source}: row {i + 2}: {index[i]} leaves a gap: it is {_span(diffs[i - 1])} after "
            f"the row before it ({index[i - 1]}); "
            "the series must have "
            f"exactly one row every {'hour' if step == HOUR else 'day'}, sorted by time "
            "(fill gaps and remove duplicates first)"
        )
    return step


def read_series(
    path: str | Path,
    metric: str,
    *,
    time_col: str | None = None,
    controls: Sequence[str] = (),
) -> SeriesData:
    """Read a CSV series: a time column (default: the first), the metric and control columns."""
    path = expand_user(path)
    frame = read_csv_file(path, "series CSV file", flag="--series")
    if frame.empty or len(frame.columns) < 2:
        raise InputError(f"{_where(path)}: needs a header line, a time column and a metric column")
    time_name = _column(frame, time_col, path, "`time_col`") if time_col else str(frame.columns[0])
    metric = _column(frame, metric, path, "`metric`")
    controls = tuple(_column(frame, c, path, "`controls`") for c in controls)
    for name in (metric, *controls):
        if name == time_name:
            raise InputError(f"{_where(path)}: column {name!r} is the time column, not a metric")
    if metric in controls:
        raise InputError(
            f"{_where(path)}: `controls` {metric}: is the metric itself; a control must be a "
            "column the outage did not affect"
        )
    if len(set(controls)) != len(controls):
        raise InputError(f"{_where(path)}: `controls`: a column is given twice")
    index = _times(frame, time_name, path)
    raw_times = frame[time_name].astype(str).str.strip()
    utc = bool(raw_times.str.contains(_OFFSET, regex=True, na=False).all())
    series_step(index, _where(path))
    data = {name: _numbers(frame, name, path) for name in dict.fromkeys((metric, *controls))}
    out = pd.DataFrame(data, index=index)
    out.index.name = time_name
    return SeriesData(out, path, metric, controls, utc)


def check_time_zones(data: SeriesData, times: dict[str, str | None]) -> None:
    """Refuse a time given with a UTC offset against a series whose times have none: the series'
    clock is unknown, so converting the time to UTC would silently shift it."""
    if data.utc:
        return
    for flag, text in times.items():
        if text is None:
            continue
        parse_time(text, flag)  # a bad timestamp is reported as such first
        if re.search(_OFFSET, str(text).strip()):
            raise InputError(
                f"{flag}: {str(text)!r}: has a UTC offset, but the times of {_where(data.path)} "
                "have none, so their clock is unknown; give the time without an offset, in the "
                "series' own clock"
            )


def check_varies(values: np.ndarray, name: str, source: str, when: str) -> None:
    """Refuse a metric that is constant over the rows a model is fitted to (`when`)."""
    if values.size and not np.ptp(values) > 0:
        raise InputError(
            f"{source} column {name!r}: {values[0]:g} at every row {when}; a constant metric "
            "has no pattern to fit (check the column, or the --onset)"
        )


def parse_time(text: str | pd.Timestamp, parameter: str) -> pd.Timestamp:
    """A time given as text ('2025-04-07 09:00') for `parameter`; offsets are converted to UTC."""
    if isinstance(text, pd.Timestamp):
        stamp = text
    else:
        try:
            stamp = pd.Timestamp(str(text).strip())
        except (ValueError, TypeError):
            raise InputError(
                f"{parameter}: {str(text)!r} is not a timestamp (write e.g. 2025-04-07 09:00)"
            ) from None
        if pd.isna(stamp):
            raise InputError(
                f"{parameter}: {str(text)!r} is not a timestamp (write e.g. 2025-04-07 09:00)"
            )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def min_pre_rows(step: pd.Timedelta) -> int:
    """Rows needed before the onset to fit the normal level of a series with this step."""
    return int(MIN_PRE_DAYS[step] * (DAY / step))


def check_periods(
    index: pd.DatetimeIndex,
    onset: pd.Timestamp,
    restored: pd.Timestamp | None = None,
    *,
    source: str = "the series",
    min_post_rows: int = 1,
) -> None:
    """Check that the onset (and restoration) lie inside the series with enough rows around them."""
    step = series_step(index, source)
    first, last = index[0], index[-1]
    span = f"{source} runs from {first} to {last}"
    if not first < onset <= last:
        raise InputError(f"`onset` {onset}: outside the series; {span}")
    n_pre = int((index < onset).sum())
    need = min_pre_rows(step)
    if n_pre < need:
        unit = "hourly" if step == HOUR else "daily"
        raise InputError(
            f"`onset` {onset}: only {n_pre} {unit} rows of {source} come before it; fitting "
            f"the normal level needs at least {need} ({MIN_PRE_DAYS[step]} days)"
        )
    if restored is None:
        return
    if not onset < restored <= last:
        where = "not after the onset" if restored <= onset else "outside the series"
        raise InputError(f"`restored` {restored}: {where}; {span}")
    n_post = int((index >= restored).sum())
    if n_post < min_post_rows:
        raise InputError(
            f"`restored` {restored}: only {n_post} rows of {source} come after it; fitting "
            f"the recovery needs at least {min_post_rows}"
        )
