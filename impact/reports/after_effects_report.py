"""calibration.toml and report.md of `impact calibrate after-effects`, and the recoveries table
that `impact backtest` adds: laid out from a fitted AfterEffectsFit and its leave-one-out table.

Nothing is computed here (STYLE.md point 9). calibration.toml carries no date or version, so
the same catalogue and seed give the same file byte for byte (data/calibration.toml is one).
"""

from __future__ import annotations

import json

import pandas as pd

from impact.calibration.after_effects import WIDE_PRIOR, AfterEffectsFit
from impact.calibration.fitted_specs import number
from impact.calibration.recoveries import KINDS, MEASUREMENT_SD
from impact.inputs.keys import key_info
from impact.reports.calibration_report import reproduce_block
from impact.reports.md import table
from impact.reports.provenance import Provenance

__all__ = [
    "after_effects_report",
    "after_effects_toml",
    "coverage_rows",
    "key_rows",
    "recoveries_body",
    "recoveries_rows",
    "recoveries_section",
    "value",
]


def value(key: str, x: object, units: bool = True, digits: int = 3) -> str:
    """A key's value as people read it: hours with 'h', shares and shapes as numbers."""
    text = number(float(x), digits)  # type: ignore[arg-type]
    return f"{text} h" if units and key_info(key).unit == "h" else text


def _interval(key: str, q: tuple[float, float, float], units: bool = True) -> str:
    if units:
        return " / ".join(value(key, x) for x in q)
    return "/".join(value(key, x, False, 2) for x in q)


def _cases_note(fit: AfterEffectsFit, key: str) -> str:
    cases = fit.informed_by_[key]
    return ", ".join(cases) if cases else "none"


def key_note(fit: AfterEffectsFit, key: str) -> str:
    """The comment of one key in calibration.toml: its cases, whether pooled, its interval."""
    r = fit.summary_.loc[key]
    cases = _cases_note(fit, key)
    spec_interval = f"{value(key, r['spec_p05'])}–{value(key, r['spec_p95'])}"
    if r["kept_wide"]:
        ratios = ", ".join(
            f"{c} {fit.width_ratio_.loc[c, key]:.2f}" for c in fit.width_ratio_.index
        )
        how = (
            f"kept at the wide population prior: {len(fit.informed_by_[key])} case(s) inform it, "
            f"{fit.min_cases} needed (share of the prior's 90% each case keeps: {ratios}); "
            f"90% interval {spec_interval}; wide prior: {WIDE_PRIOR[key][1]}"
        )
    else:
        how = (
            f"pooled over the catalogue's cases, 90% interval {spec_interval} (pooled sample "
            f"{value(key, r['pooled_p05'])}–{value(key, r['pooled_p95'])}, median "
            f"{value(key, r['pooled_p50'])}); wide prior {WIDE_PRIOR[key][0]}"
        )
    return (
        f"derived: pooled after-effect prior (impact calibrate after-effects; cases: {cases}); "
        + how
    )


def after_effects_toml(fit: AfterEffectsFit, source: str) -> str:
    """A partial scenario of the pooled priors, each key with its interval and its cases."""
    cases = ", ".join(fit.cases_.index)
    n_obs = int(fit.cases_["observations"].sum())
    pooled = [k for k, wide in fit.kept_wide_.items() if not wide]
    lines = [
        "# Partial scenario written by `impact calibrate after-effects`: pooled after-effect",
        "# priors for a platform with no after-effect evidence of its own.",
        "# Apply it over any scenario: impact simulate --overlay calibration.toml",
        f"# {n_obs} observations of {len(fit.cases_)} cases in {source} ({cases});",
        f"# {fit.draws:,} draws from the wide population prior, seed {fit.seed_}. A key is pooled",
        f"# when at least {fit.min_cases} cases inform it (each keeps at most "
        f"{fit.max_width_ratio:.0%} of the",
        "# prior's central 90%); otherwise it keeps its wide prior. "
        + (
            f"Pooled: {', '.join(pooled)}."
            if pooled
            else "No key is pooled: the catalogue is too thin (docs/model.md)."
        ),
        "",
        "description = "
        + json.dumps(f"After-effect priors pooled over {source} (impact calibrate after-effects)"),
    ]
    section = ""
    for key in fit.specs_:
        table_name, name = key.split(".")
        if table_name != section:
            lines += ["", f"[{table_name}]"]
            section = table_name
        lines += ["# " + key_note(fit, key), f"{name} = {json.dumps(fit.specs_[key])}"]
    return "\n".join(lines) + "\n"


def key_rows(fit: AfterEffectsFit, units: bool = True) -> list[list[str]]:
    """Per key: informing cases, prior and pooled p05/p50/p95, the spec written, kept wide
    (`units=False`: two digits and hours without their 'h', for a narrow console)."""
    rows = []
    for key, r in fit.summary_.iterrows():
        k = str(key)
        rows.append(
            [
                k,
                _cases_note(fit, k),
                _interval(k, (r["prior_p05"], r["prior_p50"], r["prior_p95"]), units),
                _interval(k, (r["pooled_p05"], r["pooled_p50"], r["pooled_p95"]), units),
                str(r["spec"]),
                "yes" if r["kept_wide"] else "no",
            ]
        )
    return rows


def _pct(x: float) -> str:
    return "" if x != x else f"{x:.0f}"


def recoveries_rows(loo: pd.DataFrame) -> list[list[str]]:
    """The leave-one-out table, formatted: one row per observation."""
    return [
        [
            str(r["name"]),
            f"{r['quantity']} ({r['kind']})",
            f"{number(float(r['hours']), 4)} h",
            f"{float(r['observed']):+.1%} ± {float(r['sd']):.1%}",
            _pct(float(r["loo_percentile"])),
            (
                f"{_pct(float(r['low_percentile']))} / {_pct(float(r['high_percentile']))}"
                if r["kind"] == "bracket"
                else ""
            ),
            _pct(float(r["joint_percentile"])),
            ("yes" if r["in_90"] else "**no**") + ("" if r["scored"] else " (bound)"),
        ]
        for _, r in loo.iterrows()
    ]


def coverage_rows(cover: pd.DataFrame) -> list[list[str]]:
    """The coverage table, formatted: share inside each interval with its exact 95% interval."""
    return [
        [
            str(r["interval"]),
            f"{int(r['inside'])} of {int(r['n'])}",
            f"{float(r['share']):.0%}" if r["n"] else "",
            f"{float(r['ci_low']):.0%}–{float(r['ci_high']):.0%}",
        ]
        for _, r in cover.iterrows()
    ]


RECOVERIES_HEADER = [
    "case",
    "quantity (kind)",
    "after restoration",
    "observed gap ± sd",
    "LOO percentile",
    "in users away / activity gap",
    "joint",
    "in 90%",
]

HOW_SCORED = (
    "Each observation against priors pooled WITHOUT its case (`impact calibrate after-effects` "
    "on the other cases, written as specs), run through the model at the case's own duration, "
    "severity and hours, with the observation's measurement error. A bracket (a count of "
    "people, c(u) ≤ dip ≤ 1 − a(u)) is scored with its dip placed uniformly between the "
    "predicted users away and activity gap; the two percentiles beside it place the observed "
    'dip in each. A bound ("more than 90%") is listed, not counted: it is consistent unless '
    "at most 10% of the prediction lies below it. 'joint' scores against the pooled sample "
    "itself, with the dependence between keys that an overlay of specs cannot carry. Rows of "
    "one case are not independent, so the binomial intervals are if anything too narrow."
)


def recoveries_body(loo: pd.DataFrame, cover: pd.DataFrame) -> str:
    """The coverage table, the table of observations and how they are scored."""
    return "\n\n".join(
        [
            table(
                ["interval", "scored observations inside", "share", "exact 95% interval"],
                coverage_rows(cover),
                "lrrr",
            ),
            table(RECOVERIES_HEADER, recoveries_rows(loo), "lllrrrrl"),
            HOW_SCORED,
        ]
    )


def recoveries_section(loo: pd.DataFrame, cover: pd.DataFrame) -> str:
    """The 'Recoveries (leave-one-out)' section of a markdown report."""
    return "## Recoveries (leave-one-out)\n\n" + recoveries_body(loo, cover)


def after_effects_report(
    fit: AfterEffectsFit,
    loo: pd.DataFrame,
    cover: pd.DataFrame,
    source: str,
    provenance: Provenance,
) -> str:
    """report.md of `impact calibrate after-effects`."""
    cases = [
        [
            str(c),
            f"{number(float(r['duration_hours']), 4)} h",
            str(r["severity"]),
            str(int(r["observations"])),
            f"{float(r['ess']):,.0f}",
            ", ".join(k for k in fit.specs_ if c in fit.informed_by_[k]) or "none",
        ]
        for c, r in fit.cases_.iterrows()
    ]
    unused = fit.catalogue_.unused["unused"].value_counts()
    unused_text = "; ".join(f"{n} {why}" for why, n in unused.items())
    kinds = "\n".join(f"- `{k}`: {text}" for k, text in KINDS.items())
    errors = ", ".join(f"{tag} {100 * sd:.1f}" for tag, sd in MEASUREMENT_SD.items())
    pooled = [k for k, wide in fit.kept_wide_.items() if not wide]
    verdict = (
        f"Pooled: {', '.join(pooled)}; every other key keeps its wide prior."
        if pooled
        else "**No key is pooled: the catalogue is too thin.** Every key keeps its wide prior "
        "(see docs/model.md, 'Learning after-effects from observed recoveries')."
    )
    return "\n".join(
        [
            "# After-effect priors pooled over observed recoveries",
            "",
            f"{int(fit.cases_['observations'].sum())} observations of {len(fit.cases_)} cases "
            f"in `{source}`; {fit.draws:,} draws from the wide population prior, seed "
            f"{fit.seed_}. A key is pooled when at least {fit.min_cases} cases inform it (a "
            f"case informs a key when its posterior keeps at most {fit.max_width_ratio:.0%} of "
            f"the prior's central 90%). {verdict}",
            "",
            table(
                [
                    "key",
                    "informed by",
                    "wide prior p05 / p50 / p95",
                    "pooled p05 / p50 / p95",
                    "written",
                    "kept wide",
                ],
                key_rows(fit),
            ),
            "",
            f"Complete pooling (one set of inputs for every platform, the product of the "
            f"likelihoods) keeps an effective sample of {fit.complete_ess_:.1f} of "
            f"{fit.draws:,} draws: the cases do not agree on one set.",
            "",
            "## Cases",
            "",
            table(
                ["case", "duration", "severity", "observations", "ESS", "informs"],
                cases,
                "lrlrrl",
            ),
            "",
            f"Rows not used: {unused_text}.",
            "",
            "## Leave-one-out",
            "",
            recoveries_body(loo, cover),
            "",
            "## Method",
            "",
            "Each observation is read off the model (`impact.model.core.activity` and "
            "`users_away`) at its case's duration D, severity S (1 for a total outage) and hours "
            "since restoration, with deferred demand ψ = 0:",
            "",
            kinds,
            "",
            f"Measurement error (sd, in points of the gap): {errors} by reliability tag, and "
            f"the platform's own drift of {100 * fit.drift_per_month:.1f} points per 30 days "
            "from the baseline to the observation, in "
            "quadrature (no row is seasonally adjusted). Each case's posterior is the wide "
            "prior reweighted by its likelihood alone; the pooled prior is their equal-weight "
            "mixture. Specs are fitted to the pooled quantiles: a share as the beta with that "
            "90% interval, hours as lognormal(p5=, p95=).",
            "",
            "Use it: `impact simulate --overlay calibration.toml`.",
            "",
            reproduce_block(provenance, fit.seed_),
        ]
    )
