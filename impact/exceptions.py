"""The exceptions and warnings impact raises; every message names the key, the value and the fix."""

from __future__ import annotations

__all__ = [
    "ClusterError",
    "ConvergenceWarning",
    "CorrelationWarning",
    "EvidenceWarning",
    "ExpectationWarning",
    "ImpactError",
    "ImpactWarning",
    "InputError",
    "WhatIfWarning",
]


class ImpactError(Exception):
    """Base class of every error impact raises on purpose."""


class InputError(ImpactError, ValueError):
    """Bad input: a flag, spec, key, scenario file or data file. The CLI exits with status 2."""


class ClusterError(ImpactError):
    """The dask cluster of a run (`scheduler`) failed mid-run: its scheduler went away or stopped
    answering, or it had no workers left. The CLI exits with status 1 and writes nothing."""


class ImpactWarning(UserWarning):
    """Base class of impact's warnings."""


class ConvergenceWarning(ImpactWarning):
    """A fit or a precision target did not converge; the result is usable but less certain."""


class CorrelationWarning(ImpactWarning):
    """A table of rank correlations was not a valid correlation matrix and has been repaired."""


class ExpectationWarning(ImpactWarning):
    """More than 10% of trials fall outside a band of the scenario's [expect] table."""


class EvidenceWarning(ImpactWarning):
    """The evidence leaves few effective trials: it is in tension with the assumptions."""


class WhatIfWarning(ImpactWarning):
    """A what-if changed a key that another key of the scenario does not follow (zero-view
    hours given in absolute hours while the outage's length changes)."""
