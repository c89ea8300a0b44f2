"""Markdown building blocks shared by every report: the one table writer, with safe cells."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["cell", "table"]

_URL = re.compile(r"https?://[^\s<>|]*[^\s<>|.,;:)\]]")


def cell(value: object) -> str:
    """Text safe inside a markdown table cell: pipes escaped, URLs as autolinks, one line.

    >>> cell("a | b  see https://example.com/x.")
    'a \\\\| b see <https://example.com/x>.'
    """
    text = " ".join(str(value).split()).replace("|", "\\|")
    return _URL.sub(lambda m: f"<{m.group(0)}>", text)


def table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> str:
    """A GitHub-flavoured markdown table; `align` has one letter per column, 'l' or 'r'."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [f"| {' | '.join(header)} |", f"| {' | '.join(rule)} |"]
    lines += [f"| {' | '.join(cell(v) for v in row)} |" for row in rows]
    return "\n".join(lines)
