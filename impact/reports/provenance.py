"""Where a report came from: the command that regenerates it, versions and the time it was made."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from impact._version import __version__

__all__ = ["Provenance", "docs_link"]


@dataclass(frozen=True)
class Provenance:
    """What a reproducibility block states besides the result's own seed, trials and method."""

    command: str
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    package_version: str = __version__
    python_version: str = field(default_factory=platform.python_version)
    numpy_version: str = np.__version__

    @property
    def created_utc(self) -> str:
        """'2026-02-03 14:05 UTC'."""
        return self.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def docs_link(out_dir: Path, page: str = "docs/model.md") -> str | None:
    """A relative link from `out_dir` to a page of the source repository, or None.

    The link exists only when `impact` runs from a source checkout and the report folder lies
    inside it (as `reports/<name>/` does: '../../docs/model.md'); a report written anywhere
    else, or by an installed wheel, names the page instead of linking to it.
    """
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        return None
    target = Path(out_dir).resolve()
    if not target.is_relative_to(root):
        return None
    return Path(os.path.relpath(root / page, target)).as_posix()
