"""The catalogue of observed recoveries: which rows are observations, of what, and bad rows."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from impact.calibration.recoveries import (
    MEASUREMENT_SD,
    TREND_SD_PER_MONTH,
    measurement_sd,
    read_recoveries,
)
from impact.exceptions import InputError

HEADER = (
    "case,platform,outage_start,duration_hours,scope,quantity,measures,maps_to,"
    "hours_since_restore,value,baseline,unit,relative_gap,reliability,source_url,published,notes"
)
# Two good rows: a pre-outage level (line 2) and a count after restoration (line 3).
BEFORE = "demo,Demo,2024-01-01,10,total,daily_users,people,users_away,-300,100,,million DAU,,[co],https://a.example,,pre"
AFTER = "demo,Demo,2024-01-01,10,total,daily_users,people,users_away,200,98,100,million DAU,0.0200,[co],https://a.example,,after"


def write(tmp_path: Path, *rows: str, name: str = "rec.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def one_line_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_recoveries(path)
    message = str(caught.value)
    assert "\n" not in message and repr(str(path)) in message
    return message


def test_bundled_catalogue_observations_and_their_kinds() -> None:
    cat = read_recoveries()
    assert len(cat.rows) == 66 and cat.rows["case"].nunique() == 9
    obs = cat.observations.set_index("line")
    # Roblox's November daily users: a count of people, a bracket against 1–27 October (line 4,
    # 420 h before restoration), so 780 h from baseline to observation.
    assert obs.loc[8, "kind"] == "bracket" and obs.loc[8, "baseline_hours"] == -420
    assert obs.loc[8, "span_hours"] == 780
    # "above 90 million" is a lower bound on the count: it caps only the users away.
    assert obs.loc[46, "kind"] == "away_at_most"
    # PSN "more than 90 percent" of activity caps the activity gap; Cloudflare's DNS is a gap.
    assert obs.loc[63, "kind"] == "gap_at_most" and obs.loc[29, "kind"] == "gap"
    # No baseline row for TikTok's "typical 92 million": the baseline is taken at the onset.
    assert obs.loc[46, "baseline_hours"] == -180
    assert set(cat.cases) == {
        "roblox-2021",
        "facebook-2021",
        "meta-2024",
        "tiktok-us-2025",
        "tiktok-us-2026",
        "psn-2011",
    }
    unused = cat.unused.set_index("line")["unused"]
    # Roblox's Q4 average overlaps November; the Facebook family's count overlaps Facebook's.
    assert unused[10].startswith("overlaps") and unused[15].startswith("overlaps")
    assert not (cat.observations["measures"] == "rivals").any()
    assert (unused.str.startswith("rivals")).sum() == 26


def test_measurement_sd_adds_the_drift_over_the_span_in_quadrature() -> None:
    assert measurement_sd("[3p]", 0.0) == MEASUREMENT_SD["[3p]"]
    expected = math.hypot(MEASUREMENT_SD["[weak]"], TREND_SD_PER_MONTH * 1.5)
    assert measurement_sd("[weak]", 1080.0) == pytest.approx(expected, rel=1e-12)
    assert measurement_sd("[co]", 720.0, drift_per_month=0.0) == MEASUREMENT_SD["[co]"]


def test_a_good_small_catalogue_reads(tmp_path: Path) -> None:
    cat = read_recoveries(write(tmp_path, BEFORE, AFTER))
    (row,) = cat.observations.itertuples()
    assert row.kind == "bracket" and row.baseline_hours == -300 and row.span_hours == 500


@pytest.mark.parametrize(
    ("row", "where"),
    [
        (AFTER.replace(",98,100,", ",98,,"), "row 3 column 'baseline'"),  # gap without baseline
        (AFTER.replace("users_away", "users_gone"), "row 3 column 'maps_to'"),
        (AFTER.replace(",10,total,", ",-10,total,"), "row 3 column 'duration_hours'"),
        (AFTER.replace(",0.0200,", ",0.2,"), "row 3 column 'relative_gap'"),
        (AFTER.replace("[co]", "[blog]"), "row 3 column 'reliability'"),
        (AFTER.replace(",200,98,", ",soon,98,"), "row 3 column 'hours_since_restore'"),
        (AFTER.replace(",people,", ",activity,"), "row 3 column 'maps_to'"),
        (AFTER.replace(",total,", ",partial,"), "row 3 column 'scope'"),  # one outage, one scope
    ],
)
def test_a_bad_row_names_the_file_row_and_column(tmp_path: Path, row: str, where: str) -> None:
    message = one_line_error(write(tmp_path, BEFORE, row))
    assert where in message, message


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "rec.csv"
    path.write_text(HEADER.replace("maps_to,", "") + "\n", encoding="utf-8")
    assert "'maps_to'" in one_line_error(path)


def test_a_file_that_is_not_utf8_names_the_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "rec.csv"
    text = "\n".join([HEADER, BEFORE, AFTER]) + "\n"
    path.write_bytes(text.replace(",after", ",caf\xe9").encode("latin-1"))
    message = one_line_error(path)
    assert "row 3 column 'notes'" in message and "not UTF-8" in message
