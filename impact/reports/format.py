"""Numbers for people: $12.3M, 1.2 million users, 73 h — never scientific notation for money."""

from __future__ import annotations

import math

__all__ = [
    "PEOPLE_UNITS",
    "format_count",
    "format_hours",
    "format_people",
    "format_usd",
    "format_value",
]

PEOPLE_UNITS = frozenset({"users", "creators"})  # counted in whole people


def _scaled(value: float, digits: int = 3) -> tuple[float, str]:
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return value / factor, suffix
    return value, ""


def _sig(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_usd(value: float, digits: int = 3) -> str:
    """'$12.3M', '$850k', '$0'.

    >>> format_usd(123_456_789)
    '$123M'
    >>> format_usd(1_530_000)
    '$1.53M'
    """
    if not math.isfinite(value):
        return "n/a"
    scaled, suffix = _scaled(value)
    sign = "-" if scaled < 0 else ""
    return f"{sign}${_sig(abs(scaled), digits)}{suffix}"


def format_count(value: float, digits: int = 3) -> str:
    """'1.2 million', '35,400', '12'.

    >>> format_count(1_234_567)
    '1.23 million'
    >>> format_count(35_412)
    '35,400'
    """
    if not math.isfinite(value):
        return "n/a"
    for factor, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= factor:
            return f"{_sig(value / factor, digits)} {word}"
    if abs(value) >= 1000:
        rounded = round(value, -(math.floor(math.log10(abs(value))) + 1 - digits))
        return f"{rounded:,.0f}"
    return _sig(value, digits)


def format_people(value: float, digits: int = 3) -> str:
    """A number of people, whole: '19', '35,400', '1.23 million' (never '19.5 creators').

    >>> format_people(19.5), format_people(0.4), format_people(35_412)
    ('20', '0', '35,400')
    """
    if math.isfinite(value) and abs(value) < 1000:
        return f"{round(value):,}"
    return format_count(value, digits)


def format_hours(value: float, digits: int = 3) -> str:
    """'180 h', '2.5 h'.

    >>> format_hours(180)
    '180 h'
    """
    if not math.isfinite(value):
        return "n/a"
    return f"{_sig(value, digits)} h"


def format_value(value: float, unit: str, *, compact: bool = False, digits: int = 3) -> str:
    """Format a value by the unit of its metric ('USD', 'h', 'users', 'creators').

    `compact` writes counts as '1.51M' and '330k' instead of '1.51 million' and '330,000';
    `digits` is the number of significant digits.
    """
    if unit == "USD":
        return format_usd(value, digits)
    if unit == "h":
        return format_hours(value, digits)
    if compact and math.isfinite(value) and abs(value) >= 1e4:
        scaled, suffix = _scaled(value)
        return f"{_sig(scaled, digits)}{suffix}"
    return format_people(value, digits) if unit in PEOPLE_UNITS else format_count(value, digits)
