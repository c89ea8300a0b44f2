"""Leave-one-out checks of the pooled after-effect priors against each observed recovery.

For every case of the catalogue, the priors are pooled again from the OTHER cases alone
(`AfterEffectsFit.pool`, with the same rule for keeping a key wide), written as specs, and a
fresh sample drawn from those specs is run through the model at the case's own duration,
severity and observation hours. Each observation is then placed as a percentile of what the
model predicts for it (`impact.calibration.recovery_model.percentile`). A case's own data never
set the priors it is scored against: Roblox's daily users, which the roblox-2021 scenario
conditions on, are scored only out of sample like every other case.

Point readings (`gap`, `gap_present`) and brackets are scored: under a calibrated prior their
percentiles are uniform, so about 50% and 90% of them fall inside the central 50% and 90%
intervals. Bounds (`away_at_most`, `gap_at_most`) are listed but not scored: a bound that holds
sits high in its quantity's distribution whatever the prior, so its percentile is not uniform;
it counts as consistent (`in_90`) unless at most 10% of the prediction lies below it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from impact.calibration.after_effects import (
    AFTER_EFFECT_KEYS,
    DEFAULT_SEED,
    AfterEffectsFit,
    draw,
)
from impact.calibration.recoveries import RecoveryCatalogue
from impact.calibration.recovery_model import implied, percentile
from impact.inputs.specs import parse_spec
from impact.rng import RNGLike

__all__ = [
    "COLUMNS",
    "SCORED",
    "coverage",
    "coverage_json",
    "leave_one_out",
    "recoveries_json",
    "recoveries_table",
]

SCORED = ("gap", "gap_present", "bracket")
COLUMNS = [
    "name",
    "line",
    "quantity",
    "measures",
    "kind",
    "hours",
    "observed",
    "sd",
    "loo_percentile",
    "low_percentile",
    "high_percentile",
    "joint_percentile",
    "scored",
    "in_50",
    "in_90",
    "pooled_keys",
]


def _inside(pct: float, scored: bool, level: int) -> bool:
    if scored:
        tail = (100 - level) / 2
        return tail <= pct <= 100 - tail
    return pct >= (100 - level) if level == 50 else pct >= 10.0


def leave_one_out(fit: AfterEffectsFit, predictive_draws: int = 100_000) -> pd.DataFrame:
    """One row per observation: its percentile under priors pooled without its case.

    `loo_percentile` uses the specs an overlay would carry (independent marginals, each key
    kept wide or pooled as in `calibration.toml`); `joint_percentile` uses the pooled sample
    itself, with the dependence between keys that specs cannot carry. For a bracket,
    `low_percentile` and `high_percentile` place the observed dip in the predicted users away
    c(u) and activity gap 1 − a(u) (each with the measurement error).
    """
    rows = []
    cases = tuple(fit.cases_.index)
    for case in cases:
        others = tuple(c for c in cases if c != case)
        pool = fit.pool(others)
        theta = draw(pool.specs, predictive_draws, fit.predictive_seed_)
        severity = parse_spec(fit.severity_specs_[case], key="outage.severity")
        duration = float(fit.cases_.loc[case, "duration_hours"])
        obs = fit.observations_[fit.observations_["case"] == case]
        away, gap = implied(
            {k: theta[k] for k in AFTER_EFFECT_KEYS},
            obs["hours"].to_numpy(dtype=float),
            duration,
            np.asarray(severity.ppf(theta["_severity_u"]), dtype=float),
        )
        joint_away, joint_gap = fit.implied_[case]
        ones = np.ones(predictive_draws)
        pooled_keys = ", ".join(k for k in AFTER_EFFECT_KEYS if not pool.kept_wide[k])
        for j, (_, o) in enumerate(obs.iterrows()):
            kind, y, sd = str(o["kind"]), float(o["observed"]), float(o["sd"])
            pct = percentile(kind, y, sd, away[:, j], gap[:, j], ones)
            bracket = kind == "bracket"
            scored = kind in SCORED
            rows.append(
                {
                    "name": case,
                    "line": int(o["line"]),
                    "quantity": str(o["quantity"]),
                    "measures": str(o["measures"]),
                    "kind": kind,
                    "hours": float(o["hours"]),
                    "observed": y,
                    "sd": sd,
                    "loo_percentile": pct,
                    "low_percentile": (
                        percentile("away_at_most", y, sd, away[:, j], gap[:, j], ones)
                        if bracket
                        else np.nan
                    ),
                    "high_percentile": (
                        percentile("gap", y, sd, away[:, j], gap[:, j], ones) if bracket else np.nan
                    ),
                    "joint_percentile": percentile(
                        kind, y, sd, joint_away[:, j], joint_gap[:, j], pool.weights
                    ),
                    "scored": scored,
                    "in_50": _inside(pct, scored, 50),
                    "in_90": _inside(pct, scored, 90),
                    "pooled_keys": pooled_keys or "none",
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def coverage(table: pd.DataFrame, column: str = "loo_percentile") -> pd.DataFrame:
    """The share of scored observations inside the central 50% and 90% intervals of their
    prediction, each with its exact (Clopper–Pearson) binomial 95% interval.

    Observations of one case share that case's fold and are not independent (TikTok 2025's
    DNS readings): the interval assumes they are, so it is if anything too narrow.
    """
    scored = table[table["scored"]]
    pct = scored[column].to_numpy(dtype=float)
    rows = []
    for level in (50, 90):
        tail = (100 - level) / 2
        n = len(pct)
        k = int(np.sum((pct >= tail) & (pct <= 100 - tail)))
        if n:
            ci = stats.binomtest(k, n, level / 100).proportion_ci(method="exact")
            low, high = float(ci.low), float(ci.high)
        else:
            low, high = 0.0, 1.0
        rows.append(
            {
                "interval": f"{level}%",
                "nominal": level / 100,
                "n": n,
                "inside": k,
                "share": k / n if n else float("nan"),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def recoveries_table(
    catalogue: RecoveryCatalogue | str | Path | None = None,
    *,
    draws: int = 200_000,
    rng: RNGLike = DEFAULT_SEED,
    predictive_draws: int = 100_000,
) -> pd.DataFrame:
    """The leave-one-out table of a catalogue (default: data/recoveries.csv), fitted with the
    defaults of `impact calibrate after-effects`.

    >>> table = recoveries_table(draws=20_000, predictive_draws=5_000)
    >>> list(table.columns[:5])
    ['name', 'line', 'quantity', 'measures', 'kind']
    """
    fit = AfterEffectsFit(draws=draws, rng=rng).fit(catalogue)
    return leave_one_out(fit, predictive_draws)


def recoveries_json(table: pd.DataFrame) -> list[dict[str, object]]:
    """`[{"name", "quantity", "observed", "loo_percentile", "in_90"}]` (INTERFACE.md), plus
    each observation's kind, hours, whether it is scored, in_50 and the joint percentile."""
    return [
        {
            "name": str(r["name"]),
            "quantity": str(r["quantity"]),
            "observed": float(r["observed"]),
            "loo_percentile": float(r["loo_percentile"]),
            "in_90": bool(r["in_90"]),
            "in_50": bool(r["in_50"]),
            "kind": str(r["kind"]),
            "hours_since_restore": float(r["hours"]),
            "scored": bool(r["scored"]),
            "joint_percentile": float(r["joint_percentile"]),
        }
        for _, r in table.iterrows()
    ]


def coverage_json(cover: pd.DataFrame) -> dict[str, object]:
    """`{"n", "coverage_50", "coverage_50_ci", "coverage_90", "coverage_90_ci"}` of the scored
    observations, each interval the exact binomial 95% one."""
    out: dict[str, object] = {"n": int(cover["n"].iloc[0]) if len(cover) else 0}
    for _, r in cover.iterrows():
        level = str(r["interval"]).rstrip("%")
        out[f"inside_{level}"] = int(r["inside"])
        out[f"coverage_{level}"] = float(r["share"])
        out[f"coverage_{level}_ci"] = [float(r["ci_low"]), float(r["ci_high"])]
    return out
