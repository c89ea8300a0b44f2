"""Run the engine's tasks on a dask.distributed cluster (`--scheduler ADDRESS|local`).

The tasks are the engine's own (blocks of trials with their own SeedSequence children, sketches
merged inside each task in the engine's fixed groups), so what comes back is merged sketches and
the numbers are bit-identical to a local run at the same seed. Dask is an optional extra:
`pip install "impact[dask]"`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from impact.exceptions import InputError

__all__ = ["CONNECT_TIMEOUT_SECONDS", "SCHEDULER_ENV", "connect"]

SCHEDULER_ENV = "IMPACT_SCHEDULER"
CONNECT_TIMEOUT_SECONDS = 5
_INSTALL = 'needs dask and distributed: pip install "impact[dask]"'


def connect(address: str, stack: ExitStack) -> Any:
    """A `distributed.Client` for `address` ("local" starts a LocalCluster on this machine),
    closed when `stack` closes; an unreachable scheduler fails in seconds, as bad input."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(f"`scheduler`: {address!r}: {_INSTALL}") from None
    if address == "local":
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
            dashboard_address=None,
        )  # fmt: skip
        stack.callback(cluster.close)
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
    stack.callback(client.close)
    return client


def submit(client: Any, function: Callable[..., Any], *args: Any) -> Any:
    """Submit one task (never cached by key: every task is run)."""
    return client.submit(function, *args, pure=False)


def cancel(client: Any, futures: list[Any]) -> None:
    """Cancel what has not finished (an error or Ctrl-C)."""
    live = [future for future in futures if future is not None]
    if live:
        client.cancel(live)
