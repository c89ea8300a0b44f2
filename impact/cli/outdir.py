"""The --out flag of every command that writes a folder: refuse an empty path, a file, a name
the file system cannot hold, or a folder this user cannot write into."""

import os
from pathlib import Path

import typer

__all__ = ["NAME_MAX", "out_folder"]

NAME_MAX = 255  # bytes in one file or folder name on common file systems (ext4, APFS, NTFS)


def _nearest_entry(path: Path) -> Path:
    """`path` if it exists, else its nearest parent that does (that this user can see): a
    folder, or a file or a link that is in the way of one."""
    entry = path.absolute()
    while not os.path.lexists(entry) and entry != entry.parent:  # (no OSError on long names)
        entry = entry.parent
    return entry


def _name_max(folder: Path) -> int:
    """The longest name the file system under `folder` takes."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # not POSIX, or the file system will not say
        return NAME_MAX


def out_folder(text: str) -> Path:
    """The folder `--out` names. Typer would turn '' into '.', the working folder, so an empty
    value is refused here, on the raw text, as is what would fail only after the run: a path to
    or through a file (or a link to nothing), a name longer than the file system takes, and a
    folder this user cannot write into."""
    if isinstance(text, Path):  # a default that is already a path
        return text
    if not text.strip():
        raise typer.BadParameter("'': empty path; give a folder, e.g. --out reports/mine")
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~user of no user, or ~ without a home
        raise typer.BadParameter(
            f"{text!r}: {Path(text).parts[0]!r} is no home folder here; give a folder"
        ) from None
    longest = max((len(part.encode("utf-8", "surrogateescape")) for part in path.parts), default=0)
    try:
        entry = _nearest_entry(path)
    except OSError as exc:  # a relative path, and the working folder was deleted
        reason = (exc.strerror or str(exc)).lower()
        raise typer.BadParameter(
            f"{text!r}: the working folder cannot be found ({reason}); give an absolute path"
        ) from None
    folder = entry if os.path.isdir(entry) else entry.parent
    if longest > (limit := _name_max(folder)):
        raise typer.BadParameter(
            f"{text[:40]!r}…: a name of {longest} bytes; the file system takes at most {limit} "
            "in one file or folder name"
        )
    try:
        if path.exists() and not path.is_dir():
            raise typer.BadParameter(
                f"{text!r}: is a file, not a folder; give a folder to write into"
            )
    except OSError as exc:  # a path too long as a whole, say
        reason = (exc.strerror or str(exc)).lower()
        raise typer.BadParameter(f"{text[:40]!r}: cannot be a folder ({reason})") from None
    if not os.path.isdir(entry):  # a file, a link to nothing or a loop of links on the way
        what = "a link to nothing (or a loop of links)" if os.path.islink(entry) else "a file"
        raise typer.BadParameter(
            f"{text!r}: {str(entry)!r} is {what}, not a folder; give a folder to write into"
        )
    # The report is written (a temporary folder, then renames) into the folder, or into the
    # folders made on the way from its nearest existing parent: this user must be able to
    # write there, which is known now rather than after the run.
    if not os.access(folder, os.W_OK | os.X_OK):
        where = "this folder" if folder == path.absolute() else repr(str(folder))
        raise typer.BadParameter(f"{text!r}: cannot write into {where} (permission denied)")
    return path
