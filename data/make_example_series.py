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

The series is drawn from impact's model (MODEL.md version 3) with these inputs:

| true value | |
|---|---|
| onset | {truth.onset} |
| restored | {truth.restored:%Y-%m-%d %H:%M} ({truth.outage_hours:g} h later, D) |
| severity during the outage (share of views lost, S) | {truth.severity} |
| engagement.max_drop (d) | {truth.max_drop} |
| engagement.decay_hours (τe) | {truth.decay_hours} |
| engagement.recovery_half_life_hours (he) | {truth.half_life_hours} |
| algorithm.quality_loss (q) | {truth.quality_loss} |
| algorithm.degrade_hours (τq) | {truth.degrade_hours} |
| algorithm.latency_hours (L) | {truth.latency_hours} |
| effect on views, onset to last row (observed − counterfactual; a loss < 0) | {true_effect:,.0f} |
| the same, relative to the counterfactual | {true_effect / counterfactual_total:+.2%} |

τe and τq are the medians of their keys' generic defaults, which `impact calibrate recovery`
assumes unless given `--decay-hours` and `--degrade-hours`: the series shows only their
products with he, q and L. After restoration (u hours later) views are the normal level times
(1 − ae·2^(−u/he_D))·(1 − aq·max(0, 1 − u/L_D)), so what the series shows after this outage is

| shown by the series | model | true value |
|---|---|---|
| drop_at_restore (ae) | S·d·(1 − e^(−D/τe)) | {truth.drop_at_restore:.4f} |
| half_life_hours (he_D) | he·(1 − e^(−D/τe)) | {truth.restore_half_life_hours:.2f} |
| quality drop at restore (aq) | S·q·(1 − e^(−D/τq)) | {truth.quality_drop:.4f} |
| latency_hours (L_D) | L·(1 − e^(−D/τq)) | {truth.latency_ramp_hours:.1f} |

`calibrate recovery` estimates the second table; the specs it writes into `calibration.toml`
are for the first (he, q and L, with τe and τq beside them).

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
