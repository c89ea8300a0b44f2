"""Write data/profiles/short-video-us.csv: the built-in weekly revenue profile (US short video).

Run from the repository root: `python data/profiles/make_short_video_us.py`. The numbers are
typed in below, each with its basis; the script only lays them out over the week and writes the
`basis` column, so that every weight says where it comes from. See short-video-us.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

LOCALYTICS_2015 = (
    "Localytics Jan 2015, US sessions of 28,000+ apps by hour: peak about 8 PM, falling sharply "
    "to a trough near 4 AM; entertainment and social apps peak in the evening [3p] "
    "https://dev.marketingcharts.com/industries/media-and-entertainment-51390"
)
LOCALYTICS_WEEKEND = (
    "Localytics, US/Canada iPhone app sessions by weekday and hour: weekday peak 9 PM ET with a "
    "slow ramp through the working day; weekend 6 AM low, over 90% of peak by 11 AM and near "
    "peak all afternoon and evening; weekends 7% more traffic than the average weekday [3p] "
    "http://info.localytics.com/blog/iphone-analytics-show-peak-mobile-app-usage-on-nights-weekends"
)
ASSUMED_SHAPE = (
    "assumption: the hour's value within the day is read off the published shape (share of the "
    "peak hour), not measured for TikTok; revenue is assumed proportional to time spent "
    "(ad impressions), with no change of ad price within the week"
)

# Share of the day's peak hour, hours 0-23 (US Eastern time).
WEEKDAY = (55, 38, 26, 18, 15, 18, 28, 42, 50, 52, 54, 57,
           63, 62, 60, 63, 68, 74, 82, 91, 98, 100, 90, 74)  # fmt: skip
WEEKEND = (65, 48, 34, 24, 18, 16, 17, 26, 42, 60, 78, 92,
           95, 96, 96, 95, 95, 95, 96, 98, 100, 98, 86, 70)  # fmt: skip
# Scale of the weekend days, so that a weekend day carries 7% more than a weekday (Localytics).
WEEKEND_SCALE = 1.07 * sum(WEEKDAY) / sum(WEEKEND)


def day_shape(day: int) -> tuple[tuple[float, ...], str]:
    """The 24 values of one day and the basis they share."""
    if day in (5, 6):  # Saturday, Sunday
        values = tuple(v * WEEKEND_SCALE for v in WEEKEND)
        return values, f"weekend day: {LOCALYTICS_WEEKEND}; {ASSUMED_SHAPE}"
    return tuple(float(v) for v in WEEKDAY), f"weekday: {LOCALYTICS_2015}; {ASSUMED_SHAPE}"


def rows() -> list[tuple[int, str, str, str, str]]:
    out = []
    for day in range(7):
        values, basis = day_shape(day)
        for hour, value in enumerate(values):
            # The small hours after Friday and Saturday nights follow the weekend night curve,
            # and those after Sunday night the weekday one: people stay up before a day off.
            out.append((day * 24 + hour, DAYS[day], f"{hour:02d}:00", f"{value:.2f}", basis))
    return out


def main() -> None:
    path = HERE / "short-video-us.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(
            "# Weekly revenue profile of a US short-video app, US Eastern time, Monday 00:00 "
            "first.\n# Weights are relative (share of a day's peak hour); impact normalises "
            "them to mean 1. See short-video-us.md.\n"
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["hour_of_week", "day", "time", "weight", "basis"])
        writer.writerows(rows())


if __name__ == "__main__":
    main()
