"""calibration.toml and report.md of `impact calibrate`, written from fitted estimators.

Nothing is computed here (STYLE.md point 9): the specs and their intervals come from the
fits; this module lays them out as a partial scenario, whose comments become the sources of
the keys in any report that applies it, and as a short report for people.
"""

from __future__ import annotations

import json

from impact.calibration.durations import DurationFit
from impact.calibration.fitted_specs import number
from impact.calibration.recovery import RecoveryFit
from impact.calibration.series import HOUR
from impact.reports.md import table
from impact.reports.provenance import Provenance

__all__ = [
    "durations_report",
    "durations_toml",
    "recovery_report",
    "recovery_toml",
    "reproduce_block",
    "when",
]

FAMILY_LABELS = {"lognormal": "lognormal", "gamma": "gamma", "weibull": "Weibull"}


def when(stamp: object) -> str:
    """A time as people write it: '2025-04-07 09:00'."""
    return f"{stamp:%Y-%m-%d %H:%M}"


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _comment(text: str) -> str:
    return "# " + " ".join(text.split())


def reproduce_block(provenance: Provenance, seed: int | None = None) -> str:
    """The '## Reproduce' section: the command, the seed and the versions."""
    lines = ["## Reproduce", "", "```text", provenance.command, "```", ""]
    if seed is not None:
        lines.append(f"Seed {seed}. ")
    lines.append(
        f"impact {provenance.package_version}, Python {provenance.python_version}, "
        f"numpy {provenance.numpy_version}; made {provenance.created_utc}."
    )
    return "\n".join(lines) + "\n"


def _params(fit: DurationFit, family: str) -> str:
    f = fit.fits_[family]
    return ", ".join(
        f"{name} {number(value, 3)} ({number(f['ci'][name][0], 3)}–{number(f['ci'][name][1], 3)})"
        for name, value in f["params"].items()
    )


def durations_toml(fit: DurationFit, source: str, scope: str) -> str:
    """A partial scenario setting outage.hours, and the future outages' frequency.hours, to the
    best fit that the spec grammar can write."""
    family = fit.best_
    f = fit.fits_[family]
    why = f"the best by AIC of {', '.join(FAMILY_LABELS[k] for k in fit.fits_)}"
    note = (
        f"source: {FAMILY_LABELS[family]} maximum-likelihood fit to the durations of {fit.n_} "
        f"outages in {source} (scope {scope}), {why}; parameters with "
        f"{fit.confidence:.0%} bootstrap intervals: {_params(fit, family)}; "
        f"written by `impact calibrate durations`"
    )
    return "\n".join(
        [
            _comment("Partial scenario written by `impact calibrate durations`."),
            _comment("Apply it over any scenario: impact simulate --overlay calibration.toml"),
            "",
            f"description = {_toml_string(f'Outage durations calibrated on {source}')}",
            "",
            "[outage]",
            _comment(note),
            f"hours = {_toml_string(f['spec'])}",
            "",
            "[frequency]",
            _comment(
                "The same fit for the future outages of `impact annual` and `impact resilience` "
                "(each draws its own duration)"
            ),
            f"hours = {_toml_string(f['spec'])}",
            "",
        ]
    )


def durations_report(fit: DurationFit, source: str, scope: str, provenance: Provenance) -> str:
    """report.md of `impact calibrate durations`."""
    pct = f"{fit.confidence:.0%}"
    rows = []
    for family, f in sorted(fit.fits_.items(), key=lambda item: item[1]["aic"]):
        rows.append(
            [
                FAMILY_LABELS[family],
                _params(fit, family),
                number(f["aic"], 4),
                number(f["delta_aic"], 2),
                number(f["ks"], 2),
                number(f["ks_p_value"], 2),
                f"`{f['spec']}`",
            ]
        )
    best = fit.fits_[fit.best_]
    return "\n".join(
        [
            "# Outage durations: which distribution fits",
            "",
            f"{fit.n_} outage durations (hours) from `{source}`, scope {scope}. "
            f"Best fit by AIC: **{FAMILY_LABELS[fit.best_]}**; written to `calibration.toml` as "
            f'`outage.hours = "{best["spec"]}"`.',
            "",
            table(
                [
                    "family",
                    f"parameters ({pct} bootstrap interval)",
                    "AIC",
                    "ΔAIC",
                    "KS distance",
                    "KS p-value",
                    "spec",
                ],
                rows,
            ),
            "",
            "![Observed durations and the fitted distributions](durations.png)",
            "",
            "## Method",
            "",
            "Maximum likelihood with the location fixed at 0 (scipy.stats `fit(x, floc=0)`). "
            "AIC = 4 − 2·log-likelihood (every family has two parameters); a difference above "
            "about 2 favours the lower. The KS p-value is a parametric bootstrap (samples drawn "
            "from the fit and refitted, as in Lilliefors' test), so it allows for the parameters "
            "having been fitted to the same data. Parameter intervals are bias-corrected and "
            f"accelerated (BCa) percentiles of a nonparametric bootstrap ({fit.n_} outages "
            "resampled with replacement); with about 20 outages they are still somewhat narrow "
            "for the spread (sigma, shape: about 82% coverage for a nominal 90%). A small "
            "catalogue mixes platforms and causes: read the fit as a range of plausible "
            "durations, not a law.",
            "",
            "Use it: `impact simulate --overlay calibration.toml`.",
            "",
            reproduce_block(provenance, fit.seed_),
        ]
    )


def recovery_toml(fit: RecoveryFit, source: str, metric: str) -> str:
    """A partial scenario with the recovery half-life (and latency) the series implies."""
    pct = f"{fit.confidence:.0%}"
    origin = f"{metric} in {source} after restoration at {when(fit.restored_)}"
    lines = [
        _comment("Partial scenario written by `impact calibrate recovery`."),
        _comment("Apply it over any scenario: impact simulate --overlay calibration.toml"),
        "",
        f"description = {_toml_string(f'Recovery calibrated on {metric} in {source}')}",
        "",
    ]
    half = fit.specs_.get("engagement.recovery_half_life_hours")
    ae_lo, ae_hi = fit.intervals_["drop_at_restore"]
    hours = number((fit.restored_ - fit.onset_) / HOUR, 4)
    tau_e = number(fit.decay_hours_, 4)
    lines += ["[engagement]"]
    if half:
        lo, hi = fit.intervals_["half_life_hours"]
        he_lo, he_hi = fit.half_life_interval()
        lines += [
            _comment(
                f"source: half-life of the engagement gap fitted to {origin}: "
                f"{number(fit.half_life_hours_, 3)} h, {pct} interval {number(lo, 3)}–"
                f"{number(hi, 3)} h (profile likelihood with AR errors). That is he_D; model "
                f"v3 has he_D = he·(1 − e^(−D/τe)), so with D = {hours} h and τe = {tau_e} h, "
                f"he lies in {number(he_lo, 3)}–{number(he_hi, 3)} h; this lognormal has that "
                "interval's ends as its 5th and 95th percentiles; written by "
                "`impact calibrate recovery`"
            ),
            f"recovery_half_life_hours = {_toml_string(half)}",
            _comment(
                "source: the τe used to read he off he_D (the series shows only their product; "
                "the generic default's median unless --decay-hours); keep the two together"
            ),
            f"decay_hours = {_toml_string(fit.specs_['engagement.decay_hours'])}",
        ]
    severity = fit.severity_
    lines += [
        _comment(
            f"Not a scenario key: the drop at restoration ae = {number(fit.drop_at_restore_, 3)} "
            f"({pct} interval {number(ae_lo, 3)}–{number(ae_hi, 3)}); in the model "
            "ae = S·d·(1 − exp(−D/τe))."
        ),
    ]
    if severity == severity and severity > 0:  # not NaN
        implied = min(fit.drop_at_restore_ / (severity * fit.half_life_scale_), 1.0)
        lines.append(
            _comment(
                f"This outage removed S = {number(severity, 3)} of {metric}; with D = {hours} h "
                f"and τe = {tau_e} h, d = ae/(S·(1 − e^(−D/τe))) = {number(implied, 3)} "
                f'(uncomment to use): max_drop = "{number(implied, 3)}"'
            )
        )
    if fit.with_latency:
        lines += ["", "[algorithm]"]
        for key, name, unit in (
            ("algorithm.quality_loss", "quality_loss", ""),
            ("algorithm.latency_hours", "latency_hours", " h"),
        ):
            spec = fit.specs_.get(key)
            lo, hi = fit.intervals_[name]
            estimate = fit.estimates_[name]
            text = (
                f"{name.replace('_', ' ')} fitted jointly with the engagement gap to {origin}: "
                f"{number(estimate, 3)}{unit}, {pct} interval {number(lo, 3)}–{number(hi, 3)}{unit}"
            )
            if spec and key == "algorithm.quality_loss":
                q_lo, q_hi = fit.quality_loss_interval() or (lo, hi)
                tau = number(fit.degrade_hours_, 4)
                lines += [
                    _comment(
                        f"source: the quality drop at restoration aq, {text}; the model has "
                        f"aq = S·q·(1 − e^(−D/τq)), so with S = {number(fit.severity_, 3)} "
                        f"(measured), D = {hours} h "
                        f"and τq = {tau} h, q lies in {number(q_lo, 3)}–{number(q_hi, 3)}; this "
                        "spec has that interval"
                    ),
                    f"quality_loss = {_toml_string(spec)}",
                ]
            elif spec:
                l_lo, l_hi = fit.latency_interval() or (lo, hi)
                tau = number(fit.degrade_hours_, 4)
                lines += [
                    _comment(
                        f"source: the latency ramp after this outage, L_D, {text}; model v3 has "
                        f"L_D = L·(1 − e^(−D/τq)), so with D = {hours} h and τq = {tau} h, L "
                        f"lies in {number(l_lo, 3)}–{number(l_hi, 3)} h; this spec has that "
                        "interval"
                    ),
                    f"{key.split('.')[1]} = {_toml_string(spec)}",
                ]
            else:
                lines += [_comment(f"{text}: too uncertain to write as a spec")]
        if "algorithm.degrade_hours" in fit.specs_:
            lines += [
                _comment(
                    "source: the τq used to read q and L off aq and L_D (the series shows only "
                    "their products); keep them together, or the overlay no longer reproduces "
                    "the fitted gap (the generic default's median unless --degrade-hours)"
                ),
                f"degrade_hours = {_toml_string(fit.specs_['algorithm.degrade_hours'])}",
            ]
    return "\n".join(lines) + "\n"


def recovery_report(fit: RecoveryFit, source: str, metric: str, provenance: Provenance) -> str:
    """report.md of `impact calibrate recovery`."""
    pct = f"{fit.confidence:.0%}"
    rows = []
    for name, row in fit.summary_.iterrows():
        unit = " h" if row["unit"] == "h" else ""
        interval = (
            f"{number(row['ci_low'], 3)}–{number(row['ci_high'], 3)}{unit}"
            if row["ci_low"] == row["ci_low"]
            else "—"
        )
        rows.append([str(name), f"{number(row['estimate'], 3)}{unit}", interval, str(row["note"])])
    noise = fit.noise_
    ar = ", ".join(number(c, 3) for c in noise.ar) or "none"
    model = "ae·2^(−u/he_D)" + (
        " with the latency ramp aq·max(0, 1 − u/L_D)" if fit.with_latency else ""
    )
    specs = "\n".join(f'- `{key} = "{spec}"`' for key, spec in fit.specs_.items())
    return "\n".join(
        [
            f"# Recovery after the outage: {metric} in `{source}`",
            "",
            f"Onset {when(fit.onset_)}, restored {when(fit.restored_)}. Gap model: {model}, "
            "u = hours since restoration.",
            "",
            table(["parameter", "estimate", f"{pct} interval", "note"], rows),
            "",
            "Written to `calibration.toml`:",
            "",
            specs or "- nothing: every estimate was too uncertain to write as a spec",
            "",
            "![Observed series, normal level and the fitted recovery](recovery.png)",
            "",
            "## Method",
            "",
            "The normal level is an OLS fit (statsmodels) of log "
            f"{metric} on a linear trend and hour-of-day and day-of-week dummies, on the rows "
            "before the onset, extrapolated over the outage and the recovery. The gap after "
            "restoration is fitted on the log scale by maximum likelihood. The residuals "
            f"follow an AR({noise.order}) process (coefficients {ar}, chosen by BIC and "
            "corrected for what the regression absorbed); the likelihood uses the full "
            "covariance of the errors after restoration, including the error of the "
            "extrapolated normal level, which shifts the whole gap. Intervals are profile-"
            "likelihood intervals (the other parameters re-fitted at each point; 2·Δloglik ≤ "
            "2.706 for 90%). Rows during the outage are not used for the fit.",
            "",
            "Use it: `impact simulate --overlay calibration.toml`.",
            "",
            reproduce_block(provenance),
        ]
    )
