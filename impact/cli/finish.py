"""The end of a report command: the JSON object, or the headline and what was written."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

__all__ = ["finish"]


def finish(
    payload: dict[str, Any],
    sentence: str,
    out_dir: Path,
    written: Sequence[object],
    *,
    json_output: bool,
    quiet: bool,
) -> None:
    """Print `payload` as one JSON line (`--json`), nothing (`--quiet`), or the headline
    `sentence` (markdown emphasis and quote marks removed) and the files written."""
    if json_output:
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    if quiet:
        return
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 100)
    console.print(sentence.replace("> ", "").replace("**", "").replace(">\n", ""))
    console.print(f"wrote {out_dir / 'report.md'} and {len(written) - 1} more files")
