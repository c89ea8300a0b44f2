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

A measured figure often bounds a model quantity rather than equals it (model v3): a daily-user
dip counts people who came at all, so the share of users away is at most the dip and the
activity gap at least the dip. A spec may then start with `<=` or `>=`, and the measurement's
distribution M gives the probability that the bound holds: `X <= M` weighs a trial by
P(M ≥ x) (M's survival function at x), `X >= M` by P(M ≤ x) (its CDF):

    users_away_at_restore = "<= normal(0.054, 0.008)"    # at most the dip, with its error
    activity_gap_at_restore = ">= normal(0.054, 0.008)"  # at least the dip

An observation confounded with another event (TikTok's dip coincided with its ownership change)
names the share A of it that the outage caused in an `[evidence.attribution]` table:

    [evidence.attribution]
    share = "uniform(0, 1)"   # nothing says how much of the dip the outage caused
    quantities = ["users_away_at_restore", "activity_gap_at_restore"]
    readings = { "all of the dip from the outage" = 1, "half" = 0.5, "none" = 0 }

Under a share A, the outage's part of a bound is M − (1 − A)·median(M): the central value
scales by A and the measurement error stays whole. The run integrates over A's distribution,
jointly for every attributed observation (one A per trial, not one per observation), and the
report shows the headline under each declared reading (A fixed at its value).

Parsing only; the weights are computed in `impact.simulation.evidence_weights`.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from impact.exceptions import InputError
from impact.inputs.discrete import Empirical
from impact.inputs.dist_base import Distribution
from impact.inputs.families import FAMILIES, NormalForm, family_of
from impact.inputs.keys import SHARE as _SHARE
from impact.inputs.specs import parse_spec
from impact.outputs import OBSERVABLES, OUTPUTS, output

__all__ = [
    "ATTRIBUTION",
    "OBSERVABLE",
    "RELATIONS",
    "Attribution",
    "Evidence",
    "parse_evidence",
    "parse_evidence_item",
    "scipy_form",
]

OBSERVABLE: tuple[str, ...] = (*OUTPUTS, *OBSERVABLES)
Add = Callable[[str], None]
_PEAK_GRID = np.linspace(0.0005, 0.9995, 4001)
# "=": the density of the measurement; "<=": the quantity is at most the measured value;
# ">=": at least it. The Unicode signs are accepted too.
RELATIONS = {"<=": "<=", "≤": "<=", ">=": ">=", "≥": ">="}
ATTRIBUTION = "attribution"  # the sub-table [evidence.attribution]
# No value where its quantity can lie (`Output.support`) weighs more than this (of a perfect
# match's 1), and a measurement is refused: for a normal, 1e-6 is 5.26 sd outside, far past any
# tension the weights could carry; a wide one (sd far above the range) weighs near 1 anywhere.
MIN_WEIGHT_WITHIN = 1e-6
ATTRIBUTION_KEYS = {"share", "quantities", "readings"}
# Gauss–Legendre nodes on the attribution share's quantile scale: the integrand (a product of
# normal survival functions shifted linearly in A) is smooth, so 24 nodes integrate it to far
# below the Monte Carlo error (tests/test_evidence.py checks against scipy's quad).
QUADRATURE_NODES = 24
_NORM_PDF_C = np.sqrt(2 * np.pi)  # scipy.stats' own constant, the same double


@dataclass(frozen=True)
class Attribution:
    """The share A of some observations that the outage caused: its prior distribution (over
    [0, 1]), the observations it applies to, and the readings (label, A) to report."""

    spec: str
    distribution: Distribution = field(repr=False, compare=False)
    quantities: tuple[str, ...] = ()
    readings: tuple[tuple[str, float], ...] = ()
    source: str = ""

    def nodes(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Values of A and their quadrature weights (summing to 1): one node when A is fixed."""
        if self.distribution.is_fixed:
            return np.array([float(self.distribution.ppf(np.array([0.5]))[0])]), np.ones(1)
        u, w = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
        shares = np.clip(self.distribution.ppf((u + 1.0) / 2.0), 0.0, 1.0)
        return np.asarray(shares, dtype=np.float64), np.asarray(w / 2.0, dtype=np.float64)


def scipy_form(dist: Distribution) -> Any:
    """The scipy.stats frozen distribution of an `impact` distribution, for its density (the
    family registry, `impact.inputs.families`, says how each family maps to scipy; a normal's
    is `NormalForm`, the same numbers as scipy's `norm` without importing scipy.stats).

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
    """One observation: the quantity observed, its spec and distribution, and its source.

    `relation` is "=" (the measurement's density), "<=" or ">=" (a bound: the quantity is at
    most, or at least, the measured value); `attribution` is set when a share of the observed
    change may come from another event (`Attribution`)."""

    quantity: str
    spec: str
    distribution: Distribution = field(repr=False, compare=False)
    source: str = ""
    relation: str = "="
    attribution: Attribution | None = field(default=None, compare=False)

    @property
    def canonical(self) -> str:
        """The resolved observation, for a scenario's digest: relation and distribution."""
        text = self.distribution.spec()
        return text if self.relation == "=" else f"{self.relation} {text}"

    @cached_property
    def _form(self) -> tuple[Any, float]:
        form = scipy_form(self.distribution)
        peak = float(np.max(_pdf(form, self._grid(form))))
        return form, peak

    def _grid(self, form: Any) -> NDArray[np.float64]:
        """Quantiles of the measurement, where its density is looked at (its peak, say)."""
        if _is_kde(form):
            return np.asarray(np.quantile(self.distribution.ppf(_PEAK_GRID), _PEAK_GRID))
        return np.asarray(form.ppf(_PEAK_GRID), dtype=np.float64)

    def likelihood(self, values: NDArray[np.float64], share: float = 1.0) -> NDArray[np.float64]:
        """The observation's weight of each implied value: its density scaled to a peak of 1,
        or for a bound the probability that it holds, P(M ≥ x) for "<=" and P(M ≤ x) for
        ">=". Under an attribution `share` A < 1 a bound is shifted by (1 − A)·median(M)."""
        x = np.asarray(values, dtype=np.float64)
        if self.relation == "=":
            form, peak = self._form
            return _pdf(form, x) / peak
        if share != 1.0:
            x = x + (1.0 - share) * self._median
        form, _ = self._form
        if self.relation == "<=":
            return np.asarray(_sf(form, x), dtype=np.float64)
        return np.asarray(_cdf(form, x), dtype=np.float64)

    def best_weight_within(self, low: float, high: float) -> float:
        """The largest weight (`likelihood`, at most 1) that any value the quantity can take,
        in [low, high], could get: for "=", the density's highest point there over its peak
        (at the quantiles that fall there, and at the ends); for a bound, the chance that it
        holds at the end where it is likeliest (`low` for "<=", `high` for ">=")."""
        form, peak = self._form
        if self.relation == "<=":
            return float(_sf(form, np.array([low]))[0])
        if self.relation == ">=":
            return float(_cdf(form, np.array([high]))[0]) if math.isfinite(high) else 1.0
        # Just inside the ends: a band that only touches the support at one end (uniform(1, 2)
        # for a share) has density there, but no trial lies on the end itself.
        nudge = 1e-9 * ((high - low) if math.isfinite(high) else max(1.0, abs(low)))
        low, high = low + nudge, high - nudge
        ends = [low, high] if math.isfinite(high) else [low]
        points = np.concatenate([np.clip(self._grid(form), low, high), ends])
        with np.errstate(all="ignore"):
            ratio = float(np.max(_pdf(form, points)) / peak)
        # A density a double cannot resolve (an sd of 5e-324) is refused by the engine, in its
        # own words (`evidence_weights`); it is not one that lies elsewhere.
        return ratio if math.isfinite(ratio) else 1.0

    @cached_property
    def _median(self) -> float:
        return float(self.distribution.ppf(np.array([0.5]))[0])

    def __getstate__(self) -> dict[str, Any]:  # the cached scipy form is rebuilt in workers
        return {k: v for k, v in self.__dict__.items() if k not in ("_form", "_median")}


def _is_kde(form: Any) -> bool:
    """Whether a form is an empirical measurement's KDE. A KDE exists only once scipy.stats is
    imported, so this imports nothing: a run whose evidence is all normal measurements
    (`NormalForm`) never loads scipy.stats (tests/test_architecture.py)."""
    stats = sys.modules.get("scipy.stats")
    return stats is not None and isinstance(form, stats.gaussian_kde)


def _normal(form: Any) -> tuple[float, float] | None:
    """(loc, scale) of a normal measurement's form (the family table makes them as
    `NormalForm`; a frozen scipy `norm(loc=, scale=)` is recognised too), else None. Its pdf, cdf
    and sf are then computed here with scipy's own formulas, bit for bit, without a frozen
    form's argument checks, which cost more than the arithmetic over a block (evidence weighs
    every block of a conditioned run)."""
    if isinstance(form, NormalForm):  # loc finite, scale finite and > 0 by construction
        return form.loc, form.scale
    dist = getattr(form, "dist", None)
    kwds = getattr(form, "kwds", None)
    if getattr(dist, "name", None) != "norm" or getattr(form, "args", None) != ():
        return None
    if not isinstance(kwds, dict) or set(kwds) != {"loc", "scale"}:
        return None
    loc, scale = float(kwds["loc"]), float(kwds["scale"])
    if not (np.isfinite(loc) and np.isfinite(scale) and scale > 0):
        return None
    return loc, scale


def _quiet(
    f: Callable[[Any, NDArray[np.float64]], NDArray[np.float64]],
) -> Callable[[Any, NDArray[np.float64]], NDArray[np.float64]]:
    """Evaluate a density or a tail with numpy's floating-point warnings off: a measurement
    narrower than a double resolves (an sd of 5e-324) overflows z = (x − loc)/sd, and its density
    is then 0 or undefined at every implied value, which the engine refuses in one line naming the
    observation; numpy's and scipy's RuntimeWarnings would only add lines to stderr."""

    @functools.wraps(f)
    def quiet(form: Any, x: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(all="ignore"):
            return f(form, x)

    return quiet


@_quiet
def _pdf(form: Any, x: NDArray[np.float64]) -> NDArray[np.float64]:
    if (normal := _normal(form)) is not None:  # scipy: _norm_pdf((x - loc)/scale) / scale
        z = (np.asarray(x, dtype=np.float64) - normal[0]) / normal[1]
        return np.asarray(np.exp(-(z**2) / 2.0) / _NORM_PDF_C / normal[1], dtype=np.float64)
    if _is_kde(form):
        return np.asarray(form(x), dtype=np.float64)
    return np.asarray(form.pdf(x), dtype=np.float64)


@_quiet
def _cdf(form: Any, x: NDArray[np.float64]) -> NDArray[np.float64]:
    if (normal := _normal(form)) is not None:  # scipy: ndtr((x - loc)/scale)
        from scipy import special

        z = (np.asarray(x, dtype=np.float64) - normal[0]) / normal[1]
        return np.asarray(special.ndtr(z), dtype=np.float64)
    if _is_kde(form):  # an empirical measurement: the KDE's own CDF
        flat = np.ravel(x)
        out = np.array([form.integrate_box_1d(-np.inf, v) for v in flat], dtype=np.float64)
        return np.clip(out.reshape(np.shape(x)), 0.0, 1.0)
    return np.asarray(form.cdf(x), dtype=np.float64)


@_quiet
def _sf(form: Any, x: NDArray[np.float64]) -> NDArray[np.float64]:
    if (normal := _normal(form)) is not None:  # scipy: ndtr(-(x - loc)/scale)
        from scipy import special

        z = (np.asarray(x, dtype=np.float64) - normal[0]) / normal[1]
        return np.asarray(special.ndtr(-z), dtype=np.float64)
    if _is_kde(form):
        return 1.0 - _cdf(form, x)
    return np.asarray(form.sf(x), dtype=np.float64)


def split_relation(spec: str) -> tuple[str, str]:
    """("<=", "normal(1, 2)") from "<= normal(1, 2)"; ("=", spec) without a leading sign."""
    text = spec.strip()
    for sign, relation in RELATIONS.items():
        if text.startswith(sign):
            return relation, text[len(sign) :].strip()
    return "=", text


def parse_evidence_item(quantity: str, spec: Any, source: str = "") -> Evidence:
    """One observation; InputError naming the quantity, the spec and what is wrong."""
    key = f"evidence.{quantity}"
    if quantity not in OBSERVABLE:
        raise InputError(f"{key}: unknown observable; one of {', '.join(OBSERVABLE)}")
    if isinstance(spec, bool) or not isinstance(spec, str | int | float):
        raise InputError(f"{key}: {spec!r}: must be a spec string such as 'normal(25M, 3M)'")
    relation, body = split_relation(spec) if isinstance(spec, str) else ("=", f"{spec:g}")
    if not body:
        raise InputError(
            f"{key}: {spec!r}: give the measurement after {relation}, e.g. '<= normal(0.05, 0.01)'"
        )
    try:
        dist = parse_spec(body, key=key)
    except InputError as exc:  # a point is no measurement: say so here, not "use a point"
        raise InputError(
            str(exc).replace(
                "(use a fixed value for a point)",
                "(a measurement needs its error: give a narrow normal(value, sd) with sd > 0)",
            )
        ) from None
    text = spec.strip() if isinstance(spec, str) else f"{spec:g}"
    evidence = Evidence(quantity, text, dist, source, relation)
    try:
        evidence._form  # noqa: B018 - checks the density exists
    except InputError as exc:
        raise InputError(f"{key}: {spec}: {exc}") from None
    low, high = output(quantity).support
    weight = evidence.best_weight_within(low, high)
    if not weight >= MIN_WEIGHT_WITHIN:
        where = f"[{low:g}, {high:g}]" if math.isfinite(high) else f"{low:g} or more"
        raise InputError(
            f"{key}: {text}: where {quantity} can lie ({where}), no value gets more than "
            f"{weight:.2g} of a perfect match's weight, so no trial could match it; check its "
            "sign and units"
        )
    return evidence


def parse_attribution(
    raw: Any, observed: Mapping[str, Evidence], notes: Mapping[str, str], add: Add
) -> Attribution | None:
    """The `[evidence.attribution]` table; every problem is passed to `add`."""
    key = f"evidence.{ATTRIBUTION}"
    if not isinstance(raw, dict):
        add(f"{key}: must be a table with share, quantities and readings")
        return None
    ok = True
    for extra in sorted(set(raw) - ATTRIBUTION_KEYS):
        add(f"{key}.{extra}: unknown key; one of {', '.join(sorted(ATTRIBUTION_KEYS))}")
        ok = False
    spec = raw.get("share")
    dist = None
    if isinstance(spec, bool) or not isinstance(spec, str | int | float):
        add(f"{key}.share: {spec!r}: give the share of the observed change the outage caused "
            'as a spec, e.g. share = "uniform(0, 1)"')  # fmt: skip
        ok = False
    else:
        try:
            dist = parse_spec(spec, key=f"{key}.share", domain=_SHARE)
        except InputError as exc:
            add(str(exc))
            ok = False
    quantities = raw.get("quantities")
    if (
        not isinstance(quantities, list)
        or not quantities
        or not all(isinstance(q, str) for q in quantities)
    ):
        add(f"{key}.quantities: {quantities!r}: list the observed quantities it applies to, "
            'e.g. quantities = ["users_away_at_restore"]')  # fmt: skip
        return None
    for q in quantities:
        if q not in observed:
            add(f"{key}.quantities: {q!r}: not observed in [evidence]; one of "
                f"{', '.join(observed) or 'none'}")  # fmt: skip
            ok = False
        elif observed[q].relation == "=":
            add(f"{key}.quantities: {q!r}: {observed[q].spec}: an attribution applies to bounds; "
                "write the observation as '<= SPEC' or '>= SPEC'")  # fmt: skip
            ok = False
    if len(set(quantities)) != len(quantities):
        add(f"{key}.quantities: {quantities!r}: a quantity is listed twice")
        ok = False
    readings_raw = raw.get("readings", {})
    readings: list[tuple[str, float]] = []
    if not isinstance(readings_raw, dict):
        add(f'{key}.readings: {readings_raw!r}: must be a table of "label" = share, '
            'e.g. readings = { "all of it" = 1, "half" = 0.5, "none" = 0 }')  # fmt: skip
        ok = False
    else:
        for label, value in readings_raw.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (0.0 <= float(value) <= 1.0)
            ):
                add(f"{key}.readings.{label}: {value!r}: must be a share in [0, 1]")
                ok = False
            else:
                readings.append((str(label), float(value)))
    if not ok or dist is None:
        return None
    return Attribution(
        str(spec) if isinstance(spec, str) else f"{spec:g}",
        dist,
        tuple(quantities),
        tuple(readings),
        notes.get(f"{key}.share", ""),
    )


def parse_evidence(raw: Any, notes: Mapping[str, str], add: Add) -> tuple[Evidence, ...]:
    """The observations of an `[evidence]` table; every problem is passed to `add`."""
    if not isinstance(raw, dict):
        add('evidence: must be a table ([evidence]) of quantity = "spec"')
        return ()
    out: list[Evidence] = []
    for name, spec in raw.items():
        if name == ATTRIBUTION:
            continue
        try:
            out.append(parse_evidence_item(name, spec, notes.get(f"evidence.{name}", "")))
        except InputError as exc:
            add(str(exc))
    if ATTRIBUTION not in raw:
        return tuple(out)
    attribution = parse_attribution(raw[ATTRIBUTION], {e.quantity: e for e in out}, notes, add)
    if attribution is None:
        return tuple(out)
    return tuple(
        replace(e, attribution=attribution) if e.quantity in attribution.quantities else e
        for e in out
    )
