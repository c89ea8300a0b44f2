"""Review findings: each bad input exits 2 with one line naming the key/flag and the value, writes
nothing, and finishes quickly; what-if runs never land in the original's folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.cli import main
from impact.inputs.profile import load_profile

VALID = "[outage]\nhours = 24\n[revenue]\nhourly_loss = 400000\n"
DESIGNS = Path(__file__).resolve().parents[1] / "data" / "designs" / "tiktok-us-2026"


def _design(folder: Path, years: str) -> None:
    text = (DESIGNS / "single-site.toml").read_text(encoding="utf-8")
    lines = [
        f"years = {years}" if line.startswith("years =") else line for line in text.splitlines()
    ]
    (folder / "d.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


BAD = [
    pytest.param(  # once: 1e9 loops over outages per year, 20 GB of memory before it was killed
        ["annual", "--set", "frequency.events_per_year=1e9", "--trials", "20"],
        None,
        ("frequency.events_per_year", "1000000000"),
        id="annual-absurd-frequency",
    ),
    pytest.param(  # once: a horizon of a million years, running for ever
        ["resilience", "--current", "d.toml", "--candidate", "hardening", "--trials", "20"],
        lambda folder: _design(folder, "1e6"),
        ("cost.years", "1e+06"),
        id="resilience-absurd-horizon",
    ),
    pytest.param(  # once: "error: --set: 'outage.hours': ..." for a flag the user never gave
        ["compare", "meta-2024", "--b-set", "outage.hours", "--trials", "20"],
        None,
        ("--b-set", "'outage.hours'"),
        id="compare-b-set-without-equals",
    ),
    pytest.param(
        ["compare", "meta-2024", "--a-set", "=24", "--trials", "20"],
        None,
        ("--a-set", "'=24'"),
        id="compare-a-set-without-key",
    ),
]


@pytest.mark.parametrize(("args", "setup", "named"), BAD)
def test_bad_input_exits_2_with_one_line(
    args: list[str],
    setup,  # type: ignore[no-untyped-def]
    named: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        setup(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main([*args, "--out", "out"]) == 2
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for part in named:
        assert part in lines[0], (part, lines[0])
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("weight", [1e-320, 1e307])
def test_profile_of_extreme_but_equal_weights_is_flat(weight: float, tmp_path: Path) -> None:
    """Weights are relative: 168 equal tiny (or huge) weights are the flat week, not inf or 0."""
    hours = np.arange(168)
    frame = pd.DataFrame({"hour_of_week": hours, "weight": np.full(168, weight)})
    frame.to_csv(tmp_path / "p.csv", index=False)
    with np.errstate(all="raise"):
        weights = load_profile(tmp_path / "p.csv").weights
    assert np.allclose(weights, 1.0)


WHAT_IFS = [
    pytest.param(
        ["simulate", "--profile", "short-video-us"], "reports/tiktok-us-2026", id="simulate-profile"
    ),
    pytest.param(
        ["annual", "--set", "outage.hours=24"], "reports/tiktok-us-2026-annual", id="annual-set"
    ),
    pytest.param(
        ["compare", "meta-2024", "--b-set", "outage.hours=24"],
        "reports/compare-meta-2024-meta-2024",
        id="compare-b-set",
    ),
]


@pytest.mark.parametrize(("args", "original"), WHAT_IFS)
def test_what_if_never_lands_in_the_original_folder(
    args: list[str], original: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--trials", "200", "--quiet"]) == 0
    assert not (tmp_path / original).exists()
    assert len(list((tmp_path / "reports").iterdir())) == 1


def test_dollar_log_axes_label_minor_ticks_in_dollars() -> None:
    """The annual exceedance chart once printed `$\\mathdefault{6\\times10^{7}}$` as a label."""
    from impact.reports.charts import USD_MINOR

    labels = [USD_MINOR(x, 0) for x in (2e7, 3e7, 5e8, 6e7, 0.0)]
    assert labels[1] == labels[3] == labels[4] == ""
    assert all(label.startswith("$") and "mathdefault" not in label for label in labels[::2][:2])
