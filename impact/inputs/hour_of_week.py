"""Hours of the week: "Sun 04:00" <-> 148.0, with Monday 00:00 as hour 0.

The onset of an outage (`outage.onset_hour_of_week`) may be written as a day and a time, in a
plain number of hours since Monday 00:00, or as a spec whose numbers may themselves be days and
times (``uniform(Sat 00:00, Sun 23:00)``). `translate` turns the days and times of a spec into
hours before it is parsed like any other spec.
"""

from __future__ import annotations

import re

from impact.exceptions import InputError

__all__ = ["DAYS", "WEEK_HOURS", "format_hour", "parse_day_time", "translate"]

WEEK_HOURS = 168
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORD = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
_DAY_TIME = re.compile(r"^([A-Za-z]+)\s+(\d{1,2}):(\d{2})$")
_HELP = "write 'Day HH:MM' (e.g. 'Sun 04:00'), an hour of the week in [0, 168) or a spec"


def parse_day_time(text: str) -> float:
    """Hours since Monday 00:00 of a 'Day HH:MM' string.

    >>> parse_day_time("Sun 04:00"), parse_day_time("Monday 00:30"), parse_day_time("tue 21:00")
    (148.0, 0.5, 45.0)
    """
    match = _DAY_TIME.match(text.strip())
    if not match:
        raise InputError(f"not a day and time; {_HELP}")
    word, hour, minute = match.group(1).lower(), int(match.group(2)), int(match.group(3))
    day = next(
        (i for i, (short, full) in enumerate(zip(DAYS, _FULL, strict=True))
         if word in (short.lower(), full)),
        None,
    )  # fmt: skip
    if day is None:
        raise InputError(f"{match.group(1)!r} is not a day (Mon, Tue, … Sun); {_HELP}")
    if hour > 23 or minute > 59:
        raise InputError(f"{hour:02d}:{minute:02d} is not a time of day (00:00 to 23:59)")
    return day * 24 + hour + minute / 60


def translate(spec: str) -> str:
    """A spec with every 'Day HH:MM' replaced by its hour of the week.

    >>> translate("Sun 04:00"), translate("uniform(Sat 00:00, Sun 12:00)"), translate("70")
    ('148', 'uniform(120, 156)', '70')
    """
    if not (_DAY_WORD.search(spec) or ":" in spec):
        return spec
    inner = re.fullmatch(r"\s*([A-Za-z_]+)\s*\((.*)\)\s*", spec, re.DOTALL)
    if inner is None or _DAY_WORD.fullmatch(inner.group(1)):
        return f"{parse_day_time(spec):g}"
    if inner.group(1).lower() == "empirical":  # a path:column, not a time
        return spec
    values, sep, options = inner.group(2).partition(";")  # choice(…; p=…) keeps its weights
    parts = [p.strip() for p in values.split(",")]
    out = [f"{parse_day_time(p):g}" if _DAY_WORD.search(p) or ":" in p else p for p in parts]
    return f"{inner.group(1)}({', '.join(out)}{sep}{options})"


def format_hour(hour: float) -> str:
    """'Day HH:MM' of an hour of the week (wrapped into [0, 168)).

    >>> format_hour(148), format_hour(45.5), format_hour(170)
    ('Sun 04:00', 'Tue 21:30', 'Mon 02:00')
    """
    minutes = round((float(hour) % WEEK_HOURS) * 60) % (WEEK_HOURS * 60)
    day, rest = divmod(minutes, 24 * 60)
    return f"{DAYS[day]} {rest // 60:02d}:{rest % 60:02d}"
