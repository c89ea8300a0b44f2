"""Benchmark: a whole `impact simulate` process, its parts, and two outside floors.

The main job's fixed cost: `impact simulate` of a built-in scenario (tiktok-us-2026, 100,000
trials, the whole report with its charts), timed as a process from start to exit, the median of
`--runs` runs. In the same run, alternating with it, two floors that no Python Monte Carlo can go
below, each its own process:

- `import numpy`: the interpreter's start and numpy's import, nothing else;
- numpy's sampler: that, then `Generator.random` drawing as many variates as the run draws
  (trials × the scenario's uncertain inputs).

The ratio to a floor moves less with the machine's load than the seconds do. Wall and CPU
seconds (user + system, all threads) are both printed: on a machine shared with other work the
CPU seconds are the steadier figure.

`--parts` also times one run step by step in a fresh process (its imports by library, the
simulation, the report's tables, and each file of the report written on its own, so a chart's
time includes its PNG encoding), then `write_report` as the command calls it (PNGs encoded on a
background thread while the next chart is drawn). `--timeline` runs the command once more,
whole, with the start and end of each step stamped in whichever process runs it (the command's
or a drawing process), from just before the process started to just after it ended. Usage:

    python benchmarks/bench_simulate.py                  # 7 runs of each
    python benchmarks/bench_simulate.py --runs 11 --parts
    python benchmarks/bench_simulate.py --runs 1 --timeline   # who does what, when
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = "tiktok-us-2026"

PARTS = r"""
import sys, time
t0 = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, time.perf_counter()))
import numpy; mark("import numpy")
import pandas; mark("import pandas")
import scipy.special; mark("import scipy.special")
import typer; mark("import typer")
import impact.cli.simulate; mark("import impact.cli.simulate (the rest)")
from pathlib import Path
import impact
from impact.analysis.summaries import report_data
from impact.reports import files
from impact.reports.folder import report_writers, write_report
from impact.reports.provenance import Provenance
out = Path(sys.argv[1])
scenario = impact.load_scenario(SCENARIO); mark("load the scenario")
result = impact.simulate(scenario, TRIALS, rng=20260125); mark("simulate")
data = report_data(result)
for table in ("summary", "precision", "breakdown", "attrition", "tiers", "assumptions",
              "distribution", "exceedance", "activity_path", "drivers", "onset", "evidence"):
    getattr(data, table)  # each is computed when first read
mark("report tables (report_data)")
writers = report_writers(data, Provenance("impact simulate"), out / "parts")
mark("import matplotlib and the charts")
(out / "parts").mkdir(parents=True)
for name, write in writers.items():
    write(out / "parts" / name)
    mark(("chart " if name.endswith(".png") else "file ") + name)
write_report(result, out / "report", provenance=Provenance("impact simulate"))
mark("write_report as simulate calls it (again)")
last = t0
for name, at in marks:
    print(f"{at - last:.4f}\t{name}")
    last = at
"""


TIMELINE = r"""
import atexit, functools, gc, os, sys, time
gc.disable()  # as impact.__main__ does while the command line imports (run() below)
T0 = float(sys.argv[1])  # the parent's clock just before it started this process
def event(what):
    sys.stderr.write(f"{time.time() - T0:.3f}\t{os.getpid()}\t{what}\n")
event("the interpreter is up")
import impact.cli.simulate as command
import impact.reports.drawing as drawing
import impact.reports.files as files
event("imports done")
def stamped(module, name, label):
    real = getattr(module, name)
    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        event(f"{label} starts")
        try:
            return real(*args, **kwargs)
        finally:
            event(f"{label} ends")
    setattr(module, name, wrapper)
stamped(command, "simulate", "the simulation")
stamped(command, "write_report", "the report")
stamped(files, "run_portable", "a chart")  # in the drawing processes: they fork after this
stamped(drawing, "_ready", "getting ready to draw")
atexit.register(event, "exit (atexit)")
sys.argv = ["impact", "simulate", SCENARIO, "--trials", TRIALS, "-q", "--out", sys.argv[2]]
from impact.__main__ import run
run()
"""


def _timeline(py: str, trials: int, out: Path) -> None:
    """One run of the command, in its own process, with the start and end of each step stamped
    (seconds from just before the process started): which process does what, when."""
    code = TIMELINE.replace("SCENARIO", repr(SCENARIO)).replace("TRIALS", repr(str(trials)))
    start = time.time()
    done = subprocess.run(
        [py, "-c", code, repr(start), str(out)], check=True, capture_output=True, text=True
    )
    gone = time.time() - start
    main = None
    print("\none run, step by step (seconds from the process's start):")
    for line in done.stderr.splitlines():
        at, pid, what = line.split("\t")
        main = main or pid
        print(f"  {float(at):6.3f}  {'command' if pid == main else 'drawing ' + pid:>14s}  {what}")
    print(f"  {gone:6.3f}  {'command':>14s}  the process has ended")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--parts", action="store_true", help="also time one run step by step")
    parser.add_argument(
        "--timeline", action="store_true", help="also stamp each step of one whole run"
    )
    args = parser.parse_args()

    import impact

    k = len(impact.load_scenario(SCENARIO).uncertain_keys)
    variates = args.trials * k
    root = Path(tempfile.mkdtemp(prefix="bench-simulate-"))
    py = sys.executable
    commands = {
        "impact simulate": [py, "-m", "impact", "simulate", "--scenario", SCENARIO, "--trials",
                            str(args.trials), "-q", "--out", str(root / "report")],
        "import numpy": [py, "-c", "import numpy"],
        "numpy's sampler": [py, "-c", "import numpy as np; "
                            f"np.random.default_rng(1).random({variates})"],
    }  # fmt: skip
    for command in commands.values():  # warm the file cache and the font cache, untimed
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    load = os.getloadavg()[0]
    for _ in range(args.runs):
        for name, command in commands.items():
            w, c = _timed(command)
            wall[name].append(w)
            cpu[name].append(c)
    print(
        f"{SCENARIO}, {args.trials:,} trials ({k} uncertain inputs: {variates:,} variates), "
        f"{args.runs} runs of each; 1-minute load {load:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end, {os.cpu_count()} cores"
    )
    print(f"{'process':18s} {'wall median':>12s} {'wall min':>9s} {'CPU median':>11s}")
    for name in commands:
        print(
            f"{name:18s} {statistics.median(wall[name]):11.3f}s {min(wall[name]):8.3f}s "
            f"{statistics.median(cpu[name]):10.3f}s"
        )
    main_wall, main_cpu = (
        statistics.median(wall["impact simulate"]),
        statistics.median(cpu["impact simulate"]),
    )
    for name in ("import numpy", "numpy's sampler"):
        print(
            f"impact simulate / {name}: {main_wall / statistics.median(wall[name]):.2f} (wall), "
            f"{main_cpu / statistics.median(cpu[name]):.2f} (CPU)"
        )
    if args.timeline:
        _timeline(py, args.trials, root / "timeline")
    if args.parts:
        code = PARTS.replace("SCENARIO", repr(SCENARIO)).replace("TRIALS", str(args.trials))
        out = subprocess.run(
            [py, "-c", code, str(root / "parts")], check=True, capture_output=True, text=True
        ).stdout
        print("\none run step by step (wall seconds, in one process):")
        total = 0.0
        for line in out.splitlines():
            seconds, name = line.split("\t")
            if not name.startswith("write_report"):
                total += float(seconds)
            print(f"  {float(seconds):7.3f}  {name}")
        print(f"  {total:7.3f}  all but the last line")


if __name__ == "__main__":
    main()
