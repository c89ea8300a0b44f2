"""Write a set of output files atomically: all into a temporary folder, then moved into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from impact.exceptions import InputError

__all__ = ["Writer", "write_files"]

Writer = Callable[[Path], None]


def write_files(
    out_dir: Path, writers: Mapping[str, Writer], *, remove: Iterable[str] = ()
) -> list[Path]:
    """Write each file with its writer into a temporary folder beside `out_dir`, then move them in.

    An error or Ctrl-C before the move leaves `out_dir` exactly as it was; each move is an atomic
    rename, so every file in `out_dir` is always either its earlier or its new complete version.
    `writers` maps a relative file name to a function that writes that file at the path it is given.
    Names in `remove` that were not written this time (say, samples of an earlier run) are
    deleted from `out_dir` once every new file is in place, so the folder holds one run.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"out: {str(out_dir)!r}: exists and is not a folder")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"out: {str(out_dir)!r}: cannot create its parent folder ({exc})"
        ) from None
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for name, write in writers.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
        out_dir.mkdir(exist_ok=True)
        written = []
        for name in writers:
            final = out_dir / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
            written.append(final)
        for name in remove:
            if name not in writers:
                (out_dir / name).unlink(missing_ok=True)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
