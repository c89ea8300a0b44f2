"""What the web page asks for, answered by the library: no web framework is imported here.

Every number the page shows comes from `impact.simulate`, `impact.compare`, `impact.annual` and
`impact.resilience`, tabulated by `impact.analysis` and formatted by `impact.reports`; the page
only inserts the HTML fragments and draws the Vega-Lite specs. Scenarios are addressed by slug
(a built-in name) or by the id of a file uploaded into memory, never by a path. A newer what-if
cancels an older one still running (at its next block of trials), and runs are serialised so
two never share the two cores.
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
import threading
import time
import tomllib
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from impact.analysis.summaries import attrition, breakdown, distribution, exceedance_curve
from impact.exceptions import InputError
from impact.inputs.designs import builtin_designs
from impact.inputs.keys import key_info
from impact.inputs.problems import Collector
from impact.inputs.scenario import Scenario, builtin_scenarios, load_scenario, scenario_from_toml
from impact.inputs.scenario_parse import parse_scenario
from impact.reports.format import format_count, format_usd
from impact.reports.headline import evidence_not_applied, headline
from impact.reports.html import attrition_table, breakdown_table, results_table
from impact.reports.tables import stat
from impact.reports.vega import breakdown_spec, distribution_spec, exceedance_spec
from impact.risk import annual, compare, resilience
from impact.simulation.engine import SimulationResult, simulate
from impact.web.limits import MAX_TRIALS, MAX_UPLOAD_BYTES, Cancelled

__all__ = [
    "MAIN_KEYS",
    "MAX_TRIALS",
    "MAX_UPLOAD_BYTES",
    "Cancelled",
    "Service",
    "upload_problems",
]

# The assumptions the page offers, in the order of the issue, with a label and a slider range
# (low, high, step) for a fixed value; any spec can be typed instead.
MAIN_KEYS: tuple[tuple[str, str, float, float, float], ...] = (
    ("outage.hours", "Outage duration (hours)", 1, 500, 1),
    ("outage.severity", "Severity (share of revenue lost while down)", 0, 1, 0.01),
    ("revenue.hourly_loss", "Hourly revenue at risk (USD)", 10_000, 5_000_000, 10_000),
    ("engagement.max_drop", "Engagement drop at restoration", 0, 1, 0.01),
    ("engagement.recovery_half_life_hours", "Recovery half-life (hours)", 1, 1000, 1),
    ("algorithm.latency_hours", "Recommender latency (hours)", 0, 2000, 10),
    ("users.churn_max", "Churn (largest share of users who leave)", 0, 0.5, 0.005),
    ("outage.zero_view_share", "Zero-view share of the outage", 0, 1, 0.01),
    ("revenue.deferred_share", "Deferred demand that comes back", 0, 1, 0.01),
)
DEFAULT_TRIALS = 100_000
MAX_SAMPLE_TRIALS = 200_000  # samples.csv grows with the trials: about 0.5 kB a trial
MAX_UPLOADS = 20
MAX_RUNS = 8
ANNUAL_YEARS = 20_000
RESILIENCE_FUTURES = 2_000  # a quick look: each future simulates 5 years of outages of every size
SLUG = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _lines(exc: Exception) -> list[str]:
    return [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]


def upload_problems(text: str, where: str = "upload") -> list[str]:
    """Every problem of an uploaded scenario file, one line each naming the key; [] if valid.

    The file is parsed in memory. A spec that would read a file on the server (`empirical(...)`,
    a revenue profile given by path) is refused, so no path is reachable from the browser.
    """
    if len(text.encode("utf-8", "replace")) > MAX_UPLOAD_BYTES:
        return [f"{where}: larger than {MAX_UPLOAD_BYTES // 1024} KiB; not a scenario file"]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [f"{where}: not valid TOML: {exc}"]
    problems = [
        f"{where}: {line.split('=')[0].strip()}: empirical(...) reads a file on the server; "
        "not allowed in an upload (give a distribution)"
        for line in text.splitlines()
        if "empirical(" in line.replace(" ", "")
    ]
    revenue = raw.get("revenue")
    profile = revenue.get("profile") if isinstance(revenue, dict) else None
    if profile is not None and not SLUG.match(str(profile)):
        problems.append(f"{where}: revenue.profile: {profile!r}: give a built-in profile name")
    if problems:
        return problems
    bag = Collector(where)
    try:
        parse_scenario(raw, {}, bag, base_dir=None, partial=False)
    except InputError as exc:
        return [*bag.problems, *_lines(exc)]
    return bag.problems


@dataclass
class Run:
    """One what-if the page asked for: how to make it again, and its result."""

    run_id: str
    scenario: Scenario
    n_trials: int
    seed: int
    result: SimulationResult
    folder: Path


@dataclass
class Service:
    """The server's state: uploaded scenarios, recent runs, and the one simulation slot."""

    workdir: Path
    seed: int = 20260125
    uploads: OrderedDict[str, Scenario] = field(default_factory=OrderedDict)
    runs: OrderedDict[str, Run] = field(default_factory=OrderedDict)
    _slot: threading.Lock = field(default_factory=threading.Lock)
    _generation: itertools.count[int] = field(default_factory=itertools.count)
    _latest: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- scenarios -------------------------------------------------------------------------

    def scenarios(self) -> dict[str, Any]:
        """The built-in scenarios and designs, and the main keys with their slider ranges."""
        keys = [
            {"key": k, "label": label, "min": lo, "max": hi, "step": step}
            for k, label, lo, hi, step in MAIN_KEYS
        ]
        return {
            "scenarios": sorted(builtin_scenarios()),
            "designs": sorted(builtin_designs()),
            "keys": keys,
            "max_trials": MAX_TRIALS,
            "default_trials": DEFAULT_TRIALS,
        }

    def upload(self, text: str, filename: str = "upload") -> dict[str, Any]:
        """Keep a valid uploaded scenario in memory under a new id; raise with every problem."""
        where = filename if SLUG.match(filename.removesuffix(".toml")) else "upload"
        problems = upload_problems(text, where)
        if problems:
            raise InputError("\n".join(problems))
        scenario = scenario_from_toml(text, where=where)
        upload_id = f"upload-{next(self._ids)}"
        self.uploads[upload_id] = scenario
        while len(self.uploads) > MAX_UPLOADS:
            self.uploads.popitem(last=False)
        return {"id": upload_id, "label": scenario.label, "specs": self.specs_of(scenario)}

    def base(self, ref: str) -> Scenario:
        """A built-in scenario by name, or an upload by id; nothing else."""
        if ref in self.uploads:
            return self.uploads[ref]
        if not SLUG.match(ref) or ref not in builtin_scenarios():
            names = ", ".join(sorted(builtin_scenarios()))
            raise InputError(f"scenario: {ref[:64]!r}: not a built-in scenario ({names}) or upload")
        return load_scenario(ref)

    @staticmethod
    def specs_of(scenario: Scenario) -> dict[str, str]:
        """The scenario's spec of each main key, as the page shows it."""
        return {k: str(scenario.specs.get(k, "")) for k, *_ in MAIN_KEYS}

    def build(self, ref: str, specs: dict[str, str]) -> Scenario:
        """The base scenario with the specs the page changed; one line per bad spec."""
        base = self.base(ref)
        changed = {}
        problems = []
        for key, spec in specs.items():
            info = key_info(key)  # an unknown key is an InputError naming it
            text = str(spec).strip()
            if not text:
                problems.append(f"{info.key}: empty spec; give a value or a distribution")
                continue
            if "empirical" in text:
                problems.append(f"{info.key}: {text}: empirical(...) reads a server file; not here")
                continue
            if text != str(base.specs.get(info.key, "")):
                changed[info.key] = text
        for key, text in changed.items():
            try:
                base.with_overrides({key: text})
            except InputError as exc:
                problems += _lines(exc)
        if problems:
            raise InputError("\n".join(problems))
        return base.with_overrides(changed, source="set on the web page") if changed else base

    # --- the simulation slot ---------------------------------------------------------------

    def _claim(self, channel: str) -> int:
        ticket = next(self._generation)
        self._latest[channel] = ticket
        return ticket

    def cancel_all(self) -> None:
        """Cancel every running request at its next block (the server is stopping)."""
        self._latest.clear()

    def _check(self, channel: str, ticket: int) -> None:
        if self._latest.get(channel) != ticket:
            raise Cancelled("replaced by a newer request")

    def _exclusive(self, channel: str, work: Any) -> Any:
        """Run `work(check)` alone; a newer request on the same channel cancels it."""
        ticket = self._claim(channel)
        with self._slot:
            self._check(channel, ticket)
            return work(lambda *_: self._check(channel, ticket))

    @staticmethod
    def trials(value: Any, cap: int = MAX_TRIALS) -> int:
        """A trial count from the page, capped with a clear message."""
        try:
            n = int(str(value).replace(",", "").replace("_", ""))
        except ValueError:
            raise InputError(f"trials: {str(value)[:32]!r}: not a whole number") from None
        if not 1_000 <= n <= cap:
            raise InputError(f"trials: {n:,}: give 1,000 to {cap:,} on this page")
        return n

    # --- what-if ---------------------------------------------------------------------------

    def whatif(self, ref: str, specs: dict[str, str], n_trials: int) -> dict[str, Any]:
        """Simulate the scenario with the page's specs; the page's whole view of the result."""
        scenario = self.build(ref, specs)
        started = time.perf_counter()

        def work(check: Any) -> SimulationResult:
            return simulate(scenario, n_trials, self.seed, progress=check)

        result = self._exclusive("whatif", work)
        run = self._keep(scenario, n_trials, result)
        return self.view(run, time.perf_counter() - started)

    def _keep(self, scenario: Scenario, n_trials: int, result: SimulationResult) -> Run:
        run_id = f"run-{next(self._ids)}"
        run = Run(run_id, scenario, n_trials, self.seed, result, self.workdir / run_id)
        self.runs[run_id] = run
        while len(self.runs) > MAX_RUNS:
            _, old = self.runs.popitem(last=False)
            shutil.rmtree(old.folder, ignore_errors=True)
        return run

    @staticmethod
    def view(run: Run, seconds: float) -> dict[str, Any]:
        """Headline, charts and tables of a run, all computed by the library."""
        result = run.result
        summary = result.summary
        n = result.n_trials
        return {
            "run": run.run_id,
            "label": run.scenario.label,
            "headline": headline(run.scenario.label, summary),
            "trials": n,
            "seed": result.seed,
            "seconds": round(seconds, 3),
            "users_lost": format_count(stat(summary, "users_lost", "p50")),
            "creators_lost": format_count(stat(summary, "creators_lost", "p50")),
            "specs": {
                "chart-distribution": distribution_spec(distribution(result), summary, n),
                "chart-exceedance": exceedance_spec(exceedance_curve(result), summary, n),
                "chart-breakdown": breakdown_spec(breakdown(result)),
            },
            "tables": {
                "breakdown": breakdown_table(breakdown(result)),
                "attrition": attrition_table(attrition(result)),
                "results": results_table(summary),
            },
        }

    # --- pin and compare -------------------------------------------------------------------

    def compare(self, pinned: str, current: str) -> dict[str, Any]:
        """B (the current run) against A (the pinned one) on common random numbers."""
        a, b = self._run(pinned), self._run(current)
        if a.n_trials != b.n_trials:
            raise InputError(
                f"trials: the pinned run has {a.n_trials:,} and this one {b.n_trials:,}; "
                "a paired comparison needs the same number"
            )

        def work(check: Any) -> Any:
            return compare(a.scenario, b.scenario, a.n_trials, self.seed)

        paired = self._exclusive("compare", work)
        from impact.analysis.compare import compare_report_data
        from impact.reports.compare_report import compare_headline

        data = compare_report_data(paired)
        text = compare_headline(data)
        changes = "; ".join(
            f"{r['key']}: {r['spec_a']} → {r['spec_b']}" for r in data.differing.to_dict("records")
        )
        s = paired.summary
        rows = [
            [
                str(m),
                format_usd(float(r["mean_a"])),
                format_usd(float(r["mean_b"])),
                format_usd(float(r["mean_diff"])),
                format_usd(float(r["se_diff"])),
                f"{float(r['p_b_below_a']):.1%}",
            ]
            for m, r in s.iterrows()
            if str(r.get("unit", "USD")) == "USD"
        ]
        return {
            "headline": _plain(text),
            "changes": f"B differs from A in: {changes}." if changes else "A and B are the same.",
            "note": _plain(evidence_not_applied([a.scenario, b.scenario])),
            "rows": rows,
        }

    def _run(self, run_id: str) -> Run:
        if run_id not in self.runs:
            raise InputError(f"run: {run_id[:32]!r}: no such run (it may have expired; run again)")
        return self.runs[run_id]

    # --- annual risk and resilience --------------------------------------------------------

    def annual(self, ref: str, specs: dict[str, str]) -> dict[str, Any]:
        """A year of outages like this scenario's: the annual report's headline and tables."""
        scenario = self.build(ref, specs)
        from impact.analysis.annual_tables import annual_report_data
        from impact.reports.annual_report import headline as annual_headline

        result = self._exclusive(
            "annual", lambda check: annual(scenario, ANNUAL_YEARS, self.seed, workers=1)
        )
        data = annual_report_data(result)
        rows = [
            [str(m)] + [format_usd(float(r[c])) for c in ("mean", "p50", "p90", "p99", "cvar99")]
            for m, r in data.summary.iterrows()
            if str(m).endswith("_usd")
        ]
        return {"headline": _plain(annual_headline(data)), "rows": rows}

    def resilience(self, current: str, candidate: str) -> dict[str, Any]:
        """NPV of moving from one built-in design to another."""
        designs = builtin_designs()
        for name in (current, candidate):
            if not SLUG.match(name) or name not in designs:
                names = ", ".join(sorted(designs))
                raise InputError(f"design: {name[:64]!r}: not a built-in design ({names})")
        from impact.analysis.resilience import resilience_report_data
        from impact.reports.resilience_report import cfo_sentence

        result = self._exclusive(
            "resilience",
            lambda check: resilience(current, candidate, RESILIENCE_FUTURES, self.seed),
        )
        data = resilience_report_data(result, self.seed)
        rows = [
            [str(m)] + [format_usd(float(r[c])) for c in ("mean", "p05", "p50", "p95")]
            for m, r in result.summary.iterrows()
        ]
        return {"headline": cfo_sentence(data), "rows": rows}

    # --- downloads -------------------------------------------------------------------------

    def report_zip(self, run_id: str) -> bytes:
        """The run's report folder (as `impact simulate` writes it), zipped in memory."""
        from impact.reports.folder import write_report

        run = self._run(run_id)
        folder = run.folder / "report"
        if not (folder / "report.md").is_file():
            write_report(run.result, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{run.scenario.name}/{path.relative_to(folder)}")
        return buffer.getvalue()

    def samples_csv(self, run_id: str) -> Path:
        """samples.csv of the run: the same scenario, seed and trials again, keeping samples."""
        from impact.reports.folder import write_report

        run = self._run(run_id)
        if run.n_trials > MAX_SAMPLE_TRIALS:
            raise InputError(
                f"trials: {run.n_trials:,}: samples are offered up to {MAX_SAMPLE_TRIALS:,} "
                "trials; run with fewer, or use `impact simulate --samples`"
            )
        folder = run.folder / "samples"
        path = folder / "samples.csv"
        if not path.is_file():
            result = self._exclusive(
                "samples",
                lambda check: simulate(run.scenario, run.n_trials, run.seed, samples=True),
            )
            write_report(result, folder, samples_format="csv")
        return path


def _plain(markdown: str) -> str:
    """A report's quoted markdown headline as plain text (no '>' or '**')."""
    lines = [ln.removeprefix(">").strip() for ln in markdown.splitlines()]
    return " ".join(ln for ln in lines if ln).replace("**", "").replace("`", "")
