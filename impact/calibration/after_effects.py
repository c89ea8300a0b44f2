"""AfterEffectsFit: after-effect priors pooled over the catalogue of observed recoveries.

Partial pooling by the project's own evidence weighting (docs/model.md, "Learning after-effects
from observed recoveries"): one large sample from a WIDE population prior (`WIDE_PRIOR`), each
case's implied observables at its own duration, severity and observation hours, and each
case's likelihood (`impact.calibration.recovery_model`). Each case's posterior is the wide
prior reweighted by that case alone; the prior for a NEW platform is the equal-weight mixture
of the per-case posteriors, a nonparametric random-effects distribution: a case that says
nothing about a key leaves it at the wide prior, and cases that disagree widen it. A key that
fewer than `min_cases` cases inform keeps its wide prior exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize

from impact.calibration.fitted_specs import beta_spec, checked, number
from impact.calibration.recoveries import (
    TREND_SD_PER_MONTH,
    RecoveryCatalogue,
    measurement_sd,
    read_recoveries,
)
from impact.calibration.recovery_model import implied, log_likelihood
from impact.exceptions import InputError
from impact.inputs.dist_base import Distribution
from impact.inputs.keys import SHARE, key_info
from impact.inputs.scenario import load_scenario
from impact.inputs.scenario_file import builtin_scenarios
from impact.inputs.specs import parse_spec
from impact.rng import RNGLike, as_seed_sequence, root_entropy

__all__ = ["AFTER_EFFECT_KEYS", "DEFAULT_SEED", "WIDE_PRIOR", "AfterEffectsFit", "Pool"]

FloatArray = NDArray[np.float64]
DEFAULT_SEED = 20260125  # the project's documented seed (impact.cli.options.DEFAULT_SEED)
# The WIDE population prior: what any platform's after-effects might be before the catalogue
# speaks. Each spans every built-in scenario's hand-set range and the key's generic default
# (impact.inputs.keys) with room on both sides: a share over all of its plausible values, a
# time over three orders of magnitude. Wide enough that no case's data fall outside it, so
# the catalogue, not this table, decides where each key lies.
WIDE_PRIOR: dict[str, tuple[str, str]] = {
    "engagement.max_drop": (
        "uniform(0, 1)",
        "any share: scenarios set 0.02-0.5, and a total shutdown can empty a platform",
    ),
    "engagement.decay_hours": (
        "lognormal(p5=2, p95=1000)",
        "from 2 hours to 6 weeks (scenarios: 12-240 h)",
    ),
    "engagement.recovery_half_life_hours": (
        "lognormal(p5=2, p95=2000)",
        "from 2 hours to 12 weeks (scenarios: 6-720 h)",
    ),
    "algorithm.quality_loss": (
        "uniform(0, 0.5)",
        "up to half of engagement (scenarios: at most 0.2; no published measurement)",
    ),
    "algorithm.degrade_hours": (
        "lognormal(p5=2, p95=1000)",
        "from 2 hours to 6 weeks (scenarios: 6-168 h)",
    ),
    "algorithm.latency_hours": (
        "lognormal(p5=2, p95=2000)",
        "from 2 hours to 12 weeks (scenarios: 1-672 h)",
    ),
    "users.churn_max": (
        "uniform(0, 0.5)",
        "up to half of the users after an arbitrarily long outage (scenarios: at most 0.1)",
    ),
    "users.churn_scale_hours": (
        "lognormal(p5=12, p95=5000)",
        "from half a day to 7 months of effective disruption (scenarios: 48-720 h)",
    ),
    "users.return_share": ("uniform(0, 1)", "any share (scenarios: 0.2-0.99)"),
    "users.return_after_hours": (
        "lognormal(p5=12, p95=2000)",
        "from half a day to 12 weeks (scenarios: 24-1440 h)",
    ),
    "users.churn_shape": ("uniform(1, 3)", "from v2's hazard-linear 1 to 3 (scenarios: 1-2.5)"),
}
AFTER_EFFECT_KEYS = tuple(WIDE_PRIOR)
# A partial outage's severity when no built-in scenario of the case's name gives one.
PARTIAL_SEVERITY = "uniform(0.1, 0.9)"
LEVELS = (0.05, 0.5, 0.95)


def _quantiles(values: FloatArray, order: NDArray[np.intp], weights: FloatArray) -> FloatArray:
    """Weighted p05, p50, p95 of `values` (sorted by `order`)."""
    cum = np.cumsum(weights[order])
    cum /= cum[-1]
    at = np.minimum(np.searchsorted(cum, LEVELS), len(cum) - 1)
    return np.asarray(values[order][at], dtype=float)


def _width_ratio(order: NDArray[np.intp], weights: FloatArray) -> float:
    """How much of the prior's central 90% a weighted sample keeps: the width of its own
    central 90% measured in prior probability (ranks), over 0.9 (1 = unchanged)."""
    cum = np.cumsum(weights[order])
    cum /= cum[-1]
    low, high = np.searchsorted(cum, [0.05, 0.95])
    return float((high - low) / len(cum) / 0.9)


def _ess(weights: FloatArray) -> float:
    """Kong's effective sample size, (Σw)²/Σw²."""
    return float(weights.sum() ** 2 / np.sum(weights**2))


def _pert_spec(key: str, q: FloatArray) -> str:
    """pert(low, mode, high) with low at the key's lower bound, matching the median and p95."""
    low = key_info(key).domain.low

    def miss(p: FloatArray) -> FloatArray:
        mode, high = low + np.exp(p[0]), low + np.exp(p[0]) + np.exp(p[1])
        dist = parse_spec(f"pert({low}, {mode}, {high})")
        return np.asarray(dist.ppf(np.array([0.5, 0.95]))) - q[1:]

    start = np.log([max(q[1] - low, 1e-3), max(q[2] - q[1], 1e-3)])
    sol = optimize.least_squares(miss, start)
    mode = low + float(np.exp(sol.x[0]))
    high = mode + float(np.exp(sol.x[1]))
    return f"pert({number(low)}, {number(mode)}, {number(high)})"


def spec_for(key: str, q: FloatArray) -> str:
    """A spec of the project's grammar fitted to pooled quantiles q = (p05, p50, p95): a share
    as the beta with that 90% interval, hours as the lognormal(p5=, p95=), and otherwise (the
    churn shape, ≥ 1) the PERT from the key's lower bound with that median and p95."""
    info = key_info(key)
    if info.domain == SHARE:
        low, high = max(float(q[0]), 1e-4), min(float(q[2]), 1 - 1e-4)
        return checked(key, beta_spec(low, max(high, low * 1.01), 0.9))
    if info.unit == "h":
        return checked(key, f"lognormal(p5={number(q[0])}, p95={number(q[2])})")
    return checked(key, _pert_spec(key, q))


@dataclass(frozen=True)
class Pool:
    """A pooled prior from some cases: its weights over the sample, which cases inform each
    key, which keys keep their wide prior, the specs and the pooled quantiles."""

    cases: tuple[str, ...]
    weights: FloatArray
    informed_by: dict[str, tuple[str, ...]]
    kept_wide: dict[str, bool]
    specs: dict[str, str]
    quantiles: dict[str, FloatArray]


class AfterEffectsFit:
    """Pool the after-effect priors over a catalogue of observed recoveries.

    Parameters are stored untouched; `fit(catalogue)` learns `specs_` (the pooled prior of
    each key as a spec), `summary_` (one row per key), `cases_` (one row per case),
    `width_ratio_` (case × key), `informed_by_`, `kept_wide_` and `seed_`.

    `draws` trials from the wide prior; `min_cases` cases must inform a key for it to be
    pooled; a case informs a key when its posterior keeps at most `max_width_ratio` of the
    prior's central 90% (measured in prior probability, so on every key's own scale);
    `drift_per_month` is the platform's own drift between a baseline and an observation, part
    of each observation's measurement error (`impact.calibration.recoveries.measurement_sd`).
    """

    def __init__(
        self,
        draws: int = 200_000,
        rng: RNGLike = DEFAULT_SEED,
        min_cases: int = 2,
        max_width_ratio: float = 0.8,
        drift_per_month: float = TREND_SD_PER_MONTH,
    ) -> None:
        self.draws = draws
        self.rng = rng
        self.min_cases = min_cases
        self.max_width_ratio = max_width_ratio
        self.drift_per_month = drift_per_month

    # -- fitting -------------------------------------------------------------------------------

    def fit(self, catalogue: RecoveryCatalogue | str | Path | None = None) -> AfterEffectsFit:
        """Weigh one sample of the wide prior by each case of `catalogue` (a path, a read
        catalogue, or None for data/recoveries.csv) and pool the cases."""
        cat = catalogue if isinstance(catalogue, RecoveryCatalogue) else read_recoveries(catalogue)
        if self.draws < 1000:
            raise InputError(f"`draws`: {self.draws}: too few to pool; use at least 1000")
        if not 0 <= self.drift_per_month < 1:
            raise InputError(f"`drift_per_month`: {self.drift_per_month}: must lie in [0, 1)")
        if not cat.cases:
            raise InputError(
                f"{str(cat.path)!r}: no row is an observation of the model (after restoration, "
                "with a baseline, mapping to users_away or activity_gap); nothing to pool"
            )
        self.catalogue_ = cat
        self.observations_ = cat.observations.assign(
            sd=[
                measurement_sd(str(r["reliability"]), float(r["span_hours"]), self.drift_per_month)
                for _, r in cat.observations.iterrows()
            ]
        )
        seq = as_seed_sequence(self.rng)
        prior_seq, self.predictive_seed_ = seq.spawn(2)
        self.seed_ = root_entropy(seq)
        severity_u = self._draw_prior(prior_seq)
        self.severity_specs_ = {case: severity_spec(cat, case) for case in cat.cases}
        self.case_weights_: dict[str, FloatArray] = {}
        self.implied_: dict[str, tuple[FloatArray, FloatArray]] = {}
        rows = [self._weigh_case(case, severity_u) for case in cat.cases]
        self.cases_ = pd.DataFrame(rows).set_index("case")
        self.width_ratio_ = pd.DataFrame(
            {
                k: [_width_ratio(self.order_[k], self.case_weights_[c]) for c in cat.cases]
                for k in AFTER_EFFECT_KEYS
            },
            index=pd.Index(cat.cases, name="case"),
        )
        self.pool_ = self.pool(cat.cases)
        self.specs_ = self.pool_.specs
        self.informed_by_ = self.pool_.informed_by
        self.kept_wide_ = self.pool_.kept_wide
        self.complete_ = self._complete()
        self.summary_ = self._summary()
        return self

    def _draw_prior(self, seq: np.random.SeedSequence) -> FloatArray:
        """`theta_` (the wide prior's draws) and their sort orders; returns the uniforms every
        case's severity is drawn from (one column for all: common random numbers)."""
        self.prior_dists_ = {k: parse_spec(spec, key=k) for k, (spec, _) in WIDE_PRIOR.items()}
        uniforms = np.random.default_rng(seq).random((self.draws, len(WIDE_PRIOR) + 1))
        self.theta_ = {
            k: np.asarray(d.ppf(uniforms[:, j]), dtype=float)
            for j, (k, d) in enumerate(self.prior_dists_.items())
        }
        self.order_ = {k: np.argsort(v, kind="stable") for k, v in self.theta_.items()}
        return np.asarray(uniforms[:, -1], dtype=float)

    def _weigh_case(self, case: str, severity_u: FloatArray) -> dict[str, Any]:
        """One case's implied observables, likelihood weights and row of `cases_`."""
        obs = self.observations_[self.observations_["case"] == case]
        duration, scope = self.catalogue_.case_info(case)
        severity = parse_spec(self.severity_specs_[case], key="outage.severity")
        away, gap = implied(
            self.theta_,
            obs["hours"].to_numpy(dtype=float),
            duration,
            np.asarray(severity.ppf(severity_u), dtype=float),
        )
        self.implied_[case] = (away, gap)
        loglik = log_likelihood(obs, away, gap)
        w = np.exp(loglik - loglik.max())
        self.case_weights_[case] = w / w.sum()
        return {
            "case": case,
            "duration_hours": duration,
            "scope": scope,
            "severity": self.severity_specs_[case],
            "observations": len(obs),
            "ess": _ess(w),
        }

    def pool(self, cases: tuple[str, ...] | list[str], min_cases: int | None = None) -> Pool:
        """The pooled prior from `cases` (a subset of the fitted ones, e.g. all but one);
        `min_cases` overrides the estimator's own rule for keeping a key wide."""
        cases = tuple(cases)
        needed = self.min_cases if min_cases is None else min_cases
        if cases:
            weights = np.mean([self.case_weights_[c] for c in cases], axis=0)
        else:
            weights = np.full(self.draws, 1.0 / self.draws)
        ratio = cast(dict[str, dict[str, float]], self.width_ratio_.to_dict())
        informed = {
            k: tuple(c for c in cases if ratio[k][c] <= self.max_width_ratio)
            for k in AFTER_EFFECT_KEYS
        }
        kept_wide = {k: len(informed[k]) < needed for k in AFTER_EFFECT_KEYS}
        quantiles, specs = {}, {}
        for k in AFTER_EFFECT_KEYS:
            quantiles[k] = _quantiles(self.theta_[k], self.order_[k], weights)
            specs[k] = WIDE_PRIOR[k][0] if kept_wide[k] else spec_for(k, quantiles[k])
        return Pool(cases, weights, informed, kept_wide, specs, quantiles)

    def _complete(self) -> tuple[FloatArray, float]:
        """Complete pooling: one set of inputs for every platform (the product of likelihoods)."""
        logw = np.zeros(self.draws)
        for w in self.case_weights_.values():
            logw += np.log(np.maximum(w, 1e-300))
        w = np.exp(logw - logw.max())
        return w / w.sum(), _ess(w)

    def _summary(self) -> pd.DataFrame:
        uniform = np.full(self.draws, 1.0 / self.draws)
        complete, _ = self.complete_
        rows = []
        for k in AFTER_EFFECT_KEYS:
            prior = _quantiles(self.theta_[k], self.order_[k], uniform)
            pooled = self.pool_.quantiles[k]
            full = _quantiles(self.theta_[k], self.order_[k], complete)
            spec = parse_spec(self.specs_[k], key=k)
            written = np.asarray(spec.ppf(np.array(LEVELS)), dtype=float)
            row: dict[str, Any] = {
                "key": k,
                "symbol": key_info(k).symbol,
                "informed_by": ", ".join(self.informed_by_[k]),
                "n_cases": len(self.informed_by_[k]),
                "kept_wide": self.kept_wide_[k],
                "wide_prior": WIDE_PRIOR[k][0],
                "spec": self.specs_[k],
            }
            for name, q in (("prior", prior), ("pooled", pooled), ("complete", full)):
                row.update({f"{name}_p05": q[0], f"{name}_p50": q[1], f"{name}_p95": q[2]})
            row.update({"spec_p05": written[0], "spec_p50": written[1], "spec_p95": written[2]})
            rows.append(row)
        return pd.DataFrame(rows).set_index("key")

    # -- reading the result --------------------------------------------------------------------

    @property
    def complete_ess_(self) -> float:
        """Effective sample size of complete pooling (how far the cases agree on one set)."""
        return self.complete_[1]

    def to_json(self) -> dict[str, object]:
        """One JSON object: the settings, every case, and per key its pooled prior."""
        keys = {}
        for k, r in self.summary_.iterrows():
            keys[str(k)] = {
                "spec": str(r["spec"]),
                "kept_wide": bool(r["kept_wide"]),
                "informed_by": list(self.informed_by_[str(k)]),
                **{
                    f"{part}_{p}": float(r[f"{part}_{p}"])
                    for part in ("prior", "pooled", "complete", "spec")
                    for p in ("p05", "p50", "p95")
                },
            }
        cases = [
            {
                "name": str(c),
                "duration_hours": float(r["duration_hours"]),
                "severity": str(r["severity"]),
                "observations": int(r["observations"]),
                "ess": float(r["ess"]),
                "informs": [k for k in AFTER_EFFECT_KEYS if c in self.informed_by_[k]],
            }
            for c, r in self.cases_.iterrows()
        ]
        return {
            "catalogue": str(self.catalogue_.path),
            "draws": self.draws,
            "seed": self.seed_,
            "min_cases": self.min_cases,
            "max_width_ratio": self.max_width_ratio,
            "complete_pooling_ess": self.complete_ess_,
            "cases": cases,
            "keys": keys,
        }


def severity_spec(catalogue: RecoveryCatalogue, case: str) -> str:
    """The severity S a case is evaluated at: 1 for a total outage; for a partial one the
    built-in scenario of the same name's `outage.severity`, else `PARTIAL_SEVERITY`."""
    _, scope = catalogue.case_info(case)
    if scope == "total":
        return "1"
    if case in builtin_scenarios():
        return load_scenario(case).specs["outage.severity"]
    return PARTIAL_SEVERITY


def draw(specs: dict[str, str], n: int, rng: np.random.SeedSequence) -> dict[str, FloatArray]:
    """`n` independent draws of each key's spec, plus a column `_severity_u` of uniforms for the
    case's severity (common random numbers: every spec set gets the same uniforms)."""
    uniforms = np.random.default_rng(rng).random((n, len(AFTER_EFFECT_KEYS) + 1))
    dists: dict[str, Distribution] = {k: parse_spec(specs[k], key=k) for k in AFTER_EFFECT_KEYS}
    out = {
        k: np.asarray(dists[k].ppf(uniforms[:, j]), dtype=float)
        for j, k in enumerate(AFTER_EFFECT_KEYS)
    }
    out["_severity_u"] = uniforms[:, -1]
    return out
