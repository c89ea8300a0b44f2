"""The annual-risk report folder: report.md, CSVs and charts, written atomically.

Every number comes from `impact.analysis.annual_tables`; this module only formats and draws.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from impact.analysis.annual_tables import AnnualReportData, annual_report_data
from impact.model.outputs import TOTAL
from impact.reports.files import Writer, write_files
from impact.reports.format import format_people, format_usd, format_value
from impact.reports.headline import evidence_not_applied
from impact.reports.markdown import table
from impact.reports.provenance import Provenance
from impact.reports.risk_charts import bar_chart, exceedance_chart
from impact.reports.tables import stat, write_csv
from impact.simulation.annual import ANNUAL_STATISTICS, AnnualResult

__all__ = ["how_often", "render_annual", "write_annual_report"]

LABELS = {
    "outages": "Outages in the year",
    "total_revenue_loss_usd": "Total revenue loss",
    "direct_revenue_loss_usd": "Direct revenue loss",
    "creator_earnings_loss_usd": "Creator earnings lost",
    "users_lost": "Users lost for good",
    "users_churned": "Users who left",
    "users_to_rivals": "Users gone to rival apps",
    "creators_lost": "Creators lost for good",
}


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
    mean = format_usd(_s(data, TOTAL, "mean"))
    p99 = format_usd(_s(data, TOTAL, "p99"))
    cvar99 = format_usd(_s(data, TOTAL, "cvar99"))
    return (
        f"> **{r.scenario.label}: outages like this cost an expected {mean} a year. "
        f"{r.p_any_outage:.1%} of years have at least one; 1 year in 100 loses more than {p99} "
        f"(the worst 1% average {cvar99}).**\n>\n"
        f"> {r.n_years:,} simulated years; outages per year drawn from `{r.frequency_spec}`."
    )


def _results(data: AnnualReportData) -> str:
    rows = []
    for metric in ("total_revenue_loss_usd", "direct_revenue_loss_usd", "creator_earnings_loss_usd",
                   "outages"):  # fmt: skip
        row = data.summary.loc[metric]
        unit = str(row["unit"])
        values = {c: stat(data.summary, metric, c) for c in ANNUAL_STATISTICS}
        rows.append(
            [LABELS[metric]]
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
        "the mean loss of those worst 5% of years (likewise at 99%). Years without an outage "
        "count as 0, so with rare outages the median year loses nothing. Every figure for every "
        "output is in `summary.csv` at full precision.\n\n"
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


def _people(data: AnnualReportData) -> str:
    rows = [
        [LABELS[str(m)], *(format_people(float(r[c])) for c in ("mean", "p50", "p90", "p99"))]
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
        "The rate of outages per year, then the inputs each outage draws afresh. Also in "
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
                _risk(data),
                _people(data),
                _assumptions(data),
                _method(data, provenance),
                "## Files in this folder\n\n- `summary.csv`: every annual metric: "
                + ", ".join(ANNUAL_STATISTICS)
                + "\n- `risk.csv`, `exceedance.csv`, `outages.csv`, `assumptions.csv`\n"
                "- charts: `annual_exceedance.png`, `outages_per_year.png`",
            ]
        )
        + "\n"
    )


def _exceedance_png(data: AnnualReportData, path: Path) -> None:
    r = data.result
    floor = 10 / r.n_years
    marks = [
        (_s(data, TOTAL, c), p, f"1 year in {round(1 / p)}: > {format_usd(_s(data, TOTAL, c))}")
        for c, p in (("p90", 0.10), ("p95", 0.05), ("p99", 0.01))
    ]
    exceedance_chart(
        data.exceedance,
        path,
        title="Annual loss exceedance: how likely is a year worse than x?",
        xlabel="total revenue loss in a year, x (US dollars, log scale)",
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
        "report.md": partial(_write_markdown, data, provenance),
    }
    return data, write_files(out_dir, writers)
