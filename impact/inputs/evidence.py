"""Observations a run is conditioned on: the `[evidence]` table and `--evidence KEY=SPEC`.

Each entry names a quantity the model implies per trial (any output column or implied
observable) and gives the observation as a distribution spec of the measurement's uncertainty:

    [evidence]
    activity_gap_at_restore = "uniform(0.043, 0.065)"  # Similarweb: 92M -> 86-88M daily users
    total_revenue_loss_usd = "normal(25M, 3M)"          # the company's own count

A trial is weighted by the product of the observations' densities at its implied values
(importance sampling from the prior). Each density is scaled to a peak of 1 (a likelihood
ratio, the same constant in every block), so a uniform band weighs 1 inside and 0 outside:
accept/reject. A fixed value has no density: the message says to use a narrow normal.

Parsing only; the weights are computed in `impact.simulation.weights`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from impact.exceptions import InputError
from impact.inputs.discrete import Empirical
from impact.inputs.dist_base import Distribution
from impact.inputs.families import FAMILIES, family_of
from impact.inputs.specs import parse_spec
from impact.model.outputs import OBSERVABLES, OUTPUTS

__all__ = ["OBSERVABLE", "Evidence", "parse_evidence", "parse_evidence_item", "scipy_form"]

OBSERVABLE: tuple[str, ...] = (*OUTPUTS, *OBSERVABLES)
Add = Callable[[str], None]
_PEAK_GRID = np.linspace(0.0005, 0.9995, 4001)


def scipy_form(dist: Distribution) -> Any:
    """The scipy.stats frozen distribution of an `impact` distribution, for its density (the
    family registry, `impact.inputs.families`, says how each family maps to scipy).

    A fixed value, a choice or Poisson counts have no density over a continuous quantity:
    InputError (the caller adds the key and spec).
    """
    if dist.is_fixed:
        raise InputError(
            "a fixed value has no density, so no trial would match it exactly; give the "
            "measurement's uncertainty, e.g. a narrow normal(value, sd) or a uniform(low, high) "
            "band"
        )
    family = family_of(dist)
    if family is None or family.scipy is None:
        usable = ", ".join(f.name for f in FAMILIES.values() if f.scipy is not None)
        raise InputError(f"{dist.name} has no density over a continuous quantity; use {usable}")
    if isinstance(dist, Empirical) and np.unique(dist.values).size < 2:
        raise InputError("an empirical observation needs at least two distinct values")
    return family.scipy(dist)


@dataclass(frozen=True)
class Evidence:
    """One observation: the quantity observed, its spec and distribution, and its source."""

    quantity: str
    spec: str
    distribution: Distribution = field(repr=False, compare=False)
    source: str = ""

    @cached_property
    def _form(self) -> tuple[Any, float]:
        form = scipy_form(self.distribution)
        if isinstance(form, stats.gaussian_kde):
            grid = np.quantile(self.distribution.ppf(_PEAK_GRID), _PEAK_GRID)
        else:
            grid = form.ppf(_PEAK_GRID)
        peak = float(np.max(_pdf(form, grid)))
        return form, peak

    def likelihood(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """The observation's density at each implied value, scaled so its peak is 1."""
        form, peak = self._form
        return _pdf(form, np.asarray(values, dtype=np.float64)) / peak

    def __getstate__(self) -> dict[str, Any]:  # the cached scipy form is rebuilt in workers
        return {k: v for k, v in self.__dict__.items() if k != "_form"}


def _pdf(form: Any, x: NDArray[np.float64]) -> NDArray[np.float64]:
    if isinstance(form, stats.gaussian_kde):
        return np.asarray(form(x), dtype=np.float64)
    return np.asarray(form.pdf(x), dtype=np.float64)


def parse_evidence_item(quantity: str, spec: Any, source: str = "") -> Evidence:
    """One observation; InputError naming the quantity, the spec and what is wrong."""
    key = f"evidence.{quantity}"
    if quantity not in OBSERVABLE:
        raise InputError(f"{key}: unknown observable; one of {', '.join(OBSERVABLE)}")
    if isinstance(spec, bool) or not isinstance(spec, str | int | float):
        raise InputError(f"{key}: {spec!r}: must be a spec string such as 'normal(25M, 3M)'")
    dist = parse_spec(spec, key=key)
    try:
        Evidence(quantity, str(spec), dist)._form  # noqa: B018 - checks the density exists
    except InputError as exc:
        raise InputError(f"{key}: {spec}: {exc}") from None
    return Evidence(quantity, spec if isinstance(spec, str) else f"{spec:g}", dist, source)


def parse_evidence(raw: Any, notes: Mapping[str, str], add: Add) -> tuple[Evidence, ...]:
    """The observations of an `[evidence]` table; every problem is passed to `add`."""
    if not isinstance(raw, dict):
        add('evidence: must be a table ([evidence]) of quantity = "spec"')
        return ()
    out: list[Evidence] = []
    for name, spec in raw.items():
        try:
            out.append(parse_evidence_item(name, spec, notes.get(f"evidence.{name}", "")))
        except InputError as exc:
            add(str(exc))
    return tuple(out)
