"""The report's charts drawn in other processes (`impact.reports.drawing`): the same files, and the
main process of `impact simulate` never loads matplotlib."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from concurrent.futures import BrokenExecutor
from pathlib import Path

import pytest
from processes import alive

import impact
from impact.reports import charts, drawing
from impact.reports.chart_data import SIMULATE_CHARTS
from impact.reports.folder import write_report

needs_pool = pytest.mark.skipif(
    drawing.processes() == 0, reason="no drawing processes here (one core, or no fork)"
)


def test_the_chart_list_is_the_charts_registry() -> None:
    assert tuple(charts.CHARTS) == SIMULATE_CHARTS


@needs_pool
def test_a_report_drawn_in_the_pool_is_the_same_bytes(tmp_path: Path) -> None:
    """Every file of the folder, charts included, is byte for byte the one written in this
    process (but for the folder's name in the command that regenerates it): a chart is drawn
    from the same data with the same code wherever it is drawn."""
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), 3_000, rng=11)
    here = write_report(result, tmp_path / "drawn-in-process")
    with drawing.drawing_pool() as pool:
        assert pool is not None
        there = write_report(result, tmp_path / "drawn-in-pool", pool=pool)
    assert [p.name for p in there] == [p.name for p in here]
    assert {p.name for p in here} >= {*SIMULATE_CHARTS, "evidence_inputs.png"}
    for a, b in zip(here, there, strict=True):  # report.md and .html name their own folder
        assert a.read_bytes().replace(b"in-process", b"in-pool") == b.read_bytes(), a.name


def test_no_pool_where_none_is_asked_for() -> None:
    with drawing.drawing_pool(0) as pool:
        assert pool is None


@needs_pool
def test_simulate_leaves_matplotlib_to_the_drawing_processes(tmp_path: Path) -> None:
    """The command's own process draws nothing: it would load matplotlib (about 0.3 s) if a chart
    were drawn here."""
    code = (
        "import sys; from impact.cli import main\n"
        f"status = main(['simulate', '--trials', '2000', '--quiet', '--out', {str(tmp_path)!r}])\n"
        "print(status, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["0", "False"], done.stderr
    assert {p.name for p in tmp_path.iterdir()} >= set(SIMULATE_CHARTS)


def _forked(pool: drawing.DrawingPool, timeout: float = 60.0) -> list[int]:
    """The processes the first drawing process forks once it is ready (it waits for them)."""
    from processes import children

    deadline = time.monotonic() + timeout
    while len(found := children(pool.process.pid)) < drawing.processes() - 1:
        assert time.monotonic() < deadline, "the first drawing process forked no other"
        time.sleep(0.02)
    return found


@needs_pool
@pytest.mark.parametrize("which", ["first", "forked"])
def test_a_drawing_process_that_dies_leaves_its_charts_to_this_one(
    which: str, tmp_path: Path
) -> None:
    """A broken pool (a process killed, say by the OOM killer) costs time, not the run: every
    chart it had is drawn here, and the folder is the same bytes. Whichever process dies, the
    other is stopped first, so that no chart is written twice at once."""
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), 3_000, rng=11)
    here = write_report(result, tmp_path / "drawn-in-process")
    with drawing.drawing_pool() as pool:
        assert pool is not None
        forked = _forked(pool)
        victim = pool.process.pid if which == "first" else forked[0]
        os.kill(victim, signal.SIGKILL)
        there = write_report(result, tmp_path / "drawn-in-pool", pool=pool)
        assert not pool.process.is_alive()
        with pytest.raises(BrokenExecutor):
            pool.submit(int)
    assert [p.name for p in there] == [p.name for p in here]
    for a, b in zip(here, there, strict=True):
        assert a.read_bytes().replace(b"in-process", b"in-pool") == b.read_bytes(), a.name
    assert not [p for p in forked if alive(p)]


def _fails(message: str) -> None:
    raise ValueError(message)


@needs_pool
def test_a_tasks_error_is_raised_from_its_future_with_where_it_came_from() -> None:
    """An error in a drawing process is the task's, not the pool's: it comes back as raised
    there, with that process's traceback under it, and the pool goes on."""
    with drawing.drawing_pool() as pool:
        assert pool is not None
        future = pool.submit(_fails, "no such chart")
        with pytest.raises(ValueError, match="no such chart") as raised:
            future.result(timeout=60)
        assert "_fails" in str(raised.value.__cause__)
        assert pool.submit(int, "7").result(timeout=60) == 7  # the pool goes on
        with pytest.raises((pickle.PicklingError, AttributeError)):  # fails as it is submitted
            pool.submit(_fails, lambda: None)


def test_no_pool_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS offers fork, but forking a process that has loaded its system frameworks is unsafe;
    Windows has none."""
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(drawing.sys, "platform", platform)
        assert drawing.processes() == 0


def test_a_pool_that_cannot_start_is_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """No POSIX semaphores (some sandboxes) or no more processes (a limit): draw here."""

    def cannot(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(drawing, "DrawingPool", cannot)
    with drawing.drawing_pool(2) as pool:
        assert pool is None


def _dies_the_first_time(marker: str, path: Path) -> None:
    """A writer whose process dies the first time it runs (a Portable for the test below)."""
    import os

    if not Path(marker).exists():
        Path(marker).write_text("died once")
        os._exit(1)
    Path(path).write_text("written")


@needs_pool
def test_a_writer_whose_process_dies_while_writing_is_written_here(tmp_path: Path) -> None:
    from impact.reports.files import Portable, write_files

    marker = tmp_path / "marker"
    writer = Portable(f"{__name__}:_dies_the_first_time", (str(marker),))
    with drawing.drawing_pool() as pool:
        written = write_files(tmp_path / "out", {"chart.txt": writer}, pool=pool)
    assert marker.read_text() == "died once"  # it did die, in the pool
    assert [p.read_text() for p in written] == ["written"]


@needs_pool
def test_matplotlibs_temporary_config_folders_go_with_the_drawing_processes(
    tmp_path: Path,
) -> None:
    """With no usable MPLCONFIGDIR matplotlib makes a temporary folder in each process and
    removes it at exit, which a pool's process (ended by os._exit) skips: they are removed all
    the same, and its notice is not printed once per drawing process."""
    import os

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "MPLCONFIGDIR": "/dev/null/not-a-folder", "TMPDIR": str(temp)}
    done = subprocess.run(
        [sys.executable, "-m", "impact", "simulate", "meta-2024", "--trials", "2000", "-q",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "temporary cache directory" not in done.stderr
    assert list(temp.iterdir()) == []


def test_a_signal_held_while_the_pool_forks_stops_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """`forking` acts on a signal that came during the fork as it ends: the pool it made must
    stop with its processes, not wait for the interpreter's exit."""
    import multiprocessing
    from contextlib import contextmanager

    made = []
    real = drawing.DrawingPool

    def recorded(*args: object, **kwargs: object) -> object:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    @contextmanager
    def interrupted():  # type: ignore[no-untyped-def]
        yield
        raise KeyboardInterrupt  # as forking() re-raises a held SIGINT

    monkeypatch.setattr(drawing, "DrawingPool", recorded)
    monkeypatch.setattr(drawing, "forking", interrupted)
    with pytest.raises(KeyboardInterrupt), drawing.drawing_pool(2):
        pass
    assert made and not made[0].process.is_alive()
    assert multiprocessing.active_children() == []


@needs_pool
def test_a_broken_pool_with_tasks_waiting_shuts_down() -> None:
    """Tasks that no process will read (the pool broke with more queued than a pipe holds)
    must not keep shutdown waiting: an earlier version hung here, its queue's feeder thread
    blocked on a full pipe. Run in a process of its own, with a timeout."""
    code = (
        "import os, signal\n"
        "from concurrent.futures import BrokenExecutor\n"
        "from impact.reports.drawing import drawing_pool\n"
        "with drawing_pool() as pool:\n"
        "    os.kill(pool.process.pid, signal.SIGKILL)\n"
        "    futures = []\n"
        "    for _ in range(20):\n"
        "        try:\n"
        "            futures.append(pool.submit(len, b'x' * 200_000))\n"
        "        except BrokenExecutor:\n"
        "            break\n"
        "    broken = [f for f in futures if isinstance(f.exception(timeout=30), BrokenExecutor)]\n"
        "print('done', len(broken) == len(futures))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["done", "True"], done.stdout + done.stderr


@needs_pool
def test_drawing_processes_do_not_collect_garbage() -> None:
    """Each drawing process (the first and the one it forks) has collection off, with what it
    loaded frozen: the first chart otherwise set off a full collection (0.1 s)."""
    with drawing.drawing_pool() as pool:
        assert pool is not None
        # submitted while the first process loads: one task goes to each process
        first, second = pool.submit(_collection), pool.submit(_collection)
        states = [first.result(timeout=60), second.result(timeout=60)]
    assert states[0][0] != states[1][0], "both tasks ran in one process"
    assert [state[1:] for state in states] == [(False, True), (False, True)]


def _collection() -> tuple[int, bool, bool]:
    """This process, whether it collects garbage, and whether anything is frozen."""
    import gc

    return os.getpid(), gc.isenabled(), gc.get_freeze_count() > 0


@needs_pool
def test_an_interrupted_run_leaves_no_temporary_matplotlib_folder(tmp_path: Path) -> None:
    """The drawing processes are stopped by SIGTERM when a run is interrupted, past any exit
    hook: matplotlib's temporary config folder (an unwritable MPLCONFIGDIR) must already be
    gone by then. Interrupted once both drawing processes exist (the first has loaded
    matplotlib and forked the second)."""
    from processes import descendants, pythons

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "MPLCONFIGDIR": "/dev/null/not-a-folder", "TMPDIR": str(temp)}
    run = subprocess.Popen(
        [sys.executable, "-m", "impact", "simulate", "--trials", "1M", "-q", "--out",
         str(tmp_path / "out")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(pythons(descendants(run.pid))) < drawing.processes() and run.poll() is None:
        assert time.monotonic() < deadline, "the drawing processes never started"
        time.sleep(0.02)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 143, err
    assert list(temp.iterdir()) == []
