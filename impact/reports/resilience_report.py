"""The resilience report folder: the CFO sentence first, then NPV, payback, break-even, tornado."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from impact.analysis.resilience import LOW_HIGH, ResilienceReportData
from impact.reports.files import Writer, write_files
from impact.reports.format import format_usd
from impact.reports.headline import evidence_not_applied
from impact.reports.markdown import table
from impact.reports.provenance import Provenance
from impact.reports.risk_charts import bar_chart, cdf_chart, tornado_chart
from impact.reports.tables import write_csv

__all__ = ["cfo_sentence", "render_resilience", "write_resilience_report"]


def cfo_sentence(data: ResilienceReportData) -> str:
    """'A second region pays for itself in 3 out of 10 futures; break-even at $X a year …'."""
    r = data.result
    tenths = round(10 * r.p_npv_positive)
    share = f"{tenths} out of 10" if 0 < r.p_npv_positive < 1 or tenths in (0, 10) else ""
    if 0 < r.p_npv_positive < 0.05 or 0.95 < r.p_npv_positive < 1:
        share = f"{r.p_npv_positive:.1%} of"
    return (
        f"{r.candidate.label} pays for itself in {share} futures over {r.horizon} years "
        f"(P(NPV > 0) = {r.p_npv_positive:.1%}); it breaks even at "
        f"{format_usd(r.break_even_per_year)} a year all-in, against the "
        f"{format_usd(r.cost_per_year)} a year it is assumed to cost over {r.current.label}."
    )


def _summary(data: ResilienceReportData) -> str:
    names = {
        "annual_loss_current_usd": "annual loss, current design",
        "annual_loss_candidate_usd": "annual loss, candidate",
        "annual_loss_avoided_usd": "annual loss avoided (current − candidate)",
        "npv_usd": f"NPV of the candidate over {data.result.horizon} years",
    }
    rows = [
        [
            names[str(q)],
            *(format_usd(float(row[c])) for c in ("mean", "se_mean", "p05", "p50", "p95")),
        ]
        for q, row in data.summary.iterrows()
    ]
    r = data.result
    return (
        "## The numbers\n\n"
        + table(["", "mean", "standard error", "p05", "p50", "p95"], rows, "lrrrrr")
        + f"\n\n- P(NPV > 0): **{r.p_npv_positive:.1%}** of {r.n_futures:,} futures.\n"
        f"- Break-even, all-in (one-off spread over the horizon plus running cost): "
        f"**{format_usd(r.break_even_per_year)} a year**; assumed: "
        f"{format_usd(r.cost_per_year)} a year.\n"
        f"- Break-even running cost, given the one-off: "
        f"{format_usd(r.break_even_running_per_year)} a year "
        f"(negative: it would not pay even if it ran for free).\n\n"
        "![NPV of the candidate](npv.png)"
    )


def _payback(data: ResilienceReportData) -> str:
    rows = [
        [
            "not within the horizon" if int(row["year"]) == 0 else f"year {int(row['year'])}",
            f"{float(row['share']):.1%}",
        ]
        for _, row in data.payback.iterrows()
    ]
    return (
        "## Payback year\n\nThe first year in which the discounted running sum of losses avoided "
        "minus extra costs reaches 0.\n\n"
        + table(["payback", "share of futures"], rows, "lr")
        + "\n\n![Payback year](payback.png)"
    )


def _tornado(data: ResilienceReportData) -> str:
    rows = [
        [
            f"`{row['key']}`",
            format_usd(float(row["low_value"])),
            format_usd(float(row["high_value"])),
            format_usd(float(row["swing"])),
        ]
        for _, row in data.tornado.iterrows()
    ]
    lo, hi = (round(q * 100) for q in LOW_HIGH)
    return (
        "## What the decision hinges on\n\n"
        f"Expected NPV with each uncertain input pinned at its p{lo}, then its p{hi}, in both "
        "designs (each at its own spec's percentile), run on the same random numbers as a base "
        "run, widest swing first. Also in `tornado.csv`.\n\n"
        + table(["input", f"NPV at p{lo}", f"NPV at p{hi}", "swing"], rows, "lrrr")
        + "\n\n![Tornado](tornado.png)"
    )


def _designs(data: ResilienceReportData) -> str:
    rows = [
        [
            f"`{row['key']}`",
            f"`{row['current']}`",
            f"`{row['candidate']}`",
            str(row["source_candidate"]),
        ]
        for _, row in data.costs.iterrows()
    ]
    r = data.result
    return (
        "## The two designs\n\n"
        f"- current: **{r.current.label}**: {r.current.description}\n"
        f"- candidate: **{r.candidate.label}**: {r.candidate.description}\n\n"
        + table(["key", "current", "candidate", "source (candidate)"], rows, "llll")
        + "\n\nThe loss is the platform's total revenue loss per outage (direct, attrition, "
        "engagement, latency). NPV = −ΔK0 + Σ_t (avoided_t − Δk)/(1 + r)^t over the candidate's "
        "years; see `docs/model.md`, *Resilience*."
    )


def render_resilience(data: ResilienceReportData, provenance: Provenance) -> str:
    r = data.result
    return (
        "\n\n".join(
            [
                f"# Is it worth it? {r.candidate.label} vs {r.current.label}",
                f"> **{cfo_sentence(data)}**",
                _summary(data),
                _payback(data),
                _tornado(data),
                _designs(data),
                *filter(None, [evidence_not_applied([r.current, r.candidate])]),
                "## How to reproduce\n\n"
                f"```sh\n{provenance.command}\n```\n\nseed {r.seed}, {r.n_futures:,} futures of "
                f"{r.horizon} years on common random numbers; impact "
                f"{provenance.package_version}, {provenance.created_utc}, "
                f"{r.elapsed_seconds:.1f} s.",
                "## Files in this folder\n\n- `summary.csv`, `payback.csv`, `tornado.csv`, "
                "`designs.csv`, `npv_quantiles.csv`\n- charts: `npv.png`, `payback.png`, "
                "`tornado.png`",
            ]
        )
        + "\n"
    )


def _npv_png(data: ResilienceReportData, path: Path) -> None:
    cdf_chart(
        data.npv_quantiles,
        path,
        title="NPV of the candidate across futures",
        xlabel="net present value (US dollars; above 0 it pays for itself)",
        footnote=f"{data.result.n_futures:,} futures of {data.result.horizon} years.",
    )


def _payback_png(data: ResilienceReportData, path: Path) -> None:
    frame = data.payback
    bar_chart(
        ["never" if y == 0 else str(y) for y in frame["year"]],
        list(frame["share"]),
        path,
        title="Payback year",
        xlabel="year in which the investment has paid back",
        ylabel="share of futures",
        footnote="never: not within the horizon.",
    )


def _tornado_png(data: ResilienceReportData, path: Path) -> None:
    tornado_chart(
        data.tornado,
        path,
        title="What the NPV hinges on",
        footnote="Each input at its p10 and p90 in both designs; same random numbers as the base.",
    )


def _markdown(data: ResilienceReportData, provenance: Provenance, path: Path) -> None:
    path.write_text(render_resilience(data, provenance), encoding="utf-8")


def write_resilience_report(
    data: ResilienceReportData, provenance: Provenance, out_dir: Path
) -> list[Path]:
    """Write the resilience folder atomically."""
    writers: dict[str, Writer] = {
        "summary.csv": partial(write_csv, data.summary.reset_index()),
        "payback.csv": partial(write_csv, data.payback),
        "tornado.csv": partial(write_csv, data.tornado),
        "designs.csv": partial(write_csv, data.costs),
        "npv_quantiles.csv": partial(write_csv, data.npv_quantiles),
        "npv.png": partial(_npv_png, data),
        "payback.png": partial(_payback_png, data),
        "tornado.png": partial(_tornado_png, data),
        "report.md": partial(_markdown, data, provenance),
    }
    return write_files(out_dir, writers)
