"""`--scheduler`: the engine's tasks on a dask.distributed cluster give a local run's numbers."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.scenario import Scenario, load_scenario
from impact.model.core import OUTPUTS
from impact.simulation import engine
from impact.simulation.engine import simulate

pytestmark = pytest.mark.filterwarnings("ignore")  # dask's own start-up and shutdown chatter


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("tiktok-us-2026")


def test_a_cluster_gives_a_local_runs_numbers_bit_for_bit(
    scheduler: str, scenario: Scenario
) -> None:
    # More than one task, so both dask workers run some; the merge tree is fixed by block index.
    n = engine.BLOCK_SIZE * engine.BLOCKS_PER_TASK + 3 * engine.BLOCK_SIZE + 17
    local = simulate(scenario, n, rng=11, workers=1)
    remote = simulate(scenario, n, rng=11, scheduler=scheduler)
    pd.testing.assert_frame_equal(local.summary, remote.summary, check_exact=True)
    for name in OUTPUTS:
        a, b = local.sketches[name], remote.sketches[name]
        np.testing.assert_array_equal(a.sums, b.sums)
        assert (a.n, a.mean, a.m2, a.offset) == (b.n, b.mean, b.m2, b.offset)


def test_an_unreachable_scheduler_is_bad_input_within_seconds(scenario: Scenario) -> None:
    pytest.importorskip("distributed")
    started = time.perf_counter()
    with pytest.raises(InputError, match="no dask scheduler answered"):
        simulate(scenario, 1000, rng=1, scheduler="tcp://127.0.0.1:9")
    assert time.perf_counter() - started < 30


def test_without_the_extra_the_scheduler_says_how_to_install(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(InputError, match=r'pip install "impact\[dask\]"'):
        simulate(scenario, 1000, rng=1, scheduler="local")


def test_the_cli_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    out = tmp_path / "report"
    status = main(["simulate", "--scheduler", "local", "--trials", "1000", "--out", str(out)])
    assert status == 2 and not out.exists()
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "impact[dask]" in err


def test_the_scheduler_defaults_to_the_environment(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.setenv("IMPACT_SCHEDULER", "local")
    status = main(["simulate", "--trials", "1000", "--out", str(tmp_path / "r")])
    assert status == 2 and "impact[dask]" in capsys.readouterr().err


def test_annual_risk_and_comparisons_on_a_cluster_give_local_numbers(scheduler: str) -> None:
    # They share one block runner (impact.simulation.blocks), which sends its tasks to the
    # cluster the same way.
    import impact

    kwargs = {"frequency_events_per_year": 1}
    local = impact.annual("meta-2024", 30_000, rng=3, **kwargs)
    remote = impact.annual("meta-2024", 30_000, rng=3, scheduler=scheduler, **kwargs)
    pd.testing.assert_frame_equal(local.summary, remote.summary, check_exact=True)
    b = {"outage.hours": 1}
    local_pair = impact.compare("meta-2024", b_overrides=b, n_trials=5_000, rng=2)
    remote_pair = impact.compare(
        "meta-2024", b_overrides=b, n_trials=5_000, rng=2, scheduler=scheduler
    )
    pd.testing.assert_frame_equal(local_pair.summary, remote_pair.summary, check_exact=True)


def test_every_simulating_command_takes_the_flag() -> None:
    from typer.testing import CliRunner

    from impact.cli import app

    for command in ("simulate", "sensitivity", "annual", "compare", "resilience"):
        text = CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
        assert "--scheduler" in text, command
