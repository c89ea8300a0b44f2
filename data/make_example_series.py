"""Write data/example_series.csv (and .md): a SYNTHETIC hourly series around an outage, known truth.

Run from the repository root: `python data/make_example_series.py`. The seed is fixed, so the
files it writes are the same on every run; the truth behind them is written into
data/example_series.md. The numbers are made up from impact's own model, not observed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from impact.calibration.synthetic import SyntheticTruth, synthetic_series

SEED = 20250407
HERE = Path(__file__).resolve().parent


def describe(truth: SyntheticTruth, true_effect: float, counterfactual_total: float) -> str:
    """The sidecar page: what the series is and the true values behind it."""
    return f"""# example_series.csv — SYNTHETIC data

**This series is synthetic.** It was drawn by `data/make_example_series.py` (seed {SEED}) from
`impact.calibration.synthetic`, so that the true values behind it are known and
`impact calibrate recovery` and `impact retro` can be checked against them. It describes no
real platform.

Columns: `time` (hourly, {truth.start} to the end of day {truth.days}, no time zone),
`views` (views per hour of a made-up app, hit by the outage) and `views_control` (views per hour
in a region the outage did not reach: same daily and weekly pattern and part of the same noise).

Normal level: {truth.level:,.0f} views/h with a daily cycle (peak about 20:00), weekends 8% higher,
a trend of {truth.trend_per_week:.1%} a week, and AR(1) noise on the log scale (coefficient
{truth.noise_ar}, innovations sd {truth.noise_sd}); {truth.shared_noise:.0%} of the noise variance
is shared with `views_control`.

| true value | |
|---|---|
| onset | {truth.onset} |
| restored | {truth.restored:%Y-%m-%d %H:%M} ({truth.outage_hours:g} h later) |
| severity during the outage (share of views lost) | {truth.severity} |
| drop_at_restore (ae) | {truth.drop_at_restore} |
| half_life_hours (he) | {truth.half_life_hours} |
| quality_loss (q) | {truth.quality_loss} |
| latency_hours (L) | {truth.latency_hours} |
| effect on views, onset to last row (observed − counterfactual; a loss < 0) | {true_effect:,.0f} |
| the same, relative to the counterfactual | {true_effect / counterfactual_total:+.2%} |

After restoration (u hours later) views are the normal level times
(1 − ae·2^(−u/he))·(1 − q·max(0, 1 − u/L)), as in MODEL.md.

Try:

    impact calibrate recovery --series data/example_series.csv --metric views \\
        --onset "{truth.onset}" --restored "{truth.restored:%Y-%m-%d %H:%M}" --with-latency
    impact retro --series data/example_series.csv --metric views \\
        --onset "{truth.onset}" --control views_control
"""


def main() -> None:
    truth = SyntheticTruth()
    example = synthetic_series(truth, rng=SEED)
    frame = example.frame.astype("int64").reset_index()
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%d %H:%M")
    frame.to_csv(HERE / "example_series.csv", index=False)
    after = example.frame.index >= pd.Timestamp(truth.onset)
    page = describe(truth, example.true_effect(), float(example.counterfactual[after].sum()))
    (HERE / "example_series.md").write_text(page, encoding="utf-8")
    print(f"wrote {HERE / 'example_series.csv'} and {HERE / 'example_series.md'}")


if __name__ == "__main__":
    main()
