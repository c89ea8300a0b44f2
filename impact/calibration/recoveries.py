"""Read the catalogue of observed recoveries (data/recoveries.csv) as observations of the model.

Each row of the catalogue is one published figure about activity around a real outage
(`data/recoveries.md` describes the columns). A row is an *observation* of the model when it
was measured after restoration (`hours_since_restore` ≥ 0), has a pre-outage baseline (so a
`relative_gap`) and maps to a model quantity. What it observes depends on what it counts:

- `people` (daily or monthly users; `maps_to` users_away): a count of people who came at all,
  which lies between the users away and the activity gap, c(u) ≤ dip ≤ 1 − a(u): a *bracket*.
  A count given as a lower bound ("more than 90%", "above 90 million", said in `unit`) caps
  the dip, and so only the users away: c(u) ≤ dip (`away_at_most`).
- `activity` (traffic, requests, time in total; `maps_to` activity_gap): the activity gap
  1 − a(u) itself (`gap`), or at most it when given as a lower bound (`gap_at_most`).
- `time` (time per active user; `maps_to` activity_gap): the gap among the users present,
  1 − a(u)/(1 − c(u)) (`gap_present`), which leaves out those who did not come.

Rival sign-ups, installs and daily users (`rivals`, `users_to_rivals`) are not used: the rows
after restoration measure a rival against its own peak, which is no model quantity, and
sign-ups are at best a loose ceiling on users moving (docs/model.md, "Learning after-effects").

Every row is checked; a bad one is an InputError naming the file, the row (its line in the
file, the header being line 1) and the column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import MAX_CSV_BYTES, check_file, check_header, expand_user

__all__ = [
    "KINDS",
    "MEASUREMENT_SD",
    "TREND_SD_PER_MONTH",
    "RecoveryCatalogue",
    "default_recoveries",
    "measurement_sd",
    "read_recoveries",
]

REQUIRED = (
    "case",
    "platform",
    "duration_hours",
    "scope",
    "quantity",
    "measures",
    "maps_to",
    "hours_since_restore",
    "value",
    "baseline",
    "unit",
    "relative_gap",
    "reliability",
)
MEASURES = ("people", "activity", "time", "rivals")
MAPS_TO = ("users_away", "activity_gap", "users_to_rivals", "none")
SCOPES = ("total", "partial")
# What each kind of observation reads off the model (docs/model.md, "Learning after-effects").
KINDS = {
    "bracket": "c(u) ≤ dip ≤ 1 − a(u): a count of people who came at all",
    "away_at_most": "c(u) ≤ dip: a count of people given as a lower bound caps the users away",
    "gap": "1 − a(u): the activity gap",
    "gap_at_most": "1 − a(u) ≤ gap: activity given as a lower bound caps the activity gap",
    "gap_present": "1 − a(u)/(1 − c(u)): time per user present",
}
# Measurement error of a relative gap, by reliability tag: a company's own count (rounded to
# three figures, definitions stable) to half a point; a panel estimate (Similarweb, Sensor
# Tower, Cloudflare) to 1.5 points (TikTok 2026: Similarweb's ≤ 2.2% and Sensor Tower's 5%
# around the same days); an aggregator or unverified counter to 3 points.
MEASUREMENT_SD = {"[co]": 0.005, "[3p]": 0.015, "[weak]": 0.03}
# No row is seasonally adjusted or detrended, so the gap also holds the platform's own drift
# between the baseline and the observation: 3 points per 30 days, linear in the span (Roblox's
# November fell 2.2% raw but ~5.6% against its growth trend, recoveries.md; Roblox January was
# 8.3% above October; Meta's family grew 1.6% from December to March).
TREND_SD_PER_MONTH = 0.03
MONTH_HOURS = 720.0
PEOPLE_WINDOW_HOURS = 24.0  # a count of people averages over at least a day
_LOWER_BOUND = re.compile(r"\blower bound\b", re.IGNORECASE)


def default_recoveries() -> Path:
    """The bundled catalogue of observed recoveries."""
    return data_path("recoveries.csv")


def measurement_sd(
    reliability: str, span_hours: float, drift_per_month: float = TREND_SD_PER_MONTH
) -> float:
    """The standard deviation of a relative gap: the tag's error and the platform's drift over
    the span from the baseline to the observation (`drift_per_month` per 720 h), in quadrature.

    >>> round(measurement_sd("[co]", 720.0), 4)
    0.0304
    """
    trend = drift_per_month * max(span_hours, 0.0) / MONTH_HOURS
    return math.hypot(MEASUREMENT_SD[reliability], trend)


@dataclass(frozen=True)
class RecoveryCatalogue:
    """A checked catalogue: every row (`rows`), the observations the model can be fitted to
    (`observations`, one row each, with its kind and the hours from its baseline to it,
    `span_hours`), and the rows not used with the reason (`unused`)."""

    path: Path
    rows: pd.DataFrame
    observations: pd.DataFrame
    unused: pd.DataFrame

    @property
    def cases(self) -> tuple[str, ...]:
        """Cases with at least one observation, in catalogue order."""
        return tuple(dict.fromkeys(self.observations["case"]))

    def without(self, case: str) -> RecoveryCatalogue:
        """The catalogue with every row of `case` left out (for leave-one-out checks)."""
        keep = self.rows["case"] != case
        return RecoveryCatalogue(
            self.path,
            self.rows[keep].reset_index(drop=True),
            self.observations[self.observations["case"] != case].reset_index(drop=True),
            self.unused[self.unused["case"] != case].reset_index(drop=True),
        )

    def case_info(self, case: str) -> tuple[float, str]:
        """(duration_hours, scope) of a case."""
        row = self.rows[self.rows["case"] == case].iloc[0]
        return float(row["duration_hours"]), str(row["scope"])


def _decode(path: Path, data: bytes) -> str:
    """The UTF-8 text, or an InputError naming the row and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = data[: exc.start].count(b"\n") + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        prefix = data[start : exc.start].decode("utf-8", "replace")
        header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8", "replace")]), [])
        fields = next(csv.reader([prefix + "x"]), [""])
        column = header[len(fields) - 1] if len(fields) - 1 < len(header) else "?"
        raise InputError(
            f"{str(path)!r} row {line_no} column {column.strip()!r}: byte {exc.start} is not "
            "UTF-8; save the catalogue as UTF-8 text"
        ) from None


def _records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, raw cells) of every data row, the header checked for the columns."""
    check_file(path, "recoveries catalogue CSV file", MAX_CSV_BYTES, flag="--catalogue")
    text = _decode(path, path.read_bytes())
    check_header(path, text)
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{str(path)!r}: no column {', '.join(map(repr, missing))}; columns are "
            f"{', '.join(header) or 'none'} (data/recoveries.md describes them)"
        )
    out = []
    for raw in reader:
        cells = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        out.append((reader.line_num, cells))
    if not out:
        raise InputError(f"{str(path)!r}: no rows; the catalogue needs at least one observation")
    return out


class _Row:
    """One raw row with its line number, for messages naming the row and column."""

    def __init__(self, path: Path, line: int, cells: dict[str, str]) -> None:
        self.path, self.line, self.cells = path, line, cells

    def fail(self, column: str, problem: str) -> InputError:
        shown = self.cells.get(column, "")
        value = repr(shown) if shown else "empty"
        return InputError(
            f"{str(self.path)!r} row {self.line} column {column!r}: {value}: {problem}"
        )

    def text(self, column: str, allowed: tuple[str, ...] | None = None) -> str:
        value = self.cells.get(column, "")
        if allowed is not None and value not in allowed:
            raise self.fail(column, f"must be one of {', '.join(allowed)}")
        if not value:
            raise self.fail(column, "must not be empty")
        return value

    def number(self, column: str, *, required: bool = False) -> float:
        value = self.cells.get(column, "")
        if not value:
            if required:
                raise self.fail(column, "must be a number")
            return math.nan
        try:
            x = float(value.replace("_", ""))
        except ValueError:
            raise self.fail(column, "is not a number") from None
        if not math.isfinite(x):
            raise self.fail(column, "must be a finite number")
        return x


def _parse(row: _Row) -> dict[str, object]:
    duration = row.number("duration_hours", required=True)
    if duration <= 0:
        raise row.fail("duration_hours", "must be a positive number of hours")
    value = row.number("value", required=True)
    baseline = row.number("baseline")
    gap = row.number("relative_gap")
    if gap == gap:  # given
        if baseline != baseline:
            raise row.fail(
                "baseline",
                "missing, but relative_gap is given; give the pre-outage level in the same "
                "unit, or leave relative_gap empty",
            )
        if baseline == 0:
            raise row.fail("baseline", "must not be 0 (relative_gap divides by it)")
        expected = (baseline - value) / baseline
        if abs(expected - gap) > 5e-4 * max(1.0, abs(expected)):
            raise row.fail(
                "relative_gap",
                f"is not (baseline - value)/baseline = {expected:.4f}; fix the value, the "
                "baseline or the gap",
            )
    measures = row.text("measures", MEASURES)
    maps_to = row.text("maps_to", MAPS_TO)
    if maps_to == "users_away" and measures != "people":
        raise row.fail("maps_to", f"users_away needs measures = people, not {measures!r}")
    if maps_to == "activity_gap" and measures not in ("activity", "time"):
        raise row.fail(
            "maps_to", f"activity_gap needs measures = activity or time, not {measures!r}"
        )
    hours = row.number("hours_since_restore")
    if hours != hours and maps_to in ("users_away", "activity_gap") and gap == gap:
        raise row.fail("hours_since_restore", "missing: an observation of the model needs its hour")
    return {
        "line": row.line,
        "case": row.text("case"),
        "platform": row.cells.get("platform", ""),
        "duration_hours": duration,
        "scope": row.text("scope", SCOPES),
        "quantity": row.text("quantity"),
        "measures": measures,
        "maps_to": maps_to,
        "hours_since_restore": hours,
        "value": value,
        "baseline": baseline,
        "unit": row.cells.get("unit", ""),
        "relative_gap": gap,
        "reliability": row.text("reliability", tuple(MEASUREMENT_SD)),
        "source_url": row.cells.get("source_url", ""),
    }


def _why_unused(r: pd.Series) -> str | None:
    """Why a row is not an observation of the model (None when it is one)."""
    if r["maps_to"] == "none":
        return "context only (maps_to none)"
    if r["maps_to"] == "users_to_rivals":
        return "rivals: no model quantity (docs/model.md)"
    if r["relative_gap"] != r["relative_gap"]:
        return "no baseline"
    if not r["hours_since_restore"] >= 0:
        return "before restoration"
    return None


def _kind(r: pd.Series) -> str:
    lower = bool(_LOWER_BOUND.search(str(r["unit"])))
    if r["measures"] == "people":
        return "away_at_most" if lower else "bracket"
    if r["measures"] == "time":
        return "gap_present"
    return "gap_at_most" if lower else "gap"


def _baseline_hours(rows: pd.DataFrame, r: pd.Series) -> float:
    """When the baseline was measured: the case's own row of the same platform and quantity
    whose value is this baseline (before the outage), or else the outage's onset."""
    same = rows[
        (rows["case"] == r["case"])
        & (rows["platform"] == r["platform"])
        & (rows["quantity"] == r["quantity"])
        & (rows["value"] == r["baseline"])
        & (rows["hours_since_restore"] <= -r["duration_hours"])
    ]
    if len(same):
        return float(same["hours_since_restore"].iloc[0])
    return -float(r["duration_hours"])


def read_recoveries(path: str | Path | None = None) -> RecoveryCatalogue:
    """Read and check a catalogue of observed recoveries (default: data/recoveries.csv).

    >>> catalogue = read_recoveries()
    >>> len(catalogue.rows), len(catalogue.cases) > 3
    (66, True)
    """
    path = expand_user(path) if path is not None else default_recoveries()
    parsed = [_parse(_Row(path, line, cells)) for line, cells in _records(path)]
    rows = pd.DataFrame(parsed)
    for case, group in rows.groupby("case", sort=False):
        if group["duration_hours"].nunique() > 1 or group["scope"].nunique() > 1:
            line = int(group["line"].iloc[1])
            column = "duration_hours" if group["duration_hours"].nunique() > 1 else "scope"
            raise InputError(
                f"{str(path)!r} row {line} column {column!r}: case {case!r} gives two "
                f"different values of {column}; one outage has one"
            )
    reasons: list[str | None] = [_why_unused(r) for _, r in rows.iterrows()]
    # A count of people averages over at least a day: two counts of one case less than a day
    # apart overlap (Roblox's Q4 and November; Facebook's and the family's December), so the
    # first listed is used and the other is a duplicate.
    kept: dict[str, list[float]] = {}
    for i, r in rows.iterrows():
        if reasons[i] is not None or r["measures"] != "people":  # type: ignore[call-overload]
            continue
        earlier = kept.setdefault(str(r["case"]), [])
        u = float(r["hours_since_restore"])
        if any(abs(u - v) < PEOPLE_WINDOW_HOURS for v in earlier):
            reasons[i] = "overlaps an earlier count of people of the case"  # type: ignore[call-overload]
        else:
            earlier.append(u)
    rows["unused"] = reasons
    used = rows[rows["unused"].isna()].copy()
    used["kind"] = [_kind(r) for _, r in used.iterrows()]
    used["baseline_hours"] = [_baseline_hours(rows, r) for _, r in used.iterrows()]
    used["span_hours"] = used["hours_since_restore"] - used["baseline_hours"]
    observations = used.rename(
        columns={"hours_since_restore": "hours", "relative_gap": "observed"}
    ).reset_index(drop=True)
    unused = rows[rows["unused"].notna()][
        ["line", "case", "platform", "quantity", "hours_since_restore", "unused"]
    ].reset_index(drop=True)
    return RecoveryCatalogue(path, rows.drop(columns="unused"), observations, unused)
