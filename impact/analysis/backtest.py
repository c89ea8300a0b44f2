"""Backtest: where each catalogue outage's published loss falls in the predicted distributions.

Every case's scenario is built from facts that do not use the published loss, simulated, and
the published figure placed as a percentile of a predicted loss. Which loss depends on the
figure's kind (`impact.inputs.backtest_case`):

- a company's own count of what it lost ("company") is a test of the model: it is placed in the
  predicted total loss at the horizon the figure covers (the case's `horizon_hours`). Only these
  cases count toward the coverage: `in_50`/`in_90` say whether the figure lies inside the
  central 50%/90% interval, and the coverage (k of n inside) carries its exact binomial 95%
  interval (Clopper-Pearson), which with a handful of cases is wide;
- an analyst's figure ("analyst") is revenue per hour times hours down: the same arithmetic as
  R·S·D, the gross revenue the outage interrupted, so it is an arithmetic check of the
  scenario's R, S and D, never validation. It is placed in R·S·D's distribution and divided by
  R·S·D's median, and never counts toward the coverage.

R·S·D per trial is `direct_revenue_loss_usd + recovered_revenue_usd`: R·(S·D − F) + R·F = R·S·D
(R·S·W under a weekly revenue profile) exactly, before any deferred demand comes back. Analyst
cases therefore run with `samples=True` and read it off every trial, not off the
10,000-trial pilot sample; the totals of company cases come from the streaming sketches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from impact.inputs.backtest_case import BacktestCase, builtin_cases, load_case
from impact.rng import RNGLike
from impact.simulation.engine import simulate
from impact.simulation.world_checks import published_table

__all__ = ["CONFIDENCE", "BacktestResult", "backtest", "exact_binomial_interval"]

CONFIDENCE = 0.95  # of the interval printed beside every coverage share
LEVELS = (50, 90)
COLUMNS = [
    "name",
    "title",
    "kind",
    "published_usd",
    "basis",
    "horizon_hours",
    "direct_percentile",
    "total_percentile",
    "rsd_percentile",
    "rsd_median_usd",
    "ratio_to_rsd_median",
    "checks",
    "checked_percentile",
    "in_50",
    "in_90",
    "source",
]


def exact_binomial_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact (Clopper-Pearson) `confidence` interval of a proportion, k successes in n.

    With no trials nothing is known: (0, 1).

    >>> exact_binomial_interval(0, 1)
    (0.0, 0.975)
    """
    if n == 0:
        return (0.0, 1.0)
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return (float(ci.low), float(ci.high))


def _optional(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class BacktestResult:
    """One row per case (`cases`); coverage of the company cases' 50% and 90% intervals."""

    cases: pd.DataFrame
    n_trials: int
    seed: int

    @property
    def company(self) -> pd.DataFrame:
        """The company cases: the only ones that test the model and count toward coverage."""
        return self.cases[self.cases["kind"] == "company"]

    @property
    def analysts(self) -> pd.DataFrame:
        """The analyst cases: arithmetic checks of R·S·D, outside the coverage."""
        return self.cases[self.cases["kind"] == "analyst"]

    def coverage_counts(self, level: int) -> tuple[int, int]:
        """(k, n): company cases inside the central `level`% interval, and company cases."""
        frame = self.company
        return int(frame[f"in_{level}"].sum()), len(frame)

    def coverage(self, level: int) -> float:
        """The share of company cases inside the central `level`% interval (NaN without any)."""
        k, n = self.coverage_counts(level)
        return k / n if n else float("nan")

    def coverage_interval(self, level: int) -> tuple[float, float]:
        """The exact binomial 95% interval of `coverage(level)`."""
        return exact_binomial_interval(*self.coverage_counts(level))

    def coverage_table(self) -> pd.DataFrame:
        """One row per interval (50%, 90%): company cases inside, n, share, its 95% interval."""
        rows = []
        for level in LEVELS:
            k, n = self.coverage_counts(level)
            low, high = self.coverage_interval(level)
            rows.append(
                {
                    "interval": f"{level}%",
                    "nominal": level / 100,
                    "inside": k,
                    "n": n,
                    "coverage": self.coverage(level),
                    "ci95_low": low,
                    "ci95_high": high,
                }
            )
        return pd.DataFrame(rows)

    def to_json(self) -> dict[str, object]:
        """INTERFACE.md's `{"cases": [{"name", "kind", "horizon_hours", "published_usd",
        "direct_percentile", "total_percentile", "in_90", ...}], "coverage_90": x,
        "coverage_90_ci": [lo, hi]}`, plus the same for the 50% interval and the count n.

        Coverage counts company cases only (None when there are none). Analyst cases carry
        `rsd_percentile`, `rsd_median_usd` and `ratio_to_rsd_median` (None for company cases);
        their `in_50`/`in_90` are of R·S·D and count toward nothing.
        """
        cases = [
            {
                "name": str(r["name"]),
                "kind": str(r["kind"]),
                "horizon_hours": _optional(r["horizon_hours"]),
                "published_usd": float(r["published_usd"]),
                "direct_percentile": float(r["direct_percentile"]),
                "total_percentile": float(r["total_percentile"]),
                "rsd_percentile": _optional(r["rsd_percentile"]),
                "rsd_median_usd": _optional(r["rsd_median_usd"]),
                "ratio_to_rsd_median": _optional(r["ratio_to_rsd_median"]),
                "in_90": bool(r["in_90"]),
                "in_50": bool(r["in_50"]),
                "basis": str(r["basis"]),
                "checks": str(r["checks"]),
            }
            for _, r in self.cases.iterrows()
        ]
        out: dict[str, object] = {"cases": cases}
        for level in LEVELS:
            out[f"coverage_{level}"] = _optional(self.coverage(level))
            out[f"coverage_{level}_ci"] = list(self.coverage_interval(level))
        out["coverage_n"] = len(self.company)
        out["trials"] = self.n_trials
        out["seed"] = self.seed
        return out


def _rsd(samples: pd.DataFrame | None) -> np.ndarray:
    """R·S·D per trial: the direct loss plus the revenue that came back (see the module doc)."""
    if samples is None:  # pragma: no cover - simulate(samples=True) always keeps them
        raise RuntimeError("an analyst case needs its per-trial samples")
    return (samples["direct_revenue_loss_usd"] + samples["recovered_revenue_usd"]).to_numpy()


def _row(case: BacktestCase, n_trials: int, rng: RNGLike, workers: int) -> dict[str, object]:
    analyst = case.kind == "analyst"
    result = simulate(case.scenario, n_trials, rng, workers=workers, samples=analyst)
    published = published_table(result).iloc[0]
    loss = float(published["published_usd"])
    nan = float("nan")
    rsd_percentile = rsd_median = ratio = nan
    if analyst:
        rsd = _rsd(result.samples)
        rsd_percentile = 100 * float(np.mean(rsd < loss))
        rsd_median = float(np.median(rsd))
        ratio = loss / rsd_median if rsd_median > 0 else nan
    checked = rsd_percentile if analyst else float(published["total_percentile"])
    return {
        "name": case.name,
        "title": case.scenario.label,
        "kind": case.kind,
        "published_usd": loss,
        "basis": str(published["basis"]),
        "horizon_hours": nan if case.horizon_hours is None else case.horizon_hours,
        "direct_percentile": float(published["direct_percentile"]),
        "total_percentile": float(published["total_percentile"]),
        "rsd_percentile": rsd_percentile,
        "rsd_median_usd": rsd_median,
        "ratio_to_rsd_median": ratio,
        "checks": "rsd" if analyst else "total",
        "checked_percentile": checked,
        "in_50": 25.0 <= checked <= 75.0,
        "in_90": 5.0 <= checked <= 95.0,
        "source": str(published["source"]),
    }


def backtest(
    paths: Iterable[Path] | None = None,
    n_trials: int = 100_000,
    rng: int = 20260125,
    *,
    workers: int = 1,
) -> BacktestResult:
    """Run every case (the built-in ones by default) with the same seed; every file is read and
    checked before anything is simulated, so a malformed one fails at once."""
    cases = [load_case(Path(p)) for p in (builtin_cases() if paths is None else paths)]
    rows = [_row(case, n_trials, rng, workers) for case in cases]
    return BacktestResult(pd.DataFrame(rows, columns=COLUMNS), n_trials, rng)
