"""Revenue profiles: 168 hourly weights over the week (Monday 00:00 first), normalised to mean 1.

A profile says how revenue per hour varies over the week in the platform's main time zone. The
weights are normalised to mean 1, so `revenue.hourly_loss` (R) stays the average revenue per
hour and a flat profile changes nothing. Built-in profiles live in `data/profiles/NAME.csv`; a
file is a CSV with a `weight` column (and optionally `basis`, the reason for each weight) or a
single column of numbers, one row per hour; lines starting with `#` are comments.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import expand_user, path_kind, shown
from impact.inputs.hour_of_week import WEEK_HOURS, format_hour

__all__ = ["FLAT", "Profile", "builtin_profiles", "load_profile"]


@dataclass(frozen=True, eq=False)
class Profile:
    """A week of hourly revenue weights with mean 1 (`weights[0]` is Monday 00:00-01:00)."""

    name: str
    weights: NDArray[np.float64] = field(repr=False)
    basis: tuple[str, ...] = field(default=(), repr=False)
    path: Path | None = None

    @property
    def is_flat(self) -> bool:
        """True when every hour weighs the same (the profile changes nothing)."""
        return bool(np.all(self.weights == self.weights[0]))

    def spec(self) -> str:
        """How the profile is named in a scenario or a command line."""
        return self.name if self.path is None else str(self.path)


FLAT = Profile("flat", np.ones(WEEK_HOURS))


def builtin_profiles() -> dict[str, Path]:
    """The built-in profiles by name (`flat` needs no file)."""
    return {p.stem: p for p in sorted(data_path("profiles").glob("*.csv"))}


def _resolve(name_or_path: str | Path, base_dir: Path | None) -> Path | None:
    text = str(name_or_path).strip()
    if text == "flat":
        return None
    builtins = builtin_profiles()
    if text in builtins:
        return builtins[text]
    path = expand_user(text)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    kind = path_kind(path, f"revenue.profile: {shown(text)}")
    if path.suffix.lower() != ".csv" and kind == "missing":
        names = ", ".join(["flat", *builtins])
        raise InputError(
            f"revenue.profile: {text!r}: no built-in profile or CSV file of that name "
            f"(built-in: {names})"
        )
    if kind != "file":
        raise InputError(f"revenue.profile: {text!r}: file not found ({path})")
    return path


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """The file's data rows with their line numbers (comments and blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the revenue profile ({exc})") from None
    lines = [(i + 1, line) for i, line in enumerate(text.splitlines())]
    kept = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    rows = []
    for n, line in kept:  # one row a line: a quote left open must not swallow the lines after it
        try:
            cells = next(csv.reader([line], strict=True))
        except csv.Error as exc:
            raise InputError(
                f"{path}: line {n}: {line.strip()[:40]!r}: not a CSV row ({exc}); close the "
                "quote or remove it"
            ) from None
        rows.append((n, [cell.strip() for cell in cells]))
    return rows


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _read(path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    rows = _rows(path)
    column, basis_column = 0, None
    if rows and _number(rows[0][1][0]) is None:  # a header
        header = [c.lower() for c in rows[0][1]]
        if "weight" in header:
            column = header.index("weight")
        elif len(header) != 1:
            raise InputError(
                f"{path}: line {rows[0][0]}: no 'weight' column in the header "
                f"({', '.join(rows[0][1])}); name the column of hourly weights 'weight'"
            )
        basis_column = header.index("basis") if "basis" in header else None
        rows = rows[1:]
    if len(rows) != WEEK_HOURS:
        raise InputError(
            f"{path}: {len(rows)} rows of weights; a revenue profile needs {WEEK_HOURS}, "
            "one per hour of the week from Monday 00:00"
        )
    weights = np.empty(WEEK_HOURS)
    basis: list[str] = []
    for hour, (line, cells) in enumerate(rows):
        cell = cells[column] if column < len(cells) else ""
        value = _number(cell)
        where = f"{path}: line {line} ({format_hour(hour)})"
        if value is None or math.isnan(value) or math.isinf(value):
            raise InputError(f"{where}: weight {cell!r} is not a finite number")
        if value < 0:
            raise InputError(f"{where}: weight {cell} is negative; weights must be ≥ 0")
        weights[hour] = value
        if basis_column is not None and basis_column < len(cells):
            basis.append(cells[basis_column])
    if not np.any(weights > 0):
        raise InputError(f"{path}: every weight is 0; a profile needs some revenue in the week")
    return weights, tuple(basis)


def load_profile(name_or_path: str | Path, *, base_dir: Path | None = None) -> Profile:
    """A built-in profile by name (`flat`, `short-video-us`) or a CSV file, normalised to mean 1.

    Relative paths are read from `base_dir` (a scenario file's folder) when given.

    >>> p = load_profile("short-video-us")
    >>> len(p.weights), round(float(p.weights.mean()), 12)
    (168, 1.0)
    """
    path = _resolve(name_or_path, base_dir)
    if path is None:
        return FLAT
    raw, basis = _read(path)
    with np.errstate(over="ignore", divide="ignore"):
        scale = WEEK_HOURS / raw.sum()
    if not 0 < scale < np.inf:  # weights so small or large that their sum under- or overflows
        raw = raw / raw.max()
        scale = WEEK_HOURS / raw.sum()
    weights = raw * scale
    name = path.stem if path.parent == data_path("profiles") else str(name_or_path)
    return Profile(name, weights, basis, None if name == path.stem else path)
