"""Find and read scenario files: built-in names, paths, size limits, TOML and its comments."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import (
    MAX_SCENARIO_BYTES,
    expand_user,
    find_file,
    path_kind,
    read_text_file,
    shown,
)
from impact.inputs.problems import suggest

__all__ = ["builtin_scenarios", "comments", "parse_toml", "read_toml", "resolve"]

# A value a newcomer writes bare where TOML wants a string: a number with a k/M/B suffix
# (4.57k, 12M) or a distribution (uniform(1, 2)).
_BARE_SPEC = re.compile(
    r"[+-]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*[kKmMbB]|[A-Za-z_]\w*\s*\(.*\)"
)
_ASSIGNMENT = re.compile(r"""\s*[A-Za-z0-9_."' -]+?\s*=\s*(?P<value>[^"'\[{#\s][^#]*?)\s*(#.*)?""")
_HINT_CHARS = 1000  # the longest line before any comment that `_quote_hint` reads
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def builtin_scenarios() -> dict[str, Path]:
    """The built-in scenarios by name."""
    return {p.stem: p for p in sorted(data_path("scenarios").glob("*.toml"))}


def resolve(name_or_path: str | Path, flag: str = "scenario") -> Path:
    """The file of a built-in scenario name or a path; InputError when there is none.

    A built-in name wins over a file or folder of the same name in the current folder, unless
    the argument is clearly a path: it has a path separator or the `.toml` suffix
    (`./tiktok-us-2026`, `tiktok-us-2026.toml`).
    """
    text = str(name_or_path)
    path = expand_user(text)
    builtins = builtin_scenarios()
    is_path = path.suffix == ".toml" or "/" in text or os.sep in text or text.startswith("~")
    if not is_path and text in builtins:
        return builtins[text]
    lead = f"{flag}: {shown(text)}"
    if is_path or path_kind(path, lead) != "missing":
        return find_file(path, "scenario file", lead, "file not found")
    raise InputError(
        f"{flag}: {str(name_or_path)!r}: no built-in scenario or file of that name"
        f"{suggest(str(name_or_path), builtins)} (built-in: {', '.join(builtins)})"
    )


def read_toml(path: Path, flag: str | None = None) -> tuple[dict[str, Any], str]:
    """The parsed TOML of a scenario file and its text; files over the size limit are refused
    before they are parsed. `flag`, the key the path came from, starts the message of a file
    that cannot be read."""
    text = read_text_file(path, "scenario file", MAX_SCENARIO_BYTES, flag=flag)
    return parse_toml(text, str(path)), text


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """The parsed TOML of `text` (a file named `where`), or one InputError naming it.

    A bare spec where TOML wants a string (`hourly_loss = 4.57k`) gets the fix in the message;
    nesting deep enough to exhaust Python's recursion is refused like any other bad file.

    >>> try:
    ...     parse_toml('[revenue]\\nhourly_loss = 4.57k\\n', "my.toml")
    ... except InputError as exc:
    ...     print(str(exc).rpartition("; ")[2])
    write "4.57k" in quotes: specs are strings
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML: {exc}{_quote_hint(text, str(exc))}") from None
    except RecursionError:
        raise InputError(
            f"{where}: not valid TOML: arrays or tables nested too deeply to read; a scenario "
            "file needs a few levels at most"
        ) from None


def _quote_hint(text: str, message: str) -> str:
    """'; write "4.57k" in quotes: specs are strings' when the line the parser stopped on
    gives a bare spec, else ''."""
    at = _AT_LINE.search(message)
    lines = text.splitlines()
    if at is None or not 1 <= int(at.group(1)) <= len(lines):
        return ""
    # The value ends at a '#' (as in _ASSIGNMENT); a bare spec is short. The regexes backtrack
    # in the square of a long line's length: 32 kB of spaces took 16 s, a 256 KiB upload would
    # have taken a quarter of an hour.
    code = lines[int(at.group(1)) - 1].partition("#")[0]
    if len(code) > _HINT_CHARS:
        return ""
    line = _ASSIGNMENT.fullmatch(code)
    if line is None or not _BARE_SPEC.fullmatch(line.group("value")):
        return ""
    return f'; write "{line.group("value")}" in quotes: specs are strings'


def comments(text: str) -> dict[str, str]:
    """The comment of every value: full-line comments directly above it plus its trailing one.

    tomllib drops comments, and the sources of the defaults live in them, so tomlkit reads them.
    """
    import tomlkit
    from tomlkit import items

    notes: dict[str, str] = {}

    def walk(body: Iterable[tuple[Any, Any]], prefix: str) -> None:
        pending: list[str] = []
        for key, item in body:
            if isinstance(item, items.Comment):
                pending.append(item.trivia.comment.lstrip("#").strip())
                continue
            if isinstance(item, items.Whitespace):
                if item.s.count("\n") > 1:
                    pending = []
                continue
            name = prefix + key.key
            if isinstance(item, items.Table):
                walk(item.value.body, name + ".")
            elif isinstance(item, items.AoT):
                for i, table in enumerate(item.body):
                    walk(table.value.body, f"{name}[{i}].")
            else:
                trail = item.trivia.comment.lstrip("#").strip()
                notes[name] = " ".join([*pending, trail] if trail else pending)
            pending = []

    try:
        walk(tomlkit.parse(text).body, "")
    except Exception:  # comments are a courtesy; tomllib has already validated the file
        return {}
    return notes
