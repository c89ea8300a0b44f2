"""The resilience report folder: the CFO sentence, the designs ranked, what each changes and
costs, payback, and what the decision hinges on. Every number comes from
`impact.analysis.resilience`; this module only formats and draws."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import pandas as pd

from impact.analysis.resilience import LOW_HIGH, ResilienceReportData
from impact.reports.files import Writer, write_files
from impact.reports.format import format_usd
from impact.reports.headline import evidence_not_applied
from impact.reports.md import table
from impact.reports.provenance import Provenance
from impact.reports.risk_charts import cdf_chart, tornado_chart
from impact.reports.tables import write_csv

__all__ = ["cfo_sentence", "render_resilience", "write_resilience_report"]


def _share(p: float) -> str:
    """'3 out of 10' futures, a percentage where tenths would round to 0 or 10, or none/all.

    >>> [_share(p) for p in (0.0, 0.003, 0.05, 0.3, 0.96, 1.0)]
    ['none of the', '0.3% of', '5.0% of', '3 out of 10', '96.0% of', 'all of the']
    """
    if p <= 0:
        return "none of the"
    if p >= 1:
        return "all of the"
    if p < 0.15 or p > 0.85:
        return f"{p:.1%} of"
    return f"{round(10 * p)} out of 10"


def _payback(years: float, horizon: int) -> str:
    return f"{years:.0f} years" if math.isfinite(years) else f"not within {horizon} years"


def _builds(data: ResilienceReportData, design: str) -> bool:
    """Whether a design has a one-off cost in any future: a cover or a contract paid by the year
    has none, so a break-even one-off (its NPV) would read as a price nobody pays."""
    pair = next(p for p in data.result.pairs if p.candidate.name == design)
    return pair.k0_sum != 0


def cfo_sentence(data: ResilienceReportData) -> str:
    """The sentence to quote: which design is worth most, how sure, and at what cost it breaks
    even; titled with the base platform, whose figures every design is applied over."""
    r = data.result
    ranked = data.ranking[~data.ranking["current"]]
    best = ranked.iloc[0]
    npv = float(best["expected_npv_usd"])
    one_off = float(best["break_even_one_off_usd"])
    if not _builds(data, str(best["design"])):  # a cover or a contract: paid by the year
        breaks = (
            f"it breaks even at {format_usd(float(best['break_even_per_year_usd']))} a year, "
            f"against {format_usd(float(best['cost_per_year_usd']))} a year assumed"
        )
    elif one_off > 0:
        breaks = f"it breaks even at a one-off cost of {format_usd(one_off)}"
    else:
        breaks = "it would not break even even if it cost nothing to build"
    against = f"against staying with {r.current.label}"
    if npv > 0:
        which, verb = (
            ("", f"is worth it {against}")
            if len(ranked) == 1
            else (f"of {len(ranked)} designs {against}, ", "is worth most")
        )
        return (
            f"{r.base.label}: {which}{best['title']} {verb} "
            f"over {r.horizon} years, an expected NPV of {format_usd(npv)}; it pays for itself "
            f"in {_share(float(best['p_npv_positive']))} futures (P(NPV > 0) = "
            f"{float(best['p_npv_positive']):.1%}) and is the best choice in "
            f"{float(best['p_best']):.0%} of them; {breaks}."
        )
    if len(ranked) == 1:
        return (
            f"{r.base.label}: {best['title']} does not pay for itself on average over "
            f"{r.horizon} years {against}: an expected NPV of {format_usd(npv)}; it pays for "
            f"itself in {_share(float(best['p_npv_positive']))} futures (P(NPV > 0) = "
            f"{float(best['p_npv_positive']):.1%}); {breaks}."
        )
    return (
        f"{r.base.label}: none of {len(ranked)} designs pays for itself on average over "
        f"{r.horizon} years {against}; the closest, {best['title']}, has an expected NPV of "
        f"{format_usd(npv)} and pays for itself in {_share(float(best['p_npv_positive']))} "
        f"futures (P(NPV > 0) = {float(best['p_npv_positive']):.1%}); {breaks}."
    )


def _ranking(data: ResilienceReportData) -> str:
    r = data.result
    rows = []
    for i, row in enumerate(data.ranking.to_dict("records"), start=1):
        x = {k: float(v) for k, v in row.items() if k not in ("design", "title", "current")}
        if row["current"]:
            rows.append([str(i), f"{row['title']} (current)", "$0", "–", f"{x['p_best']:.0%}",
                         "–", "–", "–", format_usd(x["annual_loss_usd"])])  # fmt: skip
            continue
        rows.append(
            [
                str(i),
                str(row["title"]),
                f"{format_usd(x['expected_npv_usd'])} ± {format_usd(x['se_npv_usd'])}",
                f"{x['p_npv_positive']:.1%}",
                f"{x['p_best']:.0%}",
                _payback(x["payback_years"], r.horizon),
                format_usd(x["break_even_one_off_usd"])
                if _builds(data, str(row["design"]))
                else "– (nothing to build)",
                f"{format_usd(x['break_even_per_year_usd'])} vs "
                f"{format_usd(x['cost_per_year_usd'])}",
                format_usd(x["annual_loss_usd"]),
            ]
        )
    header = ["rank", "design", "expected NPV ± se", "P(NPV > 0)", "P(best)", "payback (median)",
              "break-even one-off", "break-even a year vs assumed", "annual loss"]  # fmt: skip
    return (
        "## The designs, ranked\n\n"
        + table(header, rows, "llrrrrrrr")
        + f"\n\nOver {r.n_futures:,} futures of {r.horizon} years, every design on the same "
        "simulated years (common random numbers). The NPV is against staying with the current "
        "design: −ΔK0 + Σ_t (loss avoided_t − extra cost_t)/(1 + r)^t, where the loss is the "
        "annual loss (revenue and the later value of lost users and creators) less a cover's "
        "recovery, and a cover's premium is a running cost. P(best) is the share of futures in "
        "which the design has the highest NPV of all (the current design's is 0). The payback is "
        "the year by which half the futures have paid back. The break-even one-off is the one-off "
        "cost at which the expected NPV is 0 (the other costs as assumed; none for a design with "
        "nothing to build, such as a cover); the break-even a year "
        "is the all-in cost a year (one-off spread as an annuity, plus running) at which it is 0, "
        "beside the all-in cost assumed. Also in `ranking.csv`.\n\n![NPV of each design](npv.png)"
    )


def _designs(data: ResilienceReportData) -> str:
    r = data.result
    parts = ["## What each design changes and costs"]
    parts.append(
        f"Every design is applied over **{r.base.label}** (`{r.base.name}`): its outages, "
        "revenue, users and rate of outages are the base scenario's; a design states only what "
        "it changes (`[change]`: the rate of outages, the share of outages a failover contains, "
        "how long a contained outage lasts and at what severity), what it costs (`[cost]`) and "
        "any insurance (`[cover]`). Costs are what the design adds to the platform as it runs."
    )
    for design in (r.current, *r.candidates):
        frame = data.designs[data.designs["design"] == design.name]
        rows = [[f"`{x.key}`", f"`{x.spec}`", str(x.source)] for x in frame.itertuples()]
        text = f"### {design.label}\n\n{design.description}".rstrip()
        if rows:
            text += "\n\n" + table(["key", "spec", "source"], rows, "lll")
        parts.append(text)
    parts.append("Also in `designs.csv`; formulas in `docs/model.md` §16.")
    return "\n\n".join(parts)


def _payback_table(data: ResilienceReportData) -> str:
    names = {d.name: d.label for d in data.result.candidates}
    columns = [c for c in data.payback.columns if c != "year"]
    rows = [
        [f"year {int(row['year'])}", *(f"{float(row[c]):.1%}" for c in columns)]
        for _, row in data.payback.iterrows()
    ]
    return (
        "## Payback\n\nThe share of futures that have paid back by each year: the discounted "
        "running sum of losses avoided minus extra costs has reached 0. Also in `payback.csv`.\n\n"
        + table(["by", *(names[c] for c in columns)], rows, "l" + "r" * len(columns))
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
        f"The expected NPV of {data.leader.label} (the highest) with each uncertain input pinned "
        f"at its p{lo}, then its p{hi}, in both designs (each at its own spec's percentile; the "
        "rate of outages at the record-updated one's), run on the same random numbers as a base "
        "run, widest swing first. Also in `tornado.csv`.\n\n"
        + table(["input", f"NPV at p{lo}", f"NPV at p{hi}", "swing"], rows, "lrrr")
        + "\n\n![Tornado](tornado.png)"
    )


def _numbers(data: ResilienceReportData) -> str:
    names = {
        "annual_loss_current_usd": "annual loss, current design",
        "annual_loss_candidate_usd": "annual loss, with the design",
        "annual_loss_avoided_usd": "annual loss avoided",
        "npv_usd": f"NPV over {data.result.horizon} years",
    }
    stats = ("mean", "se_mean", "p05", "p50", "p95")
    first = data.result.pairs[0].summary.to_dict("index")["annual_loss_current_usd"]
    rows = [[names["annual_loss_current_usd"], *(format_usd(float(first[c])) for c in stats)]]
    for p in data.result.pairs:
        for q, row in p.summary.drop(index="annual_loss_current_usd").iterrows():
            label = f"{p.candidate.label}: {names[str(q)]}"
            rows.append([label, *(format_usd(float(row[c])) for c in stats)])
    return (
        "## The numbers\n\n"
        + table(["", "mean", "standard error", "p05", "p50", "p95"], rows, "lrrrrr")
        + "\n\nAnnual losses include the later value of users and creators lost for good, "
        "counted over the decision's years at its discount rate, less a cover's recovery. Also "
        "in `summary.csv`."
    )


def render_resilience(data: ResilienceReportData, provenance: Provenance) -> str:
    """The whole of report.md for a resilience run."""
    r = data.result
    scenarios = [d.scenario for d in (r.current, *r.candidates)]
    return (
        "\n\n".join(
            [
                f"# Is it worth it? Resilience of {r.base.label}",
                f"> **{cfo_sentence(data)}**",
                _ranking(data),
                _designs(data),
                _payback_table(data),
                _tornado(data),
                _numbers(data),
                *filter(None, [evidence_not_applied(scenarios[:1])]),
                "## How to reproduce\n\n"
                f"```sh\n{provenance.command}\n```\n\nseed {r.seed}, {r.n_futures:,} futures of "
                f"{r.horizon} years on common random numbers; impact "
                f"{provenance.package_version}, {provenance.created_utc}, "
                f"{r.elapsed_seconds:.1f} s.",
                "## Files in this folder\n\n- `ranking.csv`, `summary.csv`, `payback.csv`, "
                "`tornado.csv`, `designs.csv`, `npv_quantiles.csv`\n- charts: `npv.png`, "
                "`tornado.png`",
            ]
        )
        + "\n"
    )


def _npv_png(data: ResilienceReportData, path: Path) -> None:
    series = [(d.name, d.label) for d in data.result.candidates]
    cdf_chart(
        data.npv_quantiles,
        path,
        title="NPV of each design against the current one, across futures",
        xlabel="net present value (US dollars; above 0 it pays for itself)",
        footnote=f"{data.result.base.label}; {data.result.n_futures:,} futures of "
        f"{data.result.horizon} years on common random numbers.",
        series=series,
    )


def _tornado_png(data: ResilienceReportData, path: Path) -> None:
    tornado_chart(
        data.tornado,
        path,
        title=f"What the NPV of {data.leader.label} hinges on",
        footnote="Each input at its p10 and p90 in both designs; same random numbers as the base.",
    )


def _summary(data: ResilienceReportData) -> pd.DataFrame:
    frames = [p.summary.reset_index().assign(design=p.candidate.name) for p in data.result.pairs]
    return pd.concat(frames, ignore_index=True)[
        ["design", "quantity", "mean", "se_mean", "p05", "p50", "p95"]
    ]


def _markdown(data: ResilienceReportData, provenance: Provenance, path: Path) -> None:
    path.write_text(render_resilience(data, provenance), encoding="utf-8")


def write_resilience_report(
    data: ResilienceReportData, provenance: Provenance, out_dir: Path
) -> list[Path]:
    """Write the resilience folder atomically."""
    writers: dict[str, Writer] = {
        "ranking.csv": partial(write_csv, data.ranking),
        "summary.csv": partial(write_csv, _summary(data)),
        "payback.csv": partial(write_csv, data.payback),
        "tornado.csv": partial(write_csv, data.tornado),
        "designs.csv": partial(write_csv, data.designs),
        "npv_quantiles.csv": partial(write_csv, data.npv_quantiles),
        "npv.png": partial(_npv_png, data),
        "tornado.png": partial(_tornado_png, data),
        "report.md": partial(_markdown, data, provenance),
    }
    return write_files(out_dir, writers)
