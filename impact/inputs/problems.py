"""Collect every problem of a scenario file, so that validation reports them all at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from impact.exceptions import InputError

__all__ = ["MAX_PROBLEMS", "Collector", "raise_all", "shown", "suggest"]

MAX_PROBLEMS = 100  # past this many, a file is not a scenario with typos; stop looking


def suggest(name: str, options: Iterable[str]) -> str:
    """'; did you mean 'x'?' when `name` is close to one of `options`, else ''."""
    from difflib import get_close_matches

    hint = get_close_matches(name, list(options), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def shown(table: Mapping[str, Any], key: str) -> str:
    """How a message shows `table[key]`: its repr, or `missing` when the key is not there.

    >>> shown({"a": 1}, "a"), shown({}, "a")
    ('1', 'missing')
    """
    return repr(table[key]) if key in table else "missing"


class Collector:
    """The problems found in one file (`where`), each a message that starts with the file."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    @property
    def full(self) -> bool:
        """True once `MAX_PROBLEMS` problems are collected; later ones are not recorded."""
        return len(self.problems) >= MAX_PROBLEMS

    def add(self, message: str) -> None:
        if not self.full:
            self.problems.append(f"{self.where}: {message}")


def raise_all(problems: list[str]) -> None:
    """Raise the first problem as an InputError, saying how many more there are."""
    if problems:
        more = f" (and {len(problems) - 1} more; run `impact validate` to see all)"
        raise InputError(problems[0] + (more if len(problems) > 1 else ""))
