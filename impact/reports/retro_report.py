"""report.md of `impact retro`, written from a fitted RetroImpact (nothing is computed here)."""

from __future__ import annotations

from impact.calibration.fitted_specs import number
from impact.calibration.retro_impact import RetroImpact
from impact.reports.calibration_report import reproduce_block, when
from impact.reports.format import format_value
from impact.reports.md import table
from impact.reports.provenance import Provenance

__all__ = ["amount", "retro_headline", "retro_report"]


def amount(value: float) -> str:
    """A metric amount in a compact form: '-4.01M', '12,300', '-8,100'."""
    return format_value(value, "", compact=True)


def retro_headline(retro: RetroImpact, metric: str) -> str:
    """One sentence: the cumulative effect, its interval, the relative effect and p."""
    lo, hi = retro.cumulative_ci_
    rlo, rhi = retro.relative_ci_
    pct = f"{retro.confidence:.0%}"
    verdict = "a loss" if retro.cumulative_effect_ < 0 else "a gain"
    if not retro.significant_:
        verdict = "no effect distinguishable from noise"
    return (
        f"From {when(retro.onset_)} to {when(retro.end_)} the outage changed {metric} by "
        f"{amount(retro.cumulative_effect_)} ({pct} interval {amount(lo)} to {amount(hi)}) "
        "against the counterfactual, "
        f"{100 * retro.relative_effect_:+.1f}% ({100 * rlo:+.1f}% to {100 * rhi:+.1f}%): "
        f"{verdict} (tail probability p = {number(retro.p_value_, 2)})."
    )


def retro_report(
    retro: RetroImpact, source: str, metric: str, controls: tuple[str, ...], provenance: Provenance
) -> str:
    """report.md of `impact retro`."""
    pct = f"{retro.confidence:.0%}"
    rows = []
    for label, row in retro.summary_.iterrows():
        rows.append(
            [
                str(label),
                amount(row["observed"]),
                f"{amount(row['counterfactual'])} ({amount(row['counterfactual_low'])} to "
                f"{amount(row['counterfactual_high'])})",
                f"{amount(row['effect'])} ({amount(row['effect_low'])} to "
                f"{amount(row['effect_high'])})",
            ]
        )
    regressors = (
        f"the control series {', '.join(f'`{c}`' for c in controls)} as regressors, "
        if controls
        else "no control series, "
    )
    return "\n".join(
        [
            f"# What the outage did to {metric}",
            "",
            retro_headline(retro, metric),
            "",
            f"Data: `{source}`, {retro.n_pre_} rows before the onset to fit the model, "
            f"{retro.n_post_} rows measured. A loss is negative.",
            "",
            table(
                [
                    "over the window",
                    "observed",
                    f"counterfactual ({pct} interval)",
                    f"effect ({pct} interval)",
                ],
                rows,
            ),
            "",
            "![Observed vs counterfactual, pointwise effect, cumulative effect](retro.png)",
            "",
            "## Method",
            "",
            "A structural time-series model (statsmodels `UnobservedComponents`): a random-walk "
            "level with drift, daily and weekly seasonality as fixed trigonometric terms, an AR(1) "
            f"component and noise, with {regressors}fitted by maximum likelihood on the rows "
            "before the onset and forecast over the rows after. The counterfactual band is the "
            "forecast's own; the cumulative and relative intervals and the tail probability come "
            "from paths simulated from the fitted model (not from summing pointwise intervals), "
            "so they are the same on every run with the same seed. The intervals leave out the "
            "uncertainty of the model's variance parameters, so they are slightly too narrow on "
            "short pre-periods; a control series that the outage did not touch narrows them most.",
            "",
            reproduce_block(provenance, retro.seed_),
        ]
    )
