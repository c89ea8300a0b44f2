"""The sampling designs a scenario or a run may ask for: the one definition of their names."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Method"]


class Method(StrEnum):
    """The sampling designs (the choices of `--method` and `[sampling] method`).

    >>> ", ".join(Method)
    'mc, lhs, sobol'
    """

    mc = "mc"
    lhs = "lhs"
    sobol = "sobol"
