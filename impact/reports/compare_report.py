"""The paired-comparison report folder: report.md, summary.csv, the difference chart."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

from impact.analysis.compare import CompareReportData, compare_report_data
from impact.outputs import TOTAL
from impact.reports.files import Writer, write_files
from impact.reports.format import format_value
from impact.reports.headline import evidence_not_applied
from impact.reports.md import table
from impact.reports.provenance import Provenance
from impact.reports.risk_charts import cdf_chart
from impact.reports.tables import stat, write_csv
from impact.simulation.paired import PairedResult

__all__ = ["compare_headline", "render_compare", "write_compare_report"]


def _v(value: float, unit: str) -> str:
    text = format_value(abs(value), unit, compact=True)
    return f"−{text}" if value < 0 else text


def reduction_text(value: float) -> str:
    if math.isinf(value):
        return "∞ (the difference is the same in every trial)"
    if math.isnan(value):
        return "n/a (neither varies)"
    return f"{value:,.1f}×"


def compare_headline(data: CompareReportData) -> str:
    """The quotable sentence: mean difference with its paired error, P(B < A), the CRN gain."""
    r = data.result
    s = data.summary
    unit = "USD"
    mean, se = stat(s, TOTAL, "mean_diff"), stat(s, TOTAL, "se_diff")
    below = stat(s, TOTAL, "p_b_below_a")
    vr = stat(s, TOTAL, "variance_reduction")
    what = "a year's" if r.mode == "year" else "an outage's"
    return (
        f"> **B ({r.b.label}) changes {what} total revenue loss by {_v(mean, unit)} on average "
        f"against A ({r.a.label}), with a paired standard error of {format_value(se, unit)}; "
        "B loses "
        f"less in {below:.1%} of {'years' if r.mode == 'year' else 'trials'}.**\n>\n"
        f"> Common random numbers cut the variance of the difference "
        f"{reduction_text(vr)} against independent runs of the same size (measured in this "
        f"run: (var A + var B) / var(B − A)); {r.n_trials:,} paired "
        f"{'years' if r.mode == 'year' else 'trials'}, seed {r.seed}."
    )


def _table(data: CompareReportData) -> str:
    rows = []
    for m, row in data.summary.iterrows():
        u = str(row["unit"])
        rows.append(
            [
                f"`{m}`",
                _v(float(row["mean_a"]), u),
                _v(float(row["mean_b"]), u),
                _v(float(row["mean_diff"]), u),
                format_value(float(row["se_diff"]), u, compact=True),
                *(_v(float(row[c]), u) for c in ("diff_p05", "diff_p50", "diff_p95")),
                f"{float(row['p_b_below_a']):.1%}",
                reduction_text(float(row["variance_reduction"])).split(" ")[0],
            ]
        )
    header = ["output", "mean A", "mean B", "mean B − A", "paired se", "p05", "p50", "p95",
              "P(B < A)", "variance reduction"]  # fmt: skip
    return (
        "## Every output, B − A\n\n"
        + table(header, rows, "lrrrrrrrrr")
        + "\n\np05, p50, p95 are percentiles of the paired difference B − A. The paired standard "
        "error is that of the mean difference; `se_diff_independent` in `summary.csv` is the one "
        "two independent runs of the same size would give. Variance reduction = (var A + var B) "
        "/ var(B − A), measured from this run: how many times more trials independent runs "
        "would need for the same precision.\n\n![Distribution of B − A](difference.png)"
    )


def _differing(data: CompareReportData) -> str:
    if data.differing.empty:
        return "## What differs\n\nNothing: A and B are the same scenario, so B − A is 0."
    rows = [[f"`{r['key']}`", f"`{r['spec_a']}`", f"`{r['spec_b']}`"]
            for _, r in data.differing.iterrows()]  # fmt: skip
    return (
        "## What differs\n\nEvery other key draws the same values in A and B, trial by trial.\n\n"
        + table(["key", "A", "B"], rows)
    )


def render_compare(data: CompareReportData, provenance: Provenance) -> str:
    r = data.result
    return (
        "\n\n".join(
            [
                f"# Paired comparison: {r.a.label} (A) vs {r.b.label} (B)",
                compare_headline(data),
                _differing(data),
                *filter(None, [evidence_not_applied([r.a, r.b])]),
                _table(data),
                "## How to reproduce\n\nBoth run on common random numbers: the same blocks, seeds "
                "and per-key streams (`docs/model.md`, *Paired comparison*).\n\n"
                f"```sh\n{provenance.command}\n```\n\nimpact {provenance.package_version}, "
                f"{provenance.created_utc}, {r.elapsed_seconds:.1f} s.",
                "## Files in this folder\n\n- `summary.csv`: every output's paired statistics\n"
                "- `differing_keys.csv`, `difference_quantiles.csv`, `difference.png`",
            ]
        )
        + "\n"
    )


def _chart(data: CompareReportData, path: Path) -> None:
    r = data.result
    cdf_chart(
        data.quantiles,
        path,
        title="B − A: total revenue loss, trial by trial",
        xlabel="B − A (US dollars; below 0, B loses less)",
        footnote=f"A: {r.a.label}; B: {r.b.label}; {r.n_trials:,} paired "
        f"{'years' if r.mode == 'year' else 'trials'} on common random numbers.",
    )


def _markdown(data: CompareReportData, provenance: Provenance, path: Path) -> None:
    path.write_text(render_compare(data, provenance), encoding="utf-8")


def write_compare_report(
    result: PairedResult, provenance: Provenance, out_dir: Path
) -> tuple[CompareReportData, list[Path]]:
    """Compute the tables and write the comparison folder atomically."""
    data = compare_report_data(result)
    writers: dict[str, Writer] = {
        "summary.csv": partial(write_csv, data.summary.reset_index()),
        "differing_keys.csv": partial(write_csv, data.differing),
        "difference_quantiles.csv": partial(write_csv, data.quantiles),
        "difference.png": partial(_chart, data),
        "report.md": partial(_markdown, data, provenance),
    }
    return data, write_files(out_dir, writers)
