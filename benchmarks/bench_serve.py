"""Benchmark `impact serve`: time to the first page, and what-if latency against the Python API.

1. Starts `python -m impact serve` and times, from the process start, until `GET /` answers.
2. Sends N what-ifs (`POST /api/whatif`, each a different outage duration, 100,000 trials by
   default) one after another and reports p50, p95 and the maximum of the round trip.
3. Runs the same what-ifs through the Python API in this process (`impact.simulate` and the
   page's view of the result, `Service.view`), so the server's own overhead can be told apart.
4. Times the annual and resilience tabs through the server: `--tab-runs` quick runs of each
   (`POST /api/annual`, `/api/resilience`: 50,000 years, 5,000 futures) and one longer run of
   each (500,000 years, 50,000 futures), and the same quick runs through the library in-process
   (`simulate_annual`, `simulate_resilience`), so the counts the page uses can be checked
   against its budget of about 1-2 s.
5. Times what report.html adds to a report folder: `write_report` with and without it.

    python benchmarks/bench_serve.py                 # 20 what-ifs of 100,000 trials
    python benchmarks/bench_serve.py --n 40 --trials 50000 --json
    python benchmarks/bench_serve.py --n 0 --tab-runs 5 --no-html   # the tabs only

Every figure is measured in this run, on this machine; docs/performance.md gives the figures
of the reference machine and the load it was under.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stats(times: list[float]) -> dict[str, float]:
    arr = np.array(times)
    return {
        "p50_s": round(float(np.percentile(arr, 50)), 3),
        "p95_s": round(float(np.percentile(arr, 95)), 3),
        "max_s": round(float(arr.max()), 3),
    }


def _post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return dict(json.loads(answer.read()))


def hours(i: int) -> str:
    return str(24 + 7 * i)  # a different what-if each time: nothing can be cached


def _tab_bodies(scenario: str, long: bool) -> dict[str, dict[str, object]]:
    return {
        "annual": {"scenario": scenario, "specs": {}, "long": long},
        "resilience": {"current": "single-site", "candidate": "active-active", "long": long},
    }


def bench_server(n: int, trials: int, scenario: str, tab_runs: int) -> dict[str, object]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "impact", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    answer.read()
                break
            except OSError:
                if time.perf_counter() - started > 60:
                    raise RuntimeError("the server did not answer within 60 s") from None
                time.sleep(0.02)
        first_page = time.perf_counter() - started
        times = []
        for i in range(n + 1):  # the first what-if warms the imports up and is not counted
            t = time.perf_counter()
            _post(
                url + "api/whatif",
                {"scenario": scenario, "specs": {"outage.hours": hours(i)}, "trials": trials},
            )
            if i:
                times.append(time.perf_counter() - t)
        tabs: dict[str, object] = {}
        for kind, body in _tab_bodies(scenario, False).items() if tab_runs else ():
            _post(url + f"api/{kind}", body)  # warm-up, not counted
            quick = []
            for _ in range(tab_runs):
                t = time.perf_counter()
                _post(url + f"api/{kind}", body)
                quick.append(time.perf_counter() - t)
            t = time.perf_counter()
            answer = _post(url + f"api/{kind}", _tab_bodies(scenario, True)[kind])
            tabs[kind] = {
                "quick": _stats(quick),
                "long_s": round(time.perf_counter() - t, 2),
                "long_count": answer.get("years", answer.get("futures")),
            }
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    out: dict[str, object] = {"first_page_s": round(first_page, 3)}
    if times:
        out["whatif"] = _stats(times)
    return {**out, "tabs": tabs}


def bench_tabs_api(scenario: str, tab_runs: int) -> dict[str, object]:
    """The tabs' quick runs through the library alone (no HTTP, no tables)."""
    import impact
    from impact.inputs.designs import load_design
    from impact.simulation.annual import simulate_annual
    from impact.simulation.resilience import simulate_resilience
    from impact.web.service import ANNUAL_YEARS, RESILIENCE_FUTURES

    base = impact.load_scenario(scenario)
    platform = impact.load_scenario("tiktok-us-2026")
    now = load_design("single-site", platform, flag="current")
    new = load_design("active-active", platform, flag="candidate")
    runs = {
        "annual": lambda: simulate_annual(base, ANNUAL_YEARS, 20260125),
        "resilience": lambda: simulate_resilience(now, [new], RESILIENCE_FUTURES, 20260125),
    }
    out: dict[str, object] = {}
    for kind, run in runs.items():
        run()  # warm-up
        times = []
        for _ in range(tab_runs):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        out[kind] = _stats(times)
    return out


def bench_api(n: int, trials: int, scenario: str) -> dict[str, object]:
    import impact
    from impact.web.service import Service

    base = impact.load_scenario(scenario)
    service = Service(Path(tempfile.mkdtemp()))
    sim, full = [], []
    for i in range(n + 1):
        changed = base.with_overrides({"outage.hours": hours(i)})
        t = time.perf_counter()
        result = impact.simulate(changed, trials, rng=20260125)
        s = time.perf_counter()
        service.view(service._keep(changed, trials, result), 0.0)
        e = time.perf_counter()
        if i:
            sim.append(s - t)
            full.append(e - t)
    return {"simulate": _stats(sim), "simulate_and_view": _stats(full)}


def bench_report_html(scenario: str) -> dict[str, object]:
    import impact
    from impact.reports import folder

    result = impact.simulate(impact.load_scenario(scenario), 100_000, rng=20260125)
    out = Path(tempfile.mkdtemp())
    real = folder.report_writers

    def without_html(*args: object, **kwargs: object) -> dict[str, object]:
        writers = real(*args, **kwargs)  # type: ignore[arg-type]
        writers.pop("report.html")
        return writers  # type: ignore[return-value]

    impact.write_report(result, out / "warm")  # imports and the first charts
    with_html, without = [], []
    for i in range(3):
        t = time.perf_counter()
        impact.write_report(result, out / f"with{i}")
        with_html.append(time.perf_counter() - t)
        folder.report_writers = without_html  # type: ignore[assignment]
        try:
            t = time.perf_counter()
            impact.write_report(result, out / f"without{i}")
            without.append(time.perf_counter() - t)
        finally:
            folder.report_writers = real
    size = (out / "with0" / "report.html").stat().st_size
    return {
        "write_report_with_html_s": round(min(with_html), 3),
        "write_report_without_html_s": round(min(without), 3),
        "report_html_bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="what-ifs to time (default 20)")
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--scenario", default="tiktok-us-2026")
    parser.add_argument(
        "--tab-runs", type=int, default=5, help="quick annual/resilience runs to time (default 5)"
    )
    parser.add_argument("--no-html", action="store_true", help="skip the report.html timing")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    figures = {
        "trials": args.trials,
        "n": args.n,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "server": bench_server(args.n, args.trials, args.scenario, args.tab_runs),
    }
    if args.n:
        figures["python_api"] = bench_api(args.n, args.trials, args.scenario)
    if args.tab_runs:
        figures["tabs_python_api"] = bench_tabs_api(args.scenario, args.tab_runs)
    if not args.no_html:
        figures["report_html"] = bench_report_html(args.scenario)
    figures["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(figures))
        return
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
