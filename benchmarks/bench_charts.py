"""Benchmark: a report's charts as impact writes them against matplotlib's own `Figure.savefig`.

`impact.reports.style.save` runs a chart's layout, draws it once and encodes the PNG on a
background thread while the next chart is drawn; the reference writes the same figures with
`fig.savefig` (which, for a figure with a layout engine, draws it twice, a dry run for the layout
and then the real draw, and encodes in the calling thread). Both write the same bytes; the
script checks that. In one run, alternating the two, it times `write_report` of one
tiktok-us-2026 result (100,000 trials by default: the main job) and prints the medians and
their ratio. Usage:

    python benchmarks/bench_charts.py               # 100,000 trials, 7 repeats of each
    python benchmarks/bench_charts.py --repeats 11
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import impact
from impact.reports import charts, evidence_report, profile_report, style
from impact.reports.folder import write_report

# The modules of simulate's charts; evidence_report and profile_report import `save` from style
# when they draw, so style itself is patched too.
USERS_OF_SAVE = (charts, evidence_report, profile_report, style)


def savefig(fig: Figure, path: Path) -> None:
    """The reference: matplotlib's own way to write the figure."""
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=style.DPI, format="png", metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--trials", type=float, default=1e5)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    trials = int(args.trials)
    result = impact.simulate(impact.load_scenario("tiktok-us-2026"), trials, rng=20260125)
    root = Path(tempfile.mkdtemp(prefix="bench-charts-"))
    ways = {"impact": style.save, "savefig": savefig}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for repeat in range(args.repeats + 1):  # round 0 warms up fonts and caches, untimed
        for way, save in ways.items():
            for module in USERS_OF_SAVE:
                module.save = save  # type: ignore[attr-defined]
            start = time.perf_counter()
            write_report(result, root / way)
            if repeat:
                seconds[way].append(time.perf_counter() - start)
    pngs = sorted(p.name for p in (root / "impact").glob("*.png"))
    same = all(
        (root / "impact" / n).read_bytes() == (root / "savefig" / n).read_bytes() for n in pngs
    )
    print(f"write_report of a {trials:,}-trial tiktok-us-2026 result, {args.repeats} repeats each")
    print(f"{len(pngs)} charts, the same bytes both ways: {same}")
    for way, times in seconds.items():
        print(f"  {way:8s} median {statistics.median(times):.3f} s (min {min(times):.3f})")
    ratio = statistics.median(seconds["impact"]) / statistics.median(seconds["savefig"])
    print(f"  ratio impact / savefig: {ratio:.2f}")


if __name__ == "__main__":
    main()
