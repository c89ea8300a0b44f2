"""How a pool's processes take signals: a signal that arrives while a pool forks is held and
acted on after, and the workers die with their parent (`impact.simulation.pool`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import alive

from impact.simulation.pool import forking


def test_a_signal_during_a_fork_is_held_until_after_it() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), forking():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # delivered at once, were it not held
        reached = True
    assert reached


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_parent_killed_outright(tmp_path: Path) -> None:
    """A parent killed with SIGKILL (kill -9, the OOM killer) runs no clean-up: its workers are
    sent SIGKILL by the kernel instead of living on, holding the caller's pipes open."""
    code = (
        "import os, signal, sys\n"
        "from impact.simulation.pool import make_pool\n"
        "pool = make_pool(2)\n"
        "pool.submit(int).result()\n"
        "print(*pool._processes, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    workers = [int(pid) for pid in done.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(alive, workers)):
        time.sleep(0.05)
    assert not [p for p in workers if alive(p)]


def test_an_aborted_pool_leaves_no_thread_behind() -> None:
    """The executor's manager thread has ended when `close_pool` returns: left running, it can
    close its wake-up pipe while concurrent.futures' exit hook writes to it, which prints
    "Exception ignored … Bad file descriptor" after the one-line message (seen in CI)."""
    from impact.simulation.pool import close_pool, make_pool

    pool = make_pool(2)
    pool.submit(int).result()
    manager = pool._executor_manager_thread
    assert manager is not None and manager.is_alive()
    joined: list[float | None] = []
    join = manager.join

    def spied(timeout: float | None = None) -> None:
        joined.append(timeout)  # it usually ends on its own first: the race is rare
        join(timeout)

    manager.join = spied  # type: ignore[method-assign]
    close_pool(pool, abort=True)
    assert joined and not manager.is_alive()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_drawing_processes_die_with_a_parent_killed_outright() -> None:
    """The first drawing process dies with the command's, and the ones it forked die with it."""
    from impact.reports.drawing import processes

    if processes() < 2:
        pytest.skip("no drawing processes here (one core, or no fork)")
    code = (
        "import os, signal, time\n"
        "from processes import children\n"
        "from impact.reports.drawing import drawing_pool\n"
        "with drawing_pool() as pool:\n"
        "    while not children(pool.process.pid):\n"
        "        time.sleep(0.02)\n"
        "    print(pool.process.pid, *children(pool.process.pid), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    drawing = [int(pid) for pid in done.stdout.split()]
    assert len(drawing) == processes()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(alive, drawing)):
        time.sleep(0.05)
    assert not [p for p in drawing if alive(p)]
