"""The annual-risk report folder: report.md, CSVs and charts, written atomically.

Every number comes from `impact.analysis.annual_tables`; this module only formats and draws.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from impact.analysis.annual_tables import AnnualReportData, annual_report_data, annual_rows
from impact.inputs.keys import FREQUENCY_KEY
from impact.outputs import output
from impact.reports.files import Writer, write_files
from impact.reports.format import format_people, format_usd, format_value
from impact.reports.headline import evidence_not_applied
from impact.reports.md import table
from impact.reports.provenance import KEPT_SCENARIO, Provenance
from impact.reports.risk_charts import bar_chart, exceedance_chart
from impact.reports.tables import stat, write_csv
from impact.simulation.annual import (
    ANNUAL_LOSS,
    ANNUAL_STATISTICS,
    LATER,
    OUTAGES,
    AnnualResult,
)
from impact.simulation.future import FUTURE_KEYS

__all__ = ["how_often", "render_annual", "write_annual_report"]


def how_often(p: float) -> str:
    """A probability as people say it of years: '1 year in 40', '7 years in 10', 'every year'.

    >>> how_often(0.025), how_often(0.4), how_often(0.97), how_often(1.0), how_often(0.0)
    ('1 year in 40', '4 years in 10', 'nearly every year', 'every year', 'none simulated')
    """
    if p <= 0:
        return "none simulated"
    if p >= 1:
        return "every year"
    if p < 0.35:  # "1 year in N" reads well while N is 3 or more
        return f"1 year in {1 / p:,.0f}"
    tenths = round(p * 10)
    return "nearly every year" if tenths >= 10 else f"{tenths} years in 10"


def _s(data: AnnualReportData, metric: str, column: str) -> float:
    return stat(data.summary, metric, column)


def headline(data: AnnualReportData) -> str:
    """The sentence to quote: expected annual loss, the chance of an outage, and the tail."""
    r = data.result
    mean = format_usd(_s(data, ANNUAL_LOSS, "mean"))
    p99 = format_usd(_s(data, ANNUAL_LOSS, "p99"))
    cvar99 = format_usd(_s(data, ANNUAL_LOSS, "cvar99"))
    sizes = (  # future outages are this one again, or drawn from their own [frequency] specs
        "outages of every size"
        if any(stand in r.scenario.specs for stand in FUTURE_KEYS.values())
        else "outages like this"
    )
    return (
        f"> **{r.scenario.label}: {sizes} cost an expected {mean} a year. "
        f"{r.p_any_outage:.1%} of years have at least one; 1 year in 100 loses more than {p99} "
        f"(the worst 1% average {cvar99}).**\n>\n"
        f"> {spectrum(data)}\n>\n"
        f"> {r.n_years:,} simulated years; outages per year drawn from `{r.frequency_spec}`"
        + (
            f" (`{r.scenario.specs.get(FREQUENCY_KEY, '')}` updated by the platform's record)."
            if r.rate is not None
            else "."
        )
    )


def spectrum(data: AnnualReportData) -> str:
    """'An outage, when one comes, costs $X on average …; outages over a day make N% …'."""
    per = data.per_outage.iloc[0]
    if not per["outages"]:
        return "No outage was simulated."
    share = {str(r["band"]): float(r["share"]) for _, r in data.bands.iterrows()}
    later = _s(data, LATER, "mean")
    text = (
        f"An outage, when one comes, costs {format_usd(float(per['mean']))} on average (median "
        f"{format_usd(float(per['p50']))}, 1 in 100 above {format_usd(float(per['p99']))}); "
        f"outages over a day make {share['over_24h']:.0%} of the expected annual loss, those of "
        f"1 to 24 hours {share['1_to_24h']:.0%} and those under an hour {share['under_1h']:.0%}."
    )
    if later > 0:
        text += (
            f" Of the {format_usd(_s(data, ANNUAL_LOSS, 'mean'))} a year, {format_usd(later)} is "
            "the later value of users and creators lost for good."
        )
    if data.cover is not None:
        c = {k: float(v) for k, v in data.cover.iloc[0].items()}
        text += (
            f" The cover recovers {format_usd(c['expected_recovery_usd'])} a year on average for "
            f"a premium of {format_usd(c['premium_usd'])} (loss ratio {c['loss_ratio']:.0%}); "
            f"the 1-in-100 year still costs {format_usd(c['var99_net_usd'])} net of it."
        )
    return text


def _results(data: AnnualReportData) -> str:
    rows = []
    for metric in (*annual_rows(data.result.with_cover), OUTAGES):
        row = data.summary.loc[metric]
        unit = str(row["unit"])
        values = {c: stat(data.summary, metric, c) for c in ANNUAL_STATISTICS}
        rows.append(
            [output(metric).label]
            + [
                format_value(values[c], unit, compact=True)
                if unit != "outages"
                else f"{values[c]:.3g}"
                for c in ("mean", "p50", "p90", "p95", "p99", "var95", "cvar95", "var99", "cvar99")
            ]
        )
    header = ["per year", "mean", "p50", "p90", "p95", "p99", "VaR95", "CVaR95", "VaR99", "CVaR99"]
    return (
        "## Annual loss\n\n"
        + table(header, rows, "lrrrrrrrrr")
        + "\n\nVaR95 is the annual loss exceeded in 1 year in 20 (the 95th percentile); CVaR95 is "
        "the mean loss of those worst 5% of years (likewise at 99%: TVaR). Years without an "
        "outage count as 0, so with rare outages the median year loses nothing. The annual loss "
        "is the total revenue loss of the year's outages plus the value, after the horizon, of "
        "the users and creators they lost for good (section *Value beyond the horizon*). Every "
        "figure for every output is in `summary.csv` at full precision.\n\n"
        "![Annual loss exceedance curve](annual_exceedance.png)"
    )


def _risk(data: AnnualReportData) -> str:
    rows = []
    for _, r in data.risk.iterrows():
        what = (
            "at least one outage in the year"
            if r["event"] == "at least one outage"
            else f"annual loss above {format_usd(float(r['threshold_usd']))}"
        )
        p, se = float(r["probability"]), float(r["se"])
        odds = how_often(p)
        rows.append([what, f"{p:.2%}", f"{se:.2%}", odds])
    return (
        "## How likely\n\n"
        + table(["event", "probability", "standard error", "about"], rows, "lrrr")
        + "\n\nCounted over the simulated years; the standard error is the binomial one, "
        "√(p(1 − p)/years). Unless `--threshold` (repeatable) gives them, the amounts are one "
        "outage's median, p90 and p99 total loss, rounded down to 1-2-5 steps. Also in "
        "`risk.csv`.\n\n![Outages per year](outages_per_year.png)"
    )


def _spectrum(data: AnnualReportData) -> str:
    per = data.per_outage.iloc[0]
    rows = [
        [
            str(r["label"]),
            f"{float(r['outages_per_year']):.3g}",
            format_usd(float(r["loss_usd"])),
            format_usd(float(r["se_usd"])),
            f"{float(r['share']):.1%}" if r["share"] == r["share"] else "–",
        ]
        for _, r in data.bands.iterrows()
    ]
    given = (
        "no outage was simulated"
        if not per["outages"]
        else (
            f"mean {format_usd(float(per['mean']))} (standard error "
            f"{format_usd(float(per['se_mean']))}), median {format_usd(float(per['p50']))}, "
            f"p90 {format_usd(float(per['p90']))}, p99 {format_usd(float(per['p99']))}, over "
            f"{int(per['outages']):,} simulated outages"
        )
    )
    hours = data.result.scenario.specs.get("frequency.hours")
    durations = f"`{hours}` hours" if hours else "the reference outage's: no [frequency] hours"
    return (
        "## Every size of outage\n\n"
        f"Each future outage draws its duration ({durations}) and severity afresh, so a "
        "year holds blips as well as multi-day outages. "
        f"P(any outage in a year) = **{data.result.p_any_outage:.1%}**. The loss given an outage "
        f"(its total revenue loss plus the later value of the people it lost): {given}.\n\n"
        + table(
            ["duration band", "outages a year", "expected loss a year", "standard error", "share"],
            rows,
            "lrrrr",
        )
        + "\n\nA short outage costs little beyond its direct loss R·S·D (model v3: the "
        "after-effects grow as D² when D is small). Also in `bands.csv`, `per_outage.csv`."
    )


def _rate(data: AnnualReportData) -> str:
    if data.rate is None:
        return ""
    r = data.result
    record = r.scenario.record
    assert record is not None and r.rate is not None
    rows = [
        [str(x["rate"]), f"`{x['spec']}`", f"{float(x['mean']):.3g}", f"{float(x['p50']):.3g}",
         f"{float(x['p05']):.3g}–{float(x['p95']):.3g}"]
        for _, x in data.rate.iterrows()
    ]  # fmt: skip
    return (
        "## The rate, learned from the platform's own record\n\n"
        f"The record: {record.describe()}. The survey prior on `{FREQUENCY_KEY}` is replaced by "
        "the gamma with its mean and variance (the expected loss is linear in the rate, and the "
        "spread of the yearly count is E[λ] + Var λ, so both are kept), then updated by the "
        f"gamma–Poisson conjugate rule over {r.rate.exposure_years:.3g} years of exposure (the "
        "record's years times the chance that an outage falls in the bands it counts). The "
        f"record's credibility is Z = {r.rate.credibility:.2f}: the updated mean is Z times the "
        "record's own rate plus (1 − Z) times the prior's.\n\n"
        + table(["rate (outages a year)", "spec", "mean", "median", "90% interval"], rows, "llrrr")
        + "\n\nAlso in `rate.csv`; formulas in `docs/model.md` §14."
    )


def _cover(data: AnnualReportData) -> str:
    if data.cover is None:
        return ""
    c = data.cover.iloc[0]
    rows = [
        ["expected recovery a year", format_usd(float(c["expected_recovery_usd"]))],
        ["premium a year (mean)", format_usd(float(c["premium_usd"]))],
        ["loss ratio (expected recovery / premium)", f"{float(c['loss_ratio']):.0%}"],
        ["premium at which the cover breaks even", format_usd(float(c["break_even_premium_usd"]))],
        ["VaR99 of the annual loss, without the cover", format_usd(float(c["var99_gross_usd"]))],
        ["VaR99 retained, net of the cover", format_usd(float(c["var99_net_usd"]))],
        ["TVaR99 retained, net of the cover", format_usd(float(c["tvar99_net_usd"]))],
    ]
    return (
        "## Insurance cover\n\n"
        + table(["", ""], rows, "lr")
        + "\n\nPer outage, nothing for an outage no longer than the waiting period; for a longer "
        "one, the direct loss after the waiting period (its share (D − W)/D) plus the "
        "after-effects inside the horizon, times the indemnified share, minus the retention, "
        "capped at the limit; per year, capped at the aggregate limit. Make-goods and the value "
        "beyond the horizon are not indemnified. Net = loss − recovery + premium. Also in "
        "`cover.csv`."
    )


def _later(data: AnnualReportData) -> str:
    later = _s(data, LATER, "mean")
    if later <= 0:
        return (
            "## Value beyond the horizon\n\nNot counted: the scenario gives no "
            "`[value] user_per_year_usd` or `creator_per_year_usd`, so users and creators lost "
            "for good count only until the end of the horizon."
        )
    return (
        "## Value beyond the horizon\n\n"
        f"Users and creators lost for good would have brought revenue after the horizon: "
        f"{format_usd(later)} a year on average. Each lost one counts its yearly value from the "
        "end of the horizon (the first months are already in the total) to `value.years` after "
        "the outage, discounted at `value.discount_rate` (docs/model.md §14)."
    )


def _people(data: AnnualReportData) -> str:
    rows = [
        [output(str(m)).label, *(format_people(float(r[c])) for c in ("mean", "p50", "p90", "p99"))]
        for m, r in data.per_year.iterrows()
    ]
    return "## Users and creators lost per year\n\n" + table(
        ["per year", "mean", "p50", "p90", "p99"], rows, "lrrrr"
    )


def _assumptions(data: AnnualReportData) -> str:
    rows = [
        [f"`{r['key']}`", str(r["spec"]), str(r["unit"]), str(r["source"])]
        for _, r in data.assumptions.iterrows()
    ]
    return (
        "## Assumptions\n\n"
        "The rate of outages per year (and the record that updated it), the value of a user or "
        "creator lost for good, a cover's terms if any, then the inputs each future outage "
        "draws afresh (its duration and severity from [frequency] where given). Also in "
        "`assumptions.csv`.\n\n" + table(["key", "spec", "unit", "source"], rows, "llll")
    )


def _method(data: AnnualReportData, provenance: Provenance) -> str:
    r = data.result
    return (
        "## Method and how to reproduce\n\n"
        "Each simulated year draws its rate λ from the frequency spec and its count of outages "
        "N ~ Poisson(λ) (a mixed Poisson count: uncertainty about λ widens the spread of N); each "
        "outage draws every input from the scenario and the year's figures are the sums over "
        "its outages. Years come in fixed blocks with their own random streams, and the k-th "
        "outage of a year its own, so the numbers do not depend on the number of workers. "
        "Percentiles come from a streaming sketch. Formulas: `docs/model.md`, *Annual risk*.\n\n"
        + (f"{note}\n\n" if (note := evidence_not_applied([r.scenario])) else "")
        + f"```sh\n{provenance.command}\n```\n\n"
        + table(
            ["", ""],
            [
                ["seed", str(r.seed)],
                ["simulated years", f"{r.n_years:,}"],
                ["sampling method", f"`{r.method}`"],
                ["scenario digest", f"`{r.scenario.digest()}`"],
                ["impact version", provenance.package_version],
                ["made", provenance.created_utc],
                ["run time", f"{r.elapsed_seconds:.1f} s"],
            ],
        )
    )


def render_annual(data: AnnualReportData, provenance: Provenance) -> str:
    """The whole of report.md for an annual run."""
    return (
        "\n\n".join(
            [
                f"# Annual outage risk: {data.result.scenario.label}",
                headline(data),
                _results(data),
                _spectrum(data),
                _risk(data),
                *filter(None, [_rate(data), _cover(data)]),
                _later(data),
                _people(data),
                _assumptions(data),
                _method(data, provenance),
                "## Files in this folder\n\n- `summary.csv`: every annual metric: "
                + ", ".join(ANNUAL_STATISTICS)
                + "\n- `risk.csv`, `exceedance.csv`, `outages.csv`, `assumptions.csv`, "
                "`bands.csv`, `per_outage.csv`"
                + (", `rate.csv`" if data.rate is not None else "")
                + (", `cover.csv`" if data.cover is not None else "")
                + "\n"
                "- charts: `annual_exceedance.png`, `outages_per_year.png`",
            ]
        )
        + "\n"
    )


def _exceedance_png(data: AnnualReportData, path: Path) -> None:
    r = data.result
    floor = 10 / r.n_years
    marks = [
        (
            _s(data, ANNUAL_LOSS, c),
            p,
            f"1 year in {round(1 / p)}: > {format_usd(_s(data, ANNUAL_LOSS, c))}",
        )
        for c, p in (("p90", 0.10), ("p95", 0.05), ("p99", 0.01))
    ]
    exceedance_chart(
        data.exceedance,
        path,
        title="Annual loss exceedance: how likely is a year worse than x?",
        xlabel="loss in a year, x (revenue and later value; US dollars, log scale)",
        footnote=f"{r.scenario.label}; {r.n_years:,} simulated years, outages per year "
        f"{r.frequency_spec}. The curve stops where fewer than 10 years lie beyond.",
        floor=floor,
        marks=marks,
    )


def _counts_png(data: AnnualReportData, path: Path) -> None:
    counts = data.counts
    bar_chart(
        [str(k) for k in counts["outages"]],
        list(counts["share"]),
        path,
        title="Outages per year",
        xlabel="outages in a year",
        ylabel="share of years",
        footnote=f"Mixed Poisson count, rate {data.result.frequency_spec} per year.",
    )


def _summary_csv(data: AnnualReportData, path: Path) -> None:
    frame = data.summary.reset_index()[["metric", "unit", *ANNUAL_STATISTICS]]
    write_csv(frame, path)


def _write_markdown(data: AnnualReportData, provenance: Provenance, path: Path) -> None:
    path.write_text(render_annual(data, provenance), encoding="utf-8")


def write_annual_report(
    result: AnnualResult, provenance: Provenance, out_dir: Path
) -> tuple[AnnualReportData, list[Path]]:
    """Compute the tables and write the annual report folder atomically."""
    data = annual_report_data(result)
    writers: dict[str, Writer] = {
        "summary.csv": partial(_summary_csv, data),
        "risk.csv": partial(write_csv, data.risk),
        "exceedance.csv": partial(write_csv, data.exceedance),
        "outages.csv": partial(write_csv, data.counts),
        "assumptions.csv": partial(write_csv, data.assumptions),
        "annual_exceedance.png": partial(_exceedance_png, data),
        "outages_per_year.png": partial(_counts_png, data),
        "bands.csv": partial(write_csv, data.bands),
        "per_outage.csv": partial(write_csv, data.per_outage),
        **provenance.saved_writers(),
        "report.md": partial(_write_markdown, data, provenance),
    }
    if data.rate is not None:
        writers["rate.csv"] = partial(write_csv, data.rate)
    if data.cover is not None:
        writers["cover.csv"] = partial(write_csv, data.cover)
    # Files only some runs write, and a scenario kept from stdin: one an earlier run left goes.
    remove = ("rate.csv", "cover.csv", KEPT_SCENARIO)
    return data, write_files(out_dir, writers, remove=remove)
