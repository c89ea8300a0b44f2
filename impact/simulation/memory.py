"""Keep a block's temporary arrays in the heap, where freeing and reusing them costs nothing.

A block's arrays are 65,536 doubles, 512 KB each, and evaluating the model makes and frees a few
hundred of them. glibc's allocator serves anything above its mmap threshold (128 KB, raised only
to the size of the last freed block) with a fresh mmap and returns it to the system on free, so
every temporary paid for 128 page faults and zero-filling: measured on the reference machine,
that was about 10% of a whole run at 1e7 trials (docs/performance.md). Raising the threshold to
4 MB, and the top-of-heap trim threshold to 64 MB, lets the blocks' temporaries reuse freed heap
memory. The peak memory does not grow (the same arrays are alive at once), and arrays above 4 MB
(per-trial samples, the charts) are untouched. Only glibc has `mallopt`; elsewhere, or when the
user has tuned the allocator through the environment, nothing is changed. It is applied in the
process that runs the blocks (this one, a pool worker or a dask worker), once.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["keep_blocks_in_heap"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 4 << 20
TRIM_THRESHOLD = 64 << 20
_USER_TUNED = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
_state: list[bool] = []  # [whether it was applied], once decided


def keep_blocks_in_heap() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (once); True if they were."""
    if _state:
        return _state[0]
    applied = False
    if sys.platform.startswith("linux") and not any(v in os.environ for v in _USER_TUNED):
        try:
            mallopt = ctypes.CDLL(None).mallopt  # absent from musl: AttributeError
            applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            )
        except (OSError, AttributeError):
            applied = False
    _state.append(applied)
    return applied
