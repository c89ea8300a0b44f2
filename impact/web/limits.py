"""The web page's caps and its one error of its own, importable without the library's weight
(the app serves its first page before numpy, pandas and scipy are loaded)."""

from __future__ import annotations

from impact.exceptions import ImpactError

__all__ = ["MAX_BODY_BYTES", "MAX_TRIALS", "MAX_UPLOAD_BYTES", "Cancelled"]

MAX_BODY_BYTES = 64 * 1024  # a what-if's JSON
MAX_UPLOAD_BYTES = 256 * 1024  # a scenario file
MAX_TRIALS = 1_000_000  # a what-if's trials


class Cancelled(ImpactError):
    """A newer request replaced this one while it ran."""
