"""Where a report came from: the command that regenerates it, versions and the time it was made."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

from impact._version import __version__

__all__ = ["KEPT_SCENARIO", "Provenance", "docs_link"]

KEPT_SCENARIO = "stdin-scenario.toml"  # where a report keeps a scenario read from stdin (a name
# of its own: another run into the folder removes it, as it does the other files of a run)


@dataclass(frozen=True)
class Provenance:
    """What a reproducibility block states besides the result's own seed, trials and method."""

    command: str
    # Inputs the command reads that no file holds (a scenario read from stdin): (name, text),
    # each written into the report folder, where `command` reads it again.
    saved: tuple[tuple[str, str], ...] = ()
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    package_version: str = __version__
    python_version: str = field(default_factory=platform.python_version)
    numpy_version: str = np.__version__

    def saved_writers(self) -> dict[str, Callable[[Path], None]]:
        """A writer for each saved input, for the report's `write_files`."""
        return {name: partial(_write_text, text) for name, text in self.saved}

    @property
    def created_utc(self) -> str:
        """'2026-02-03 14:05 UTC'."""
        return self.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _write_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def docs_link(out_dir: Path, page: str = "docs/model.md") -> str | None:
    """A relative link from `out_dir` to a page of the impact checkout it lies in, or None.

    The report folder's own ancestors are searched for the checkout (a folder with `page` and
    a pyproject.toml naming the project `impact`), so a report written inside a clone links to
    its docs ('../../docs/model.md' from `reports/<name>/`) whether `impact` was installed from
    that clone as a wheel or in editable mode; a report written anywhere else names the page.
    """
    try:
        target = Path(out_dir).resolve()
    except (OSError, RuntimeError):  # a loop of links on the way (RuntimeError before 3.13)
        return None
    for folder in (target, *target.parents):
        project = folder / "pyproject.toml"
        try:  # (is_file raises for a folder this user may not search)
            if not ((folder / page).is_file() and project.is_file()):
                continue
            text = project.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        if 'name = "impact"' not in text:
            return None
        return Path(os.path.relpath(folder / page, target)).as_posix()
    return None
