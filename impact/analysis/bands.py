"""Bands of `[expect]` that cannot fail: a pilot run under the scenario's own assumptions.

A band only validates the model if the simulation could fall outside it. When a band merely
restates the range of an input (the direct loss per hour R·S against the very figure that set
R, with S fixed), every trial lands inside it whatever else is wrong. `band_audit` draws a
small pilot with the scenario's own seed and design (assumptions alone: no `[evidence]`) and
measures, for each band, the share of trials outside it and the uncertain input whose Spearman
rank correlation with the quantity is largest; `band_warnings` turns the bands that cannot fail
into the lines `impact validate` prints.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from impact.exceptions import InputError
from impact.inputs.scenario import Scenario
from impact.model.core import evaluate_all
from impact.outputs import OUTPUTS, TOTAL
from impact.simulation.engine import PILOT_TRIALS, simulate

__all__ = [
    "AUDIT_TRIALS",
    "CANNOT_FAIL_SHARE",
    "EXPLAINS_RHO",
    "band_audit",
    "band_warnings",
]

AUDIT_TRIALS = 4_000  # enough to see a 0.1% share outside (4 trials), cheap enough for validate
CANNOT_FAIL_SHARE = 0.001  # at most this share outside: the band cannot fail
EXPLAINS_RHO = 0.99  # |Spearman rho| at least this: one input sets the quantity on its own
DEFAULT_SEED = 0  # for a scenario without [sampling] seed, so validate says the same every time
EQUALS_SPAN = 0.8  # the pilot's values span at least this share of the band: it "equals" it

COLUMNS = [
    "quantity",
    "check",
    "low",
    "high",
    "n_trials",
    "share_outside",
    "cannot_fail",
    "span_share",
    "input",
    "input_spec",
    "rho",
]


def _pilot(scenario: Scenario, n_trials: int) -> pd.DataFrame:
    """Every input and every band's quantity for `n_trials` trials of the assumptions alone."""
    bare = replace(scenario.without_evidence(), expect=())  # no weights, no band warnings
    seed = DEFAULT_SEED if scenario.seed is None else scenario.seed
    result = simulate(bare, n_trials, rng=seed, outputs=[TOTAL])
    pilot = result.pilot
    if pilot is None:  # pragma: no cover - the engine keeps block 0 of every run
        raise RuntimeError("the engine kept no pilot sample")
    observed = [b.quantity for b in scenario.expect if b.quantity not in OUTPUTS]
    if observed:
        inputs = {k: pilot[k].to_numpy() for k in pilot.columns if k not in OUTPUTS}
        values = evaluate_all(inputs, scenario.profile_weights, observed)
        pilot = pilot.assign(**{name: values[name] for name in observed})
    return pilot


def _strongest_input(
    scenario: Scenario, pilot: pd.DataFrame, values: np.ndarray
) -> tuple[str | None, float]:
    """The uncertain input with the largest |Spearman rho| with `values`, and that rho."""
    from scipy import stats  # imported on use: `impact validate` of a file without bands

    if np.ptp(values) == 0:  # a constant quantity is explained by nothing
        return None, float("nan")
    best, best_rho = None, 0.0
    for key in scenario.uncertain_keys:
        column = pilot[key].to_numpy()
        if np.ptp(column) == 0:
            continue
        rho = float(stats.spearmanr(column, values).statistic)
        if abs(rho) > abs(best_rho):
            best, best_rho = key, rho
    return best, best_rho if best is not None else float("nan")


def band_audit(scenario: Scenario, n_trials: int = AUDIT_TRIALS) -> pd.DataFrame:
    """One row per `[expect]` band: the share of pilot trials outside it and what sets it.

    `share_outside` counts the trials below `low` or above `high`; `cannot_fail` is True when
    it is at most `CANNOT_FAIL_SHARE`. `input` is the uncertain input with the largest
    |Spearman rho| with the quantity over the pilot, when that is at least `EXPLAINS_RHO`
    (else empty); `input_spec` its spec and `rho` the correlation. `span_share` is the width
    of the pilot's values over the band's width (near 1: the band equals their range).
    The pilot is `n_trials` trials (at most `PILOT_TRIALS`) of the assumptions alone, with the
    scenario's seed (or `DEFAULT_SEED`) and sampling design.

    >>> from impact.inputs.scenario import scenario_from_toml
    >>> scenario = scenario_from_toml(
    ...     '[outage]\\nhours = 10\\n[revenue]\\nhourly_loss = "uniform(1M, 2M)"\\n'
    ...     '[expect]\\ndirect_loss_per_hour_usd = [1.5e6, 2e6]\\n'
    ... )
    >>> band_audit(scenario)[["quantity", "cannot_fail", "input"]]
                       quantity  cannot_fail                input
    0  direct_loss_per_hour_usd        False  revenue.hourly_loss
    """
    if not 0 < n_trials <= PILOT_TRIALS:
        raise InputError(
            f"`n_trials`: {n_trials!r}: the audit reads the pilot sample; "
            f"give 1 to {PILOT_TRIALS:,}"
        )
    if not scenario.expect:
        return pd.DataFrame(columns=COLUMNS)
    pilot = _pilot(scenario, n_trials)
    rows = []
    for band in scenario.expect:
        values = pilot[band.quantity].to_numpy(dtype=float)
        share = float(np.mean((values < band.low) | (values > band.high)))
        key, rho = _strongest_input(scenario, pilot, values)
        explained = key is not None and abs(rho) >= EXPLAINS_RHO
        rows.append(
            {
                "quantity": band.quantity,
                "check": band.check,
                "low": band.low,
                "high": band.high,
                "n_trials": len(values),
                "share_outside": share,
                "cannot_fail": share <= CANNOT_FAIL_SHARE,
                "span_share": float(np.ptp(values)) / (band.high - band.low),
                "input": key if explained else "",
                "input_spec": scenario.distributions[key].spec() if explained and key else "",
                "rho": rho,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _compact(value: float) -> str:
    """3 significant figures with a k/M/B suffix: 1,270,000 -> '1.27M'; 0.043 -> '0.043'."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def band_warnings(scenario: Scenario, n_trials: int = AUDIT_TRIALS) -> list[str]:
    """One line for each band that cannot fail and is not marked a construction check.

    >>> from impact.inputs.scenario import scenario_from_toml
    >>> scenario = scenario_from_toml(
    ...     '[outage]\\nhours = 10\\n[revenue]\\nhourly_loss = "uniform(1M, 2M)"\\n'
    ...     '[expect]\\ndirect_loss_per_hour_usd = [1e6, 2e6]\\n'
    ... )
    >>> print(*band_warnings(scenario))
    expect.direct_loss_per_hour_usd: [1M, 2M]: equals the range of revenue.hourly_loss
    (uniform(1000000, 2000000)), which sets it (rank correlation +1.000; 0 of 4,000 trials of
    the scenario's own assumptions fall outside): it cannot fail; drop it, or mark it
    check = "construction", restates = "revenue.hourly_loss"
    """
    lines = []
    for _, r in band_audit(scenario, n_trials).iterrows():
        if not r["cannot_fail"] or r["check"] == "construction":
            continue
        where = f"expect.{r['quantity']}: [{_compact(r['low'])}, {_compact(r['high'])}]"
        outside = round(r["share_outside"] * r["n_trials"])
        trials = f"{outside:,} of {r['n_trials']:,} trials of the scenario's own assumptions"
        fix = 'it cannot fail; drop it, or mark it check = "construction"'
        if r["input"]:  # one input sets the quantity: the band restates that input's range
            relation = "equals the" if r["span_share"] >= EQUALS_SPAN else "holds the whole"
            lines.append(
                f"{where}: {relation} range of {r['input']} ({r['input_spec']}), which sets "
                f"it (rank correlation {r['rho']:+.3f}; {trials} fall outside): {fix}, "
                f'restates = "{r["input"]}"'
            )
        else:
            lines.append(
                f"{where}: {trials} fall outside it: {fix} naming the inputs set from the same "
                "fact, or widen the inputs it should test"
            )
    return lines
