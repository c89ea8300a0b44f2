"""`--scheduler`: the engine's tasks on a dask.distributed cluster give a local run's numbers."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from processes import alive, children, command_line

from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.scenario import Scenario, load_scenario
from impact.model.core import OUTPUTS
from impact.simulation import engine, runner
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
    scheduler: str, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two tasks of two blocks (tasks are cut client-side, so this costs 4 blocks, not 20), so
    # both dask workers run some: the first folds the start of a merge group itself, the second
    # sends its blocks back one by one for the parent to continue that group, the last block
    # partial. The merge tree is fixed by block index.
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 2)
    n = 3 * engine.BLOCK_SIZE + 17
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
    # They share simulate's runner (impact.simulation.runner), which sends their tasks to the
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


# --- --samples on a cluster: a dask DataFrame the workers write to Parquet ----------------------


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> int:
    """One block per task, so a few blocks make several partitions (tasks are cut client-side;
    the block size, which the workers use, is unchanged)."""
    monkeypatch.setattr(runner, "BLOCKS_PER_TASK", 1)
    return engine.BLOCK_SIZE


@pytest.mark.slow  # about 10 s: the run kept on a cluster, and a local one to compare
def test_samples_on_your_own_client_stay_on_the_workers_as_a_dask_frame(
    scheduler: str, scenario: Scenario, small_tasks: int, tmp_path
) -> None:
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("pyarrow")
    import impact

    n = 2 * small_tasks + 17  # three tasks, the last one of 17 trials
    local = simulate(scenario, n, rng=5, samples=True)
    impact.write_report(local, tmp_path / "local", samples_format="parquet")
    with distributed.Client(scheduler, timeout=10) as client:
        remote = simulate(scenario, n, rng=5, samples=True, scheduler=client)
        frame = remote.samples
        assert type(frame).__module__.startswith("dask.")
        assert frame.npartitions == 3
        assert frame.divisions == (0, small_tasks, 2 * small_tasks, n - 1)
        # Computed, it is the local frame, index included; the sketches are the local ones too.
        pd.testing.assert_frame_equal(frame.compute(), local.samples, check_exact=True)
        pd.testing.assert_frame_equal(remote.summary, local.summary, check_exact=True)
        with pytest.raises(InputError, match="Parquet only"):
            impact.write_report(remote, tmp_path / "csv", samples_format="csv")
        assert not (tmp_path / "csv").exists()
        impact.write_report(remote, tmp_path / "remote", samples_format="parquet")
    dataset = tmp_path / "remote" / "samples.parquet"
    assert sorted(p.name for p in dataset.iterdir()) == [f"part.{i}.parquet" for i in range(3)]
    parts = [pd.read_parquet(dataset / f"part.{i}.parquet") for i in range(3)]
    assert [len(p) for p in parts] == [small_tasks] * 2 + [17]
    written = pd.read_parquet(dataset)  # the whole dataset: parts in name order = trial order
    pd.testing.assert_frame_equal(written, pd.concat(parts, ignore_index=True), check_exact=True)
    pd.testing.assert_frame_equal(
        written, pd.read_parquet(tmp_path / "local" / "samples.parquet"), check_exact=True
    )
    pd.testing.assert_frame_equal(written, local.samples, check_exact=True)
    assert not [p for p in (tmp_path / "remote").iterdir() if p.name.startswith(".impact-tmp")]


def test_an_address_brings_the_samples_back_as_a_pandas_frame(
    scheduler: str, scenario: Scenario, small_tasks: int
) -> None:
    n = 2 * small_tasks + 5
    local = simulate(scenario, n, rng=6, samples=True)
    remote = simulate(scenario, n, rng=6, samples=True, scheduler=scheduler)
    assert isinstance(remote.samples, pd.DataFrame)
    pd.testing.assert_frame_equal(remote.samples, local.samples, check_exact=True)


@pytest.mark.slow  # about 14 s: the installed command on a cluster, and a local run
def test_the_cli_writes_a_clusters_samples_as_parquet_parts_equal_to_a_local_run(
    scheduler: str, small_tasks: int, tmp_path, capsys
) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "rep"
    common = ["simulate", "--trials", str(small_tasks + 100), "--seed", "9", "-q"]  # two tasks
    local = tmp_path / "local"
    assert main([*common, "--samples-format", "parquet", "--out", str(local)]) == 0
    # Into a folder that holds a local run's samples.parquet file: the dataset folder replaces it.
    # (Those two runs, here and at the end, are about the folder, so fewer trials do: 5,000
    # keep the evidence's effective sample above 1,000, which would warn on stderr.)
    few = ["simulate", "--trials", "5000", "--seed", "9", "-q"]
    assert main([*few, "--samples-format", "parquet", "--out", str(out)]) == 0
    assert (out / "samples.parquet").is_file()
    assert main([*common, "--scheduler", scheduler, "--samples", "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""
    dataset = out / "samples.parquet"
    assert sorted(p.name for p in dataset.iterdir()) == [f"part.{i}.parquet" for i in range(2)]
    expected = pd.read_parquet(local / "samples.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(dataset), expected, check_exact=True)
    assert (out / "summary.csv").read_bytes() == (local / "summary.csv").read_bytes()
    assert "--samples-format parquet" in (out / "report.md").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".impact-tmp")]
    # Again over the dataset folder, then a local csv run, which removes the folder.
    assert main([*common, "--scheduler", scheduler, "--samples", "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(dataset), expected, check_exact=True)
    assert main([*few, "--samples", "--out", str(out)]) == 0
    assert not dataset.exists() and (out / "samples.csv").is_file()


def test_csv_samples_with_a_scheduler_exit_2_before_anything_runs(tmp_path, capsys) -> None:
    out = tmp_path / "rep"
    argv = ["simulate", "--scheduler", "tcp://127.0.0.1:9", "--samples-format", "csv"]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: --samples-format csv: with --scheduler the workers write the samples, as "
        "Parquet only (samples.parquet/); use --samples-format parquet\n"
    )
    assert not out.exists()


# --- a cluster that fails under a run ------------------------------------------------------------


def test_a_scheduler_gone_between_runs_is_a_cluster_error_in_seconds(scenario: Scenario) -> None:
    distributed = pytest.importorskip("distributed")
    from impact.exceptions import ClusterError

    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster.scheduler_address, timeout=5) as client:
        simulate(scenario, 2_000, rng=1, scheduler=client)  # the cluster works
        address = cluster.scheduler_address
        cluster.close()
        started = time.perf_counter()
        with pytest.raises(ClusterError) as caught:
            simulate(scenario, 2_000, rng=1, scheduler=client)
        assert time.perf_counter() - started < 30
    assert str(caught.value).startswith(f"`scheduler`: {address!r}: the dask cluster went away")


@pytest.mark.parametrize("seen_by", ["the wait", "the worker count"])
def test_a_lost_connection_reads_the_same_wherever_it_is_seen(
    seen_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduler killed mid-run is seen by whichever comes first: the wait (which cancels the
    future) or the next worker count (a closed comm). CI once saw the second and printed the
    exception's class name; both must give the one message the CLI test expects."""
    distributed = pytest.importorskip("distributed")
    from concurrent.futures import CancelledError
    from types import SimpleNamespace

    from distributed.comm.core import CommClosedError

    from impact.exceptions import ClusterError
    from impact.simulation.cluster import Session

    def sync(*_args: object, **_kwargs: object) -> object:
        raise CommClosedError("in <TCP (closed) ConnectionPool.ncores local=... remote=...>")

    class Future:
        def done(self) -> bool:
            return seen_by == "the wait"

        def result(self) -> object:
            raise CancelledError

    monkeypatch.setattr(distributed, "wait", lambda *_args, **_kwargs: None)  # no real client
    client = SimpleNamespace(sync=sync, scheduler=SimpleNamespace(ncores=None), status="running")
    session = Session(client, "tcp://10.0.0.1:8786", keeps_samples=False)
    with pytest.raises(ClusterError) as caught:
        session.result(Future())
    assert str(caught.value) == (
        "`scheduler`: 'tcp://10.0.0.1:8786': the dask cluster went away (the connection to the "
        "scheduler closed) mid-run; the run is stopped"
    )
    assert session.failed


def test_a_cluster_without_workers_is_a_cluster_error_not_a_hang(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    from impact.exceptions import ClusterError
    from impact.simulation import cluster as dask_cluster

    monkeypatch.setattr(dask_cluster, "NO_WORKERS_SECONDS", 2)
    with distributed.LocalCluster(
        n_workers=0, processes=False, dashboard_address=None
    ) as cluster:  # a scheduler whose workers are all gone
        started = time.perf_counter()
        with pytest.raises(ClusterError, match="the dask cluster has had no worker for 2 s"):
            simulate(scenario, 2_000, rng=1, scheduler=cluster.scheduler_address)
        assert time.perf_counter() - started < 30


_CLUSTER = """
import time
from distributed import LocalCluster
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
print(cluster.scheduler_address, flush=True)
while True:
    time.sleep(60)
"""
_QUIET = {**os.environ, "PYTHONWARNINGS": "ignore"}


@contextmanager
def _cluster_process() -> Iterator[tuple[int, str]]:
    """A LocalCluster (2 single-threaded worker processes) in a process group of its own, so
    that a test can kill or freeze all of it; killed at the end whatever happened."""
    pytest.importorskip("distributed")
    proc = subprocess.Popen(
        [sys.executable, "-c", _CLUSTER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_QUIET,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 90)
        assert ready, "the cluster did not start within 90 s"
        yield proc.pid, proc.stdout.readline().strip()
    finally:
        for sig in (signal.SIGCONT, signal.SIGKILL):
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


def _wait_for_tasks(address: str) -> None:
    """Until the cluster is running tasks (the run is under way)."""
    import distributed

    with distributed.Client(address, timeout=10) as watcher:
        deadline = time.monotonic() + 120
        while not any(watcher.processing().values()):
            assert time.monotonic() < deadline, "no task started within 120 s"
            time.sleep(0.1)


def _wait_for_samples_writing(out: Path) -> None:
    """Until the workers are writing samples.parquet into the report's staging folder."""
    deadline = time.monotonic() + 180
    while not (out.is_dir() and any(out.glob(".impact-tmp-*/samples.parquet"))):
        assert time.monotonic() < deadline, "the samples were not being written within 180 s"
        time.sleep(0.02)


def _simulate(
    address: str, out: Path, *extra: str, own_group: bool = False
) -> subprocess.Popen[str]:
    """`impact simulate --scheduler address` running; with `own_group`, in a process group of
    its own, so that a test can signal it as a terminal's Ctrl-C does (the whole group)."""
    command = [sys.executable, "-c", "from impact.cli import main; main()", "simulate"]
    return subprocess.Popen(
        [*command, "--scheduler", address, *extra, "--out", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_QUIET,
        start_new_session=own_group,
    )


@pytest.mark.slow  # about 20 s each: a cluster of its own, and a run of the installed command
@pytest.mark.parametrize(
    ("extra", "when"),
    [(["--trials", "6M"], "running"), (["--trials", "1.5M", "--samples"], "writing samples")],
    ids=["running", "writing-samples"],
)
def test_a_cluster_that_dies_mid_run_exits_1_with_one_line_and_writes_nothing(
    extra: list[str], when: str, tmp_path: Path
) -> None:
    out = tmp_path / "rep"
    with _cluster_process() as (group, address):
        run = _simulate(address, out, *extra)
        if when == "running":
            _wait_for_tasks(address)
        else:
            _wait_for_samples_writing(out)
        assert run.poll() is None, "the run ended before the cluster could be killed"
        os.killpg(group, signal.SIGKILL)  # scheduler, nannies and workers at once
        killed = time.monotonic()
        _, err = run.communicate(timeout=120)
    assert run.returncode == 1, err
    assert err == (
        f"error: --scheduler: {address!r}: the dask cluster went away (the connection to the "
        "scheduler closed) mid-run; the run is stopped (run again with --debug for details)\n"
    )
    assert time.monotonic() - killed < 30
    assert not out.exists()  # no report, no staging folder, not even the folder it made


@pytest.mark.slow  # about 25 s: a cluster of its own, frozen mid-run
def test_a_scheduler_that_stops_answering_mid_run_ends_it_within_seconds(tmp_path: Path) -> None:
    from impact.simulation.cluster import ANSWER_TIMEOUT_SECONDS

    out = tmp_path / "rep"
    with _cluster_process() as (group, address):
        run = _simulate(address, out, "--trials", "6M")
        _wait_for_tasks(address)
        os.killpg(group, signal.SIGSTOP)  # alive, connections open, but silent
        stopped = time.monotonic()
        _, err = run.communicate(timeout=120)
        waited = time.monotonic() - stopped
    assert run.returncode == 1, err
    assert err == (
        f"error: --scheduler: {address!r}: the dask cluster stopped answering (no reply within "
        f"{ANSWER_TIMEOUT_SECONDS} s) mid-run; the run is stopped (run again with --debug for "
        "details)\n"
    )
    # A check sent just before the stop times out a little sooner than 10 s after it.
    assert ANSWER_TIMEOUT_SECONDS - 2 < waited < ANSWER_TIMEOUT_SECONDS + 20
    assert not out.exists()


@pytest.mark.slow  # about 20 s: a cluster of its own, and a run of the installed command
def test_ctrl_c_while_the_workers_write_samples_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    with _cluster_process() as (_, address):
        run = _simulate(address, out, "--trials", "1.5M", "--samples")
        _wait_for_samples_writing(out)
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert err == "error: interrupted; no output file was changed\n"
    time.sleep(1)  # a part a worker had begun would have landed by now
    assert not out.exists()


@pytest.mark.slow  # about 15 s: a LocalCluster started by the command itself
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_ctrl_c_on_a_local_cluster_is_one_line_from_the_whole_process_group(
    tmp_path: Path,
) -> None:
    # A terminal's Ctrl-C reaches every process of the group, the cluster's workers included:
    # they leave it to the run, which cancels, closes the cluster and says one line.
    pytest.importorskip("distributed")
    out = tmp_path / "rep"
    run = _simulate("local", out, "--trials", "6M", own_group=True)
    deadline = time.monotonic() + 120
    while len(workers := children(run.pid)) < 3:  # the resource tracker and two workers
        assert run.poll() is None and time.monotonic() < deadline, "no cluster within 120 s"
        time.sleep(0.1)
    time.sleep(3)  # let the workers take their first tasks
    assert run.poll() is None, "the run ended before Ctrl-C"
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert err == "error: interrupted; no output file was changed\n"
    assert not out.exists()
    deadline = time.monotonic() + 10  # the resource tracker notices its parent's exit, then goes
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "the cluster's processes outlived the run"


@pytest.mark.slow  # about 10 s: a LocalCluster interrupted as it starts
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_ctrl_c_while_the_local_cluster_starts_is_not_lost(tmp_path: Path) -> None:
    """The cluster's worker processes must not take Ctrl-C themselves, so SIGINT was ignored
    while they started, for about a second: a Ctrl-C then was lost, and the run went on to its
    end and exited 0. Now it is held and acted on once the cluster can be closed.

    The signal is sent as soon as multiprocessing's resource tracker exists: the first process
    the cluster's start makes, about a second before its workers are up."""
    pytest.importorskip("distributed")
    out = tmp_path / "rep"
    run = _simulate("local", out, "--trials", "1M", own_group=True)
    deadline = time.monotonic() + 120
    while not [p for p in children(run.pid) if "resource_tracker" in " ".join(command_line(p))]:
        assert run.poll() is None and time.monotonic() < deadline, "no cluster within 120 s"
        time.sleep(0.005)
    workers = [p for p in children(run.pid) if "spawn_main" in " ".join(command_line(p))]
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert (run.returncode, err) == (130, "error: interrupted; no output file was changed\n")
    assert not out.exists()
    assert workers == [], "the workers had started: the signal came after the window"


def test_a_local_cluster_that_cannot_start_is_one_cluster_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Out of processes or threads (ulimit -u), LocalCluster raises 'RuntimeError: Nanny failed
    to start.', which reached the CLI's edge as 'error: RuntimeError: …'; the signal mask the
    start blocked SIGINT in is restored all the same."""
    distributed = pytest.importorskip("distributed")
    from contextlib import ExitStack

    from impact.exceptions import ClusterError
    from impact.simulation.cluster import connect

    def fail(*_args: object, **_kwargs: object) -> None:
        try:
            raise RuntimeError("can't start new thread")
        except RuntimeError as exc:
            raise RuntimeError("Nanny failed to start.") from exc

    monkeypatch.setattr(distributed, "LocalCluster", fail)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with ExitStack() as stack, pytest.raises(ClusterError) as caught:
        connect("local", stack)
    assert str(caught.value) == (
        "`scheduler`: 'local': the local dask cluster could not start (Nanny failed to start: "
        "can't start new thread)"
    )
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_starting_a_local_cluster_keeps_the_signals_the_caller_blocked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """multiprocessing's resource tracker, started first, unblocks SIGINT and SIGTERM in the
    calling thread as it starts (CPython's ensure_running): a program that blocked them (to
    take them with sigwait in a thread of its own) found them unblocked after a local run."""
    from multiprocessing import resource_tracker

    from impact.simulation.cluster import _workers_leave_ctrl_c_to_us

    def ensure_running() -> None:  # as CPython's does when it starts the tracker
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})

    monkeypatch.setattr(resource_tracker, "ensure_running", ensure_running)
    mine = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, mine)
    try:
        with _workers_leave_ctrl_c_to_us():
            assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == {*before, *mine}
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
