"""Find and read scenario files: built-in names, paths, size limits, TOML and its comments."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.datafile import MAX_SCENARIO_BYTES, read_text_file
from impact.inputs.problems import suggest

__all__ = ["builtin_scenarios", "comments", "read_toml", "resolve"]


def builtin_scenarios() -> dict[str, Path]:
    """The built-in scenarios by name."""
    return {p.stem: p for p in sorted(data_path("scenarios").glob("*.toml"))}


def resolve(name_or_path: str | Path, flag: str = "scenario") -> Path:
    """The file of a built-in scenario name or a path; InputError when there is none."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        if path.is_dir():
            raise InputError(
                f"{flag}: {str(name_or_path)!r}: is a folder; give the path of a scenario file"
            )
        if not path.is_file():
            raise InputError(f"{flag}: {str(name_or_path)!r}: file not found")
        return path
    builtins = builtin_scenarios()
    if str(name_or_path) in builtins:
        return builtins[str(name_or_path)]
    raise InputError(
        f"{flag}: {str(name_or_path)!r}: no built-in scenario or file of that name"
        f"{suggest(str(name_or_path), builtins)} (built-in: {', '.join(builtins)})"
    )


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed TOML of a scenario file and its text; files over the size limit are refused
    before they are parsed."""
    text = read_text_file(path, "scenario file", MAX_SCENARIO_BYTES)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None


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
