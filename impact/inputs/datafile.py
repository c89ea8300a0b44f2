"""Check an input file before reading it: it exists, is a file, is text, and is not too big.

Every reader of user files (scenario TOML, empirical() CSVs, series, catalogues) goes through
`check_file`, so a folder, a binary file or a huge file is refused at once with the file's name,
before a parser spends minutes and gigabytes on it.
"""

from __future__ import annotations

import csv
import errno
import stat
from pathlib import Path
from typing import Any

from impact.exceptions import InputError

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_SCENARIO_BYTES",
    "check_file",
    "check_header",
    "expand_user",
    "find_file",
    "path_kind",
    "read_csv_file",
    "read_stdin",
    "read_text_file",
    "shown",
]

# A scenario is a page of keys; the largest built-in one is under 10 KiB. 1 MiB leaves room for
# long comments while refusing generated files that would take minutes to parse.
MAX_SCENARIO_BYTES = 1 << 20
# Ten years of hourly rows with a few columns is about 5 MiB; 200 MiB leaves room for big
# empirical samples while keeping a mistaken multi-gigabyte file from filling memory.
MAX_CSV_BYTES = 200 << 20
_SNIFF_BYTES = 8192


def _size(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def expand_user(text: str | Path) -> Path:
    """`text` as a path, a leading `~` or `~user` made that user's home folder; left as it is
    when there is no such user or home (as a shell leaves it), so that it is then not found.
    (pathlib's `expanduser` raises RuntimeError there.)"""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def shown(text: str) -> str:
    """`text` quoted for a message, cut short when it is too long to read (a name the file
    system refused for its length can be thousands of characters)."""
    return repr(text) if len(text) <= 120 else f"{text[:60]!r}… ({len(text)} characters)"


def path_kind(path: Path, lead: str) -> str:
    """What is at `path`: "file" (a regular file, through links), "folder", "missing" or
    "other" (a device, a pipe, a socket).

    A path the file system will not look up is bad input, an InputError starting with `lead`:
    a folder on the way that this user may not search, a name too long, a loop of links.
    (pathlib's `is_file` and `exists` raise on these instead of answering.)
    """
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            why = "permission denied (a folder on its path may not be searched by this user)"
        elif exc.errno == errno.ENAMETOOLONG:
            why = "a name too long for the file system"
        else:
            why = (exc.strerror or str(exc)).lower()
        raise InputError(f"{lead}: {why}") from None
    if stat.S_ISREG(mode):
        return "file"
    return "folder" if stat.S_ISDIR(mode) else "other"


def find_file(path: Path, what: str, lead: str, missing: str | None = None) -> Path:
    """`path` if it is a regular file, else an InputError starting with `lead` that says why
    it cannot be read as a `what`: a folder, missing (then `missing`, by default "<what> not
    found"), a device, a pipe or a socket (/dev/zero), or a path that cannot be looked up."""
    kind = path_kind(path, lead)
    if kind == "folder":
        raise InputError(f"{lead}: is a folder; give the path of a {what}")
    if kind == "missing":
        raise InputError(f"{lead}: {missing or f'{what} not found'}")
    if kind == "other":
        raise InputError(
            f"{lead}: is not a regular file (a device, a pipe or a socket); give the path of a "
            f"{what}"
        )
    return path


def _lead(path: Path, flag: str | None) -> str:
    """How a message about `path` starts: the key or option it came from, then the path."""
    where = shown(str(path))
    return f"{flag}: {where}" if flag else where


def check_file(path: Path, what: str, max_bytes: int, *, flag: str | None = None) -> Path:
    """`path` if it is a readable text file of at most `max_bytes`, else an InputError naming it.

    `what` says what the file should be ("scenario file", "CSV file"); `flag`, when given, is
    the key or option the path came from, which starts the message when the file is missing or
    cannot be read.
    """
    where, lead = shown(str(path)), _lead(path, flag)
    find_file(path, what, lead)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{lead}: cannot read ({(exc.strerror or str(exc)).lower()})") from None
    if size > max_bytes:
        raise InputError(
            f"{where}: {_size(size)}: too big for a {what} (the limit is {_size(max_bytes)}); "
            "check that this is the file you meant"
        )
    if b"\0" in head:
        raise InputError(f"{where}: is a binary file, not a {what} (UTF-8 text)")
    return path


def read_text_file(path: Path, what: str, max_bytes: int, *, flag: str | None = None) -> str:
    """The UTF-8 text of a checked file (see `check_file`)."""
    check_file(path, what, max_bytes, flag=flag)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{str(path)!r}: byte {exc.start} is not UTF-8; save the {what} as UTF-8 text"
        ) from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise InputError(f"{_lead(path, flag)}: cannot read ({reason})") from None


def read_stdin(
    stream: Any, what: str = "scenario file", max_bytes: int = MAX_SCENARIO_BYTES
) -> str:
    """The UTF-8 text of a file given on standard input: at most `max_bytes` are read (so
    `< /dev/zero` ends at once), and a byte that is not UTF-8 is named as in a file."""
    where = "<stdin>"
    if stream is None or getattr(stream, "closed", False):
        raise InputError(f"{where}: not open; pipe the {what} into it, e.g. `- < my.toml`")
    binary = getattr(stream, "buffer", None)
    data: bytes | str = (binary or stream).read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(
            f"{where}: larger than {_size(max_bytes)}: too big for a {what}; check that this "
            "is the file you meant"
        )
    if isinstance(data, str):  # a text stream (a test's StringIO): already decoded
        return data
    if b"\0" in data[:_SNIFF_BYTES]:
        raise InputError(f"{where}: is binary, not a {what} (UTF-8 text)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: byte {exc.start} is not UTF-8; save the {what} as UTF-8 text"
        ) from None


def check_header(path: Path, text_head: str) -> None:
    """Refuse a CSV whose header names a column twice (pandas would silently rename one)."""
    try:
        header = next(csv.reader([text_head.splitlines()[0] if text_head else ""]), [])
    except csv.Error:
        return  # pandas reports a malformed header itself
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        name = name.strip()
        if name and name in seen:
            raise InputError(
                f"{str(path)!r}: column {name!r} appears twice in the header (columns "
                f"{seen[name] + 1} and {i + 1}); rename one so that it is clear which to use"
            )
        seen[name] = i


def read_csv_file(path: Path, what: str = "CSV file", *, flag: str | None = None) -> Any:
    """A checked CSV file read by pandas: text, UTF-8, a header without repeated names."""
    import pandas as pd

    check_file(path, what, MAX_CSV_BYTES, flag=flag)
    try:
        with path.open(encoding="utf-8") as handle:
            check_header(path, handle.readline())
        return pd.read_csv(path, encoding="utf-8")
    except InputError:
        raise
    except UnicodeDecodeError:  # pandas decodes in chunks: its offset is within a chunk
        raise InputError(
            f"{str(path)!r}: byte {_first_bad_byte(path)} is not UTF-8; save the {what} as "
            "UTF-8 text"
        ) from None
    except Exception as exc:  # pandas raises many types for unreadable files
        where = _csv_problem(path)
        raise InputError(
            f"{str(path)!r}: {where}"
            if where
            else f"{str(path)!r}: cannot read as CSV ({type(exc).__name__}: {str(exc).strip()})"
        ) from None


def _first_bad_byte(path: Path) -> int:
    """The offset of the file's first byte that is not UTF-8 (the file is at most
    MAX_CSV_BYTES, checked before it is read)."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _csv_problem(path: Path) -> str | None:
    """An unclosed quote, found by Python's own CSV reader, named by the line its field starts
    on (pandas names a row counted its own way); None for anything else."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return (
                    f"line {start}: a quoted field opens there and is never closed; "
                    "close the quote or remove it"
                )
    return None  # anything else: pandas' own words (it accepts more than the strict reader)
