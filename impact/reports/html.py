"""report.html: one self-contained page of a simulation (inline CSS, JS and data; no network).

Nothing is computed here (STYLE.md point 9): the page shows the tables of `ReportData`, formatted
as report.md formats them, and the Vega-Lite specs of `impact.reports.vega`, drawn in the
browser by the vendored Vega, Vega-Lite and Vega-Embed builds in `impact/reports/static/`
(BSD-3-Clause, their LICENSE files beside them). The minified scripts are read once per process.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from impact.analysis.summaries import ReportData
from impact.reports.format import format_value
from impact.reports.headline import headline, readings_line
from impact.reports.labels import METRIC_LABELS, PART_LABELS
from impact.reports.provenance import Provenance
from impact.reports.simulate_report import METHOD_NAMES
from impact.reports.vega import EMBED_OPTIONS, breakdown_spec, distribution_spec, exceedance_spec

__all__ = ["VENDORED", "render_html", "script_tag", "vendored_js", "write_html"]

VENDORED = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;
background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.5rem;margin:.2em 0 .6em}h2{font-size:1.15rem;margin:1.8em 0 .5em;
border-bottom:1px solid #e3e6ea;padding-bottom:.2em}
.headline{font-size:1.2rem;font-weight:600;background:#eef4fb;border-left:4px solid #1f77b4;
padding:12px 16px;margin:0 0 .6em}
.muted{color:#5b6573;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.4em 0}
th,td{padding:4px 8px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}
/* A long source URL wraps inside its cell rather than widening the table past its scroller. */
td.wrap{overflow-wrap:anywhere;min-width:16em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f3f5f7;font-weight:600}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f5f7;padding:1px 4px}
.chart{margin:10px 0 18px;width:100%}
.vega-embed{width:100%;box-sizing:border-box}
.scroll{overflow-x:auto;max-width:100%}
pre{background:#f3f5f7;padding:10px;overflow-x:auto;font-size:12.5px;white-space:pre-wrap;
word-break:break-all}
@media (max-width:600px){body{font-size:14px}main{padding:14px 12px 40px}
.headline{font-size:1.05rem;padding:8px 10px}td,th{padding:3px 5px}}
"""


@cache
def vendored_js() -> str:
    """The three minified builds, concatenated once per process (their source-map comments are
    dropped: a map is never shipped, so nothing is looked up)."""
    static = files("impact.reports") / "static"
    parts = []
    for name in VENDORED:
        text = (static / name).read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines() if not ln.startswith("//# sourceMappingURL=")]
        parts.append("\n".join(lines))
    return "\n;\n".join(parts)


def script_tag() -> str:
    """The inline <script> with Vega, Vega-Lite and Vega-Embed."""
    return f"<script>\n{vendored_js()}\n</script>"


def _json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def _table(
    header: list[str], rows: list[list[str]], numeric: set[int], wrap: set[int] | None = None
) -> str:
    """A table in its scroller; `numeric` columns align right, `wrap` columns break anywhere
    (a long URL) so the table fits its scroller."""

    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="n"' if i in numeric else ' class="wrap"' if i in (wrap or set()) else ""
        return f"<{tag}{cls}>{escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div>"
    )


def results_table(summary: pd.DataFrame) -> str:
    """Every output: mean, p05, p50, p95, p99, cvar95 in people's units."""
    cols = ("mean", "p05", "p50", "p95", "p99", "cvar95")
    rows = [
        [METRIC_LABELS[str(m)], str(m)]
        + [format_value(float(r[c]), str(r["unit"]), compact=True) for c in cols]
        for m, r in summary.iterrows()
    ]
    return _table(["output", "column", *cols], rows, set(range(2, 8)))


def breakdown_table(breakdown: pd.DataFrame) -> str:
    """Each part of the total loss with its share of the mean total."""
    rows = [
        [
            PART_LABELS.get(str(r["part"]), str(r["part"])),
            format_value(float(r["mean"]), "USD", compact=True),
            format_value(float(r["p05"]), "USD", compact=True),
            format_value(float(r["p50"]), "USD", compact=True),
            format_value(float(r["p95"]), "USD", compact=True),
            f"{float(r['share_of_mean_total']):.0%}",
        ]
        for _, r in breakdown.iterrows()
    ]
    header = ["part", "mean", "5th pct", "median", "95th pct", "share of mean"]
    return _table(header, rows, {1, 2, 3, 4, 5})


def attrition_table(attrition: pd.DataFrame) -> str:
    """Users and creators lost: mean, median and 90% interval."""
    rows = [
        [METRIC_LABELS[str(r["metric"])]]
        + [
            format_value(float(r[c]), str(r["unit"]), compact=True)
            for c in ("mean", "p05", "p50", "p95")
        ]
        for _, r in attrition.iterrows()
    ]
    return _table(["who", "mean", "5th pct", "median", "95th pct"], rows, {1, 2, 3, 4})


def assumptions_table(assumptions: pd.DataFrame) -> str:
    """Every input key with its spec and its source note."""
    rows = [
        [str(r["key"]), str(r["spec"]), str(r["description"]), str(r["source"])]
        for _, r in assumptions.iterrows()
        if str(r["spec"])
    ]
    return _table(["key", "spec", "what it is", "source"], rows, set(), wrap={3})


def chart_specs(data: ReportData) -> dict[str, dict[str, Any]]:
    """The page's charts by element id."""
    n = data.result.n_trials
    return {
        "chart-distribution": distribution_spec(data.distribution, data.summary, n),
        "chart-exceedance": exceedance_spec(data.exceedance, data.summary, n),
        "chart-breakdown": breakdown_spec(data.breakdown),
    }


def embed_script(specs: dict[str, dict[str, Any]]) -> str:
    """The few lines that hand each spec to vega-embed (tooltips on, no editor link)."""
    return (
        "<script>\n"
        f"const SPECS={_json(specs)};const OPTS={_json(EMBED_OPTIONS)};\n"
        "for(const [id,spec] of Object.entries(SPECS)){vegaEmbed('#'+id,spec,OPTS);}\n"
        "</script>"
    )


def render_html(data: ReportData, provenance: Provenance) -> str:
    """The whole page as one string."""
    result = data.result
    scenario = result.scenario
    lines = [f'<p class="headline">{escape(headline(scenario.label, data.summary))}</p>']
    lines.append(
        f'<p class="muted">Medians of {result.n_trials:,} simulated outages; the 90% interval '
        "holds 90% of them. Hover a chart for its values.</p>"
    )
    if data.evidence is not None and not data.evidence.readings.empty:
        lines.append(f"<p>{escape(readings_line(data.evidence.readings))}</p>")
    method = METHOD_NAMES.get(result.method, result.method)
    body = f"""
<h1>{escape(scenario.label)}</h1>
{"".join(lines)}
<div class="chart" id="chart-distribution"></div>
<div class="chart" id="chart-exceedance"></div>
<h2>Where the loss comes from</h2>
<div class="chart" id="chart-breakdown"></div>
{breakdown_table(data.breakdown)}
<h2>Users and creators lost</h2>
{attrition_table(data.attrition)}
<h2>Results</h2>
{results_table(data.summary)}
<p class="muted">5th pct (p05), median (p50), 95th pct (p95), p99: the values that 5%, 50%,
95% and 99% of the simulated outages stay below, so 90% of them lie between the 5th and the 95th;
cvar95: the mean of the worst 5%. US dollars (k thousand, M million, B billion). Full precision
in summary.csv.</p>
<h2>Assumptions and their sources</h2>
{assumptions_table(data.assumptions)}
<h2>How it was made</h2>
<p>{result.n_trials:,} trials of {escape(method)}, seed {result.seed}; impact
{escape(provenance.package_version)}. To regenerate (the same command gives the same bytes):</p>
<pre>{escape(provenance.command)}</pre>
"""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(scenario.label)}: impact report</title><style>{CSS}</style>"
        f"</head><body><main>{body}</main>\n{script_tag()}\n{embed_script(chart_specs(data))}"
        "\n</body></html>\n"
    )


def write_html(data: ReportData, provenance: Provenance, path: Path) -> None:
    """Write report.html at `path`."""
    path.write_text(render_html(data, provenance), encoding="utf-8")
