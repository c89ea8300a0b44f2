"""One task runner (`impact.simulation.runner`) for simulate, annual, compare and resilience.

The first error stops the run the same way whichever of them runs: a block that fails in the
first task comes back as that error while the other workers are still busy, the tasks not yet
started never start, and the pool's processes are gone when the call returns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import impact
from impact.inputs.designs import load_design
from impact.simulation import annual as annual_module
from impact.simulation import engine, paired, resilience, runner
from impact.simulation.runner import Runner

MARKERS = "IMPACT_TEST_RUNNER_MARKERS"  # the folder the blocks below leave their marks in
WAIT_SECONDS = 30  # how long a block other than 0 stays busy (unless the test releases it)


class BlockFailed(Exception):
    pass


def _fail_or_stay_busy(index: int) -> None:
    """Block 0 fails at once; any other block stays busy, then records that it finished."""
    folder = Path(os.environ[MARKERS])
    (folder / f"started-{index}-{os.getpid()}").touch()
    if index == 0:
        raise BlockFailed("block 0 failed")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not (folder / "release").exists():
        time.sleep(0.05)
    (folder / f"finished-{index}-{os.getpid()}").touch()


def _block(*args: Any) -> None:
    """In place of annual's, compare's or resilience's block function: (…, seed, index, n)."""
    _fail_or_stay_busy(args[-2])


def _engine_task(*args: Any, **kwargs: Any) -> None:
    """In place of the engine's task: (scenario, sampling, root, tracked, blocks, …)."""
    _fail_or_stay_busy(args[4].start)


def _simulate() -> None:
    impact.simulate(impact.load_scenario("meta-2024"), 20_000, rng=1, workers=2)


def _annual() -> None:
    scenario = impact.load_scenario("meta-2024")
    annual_module.simulate_annual(scenario, 20_000, rng=1, workers=2, thresholds=[1e9])


def _compare() -> None:
    a = impact.load_scenario("meta-2024")
    paired.simulate_paired(a, a.with_overrides({"outage.hours": 1}), 20_000, rng=1, workers=2)


def _resilience() -> None:
    now = load_design("single-site")
    resilience.simulate_resilience(now, [load_design("hardening")], 20_000, workers=2)


RUNS: dict[str, tuple[Callable[[], None], Any, str]] = {
    "simulate": (_simulate, engine, "_run_task"),
    "annual": (_annual, annual_module, "_annual_task"),
    "compare": (_compare, paired, "_task"),
    "resilience": (_resilience, resilience, "_task"),
}


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to run two workers")
@pytest.mark.parametrize("name", list(RUNS))
def test_a_failure_in_the_first_block_stops_every_kind_of_run_at_once(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, module, attribute = RUNS[name]
    monkeypatch.setenv(MARKERS, str(tmp_path))
    monkeypatch.setattr(module, attribute, _engine_task if module is engine else _block)
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)  # many tasks: 4 in flight for 2 workers
    monkeypatch.setattr(engine, "BLOCK_SIZE", 1000)
    monkeypatch.setattr(paired, "BLOCK_SIZE", 1000)
    monkeypatch.setattr(annual_module, "YEAR_BLOCK", 1000)
    try:
        with pytest.raises(BlockFailed, match="block 0 failed"):
            run()
        marks = [path.name.split("-") for path in tmp_path.iterdir()]
    finally:
        (tmp_path / "release").touch()  # should a worker have survived, it finishes
    started = {int(index) for kind, index, _ in marks if kind == "started"}
    finished = {int(index) for kind, index, _ in marks if kind == "finished"}
    pids = {int(pid) for _, _, pid in marks}
    assert 0 in started and os.getpid() not in pids  # block 0 ran, in a worker process
    # The tasks the two workers were busy with were stopped, not waited for, and the ones
    # queued behind them (blocks 3 and later) never started.
    assert finished == set()
    assert started <= {0, 1, 2}
    assert all(_gone(pid) for pid in pids)


def _index_block(seq: np.random.SeedSequence, index: int, n: int) -> tuple[int, int, int]:
    return index, n, int(seq.generate_state(1)[0])


@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_come_back_in_order_with_their_own_streams(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 2)
    root = np.random.SeedSequence(7)
    with Runner(workers) as run:
        got = list(run.blocks(_index_block, root, 10 * 100 + 3, 100))
    # Block i of 100 items (the last one 3) draws from the i-th child of the root.
    children = root.spawn(11)
    expected = [
        (i, 3 if i == 10 else 100, int(children[i].generate_state(1)[0])) for i in range(11)
    ]
    assert got == expected


def test_with_one_worker_each_block_comes_back_as_it_is_done() -> None:
    # Annual's and resilience's progress (and the page's cancel through it) follow each block.
    ran: list[int] = []

    def block(seq: np.random.SeedSequence, index: int, n: int) -> int:
        ran.append(index)
        return index

    with Runner(1) as run:
        blocks = run.blocks(block, np.random.SeedSequence(1), 10 * 100, 100)
        assert next(blocks) == 0 and ran == [0]  # not the task's 16 blocks first
        assert list(blocks) == list(range(1, 10)) and ran == list(range(10))
