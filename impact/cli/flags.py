"""Library messages name parameters (`max_trials`); on the command line they name the flag.

The library writes a parameter name in backticks; `as_flags` turns each one that a command
takes as a flag into that flag, and leaves any other backticked text as it is.
"""

from __future__ import annotations

import re

__all__ = ["PARAMETER_FLAGS", "as_flags"]

PARAMETER_FLAGS = {
    "n_trials": "--trials",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "max_trials": "--max-trials",
    "target_precision": "--target-precision",
    "out_dir": "--out",
    "samples_format": "--samples-format",
    "scope": "--scope",
    "time_col": "--time-col",
    "metric": "--metric",
    "controls": "--control",
    "onset": "--onset",
    "restored": "--restored",
    "end": "--end",
    "degrade_hours": "--degrade-hours",
    "decay_hours": "--decay-hours",
    "with_latency": "--with-latency",
}
_NAME = re.compile(r"`([a-z_]+)`")


def as_flags(message: str) -> str:
    """`message` with every backticked parameter name that has a flag replaced by the flag.

    >>> as_flags("raise `max_trials` or loosen `target_precision`; see `docs`")
    'raise --max-trials or loosen --target-precision; see `docs`'
    """
    return _NAME.sub(lambda m: PARAMETER_FLAGS.get(m.group(1), m.group(0)), message)
