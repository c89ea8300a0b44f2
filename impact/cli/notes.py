"""Show impact's warnings on stderr as one `warning: …` line, not in Python's file:line form."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from impact.cli.flags import as_flags
from impact.exceptions import ImpactWarning

__all__ = ["warnings_as_notes"]


@contextmanager
def warnings_as_notes() -> Iterator[None]:
    """Within the block, every ImpactWarning (a repaired correlation table, a precision target
    not reached) is printed to stderr as one line; other warnings keep their usual form."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", ImpactWarning)
        previous = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, ImpactWarning):
                print(f"warning: {as_flags(' '.join(str(message).split()))}", file=sys.stderr)
            else:
                previous(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield
