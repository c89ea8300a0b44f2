"""`impact calibrate` and `impact retro` through main(): outputs, JSON shapes, overlays, bad input.

Every bad input must give exit status 2, one line on stderr naming the file, column or value,
and leave nothing written.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from impact.calibration.synthetic import SyntheticTruth
from impact.cli import main
from impact.datafiles import data_path
from impact.inputs.scenario import load_scenario, scenario_problems
from impact.inputs.specs import parse_spec

EXAMPLE = data_path("example_series.csv")
ONSET, RESTORED = "2025-04-07 09:00", "2025-04-07 23:00"
Change = Callable[[pd.DataFrame], pd.DataFrame]
RECOVERY = ["calibrate", "recovery", "--series", str(EXAMPLE), "--metric", "views"]
RECOVERY += ["--onset", ONSET, "--restored", RESTORED]
RETRO = ["retro", "--series", str(EXAMPLE), "--metric", "views", "--onset", ONSET]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_example_series_is_labelled_synthetic_with_its_truth() -> None:
    page = data_path("example_series.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in page and "half_life_hours" in page and ONSET in page
    frame = pd.read_csv(EXAMPLE)
    assert list(frame.columns) == ["time", "views", "views_control"]
    assert len(frame) == 56 * 24


def test_calibrate_durations_json_files_and_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "durations"
    status, stdout, err = run(["calibrate", "durations", "--json", "--out", str(out)], capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    assert {"n", "best", "fits"} <= set(payload)
    assert set(payload["fits"]) == {"lognormal", "gamma", "weibull"}
    for fit in payload["fits"].values():
        assert {"aic", "params", "spec"} <= set(fit)
    assert payload["fits"]["weibull"]["spec"].startswith("weibull(")  # every fit has a spec
    assert sorted(p.name for p in out.iterdir()) == [
        "calibration.toml",
        "durations.png",
        "fits.csv",
        "report.md",
    ]
    toml = out / "calibration.toml"
    assert scenario_problems(toml, partial=True) == []
    spec = tomllib.loads(toml.read_text())["outage"]["hours"]
    assert spec == payload["calibration"]["spec"]
    scenario = load_scenario("tiktok-us-2026", [toml])
    assert scenario.specs["outage.hours"] == spec
    assert "impact calibrate durations" in scenario.sources["outage.hours"]
    assert scenario.specs["frequency.hours"] == spec  # future outages of annual risk, too


def test_calibrate_durations_scope_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout, err = run(
        ["calibrate", "durations", "--scope", "total", "--out", str(tmp_path / "d")], capsys
    )
    assert status == 0, err
    assert "scope total" in stdout and "best fit as a spec: lognormal(median=" in stdout


def test_calibrate_recovery_json_and_simulate_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "recovery"
    status, stdout, err = run([*RECOVERY, "--with-latency", "--json", "--out", str(out)], capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    for key in ("drop_at_restore", "half_life_hours", "quality_loss", "latency_hours"):
        assert isinstance(payload[key], float), key
    for key in ("drop_ci", "half_life_ci", "quality_loss_ci", "latency_ci"):
        lo, hi = payload[key]
        assert lo < hi, key
    toml = out / "calibration.toml"
    assert scenario_problems(toml, partial=True) == []
    keys = tomllib.loads(toml.read_text())
    # v3: he comes with the τe, and q and L with the τq, used to read them off the series.
    assert set(keys["engagement"]) == {"recovery_half_life_hours", "decay_hours"}
    assert set(keys["algorithm"]) == {"quality_loss", "latency_hours", "degrade_hours"}
    for name in ("estimates.csv", "fit.csv", "report.md", "recovery.png"):
        assert (out / name).stat().st_size > 0, name

    status, stdout, err = run(
        ["simulate", "--trials", "2000", "--overlay", str(toml), "--json", "--out", str(tmp_path)],
        capsys,
    )
    assert status == 0, err
    assert json.loads(stdout)["metrics"]["latency_revenue_loss_usd"]["mean"] > 0


def test_every_interval_and_spec_of_the_example_holds_the_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21: the example is drawn from the current model (data/example_series.md gives the
    truth), and every interval `calibrate recovery --with-latency` prints and every spec it
    writes contains the true value: the intervals what the series shows after this outage
    (ae, he_D, aq, L_D), the specs the model's keys (he, q, L, with τe and τq beside them)."""
    truth = SyntheticTruth()
    argv = [*RECOVERY, "--with-latency", "--json", "--out", str(tmp_path / "r")]
    status, stdout, err = run(argv, capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    shown = {
        "drop_ci": truth.drop_at_restore,
        "half_life_ci": truth.restore_half_life_hours,
        "quality_drop_ci": truth.quality_drop,
        "latency_ci": truth.latency_ramp_hours,
    }
    for key, value in shown.items():
        lo, hi = payload[key]
        assert lo <= value <= hi, (key, lo, value, hi)
    model = {
        "engagement.recovery_half_life_hours": truth.half_life_hours,
        "algorithm.quality_loss": truth.quality_loss,
        "algorithm.latency_hours": truth.latency_hours,
        "engagement.decay_hours": truth.decay_hours,
        "algorithm.degrade_hours": truth.degrade_hours,
    }
    assert set(payload["specs"]) == set(model)
    for key, spec in payload["specs"].items():
        lo, hi = parse_spec(spec, key=key).ppf([0.05, 0.95])
        assert lo <= model[key] <= hi, (key, spec, model[key])
    # The page beside the series gives the same truth.
    page = data_path("example_series.md").read_text(encoding="utf-8")
    for value in (truth.half_life_hours, truth.quality_loss, truth.latency_hours):
        assert f"| {value} |" in page


def test_calibrate_recovery_prints_estimates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout, err = run([*RECOVERY, "--out", str(tmp_path / "r")], capsys)
    assert status == 0, err
    assert "half-life" in stdout and "engagement.recovery_half_life_hours = lognormal(" in stdout
    assert "impact simulate --overlay" in stdout


def test_retro_json_report_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "retro"
    argv = [*RETRO, "--control", "views_control", "--json", "--out", str(out)]
    status, stdout, err = run(argv, capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    expected = {"cumulative_effect", "cumulative_ci", "relative_effect", "relative_ci", "p_value"}
    assert expected <= set(payload)
    assert payload["cumulative_effect"] < 0 and payload["p_value"] < 0.01  # a loss
    assert sorted(p.name for p in out.iterdir()) == [
        "effects.csv",
        "report.md",
        "retro.png",
        "summary.csv",
    ]
    effects = pd.read_csv(out / "effects.csv")
    assert {"counterfactual", "effect", "cumulative_low", "cumulative_high"} <= set(effects)
    assert "What the outage did to views" in (out / "report.md").read_text()


# --- bad input -------------------------------------------------------------------------------


def _series_with(tmp_path: Path, change: Change) -> Path:
    frame = change(pd.read_csv(EXAMPLE, dtype=str))
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


def _catalogue_with(tmp_path: Path, change: Change) -> Path:
    frame = change(pd.read_csv(data_path("outages.csv"), dtype=str))
    path = tmp_path / "bad_outages.csv"
    frame.to_csv(path, index=False)
    return path


def _set(column: str, row: int, value: str) -> Change:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return change


def _recovery(path: Path, **flags: str) -> list[str]:
    argv = ["calibrate", "recovery", "--series", str(path), "--metric", "views"]
    options = {"--onset": ONSET, "--restored": RESTORED}
    options.update({f"--{k.replace('_', '-')}": v for k, v in flags.items()})
    for flag, value in options.items():
        argv += [flag, value]
    return argv


BAD_SERIES = [
    # (change to the example file, extra flags, what the message must contain)
    (None, {"metric": "viewz"}, ["bad.csv", "no column 'viewz'", "did you mean 'views'"]),
    (None, {"time_col": "when"}, ["bad.csv", "no column 'when'"]),
    (_set("time", 5, "not a time"), {}, ["bad.csv", "column 'time' row 7", "'not a time'"]),
    (_set("views", 40, ""), {}, ["bad.csv", "column 'views' row 42", "missing value"]),
    (_set("views", 41, "lots"), {}, ["bad.csv", "column 'views' row 43", "'lots'"]),
    (_set("views", 10, "0"), {}, ["bad.csv", "'views' at 2025-03-03 10:00:00", "not > 0"]),
    (lambda f: f.drop(index=30), {}, ["bad.csv", "row 32", "leaves a gap"]),
    (None, {"onset": "yesterday"}, ["--onset", "'yesterday'", "not a timestamp"]),
    (None, {"onset": "2026-01-01 00:00"}, ["--onset 2026-01-01", "outside the series"]),
    (None, {"onset": "2025-03-05 00:00"}, ["--onset", "only 48 hourly rows", "at least 336"]),
    (None, {"restored": "2025-04-07 08:00"}, ["--restored", "not after the onset"]),
    (None, {"restored": "2025-04-27 12:00"}, ["--restored", "only 12 rows", "at least 48"]),
]


@pytest.mark.parametrize(("change", "flags", "needles"), BAD_SERIES)
def test_bad_series_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Change | None,
    flags: dict[str, str],
    needles: list[str],
) -> None:
    path = _series_with(tmp_path, change or (lambda f: f))
    out = tmp_path / "out"
    flags = dict(flags)
    metric = flags.pop("metric", "views")
    argv = _recovery(path, **flags)
    argv[argv.index("--metric") + 1] = metric
    status, stdout, err = run([*argv, "--out", str(out)], capsys)
    assert status == 2, (stdout, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (_set("duration_hours", 3, "0"), ["bad_outages.csv", "'duration_hours' row 5: 0 is not"]),
        (_set("duration_hours", 4, "-3"), ["'duration_hours' row 6: -3 is not a positive"]),
        (_set("duration_hours", 2, ""), ["'duration_hours' row 4", "missing value"]),
        (_set("duration_hours", 2, "six"), ["'duration_hours' row 4: 'six' is not"]),
        (lambda f: f.drop(columns="duration_hours"), ["no column 'duration_hours'"]),
    ],
)
def test_bad_catalogue_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Change, needles: list[str]
) -> None:
    path = _catalogue_with(tmp_path, change)
    out = tmp_path / "out"
    argv = ["calibrate", "durations", "--catalogue", str(path), "--out", str(out)]
    status, _, err = run(argv, capsys)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["calibrate", "durations", "--catalogue", "nope.csv"], ["'nope.csv'", "not found"]),
        (["calibrate", "durations", "--scope", "some"], ["--scope"]),
        (["retro", "--series", "nope.csv", "--metric", "v", "--onset", ONSET], ["not found"]),
        (
            [*RETRO, "--control", "views_other"],
            ["example_series.csv", "no column 'views_other'", "--control"],
        ),
        (
            [*RETRO, "--end", "2025-04-01"],
            ["--end 2025-04-01", "must lie between"],
        ),
        (
            ["retro", "--series", str(EXAMPLE), "--metric", "views", "--onset", "2025-03-02"],
            ["--onset 2025-03-02", "outside the series", "example_series.csv"],
        ),
        (["calibrate", "recovery", "--series", str(EXAMPLE), "--metric", "views"], ["--onset"]),
        (  # τq only turns the latency ramp's quality drop into q: alone it would do nothing
            [*RECOVERY, "--degrade-hours", "30"],
            ["--degrade-hours: 30.0", "used only with --with-latency"],
        ),
    ],
)
def test_other_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needles: list[str]
) -> None:
    out = tmp_path / "out"
    status, _, err = run([*argv, "--out", str(out)], capsys)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()


def test_retro_refuses_the_metric_as_its_own_control(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    status, _, err = run([*RETRO, "--control", "views", "--out", str(out)], capsys)
    assert status == 2 and err.count("\n") == 1 and "is the metric itself" in err
    assert not out.exists()


AFTER_EFFECTS = ["calibrate", "after-effects", "--draws", "20000"]


def test_calibrate_after_effects_json_files_and_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "after"
    status, stdout, err = run([*AFTER_EFFECTS, "--json", "--out", str(out)], capsys)
    assert status == 0, err
    payload = json.loads(stdout)
    assert {"draws", "seed", "cases", "keys", "recoveries", "recoveries_coverage"} <= set(payload)
    assert payload["draws"] == 20000 and len(payload["keys"]) == 11
    for key in payload["keys"].values():
        assert {"spec", "kept_wide", "informed_by", "prior_p05", "pooled_p95"} <= set(key)
    for row in payload["recoveries"]:
        assert {"name", "quantity", "observed", "loo_percentile", "in_90"} <= set(row)
    assert len(payload["recoveries_coverage"]["coverage_90_ci"]) == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "calibration.toml",
        "cases.csv",
        "coverage.csv",
        "priors.csv",
        "recoveries.csv",
        "report.md",
    ]
    toml = (out / "calibration.toml").read_text(encoding="utf-8")
    parsed = tomllib.loads(toml)
    assert set(parsed) == {"description", "engagement", "algorithm", "users"}
    # Every spec carries its 90% interval and names the cases behind it, in its comment.
    lines = toml.splitlines()
    specs = [i for i, line in enumerate(lines) if " = " in line and not line.startswith("#")]
    for i in specs[1:]:  # after `description`
        assert lines[i - 1].startswith("# derived: pooled after-effect prior"), lines[i]
        assert "cases: " in lines[i - 1] and "90% interval" in lines[i - 1]
    scenario = load_scenario("meta-2024", overlays=[out / "calibration.toml"])
    assert scenario.specs["users.churn_shape"] == parsed["users"]["churn_shape"]
    assert "pooled after-effect prior" in scenario.sources["users.churn_shape"]
    assert scenario_problems(out / "calibration.toml", partial=True) == []


def test_calibrate_after_effects_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout, err = run([*AFTER_EFFECTS, "--out", str(tmp_path / "a")], capsys)
    assert status == 0, err
    assert "engagement.recovery_half_life_hours" in stdout
    assert "too thin to pool" in stdout and "leave-one-out" in stdout
    assert "inside the 90% interval" in stdout


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("users_away,360,49.4,50.5", "users_away,360,49.4,", ["row 8", "'baseline'"]),
        ("people,users_away,360", "people,users_gone,360", ["row 8", "'maps_to'"]),
        ("Roblox,2021-10-28,73,", "Roblox,2021-10-28,-73,", ["column 'duration_hours'"]),
    ],
)
def test_bad_recoveries_catalogue_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, needles: list[str]
) -> None:
    text = data_path("recoveries.csv").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    argv = [*AFTER_EFFECTS, "--catalogue", str(path), "--out", str(out)]
    status, _, err = run(argv, capsys)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    for needle in ["bad.csv", *needles]:
        assert needle in err, (needle, err)
    assert not out.exists()


def test_recoveries_catalogue_not_utf8_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = data_path("recoveries.csv").read_text(encoding="utf-8")
    path = tmp_path / "latin.csv"
    path.write_bytes(text.replace("Pre-outage level", "Pré-outage level", 1).encode("latin-1"))
    out = tmp_path / "out"
    status, _, err = run([*AFTER_EFFECTS, "--catalogue", str(path), "--out", str(out)], capsys)
    assert status == 2 and "row 2 column 'notes'" in err and "UTF-8" in err, err
    assert not out.exists()
