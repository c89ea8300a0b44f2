"""The --out flag of every command that writes a folder: refuse an empty path or a file."""

from pathlib import Path

import typer

__all__ = ["out_folder"]


def out_folder(text: str) -> Path:
    """The folder `--out` names. Typer would turn '' into '.', the working folder, so an empty
    value is refused here, on the raw text, as is a path to an existing file."""
    if isinstance(text, Path):  # a default that is already a path
        return text
    if not text.strip():
        raise typer.BadParameter("'': empty path; give a folder, e.g. --out reports/mine")
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise typer.BadParameter(f"{text!r}: is a file, not a folder; give a folder to write into")
    return path
