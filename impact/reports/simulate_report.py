"""report.md: the computed tables of a simulation written out for people, with the charts.

Nothing is computed here (STYLE.md point 9): every number comes from `impact.analysis.summaries`
tables and is only formatted. The headline is meant to be quoted as it stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from impact.analysis.onset import ONSET
from impact.analysis.summaries import TOTAL, ReportData
from impact.outputs import output
from impact.reports.evidence_report import evidence_section
from impact.reports.format import format_people, format_usd, format_value
from impact.reports.headline import readings_line, scenario_headline
from impact.reports.labels import METRIC_LABELS, PART_LABELS
from impact.reports.md import cell, table
from impact.reports.observables import observables_section
from impact.reports.profile_report import onset_section
from impact.reports.provenance import Provenance
from impact.reports.sensitivity_report import correlations_section, drivers_section
from impact.reports.tables import stat

__all__ = ["METHOD_NAMES", "render_report"]

METHOD_NAMES = {
    "mc": "plain Monte Carlo (independent random draws)",
    "lhs": "Latin hypercube sampling",
    "sobol": "a scrambled Sobol' sequence (quasi-Monte Carlo)",
}
SOURCE_TAGS = (
    "Tags in the notes: [co] the company said it; [3p] a third party estimated it; [weak] an "
    "aggregator that names no source; [derived] arithmetic on sourced figures."
)


def _value(row: pd.Series, column: str) -> str:
    return format_value(float(row[column]), str(row["unit"]), compact=True)


def _stat(data: ReportData, metric: str, column: str) -> float:
    return stat(data.summary, metric, column)


def _headline(data: ReportData) -> str:
    text = (
        f"> **{scenario_headline(data.result.scenario, data.summary)}**\n>\n"
        f"> Medians of {data.result.n_trials:,} simulated outages; the 90% interval holds 90% "
        f"of them."
    )
    if data.evidence is not None and not data.evidence.readings.empty:
        text += f"\n>\n> {readings_line(data.evidence.readings)}"
    return text


def _lead(data: ReportData) -> str:
    shares = dict(zip(data.breakdown["part"], data.breakdown["share_of_mean_total"], strict=True))
    mean = _stat(data, TOTAL, "mean")
    p95 = _stat(data, TOTAL, "p95")
    creators = ""
    if not data.result.scenario.is_zero("creators.earnings_per_hour"):
        median = format_usd(_stat(data, "creator_earnings_loss_usd", "p50"))
        creators = f" Creators lost {median} of earnings (median)."
    return (
        f"Revenue not made while the platform was down (direct) is {shares['direct']:.0%} of "
        f"the mean total loss of {format_usd(mean)}. The rest came after restoration: engagement "
        f"that drained away ({shares['engagement']:.0%}), users who stayed away for a while or "
        f"for good ({shares['attrition']:.0%}) and degraded recommendations while feeds "
        f"re-learned ({shares['latency']:.0%}).{_make_goods(data, shares)} One outage in 20 "
        f"like it would cost more than {format_usd(p95)}.{creators}"
    )


def _make_goods(data: ReportData, shares: dict[str, float]) -> str:
    """The model v3 sentences: compensation paid, and demand that came back (not a loss)."""
    text = ""
    if shares.get("make_goods", 0.0) > 0:
        text += (
            f" Credits, refunds and make-goods owed for the interruption are "
            f"{shares['make_goods']:.0%}."
        )
    recovered = _stat(data, "recovered_revenue_usd", "mean")
    if recovered > 0:
        text += (
            f" Demand that came back after restoration, {format_usd(recovered)} on average, is "
            "netted from the direct loss (deferred demand)."
        )
    return text


def _results(data: ReportData) -> str:
    rows = [
        [
            METRIC_LABELS[str(m)],
            f"`{m}`",
            *(_value(r, c) for c in ("mean", "p05", "p50", "p95", "p99", "cvar95")),
        ]
        for m, r in data.summary.iterrows()
    ]
    header = ["output", "column", "mean", "p05", "p50", "p95", "p99", "cvar95"]
    return (
        "## Results\n\n"
        + table(header, rows, "llrrrrrr")
        + "\n\np05, p50, p95, p99: the values that 5%, 50% (the median), 95% and 99% of the "
        "simulated outages stay below. cvar95: the mean of the worst 5% of them. Dollar figures "
        "are US dollars. Every figure is in `summary.csv` at "
        "full precision.\n\n"
        "![Loss exceedance curve: the chance that the total loss exceeds each amount]"
        "(loss_exceedance.png)"
    )


def _interval(row: pd.Series, centre: str) -> str:
    """'$118.6M ($118.4M to $118.9M)': as many digits as it takes to tell the three apart."""
    unit = str(row["unit"])
    values = [float(row[c]) for c in (centre, f"{centre}_low", f"{centre}_high")]
    for digits in range(3, 7):
        text = [format_value(v, unit, compact=True, digits=digits) for v in values]
        if len(set(text)) == len(set(values)):
            break
    return f"{text[0]} ({text[1]} to {text[2]})"


def _precision(data: ReportData) -> str:
    rows = [
        [
            f"`{r['metric']}`",
            format_value(float(r["mean"]), str(r["unit"]), compact=True),
            format_value(float(r["se_mean"]), str(r["unit"]), compact=True),
            f"{float(r['se_mean_relative']):.2%}",
            _interval(r, "p50"),
            _interval(r, "p95"),
        ]
        for _, r in data.precision.iterrows()
    ]
    header = [
        "output",
        "mean",
        "standard error of the mean",
        "as a share of the mean",
        "p50 (95% interval)",
        "p95 (95% interval)",
    ]
    return (
        "### Monte Carlo precision\n\n"
        f"How much the figures above would move with another seed ({data.result.n_trials:,} "
        "trials): the standard error of each mean, and distribution-free 95% intervals for the "
        "median and the 95th percentile from order statistics. This is the simulation's own "
        "noise, not the uncertainty of the assumptions, which the percentiles already show. "
        "Also in `precision.csv`.\n\n" + table(header, rows, "lrrrrr") + _tail_note(data)
    )


def _tail_note(data: ReportData) -> str:
    """One line naming the outputs whose tail is too heavy for their standard error."""
    heavy = data.precision.loc[~data.precision["se_mean_reliable"].astype(bool), "metric"]
    if heavy.empty:
        return ""
    names = ", ".join(f"`{m}`" for m in heavy)
    return (
        f"\n\nThe standard error of the mean is unreliable for {names}: the tail of the "
        "simulated values is too heavy (Hill tail index below 2 over the top 0.1% of trials), "
        "so a few extreme trials can move the mean by more than it says; prefer the percentiles."
    )


def _breakdown(data: ReportData) -> str:
    rows = [
        [
            PART_LABELS[str(r["part"])],
            format_usd(float(r["mean"])),
            f"{float(r['share_of_mean_total']):.1%}",
            *(format_usd(float(r[c])) for c in ("p05", "p50", "p95")),
        ]
        for _, r in data.breakdown.iterrows()
    ]
    total = [
        "**Total**",
        f"**{format_usd(_stat(data, TOTAL, 'mean'))}**",
        "**100%**",
        *(format_usd(_stat(data, TOTAL, c)) for c in ("p05", "p50", "p95")),
    ]
    header = ["part", "mean", "share of mean total", "p05", "p50", "p95"]
    return (
        "## Where the loss comes from\n\n"
        "The total is the sum of its parts in every trial, so their means add up to the mean "
        "total; their percentiles do not add up (a bad outage is rarely at its worst in every "
        "part at once). Also in `breakdown.csv`.\n\n"
        + table(header, [*rows, total], "lrrrrr")
        + "\n\n![The total loss by part: mean, median and 90% interval](loss_breakdown.png)\n\n"
        "After restoration activity comes back gradually. The chart shows a(u), activity "
        "relative to normal u days after restoration; the area between the curve and 100%, "
        "times the revenue per hour, is the attrition, engagement and latency loss.\n\n"
        "![Activity after restoration: median and 90% band](activity_path.png)"
    )


def _attrition(data: ReportData) -> str:
    scenario = data.result.scenario
    counted = {"users": not scenario.is_zero("users.count")}
    counted["creators"] = not scenario.is_zero("creators.count")
    rows = [
        [
            METRIC_LABELS[str(r["metric"])],
            output(str(r["metric"])).meaning,  # the registry's one-line meaning
            *(format_people(float(r[c])) for c in ("mean", "p05", "p50", "p95")),
        ]
        for _, r in data.attrition.iterrows()
        if counted[output(str(r["metric"])).group]  # not "0 creators" where none are counted
    ]
    if not rows:
        return ""
    title = " and ".join(who for who, yes in counted.items() if yes).capitalize()
    return f"## {title} who left\n\n" + table(
        ["", "meaning", "mean", "p05", "p50", "p95"], rows, "llrrrr"
    )


def _tiers(data: ReportData) -> str:
    tiers = data.tiers
    if tiers.empty:  # no creators in the scenario: no tier table
        return ""
    rows = [
        [
            str(r["tier"]),
            format_people(float(r["creators"])),
            f"{float(r['creator_share']):.1%}",
            f"{float(r['earnings_share']):.0%}",
            format_usd(float(r["loss_p50_usd"])),
            format_usd(float(r["loss_p95_usd"])),
            format_usd(float(r["loss_per_creator_p50_usd"])),
            format_usd(float(r["loss_per_creator_p95_usd"])),
        ]
        for _, r in tiers.iterrows()
    ]
    header = [
        "tier",
        "creators",
        "share of creators",
        "share of earnings",
        "tier loss p50",
        "tier loss p95",
        "loss per creator p50",
        "loss per creator p95",
    ]
    sources = "\n".join(
        f"- {cell(r['tier'])}: {cell(r['source'])}" for _, r in tiers.iterrows() if r["source"]
    )
    total = format_usd(_stat(data, "creator_earnings_loss_usd", "p50"))
    return (
        "## Creator tiers\n\n"
        f"Creators' earnings lost ({total} in the median outage) split over tiers by each tier's "
        "share of earnings; creators in a tier are its share of the mean creator count. Also in "
        "`tiers.csv`.\n\n"
        + table(header, rows, "lrrrrrrr")
        + "\n\n![Creator earnings lost by tier](creator_tiers.png)"
        + (f"\n\nWhere the tier shares come from:\n\n{sources}" if sources else "")
    )


def _assumptions(data: ReportData) -> str:
    rows = [
        [f"`{r['key']}`", str(r["description"]), str(r["unit"]), f"`{r['spec']}`", r["source"]]
        for _, r in data.assumptions.iterrows()
    ]
    correlations = data.result.scenario.correlations
    extra = ""
    if correlations:
        pairs = table(
            ["keys", "rank correlation"],
            [[f"`{a}` ~ `{b}`", f"{r:g}"] for (a, b), r in correlations.items()],
            "lr",
        )
        extra = "\n\nRank correlations between inputs:\n\n" + pairs
    return (
        "## Assumptions\n\n"
        "Every input of the model, as the scenario file (or the command line) gave it, with the "
        "note beside it in the file: its source, or a plain statement that it is an assumption. "
        "Specs are distributions drawn from in every trial (`pert(low, mode, high)`, "
        "`lognormal(p5=..., p95=...)`, ...); a single number is fixed. Also in "
        "`assumptions.csv`.\n\n"
        + table(["key", "what it is", "unit", "spec", "source"], rows, "lllll")
        + f"\n\n{SOURCE_TAGS}{extra}"
    )


def _method(data: ReportData, docs: str | None) -> str:
    method = METHOD_NAMES.get(data.result.method, data.result.method)
    link = f"[docs/model.md]({docs})" if docs else "`docs/model.md` in the impact repository"
    return (
        "## Method\n\n"
        f"Each of the {data.result.n_trials:,} trials draws every input from its distribution "
        f"in the assumptions table, by {method}, and computes the outputs in closed form. The "
        "direct loss is the revenue per hour times the outage's hours times its severity, less "
        "the deferred demand that came back after restoration; make-goods are the credits and "
        "refunds owed for the interruption; the other three parts integrate the after-effects "
        "over the horizon after restoration: users away (attrition), an engagement gap that "
        "builds up during the outage and halves afterwards, the longer the outage the slower "
        "(engagement), and recommendations that recover linearly over a ramp that also grows "
        "with the outage (latency). Percentiles come from a streaming sketch accurate to "
        "0.024%. The equations, "
        f"their derivation and every refinement: {link}."
    )


def _reproduce(data: ReportData, provenance: Provenance) -> str:
    result = data.result
    facts = [
        ["seed", str(result.seed)],
        ["trials", f"{result.n_trials:,}"],
        ["sampling method", f"`{result.method}`: {METHOD_NAMES.get(result.method, '')}"],
        ["impact version", provenance.package_version],
        ["scenario", f"`{result.scenario.name}`"],
        ["scenario digest (SHA-256 of the resolved inputs)", f"`{result.scenario.digest()}`"],
        ["Python, NumPy", f"{provenance.python_version}, {provenance.numpy_version}"],
    ]
    # No date and no run time: rerunning the command above must give a byte-identical report,
    # so the committed example in reports/ stays clean (the terminal prints the run time).
    return (
        "## How to reproduce\n\n"
        "This command regenerates this folder; the same seed, trials, inputs and version give "
        "the same numbers, whatever the number of workers:\n\n"
        f"```sh\n{provenance.command}\n```\n\n" + table(["", ""], facts)
    )


FILES = {
    "report.html": "this report as one page that opens in any browser, offline, with charts "
    "that show their values on hover",
    "summary.csv": "one row per output: metric, unit, mean, std, p05, p50, p95, p99, cvar95, "
    "se_mean",
    "precision.csv": "Monte Carlo precision: se of the mean, 95% intervals for p50 and p95",
    "breakdown.csv": "the parts of the total loss, with shares of the mean total",
    "tiers.csv": "creator tiers: creators, shares, tier loss and loss per creator",
    "evidence_inputs.csv": "what the evidence changed: each uncertain input's p05, p50 and p95 "
    "before and after conditioning",
    "assumptions.csv": "every input: key, description, unit, spec, source",
    "observables.csv": "implied observables (mean, p05, p50, p95) and any [expect] band "
    "with its kind of check",
    "samples.csv": "every trial's uncertain inputs and outputs",
    "samples.parquet": "every trial's uncertain inputs and outputs (Parquet)",
    "loss_by_onset.csv": "loss by onset hour of the week: profile weight, onsets drawn, median, "
    "90% band and mean",
}


def _files(names: Iterable[str]) -> str:
    names = list(names)
    lines = [f"- `{n}`: {FILES[n]}" for n in names if n in FILES]
    charts = [f"`{n}`" for n in names if n.endswith(".png")]
    if charts:
        lines.append(f"- the charts above: {', '.join(charts)}")
    return "## Files in this folder\n\n" + "\n".join(lines)


def render_report(
    data: ReportData, provenance: Provenance, *, files: Sequence[str], docs: str | None
) -> str:
    """The whole of report.md. `files` are the names written beside it; `docs` links the model."""
    scenario = data.result.scenario
    sections = [
        f"# What the outage cost: {scenario.label}",
        _headline(data),
        scenario.description,
        _lead(data),
        "![Distribution of the total loss with its median and 90% interval]"
        "(total_loss_distribution.png)",
        _results(data),
        evidence_section(data.evidence),
        _precision(data),
        _breakdown(data),
        onset_section(data.onset, scenario.profile, scenario.specs[ONSET]),
        drivers_section(data.drivers),
        correlations_section(data.result.correlations),
        _attrition(data),
        observables_section(data.result),
        _tiers(data),
        _assumptions(data),
        _method(data, docs),
        _reproduce(data, provenance),
        _files(files),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"
