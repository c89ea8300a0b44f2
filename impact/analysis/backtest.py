"""Backtest: where each catalogue outage's published loss falls in the predicted distributions.

For every case the scenario (built from facts that do not use the published loss) is simulated
and the published figure placed as a percentile of the predicted direct and total loss, read off
the sketches. What a figure can check depends on what it is: an analyst's revenue per hour times
the hours down restates the direct-loss arithmetic (it checks the direct part only); a company's
own count of what it lost checks the whole total. `in_50` and `in_90` say whether the figure lies
inside the central 50% and 90% intervals of the loss it checks; the coverage is the share of
cases inside, against the nominal 50% and 90%.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from impact.inputs.backtest_case import BacktestCase, builtin_cases, load_case
from impact.rng import RNGLike
from impact.simulation.checks import published_table
from impact.simulation.engine import simulate

__all__ = ["BacktestResult", "backtest"]

COLUMNS = [
    "name",
    "title",
    "published_usd",
    "basis",
    "checks",
    "direct_percentile",
    "total_percentile",
    "checked_percentile",
    "in_50",
    "in_90",
    "source",
]


@dataclass(frozen=True)
class BacktestResult:
    """One row per case (`cases`) and the coverage of the 50% and 90% intervals."""

    cases: pd.DataFrame
    n_trials: int
    seed: int

    def coverage(self, level: int, checks: str | None = None) -> float:
        frame = self.cases if checks is None else self.cases[self.cases["checks"] == checks]
        return float(frame[f"in_{level}"].mean()) if len(frame) else float("nan")

    def coverage_table(self) -> pd.DataFrame:
        """Coverage of the 50% and 90% intervals: all cases, then by what the figure checks."""
        rows = []
        for label, checks in (
            ("all cases", None),
            ("analysts' revenue-per-hour arithmetic (checks the direct part)", "direct"),
            ("company figures (check the whole total)", "total"),
        ):
            frame = self.cases if checks is None else self.cases[self.cases["checks"] == checks]
            rows.append(
                {
                    "cases": label,
                    "n": len(frame),
                    "inside_50": int(frame["in_50"].sum()),
                    "coverage_50": self.coverage(50, checks),
                    "inside_90": int(frame["in_90"].sum()),
                    "coverage_90": self.coverage(90, checks),
                }
            )
        return pd.DataFrame(rows)

    def to_json(self) -> dict[str, object]:
        """`{"cases": [{"name", "published_usd", "direct_percentile", "total_percentile",
        "in_90", ...}], "coverage_90": x}` (INTERFACE.md), plus coverage_50."""
        cases = [
            {
                "name": str(r["name"]),
                "published_usd": float(r["published_usd"]),
                "direct_percentile": float(r["direct_percentile"]),
                "total_percentile": float(r["total_percentile"]),
                "in_90": bool(r["in_90"]),
                "in_50": bool(r["in_50"]),
                "basis": str(r["basis"]),
                "checks": str(r["checks"]),
            }
            for _, r in self.cases.iterrows()
        ]
        return {
            "cases": cases,
            "coverage_90": self.coverage(90),
            "coverage_50": self.coverage(50),
            "trials": self.n_trials,
            "seed": self.seed,
        }


def _row(case: BacktestCase, n_trials: int, rng: RNGLike, workers: int) -> dict[str, object]:
    result = simulate(case.scenario, n_trials, rng, workers=workers)
    published = published_table(result).iloc[0]
    checks = str(published["checks"])
    checked = float(published[f"{checks}_percentile"])
    return {
        "name": case.name,
        "title": case.scenario.label,
        "published_usd": float(published["published_usd"]),
        "basis": str(published["basis"]),
        "checks": checks,
        "direct_percentile": float(published["direct_percentile"]),
        "total_percentile": float(published["total_percentile"]),
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
