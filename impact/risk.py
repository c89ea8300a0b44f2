"""The Python face of annual risk, paired comparison and resilience: names, paths or scenarios in,
results with summary DataFrames out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from impact.analysis.compare import check_same_trials
from impact.inputs.designs import AS_IS, DEFAULT_BASE, Design, designs_of, load_design
from impact.inputs.scenario import DEFAULT_TRIALS, Scenario, load_scenario
from impact.rng import SCENARIO_SEED, RNGLike, ScenarioSeed
from impact.simulation.annual import AnnualResult, simulate_annual
from impact.simulation.paired import Mode, PairedResult, simulate_paired
from impact.simulation.resilience import ResilienceResult, simulate_resilience

__all__ = ["annual", "as_scenario", "compare", "resilience"]

ScenarioLike = Scenario | str | Path


def as_scenario(scenario: ScenarioLike, overlays: Iterable[str | Path] = ()) -> Scenario:
    """A Scenario as it is, or a built-in name or a file loaded (with overlays)."""
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario, overlays)


def annual(
    scenario: ScenarioLike = "tiktok-us-2026",
    n_years: int | None = None,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    thresholds: Sequence[float] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    **overrides: str | float | int,
) -> AnnualResult:
    """Annual outage risk of a scenario: `result.summary` (mean, p50…p99, VaR/CVaR at 95% and
    99% of every annual figure) and `result.risk` (P(at least one outage), P(loss > X)).

    Keyword overrides are scenario keys with underscores (``frequency_events_per_year=2``).
    `thresholds` (USD) default to amounts scaled to the platform, as in `impact annual`.
    As in `impact annual`, `n_years` defaults to the scenario's `[sampling] trials`, else
    100,000, and `rng` to its `[sampling] seed`, else 20260125 (None: fresh entropy).

    >>> import impact
    >>> r = impact.annual("meta-2024", 20_000, frequency_events_per_year=1)
    >>> round(r.p_any_outage, 2)
    0.63
    """
    base = as_scenario(scenario)
    if overrides:
        base = base.with_overrides(overrides, source="given by the caller")
    return simulate_annual(
        base, n_years, rng, thresholds=thresholds, workers=workers, scheduler=scheduler
    )


def compare(
    a: ScenarioLike,
    b: ScenarioLike | None = None,
    n_trials: int | None = None,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    b_overrides: dict[str, str | float | int] | None = None,
    annual: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
) -> PairedResult:
    """B − A for every output on common random numbers: `result.summary` has the means, the
    mean difference with its paired standard error, percentiles of the difference, P(B < A)
    and the measured variance reduction. B defaults to A changed by `b_overrides`.
    As in `impact compare`: without `n_trials`, the scenarios' own `[sampling] trials` (which
    must agree), else 100,000; without `rng`, A's `[sampling] seed`, else 20260125 (None: fresh
    entropy).

    >>> import impact
    >>> r = impact.compare("meta-2024", b_overrides={"outage.hours": 1}, n_trials=5_000)
    >>> bool(r.summary.loc["total_revenue_loss_usd", "p_b_below_a"] > 0.5)
    True
    """
    first = as_scenario(a)
    second = as_scenario(b) if b is not None else first
    if b_overrides:
        second = second.with_overrides(b_overrides, source="given by the caller")
    n = n_trials if n_trials is not None else (check_same_trials(first, second) or DEFAULT_TRIALS)
    mode: Mode = "year" if annual else "outage"
    return simulate_paired(first, second, n, rng, mode=mode, workers=workers, scheduler=scheduler)


def resilience(
    current: Design | ScenarioLike | None = None,
    candidate: Design | ScenarioLike | Sequence[Design | ScenarioLike] | None = None,
    n_futures: int = 20_000,
    rng: RNGLike | ScenarioSeed = SCENARIO_SEED,
    *,
    base: ScenarioLike | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> ResilienceResult:
    """NPV of moving from `current` to each `candidate` (designs: built-in names or files, each
    a change applied over `base`, by default tiktok-us-2026; or Scenarios with [frequency] and
    [cost]): `result.ranking` (expected NPV, P(NPV > 0), P(best), payback, break-even costs),
    and per candidate `result.pairs`. The defaults are those of `impact resilience`: the current
    design single-site for tiktok-us-2026 (else as-is) and the base's built-in designs.
    `impact.analysis.resilience.tornado` ranks what a candidate's NPV hinges on.
    As in `impact resilience`, `rng` defaults to the base's `[sampling] seed`, else 20260125
    (None: fresh entropy).

    >>> import impact
    >>> r = impact.resilience(candidate="active-active", n_futures=2_000)
    >>> 0.0 <= r.p_npv_positive <= 1.0
    True
    """
    platform = as_scenario(base if base is not None else DEFAULT_BASE)

    def design(d: Design | ScenarioLike, flag: str) -> Design | Scenario:
        return d if isinstance(d, Design | Scenario) else load_design(d, platform, flag=flag)

    if current is None:
        current = "single-site" if platform.name == DEFAULT_BASE else AS_IS
    now = design(current, "current")
    if candidate is None:
        names: Sequence[Design | ScenarioLike] = [
            d for d in designs_of(platform.name) if d != getattr(now, "name", None)
        ]
    elif isinstance(candidate, Design | Scenario | str | Path):
        names = [candidate]
    else:
        names = list(candidate)
    news = [design(d, "candidate") for d in names]
    return simulate_resilience(now, news, n_futures, rng, workers=workers, scheduler=scheduler)
