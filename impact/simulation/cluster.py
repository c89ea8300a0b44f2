"""Run a simulation's tasks on a dask.distributed cluster (`--scheduler ADDRESS|local`).

The tasks are the ones `impact.simulation.runner` plans for a local run (blocks of trials with
their own SeedSequence children; an engine task merges its blocks' sketches in the engine's
fixed groups), so what comes back is merged sketches and the numbers are bit-identical to a
local run at the same seed. Dask is an optional extra: `pip install "impact[dask]"`.

A cluster can fail under a run: the scheduler goes away (the connection closes), stops answering
(a frozen or overloaded host keeps the connection open), or loses every worker. `Session.result`
waits for a task in short steps and checks the scheduler between them, so each of these ends the
run within seconds as one `ClusterError` instead of a hang.

Per-trial samples (`samples=True`) come back with each task when the run opens and closes its
own client (an address). When the caller passes a `distributed.Client`, they stay on the
workers: each task's frame is a future of its own, `samples_frame` assembles them, in trial
order, as a dask DataFrame, and `write_parquet` has the workers write it, in parallel.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from impact.exceptions import ClusterError, InputError
from impact.simulation.pool import forking

__all__ = [
    "ANSWER_TIMEOUT_SECONDS",
    "CONNECT_TIMEOUT_SECONDS",
    "NO_WORKERS_SECONDS",
    "SCHEDULER_ENV",
    "SCHEMES",
    "Session",
    "check_address",
    "connect",
    "is_dask_frame",
    "samples_frame",
    "write_parquet",
]

SCHEDULER_ENV = "IMPACT_SCHEDULER"
CONNECT_TIMEOUT_SECONDS = 5
ANSWER_TIMEOUT_SECONDS = 10  # mid-run, a scheduler silent this long has stopped
NO_WORKERS_SECONDS = 60  # mid-run, a cluster without a worker this long has died
POLL_SECONDS = 1.0  # how often a wait checks that the scheduler is still there
_INSTALL = 'needs dask and distributed: pip install "impact[dask]"'
_QUIET = ("distributed.client", "distributed.batched", "distributed.core", "distributed.comm")


class Session:
    """One client of one cluster for one run: submits tasks and waits for them, watchfully."""

    def __init__(self, client: Any, address: str, *, keeps_samples: bool) -> None:
        self.client = client
        self.address = address  # as the user gave it ("local" included), for messages
        self.keeps_samples = keeps_samples  # a caller's own Client: samples stay on the workers
        self.failed = False

    @property
    def workers(self) -> int:
        """The cluster's workers now (asked with a deadline, as between tasks)."""
        return self._workers_now()

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """Submit one task (never cached by key: every task is run)."""
        if self.client.status in ("closing", "closed"):
            raise self._failed("went away (the client's connection to it is closed)")
        return self.client.submit(function, *args, pure=False)

    def split(self, future: Any, first_trial: int) -> tuple[Any, Any]:
        """Two futures of one task: its result without samples, to gather, and its samples
        (indexed by trial number), which stay on the workers."""
        light = self.client.submit(_without_samples, future, pure=False)
        frame = self.client.submit(_samples_of, future, first_trial, pure=False)
        return light, frame

    def result(self, future: Any) -> Any:
        """What `future` gives, or a `ClusterError` within seconds if the cluster fails first.

        An exception the task itself raised (bad input found by a worker) comes through as it is.
        """
        from distributed import wait
        from distributed.scheduler import KilledWorker

        without_workers: float | None = None  # since when the scheduler has had no worker
        while True:
            try:
                with suppress(TimeoutError):
                    wait(future, timeout=POLL_SECONDS)
                if future.done():
                    return future.result()
            except CancelledError:  # mid-wait, only a lost connection cancels a future
                raise self._failed(_CONNECTION_CLOSED) from None
            except KilledWorker as exc:
                raise self._failed(
                    f"lost the workers running task {exc.task!r} in turn (out of memory?)"
                ) from None
            if self._workers_now() > 0:
                without_workers = None
                continue
            without_workers = without_workers or time.monotonic()
            if time.monotonic() - without_workers > NO_WORKERS_SECONDS:
                raise self._failed(f"has had no worker for {NO_WORKERS_SECONDS} s")

    def cancel(self, futures: list[Any]) -> None:
        """Cancel what has not finished (an error or Ctrl-C); skipped if the cluster failed."""
        live = [future for future in futures if future is not None]
        if live and not self.failed:
            # A message on the open connection, with no answer awaited; if even that fails, the
            # run is ending anyway and the scheduler forgets the tasks when the client closes.
            with suppress(Exception):
                self.client.cancel(live)

    def close(self, cluster: Any = None) -> None:
        """Close the client (and a LocalCluster this run started) in bounded time."""
        try:
            self.client.close(timeout=CONNECT_TIMEOUT_SECONDS)
            if cluster is not None:
                cluster.close(timeout=CONNECT_TIMEOUT_SECONDS)
        except Exception:
            if not self.failed:
                raise

    def _workers_now(self) -> int:
        """The scheduler's current worker count, asked with a deadline."""
        try:
            nthreads = self.client.sync(
                self.client.scheduler.ncores, callback_timeout=ANSWER_TIMEOUT_SECONDS
            )
        except TimeoutError:
            raise self._failed(
                f"stopped answering (no reply within {ANSWER_TIMEOUT_SECONDS} s)"
            ) from None
        except OSError:  # CommClosedError or a refused reconnection: the same loss, seen here
            raise self._failed(_CONNECTION_CLOSED) from None
        except Exception as exc:
            raise self._failed(f"went away ({type(exc).__name__})") from None
        return len(nthreads)

    def _failed(self, what: str) -> ClusterError:
        self.failed = True
        return ClusterError(
            f"`scheduler`: {self.address!r}: the dask cluster {what} mid-run; the run is stopped"
        )


# A scheduler that dies is seen either by the wait (its futures are cancelled) or by the next
# worker count (the comm is closed), whichever comes first: both say the same.
_CONNECTION_CLOSED = "went away (the connection to the scheduler closed)"


def _without_samples(result: Any) -> Any:
    return replace(result, samples=None)


def _samples_of(result: Any, first_trial: int) -> Any:
    import pandas as pd

    frame = result.samples
    frame.index = pd.RangeIndex(first_trial, first_trial + len(frame))
    return frame


def connect(address: Any, stack: ExitStack) -> Session:
    """A session on `address` ("local" starts a LocalCluster on this machine), closed when
    `stack` closes; an unreachable scheduler fails in seconds, as bad input. A
    `distributed.Client` is used as it is, left open, and keeps samples on its workers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(f"`scheduler`: {str(address)!r}: {_INSTALL}") from None
    if isinstance(address, Client):
        return Session(address, str(address.scheduler.address), keeps_samples=True)
    if not isinstance(address, str):
        raise InputError(
            f"`scheduler`: {address!r}: give a scheduler address (tcp://HOST:8786), `local`, "
            "or a distributed.Client"
        )
    if address != "local":
        check_address(address)  # before a Client (and its event loop thread) exists
    # This run reports a failing cluster itself, as one ClusterError: the client's own log lines
    # about reconnecting would only repeat it (and break the CLI's one line).
    stack.enter_context(_quiet_logs())
    cluster = None
    if address == "local":
        with _workers_leave_ctrl_c_to_us():  # a Ctrl-C meanwhile acts once it is closable
            try:
                cluster = LocalCluster(
                    n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                    # No dashboard, and the scheduler's small HTTP server on a free local port
                    # rather than 8787 (which warns when another cluster holds it); the workers
                    # log only what is critical (a cancelled task is not), as this run reports
                    # itself.
                    dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.CRITICAL,
                )  # fmt: skip
            except Exception as exc:  # no processes or threads left (ulimit -u), say
                why = str(exc).rstrip(".") + (f": {exc.__cause__}" if exc.__cause__ else "")
                raise ClusterError(
                    f"`scheduler`: 'local': the local dask cluster could not start ({why})"
                ) from None
            stack.callback(cluster.close)  # if the client cannot start, or on that Ctrl-C
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"`scheduler`: {address!r}: no dask scheduler answered within "
                f"{CONNECT_TIMEOUT_SECONDS} s ({type(exc).__name__}); check the address "
                "(tcp://HOST:8786) or use `local`"
            ) from None
        except Exception as exc:  # a transport dask has but cannot use here
            raise InputError(
                f"`scheduler`: {address!r}: cannot connect ({type(exc).__name__}: {exc}); "
                "give tcp://HOST:8786 or `local`"
            ) from None
    session = Session(client, address, keeps_samples=False)
    stack.callback(session.close, cluster)
    return session


# The transports a run can use without extra packages (inproc: a LocalCluster in this process).
SCHEMES = ("tcp", "tls", "ws", "wss", "inproc")


def check_address(address: str) -> None:
    """Refuse, before connecting, an address whose transport cannot work here: an unknown
    scheme, one that needs a package dask does not ship (ucx://), or TLS (tls://, wss://)
    without dask's TLS settings (`distributed.comm.tls`: the CA file, the client's certificate
    and key)."""
    scheme = address.partition("://")[0].lower() if "://" in address else "tcp"
    if scheme not in SCHEMES:
        raise InputError(
            f"`scheduler`: {address!r}: {scheme}:// is not a transport impact can use; give "
            "tcp://HOST:8786 (tls:// with dask's TLS settings) or `local`"
        )
    if scheme in ("tls", "wss"):
        from distributed.security import Security

        if Security().get_connection_args("client").get("ssl_context") is None:
            raise InputError(
                f"`scheduler`: {address!r}: {scheme}:// needs dask's TLS settings "
                "(distributed.comm.tls: ca-file, and the client's cert and key), and none are "
                "set; set them, or give tcp://HOST:8786 or `local`"
            )


@contextmanager
def _workers_leave_ctrl_c_to_us() -> Iterator[None]:
    """Start worker processes with SIGINT blocked: Ctrl-C reaches the whole process group, and
    this process then cancels the run and closes the cluster (a worker that raised
    KeyboardInterrupt itself would print its own traceback).

    The block is this thread's signal mask, which the cluster's threads (started here) inherit,
    and with them the processes they start, on `spawn` too; the nannies' later restarts as well.
    (Ignoring SIGINT instead, as before, also ignored a Ctrl-C here for the second the cluster
    takes to start: the run went on to its end and exited 0.) A SIGINT or SIGTERM meanwhile is
    noted (`pool.forking`: it may reach another thread, but its handler runs in this one) and
    acted on as this block ends, by the handler that was there.

    multiprocessing's resource tracker, started by the first process a thread spawns, unblocks
    SIGINT in that thread as it starts (CPython's `resource_tracker.ensure_running`): it is
    started here first, from this thread, so that the cluster's threads keep the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with suppress(Exception):  # (only where multiprocessing has one: POSIX CPython)
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    # ensure_running also unblocked SIGTERM, and SIGINT, which a caller may have blocked (to
    # take them in a thread of its own, with sigwait): its mask is put back first. Only SIGINT
    # is blocked: the nannies stop their workers with SIGTERM.
    signal.pthread_sigmask(signal.SIG_SETMASK, before)
    with forking(blocked=(signal.SIGINT,)):
        yield


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """The client-side distributed loggers at CRITICAL for the run, then as they were."""
    levels = {name: logging.getLogger(name).level for name in _QUIET}
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def samples_frame(session: Session, futures: list[Any], starts: list[int], end: int) -> Any:
    """The kept samples futures (one per task, in trial order) as one dask DataFrame whose index
    is the trial number, as a local run's samples are."""
    import dask.dataframe as dd

    meta = session.result(session.client.submit(_empty_like, futures[0], pure=False))
    return dd.from_delayed(
        futures, meta=meta, divisions=(*starts, end - 1), verify_meta=False, prefix="samples"
    )


def _empty_like(frame: Any) -> Any:
    return frame.iloc[:0]


def is_dask_frame(frame: object) -> bool:
    """Whether `frame` is a dask DataFrame (without importing dask when it is not loaded)."""
    return type(frame).__module__.startswith("dask.")


def write_parquet(frame: Any, path: Path) -> None:
    """Write a dask DataFrame of samples to the Parquet dataset `path`: one file per partition
    (`part.NN.parquet`, numbered with leading zeros so that name order is trial order), each
    written by the worker that holds it, all in parallel. The frame's own (default) client does
    the work; a failing cluster is a `ClusterError`, and Ctrl-C cancels the writes."""
    from distributed import get_client

    try:
        client = get_client()
    except ValueError:
        raise InputError(
            "samples on a dask cluster: no default distributed.Client to write them with; "
            "write them while the Client they were simulated on is open (and the default)"
        ) from None
    width = len(str(max(frame.npartitions - 1, 0)))
    graph = frame.to_parquet(
        str(path), compute=False, write_index=False, write_metadata_file=False,
        name_function=lambda i: f"part.{i:0{width}d}.parquet",
    )  # fmt: skip
    session = Session(client, str(client.scheduler.address), keeps_samples=True)
    future = client.compute(graph)
    try:
        session.result(future)
    except BaseException:
        session.cancel([future])
        raise
