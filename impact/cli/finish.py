"""The end of a command that writes files: the JSON object (`--json`), nothing (`--quiet`), or
the console the command prints its headline and what it wrote on."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

__all__ = ["console", "finish", "report_console"]


def console() -> Console:
    """The console a command prints on: no highlighting, 100 columns when not a terminal."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 100)


def report_console(
    payload: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    json_output: bool,
    quiet: bool = False,
) -> Console | None:
    """With `--json`, print `payload` as one line; with `--quiet`, nothing; either way None.
    Otherwise the console to print the command's headline on. `payload` may be the function
    that makes it, called only for `--json` (a simulation's takes 10-20 ms)."""
    if json_output:
        made = payload() if callable(payload) else payload
        sys.stdout.write(json.dumps(made) + "\n")
        return None
    if quiet:
        return None
    return console()


def plain(sentence: str) -> str:
    r"""A markdown headline as console text: the quote marks at line starts (and the quote's
    empty lines) and the bold marks removed, and nothing else (a `>` inside the text, as in
    P(NPV > 0), stays).

    >>> plain("> **P(NPV > 0) = 3%.**\n>\n> 2,000 futures.")
    'P(NPV > 0) = 3%.\n2,000 futures.'
    """
    unquoted = re.sub(r"^>[ \t]*(\n|$)", "", sentence, flags=re.MULTILINE)
    return re.sub(r"^> ", "", unquoted, flags=re.MULTILINE).replace("**", "")


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
    out = report_console(payload, json_output=json_output, quiet=quiet)
    if out is None:
        return
    out.print(plain(sentence))
    out.print(f"wrote {out_dir / 'report.md'} and {len(written) - 1} more files")
