"""The report section "What the evidence changed", and its chart of the inputs that moved most."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from impact.analysis.evidence import EvidenceTables
from impact.reports.format import format_people, format_usd, format_value
from impact.reports.md import table
from impact.reports.observables import format_observable

__all__ = ["EVIDENCE_CHART", "draw_evidence_chart", "evidence_section", "readings_section"]

EVIDENCE_CHART = "evidence_inputs.png"
MOST_MOVED = 8


def _headline_value(metric: str, value: float) -> str:
    """The headline's figures: dollars, or people (users and creators lost), whole."""
    return format_usd(value) if metric.endswith("_usd") else format_people(value)


def evidence_section(tables: EvidenceTables | None) -> str:
    """Markdown for a conditioned run; empty without evidence."""
    if tables is None:
        return ""
    parts = [
        "## What the evidence changed",
        f"Every trial was weighted by how well its implied values agree with the observations "
        f"below (importance sampling from the assumptions). Effective sample size "
        f"**{tables.ess:,.0f}** of {tables.trials:,} trials ({tables.ess / tables.trials:.1%}); "
        f"{tables.kept_share:.1%} of the trials have a positive weight. Every figure above is "
        "the conditioned one; the standard errors use the effective sample size.",
    ]
    if tables.warning:
        parts.append(f"> **Warning.** {tables.warning}")
    obs_rows = [
        [
            f"`{r['quantity']}`",
            r["spec"],
            " – ".join(
                format_observable(
                    float(r[f"prior_{q}"]),
                    "share" if "gap" in r["quantity"] or "share" in r["quantity"] else "",
                )
                for q in ("p05", "p95")
            ),
            " – ".join(
                format_observable(
                    float(r[f"posterior_{q}"]),
                    "share" if "gap" in r["quantity"] or "share" in r["quantity"] else "",
                )
                for q in ("p05", "p95")
            ),
            f"{float(r['own_ess']):,.0f}",
            r["source"],
        ]
        for _, r in tables.observations.iterrows()
    ]
    parts.append(
        "Observations (the 90% intervals of the implied quantity before and after; the "
        "effective sample size each would leave on its own):\n\n"
        + table(
            ["observed", "measurement", "before", "after", "ESS alone", "source"],
            obs_rows,
            "llrrrl",
        )
    )
    head_rows = [
        [
            r["metric"],
            *(
                _headline_value(str(r["metric"]), float(r[f"prior_{q}"]))
                for q in ("p05", "p50", "p95")
            ),
            *(
                _headline_value(str(r["metric"]), float(r[f"posterior_{q}"]))
                for q in ("p05", "p50", "p95")
            ),
        ]
        for _, r in tables.headline.iterrows()
    ]
    parts.append(
        "The headline before and after:\n\n"
        + table(
            ["", "before p05", "before p50", "before p95", "after p05", "after p50", "after p95"],
            head_rows,
            "lrrrrrr",
        )
    )
    if not tables.readings.empty:
        parts.append(readings_section(tables))
    inputs = tables.inputs
    if not inputs.empty:
        rows = []
        for _, r in inputs.sort_values("moved", ascending=False).iterrows():
            unit = str(r["unit"])
            rows.append(
                [
                    f"`{r['key']}`",
                    *(
                        format_value(float(r[f"prior_{q}"]), unit, compact=True)
                        for q in ("p05", "p50", "p95")
                    ),
                    *(
                        format_value(float(r[f"posterior_{q}"]), unit, compact=True)
                        for q in ("p05", "p50", "p95")
                    ),
                    f"{float(r['shift']):+.2f}",
                    f"{float(r['width_ratio']):.2f}",
                ]
            )
        parts.append(
            "Each uncertain input before (the assumptions) and after (conditioned), most moved "
            "first; *shift* is the move of the median in units of the prior 90% width, *width* "
            "the posterior 90% width over the prior's:\n\n"
            + table(
                [
                    "input",
                    "prior p05",
                    "prior p50",
                    "prior p95",
                    "posterior p05",
                    "posterior p50",
                    "posterior p95",
                    "shift",
                    "width",
                ],
                rows,
                "lrrrrrrrr",
            )
        )
        parts.append(f"![Inputs the evidence moved most]({EVIDENCE_CHART})")
    return "\n\n".join(parts)


def readings_section(tables: EvidenceTables) -> str:
    """How much the conclusion rests on reading the evidence one way: the headline with the
    attribution share uncertain (the run), then with it fixed at each declared reading."""
    rows = [
        [
            str(r["reading"]),
            f"`{r['share']}`",
            format_usd(float(r["total_p50"])),
            f"{format_usd(float(r['total_p05']))}–{format_usd(float(r['total_p95']))}",
            format_people(float(r.get("users_lost_p50", 0.0))),
            format_people(float(r.get("creators_lost_p50", 0.0))),
            f"{float(r['ess']):,.0f}",
        ]
        for _, r in tables.readings.iterrows()
    ]
    return (
        "### Under each reading of the evidence\n\n"
        "Some observations may be partly caused by another event (the scenario's "
        "`[evidence.attribution]`). The run integrates over the share the outage caused; each "
        "reading fixes it, on the same trials. A reader sees how much the conclusion rests on "
        "the interpretation:\n\n"
        + table(
            [
                "reading",
                "share from the outage",
                "total p50",
                "90% interval",
                "users lost p50",
                "creators lost p50",
                "ESS",
            ],
            rows,
            "llrrrrr",
        )
    )


def draw_evidence_chart(tables: EvidenceTables, path: Path) -> None:
    """Prior and posterior 90% intervals and medians of the inputs that moved most, each on
    the scale of its prior interval (0 = prior p05, 1 = prior p95)."""
    # matplotlib loads only when the chart is drawn: report.md's section needs none of it.
    from impact.reports.style import chart_style

    with chart_style():
        _draw(tables, path)


def _draw(tables: EvidenceTables, path: Path) -> None:
    from impact.reports.style import BLUE, GREY, ORANGE, figure, footnote, save

    top = tables.inputs.sort_values("moved", ascending=False).head(MOST_MOVED).iloc[::-1]
    fig = figure(8.0, 0.5 * max(len(top), 2) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(top))
    low, width = top["prior_p05"].to_numpy(), (top["prior_p95"] - top["prior_p05"]).to_numpy()
    width = np.where(width > 0, width, 1.0)

    def scaled(column: str) -> np.ndarray:
        return np.asarray((top[column].to_numpy() - low) / width, dtype=float)

    ax.hlines(
        y + 0.15,
        scaled("prior_p05"),
        scaled("prior_p95"),
        color=GREY,
        linewidth=3,
        label="assumptions (90%)",
    )
    ax.plot(scaled("prior_p50"), y + 0.15, "o", color=GREY)
    ax.hlines(
        y - 0.15,
        scaled("posterior_p05"),
        scaled("posterior_p95"),
        color=BLUE,
        linewidth=3,
        label="conditioned on the evidence (90%)",
    )
    ax.plot(scaled("posterior_p50"), y - 0.15, "o", color=ORANGE, label="median")
    ax.set_yticks(y, list(top["key"]))
    ax.set_xlabel("position within the assumptions' 90% interval (0 = its p05, 1 = its p95)")
    fig.suptitle("Inputs the evidence moved most", weight="bold")
    # Above the rows, outside the axes: inside, the legend covered the lowest row.
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8)
    footnote(fig, f"Effective sample size {tables.ess:,.0f} of {tables.trials:,} trials.")
    save(fig, path)
