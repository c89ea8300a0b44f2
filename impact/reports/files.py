"""Write a set of output files atomically: all into a temporary folder, then moved into place."""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor
from contextlib import suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from impact.exceptions import InputError
from impact.interrupts import signals_held

__all__ = ["Portable", "Writer", "committed", "forget_committed", "write_files", "write_later"]

Writer = Callable[[Path], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Portable:
    """A writer that another process can run: a function named "module:function", imported
    where it runs, and picklable arguments; it is called as `function(*args, path)`.
    `write_files` hands it to its `pool` when it has one (a chart, drawn while the rest of the
    folder is written, by a process that has loaded matplotlib: `impact.reports.drawing`).
    `args` may be a function that computes the arguments: it is called when the writer is
    sent or run, in the order of the writers, so that a chart whose data is ready goes off
    before the data of the next one is computed."""

    function: str
    args: tuple[Any, ...] | Callable[[], tuple[Any, ...]]

    def arguments(self) -> tuple[Any, ...]:
        return self.args() if callable(self.args) else self.args

    def __call__(self, path: Path) -> None:
        run_portable(self.function, self.arguments(), path)


def run_portable(function: str, args: tuple[Any, ...], path: Path) -> None:
    """Import the function named "module:function" and write `path` with it."""
    module, _, name = function.partition(":")
    getattr(importlib.import_module(module), name)(*args, path)


_LATER: ContextVar[tuple[ThreadPoolExecutor, list[Future[None]]] | None] = ContextVar(
    "impact_write_later", default=None
)


def write_later(finish: Callable[[], None]) -> None:
    """Run `finish`, the last step of writing a file, on a background thread when called by a
    writer inside `write_files`, which waits for it before it moves any file into place; run it
    at once anywhere else.

    The step is meant to spend its time outside the GIL, as PNG encoding in zlib does, so it
    overlaps the next writer's work (a chart's drawing): docs/performance.md, "Charts".
    """
    later = _LATER.get()
    if later is None:
        finish()
        return
    pool, pending = later
    pending.append(pool.submit(finish))


_COMMITTED: list[Path] = []


def committed() -> tuple[Path, ...]:
    """Every folder `write_files` has filled in this process, in order (each with all its new
    files in place), so that an interrupt that comes later can say the output was written."""
    return tuple(_COMMITTED)


def forget_committed(under: Path) -> None:
    """Forget the folders `write_files` filled inside `under`, a folder that is going away (a
    server's temporary folder), so that no interrupt names them as written."""
    gone = under.resolve()
    _COMMITTED[:] = [p for p in _COMMITTED if not p.resolve().is_relative_to(gone)]


def _cannot(out_dir: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc)
    return InputError(f"`out_dir`: {str(out_dir)!r}: cannot write there ({reason.lower()})")


def write_files(
    out_dir: Path,
    writers: Mapping[str, Writer],
    *,
    remove: Iterable[str] = (),
    pool: Executor | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write each file with its writer into a temporary folder inside `out_dir`, then move them in.

    `writers` maps a relative file name to a function that writes that file at the path it is
    given. A writer may hand its last step to `write_later`; every such step has finished (or
    failed, which counts as the writer failing) before the first move.

    An error or Ctrl-C leaves `out_dir` exactly as it was (a folder this call created is removed
    again). Each move is an atomic rename within one file system (the temporary folder lives
    inside `out_dir`, so a mounted `out_dir` works), so every file in `out_dir` is always either
    its earlier or its new complete version. A folder, such as the Parquet dataset a cluster
    writes, takes two renames: for an instant it is absent, never half-written. The moves are
    all or nothing: a move that fails undoes those made before it (`_commit`), and SIGINT and
    SIGTERM are held while they run (a few renames) and acted on after. Names in `remove` that
    were not written this time (say, samples of an earlier run) leave `out_dir` with the same
    step, so the folder holds one run. A folder that cannot be written is an InputError naming
    it.

    With a `pool` (an executor of other processes), each `Portable` writer runs there, into the
    same temporary folder, while the writers after it run here; the moves wait for all of
    them. `progress(done, total)` is called as each file is finished.
    """
    if not str(out_dir).strip():
        raise InputError("`out_dir`: '': empty path; give a folder, e.g. reports/mine")
    out_dir = Path(out_dir)
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError(f"`out_dir`: {str(out_dir)!r}: exists and is not a folder")
        created = not out_dir.exists()
    except OSError as exc:  # a name too long for the file system, say
        raise _cannot(out_dir, exc) from None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".impact-tmp-", dir=out_dir))
    except OSError as exc:
        raise _cannot(out_dir, exc) from None
    background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="impact-write")
    pending: list[Future[None]] = []
    token: Token[tuple[ThreadPoolExecutor, list[Future[None]]] | None] | None
    token = _LATER.set((background, pending))
    # Portable writers running in `pool`, with what each writes where
    elsewhere: dict[Future[None], tuple[Portable, Path]] = {}
    caught: list[int] = []  # a signal held during the moves, raised once all is cleaned up
    done = 0
    away: set[str] = set()  # the names written in `pool`
    try:
        for name, write in writers.items():  # first, so that they overlap the writing here
            if pool is not None and isinstance(write, Portable):
                target = _staged(staging, name)
                with suppress(BrokenExecutor):  # a broken pool: written here, below
                    future = pool.submit(run_portable, write.function, write.arguments(), target)
                    elsewhere[future] = (write, target)
                    away.add(name)
        for name, write in writers.items():
            if name in away:
                continue
            write(_staged(staging, name))
            if progress is not None:
                done += 1
                progress(done, len(writers))
        _LATER.reset(token)
        token = None
        for future in pending:
            future.result()  # a background step's error is raised here, before any move
        for future, (write, target) in elsewhere.items():
            try:
                future.result()  # as a background step's
            except BrokenExecutor:  # its process died (or the pool broke): written here
                write(target)
            if progress is not None:
                done += 1
                progress(done, len(writers))
        with signals_held(caught):
            written = _commit(
                out_dir, staging, list(writers), [n for n in remove if n not in writers]
            )
            _COMMITTED.append(out_dir)
        return written
    except OSError as exc:
        raise _cannot(out_dir, exc) from None
    finally:
        if token is not None:
            _LATER.reset(token)
        for future in elsewhere:  # on an error: what has not started never will
            future.cancel()
        try:  # a second Ctrl-C while this waits must not leave the staging folder behind
            background.shutdown(wait=True, cancel_futures=True)  # nothing writes into staging after
        finally:
            _remove_tree(staging)
        if created and not any(out_dir.iterdir()):
            out_dir.rmdir()
        if caught:
            signal.raise_signal(caught[0])


def _staged(staging: Path, name: str) -> Path:
    """Where `name` is written in the staging folder (its own folders made)."""
    target = staging / name
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _commit(out_dir: Path, staging: Path, names: list[str], remove: list[str]) -> list[Path]:
    """Move the staged `names` into `out_dir` and delete `remove` from it, all or nothing: each
    earlier version is kept aside in the staging folder until the end, and if any step fails
    (a file open elsewhere on Windows, a full or read-only disk) the steps already done are
    undone, in reverse, before the error is raised."""
    kept = staging / ".replaced"
    kept.mkdir()
    undo: list[Callable[[], None]] = []
    try:
        for i, name in enumerate(names):
            final = out_dir / name
            final.parent.mkdir(parents=True, exist_ok=True)
            undo.append(_move(staging / name, final, kept / str(i)))
        for i, name in enumerate(remove):
            target = out_dir / name
            if target.exists() or target.is_symlink():
                os.replace(target, kept / f"removed-{i}")
                undo.append(partial(os.replace, kept / f"removed-{i}", target))
    except BaseException:
        for step in reversed(undo):
            with suppress(OSError):  # put back what can be; the first error is the one to report
                step()
        raise
    return [out_dir / name for name in names]


def _move(source: Path, final: Path, kept: Path) -> Callable[[], None]:
    """Move a written file or folder to `final`, keeping any earlier version at `kept`; return
    the step that puts the earlier version back (or removes the new one if there was none).

    A file replaces the earlier one in one rename, after a hard link keeps the earlier one at
    `kept` (where hard links are not possible, it is renamed there first, and `final` is absent
    for an instant). A folder (a Parquet dataset) cannot replace a folder or a file in one
    rename, so the earlier one is renamed aside first.
    """
    earlier = final.exists() or final.is_symlink()
    if earlier and (final.is_dir() or source.is_dir() or not _linked(final, kept)):
        os.replace(final, kept)
        try:
            os.replace(source, final)
        except OSError:
            os.replace(kept, final)
            raise
    else:
        os.replace(source, final)
    if not earlier:
        return partial(_delete, final)

    def put_back() -> None:
        if final.is_dir() and not final.is_symlink():
            _delete(final)  # a folder cannot be replaced in one rename
        os.replace(kept, final)

    return put_back


def _linked(final: Path, kept: Path) -> bool:
    """Keep the earlier file at `kept` as a hard link; False where the file system cannot."""
    try:
        os.link(final, kept, follow_symlinks=False)
    except (OSError, NotImplementedError):
        return False
    return True


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _remove_tree(path: Path, attempts: int = 20) -> None:
    """Remove the staging folder, even while a late writer (a dask worker whose write was
    cancelled but had begun) adds a file to it: retry for up to about 2 s."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)
