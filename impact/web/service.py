"""What the web page asks for, answered by the library: no web framework is imported here.

Every number the page shows comes from `impact.simulate`, `impact.compare`, `impact.annual` and
`impact.resilience`, tabulated by `impact.analysis` and formatted by `impact.reports`; the page
only inserts the HTML fragments and draws the Vega-Lite specs. Scenarios are addressed by slug
(a built-in name) or by the id of a file uploaded into memory, never by a path. A newer request
of a kind (what-if, annual, resilience, …) cancels an older one of that kind still running (at
its next block), and runs take one slot in turn so two never share the two cores; a long run
steps aside between its blocks for a request that waits, so a what-if is not stuck behind it.
Each kind's progress (blocks done of the total) can be read while it runs.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import shutil
import threading
import time
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from impact.analysis.annual_tables import annual_rows
from impact.analysis.backtest import exact_binomial_interval
from impact.analysis.summaries import attrition, breakdown, distribution, exceedance_curve
from impact.exceptions import InputError
from impact.inputs.designs import DEFAULT_BASE, builtin_designs, load_design
from impact.inputs.keys import FREQUENCY_KEY, key_info
from impact.inputs.problems import Collector
from impact.inputs.profile import builtin_profiles
from impact.inputs.scenario import Scenario, builtin_scenarios, load_scenario, scenario_from_toml
from impact.inputs.scenario_file import parse_toml
from impact.inputs.scenario_parse import MAX_TRIALS as LIBRARY_MAX_TRIALS
from impact.inputs.scenario_parse import parse_scenario
from impact.inputs.specs import parse_number
from impact.outputs import output
from impact.reports.format import format_count, format_usd
from impact.reports.headline import evidence_line, evidence_not_applied, headline
from impact.reports.html import attrition_table, breakdown_table, results_table
from impact.reports.labels import METRIC_LABELS
from impact.reports.tables import stat
from impact.reports.vega import breakdown_spec, distribution_spec, exceedance_spec
from impact.risk import compare
from impact.simulation.annual import simulate_annual
from impact.simulation.engine import SimulationResult, simulate
from impact.simulation.future import FUTURE_KEYS
from impact.simulation.resilience import PairResult, simulate_resilience
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
# 2,000 tiers fit in an upload (160 kB) and made its report.zip take 22 s and 1.5 GB; 50 take
# 1.5 s and 0.3 GB (tiktok-us-2026 gives five).
MAX_UPLOAD_TIERS = 50
# 3,000 attribution readings (86 kB) made a what-if of 50,000 trials take 40 s and 24 GB of
# memory, enough to have the server killed; tiktok-us-2026 gives three.
MAX_UPLOAD_READINGS = 10
MAX_RUNS = 8
# The annual and resilience tabs answer first with a run that takes about a second on the 2-core
# reference machine (measured: docs/web.md), and offer a run ten times longer (its Monte Carlo
# error about a third) with a progress bar. A future simulates 5 years of outages of every size.
ANNUAL_YEARS, ANNUAL_YEARS_LONG = 50_000, 500_000
RESILIENCE_FUTURES, RESILIENCE_FUTURES_LONG = 5_000, 50_000
# The library takes up to 1,000 outages a year; every simulated year holds its outages at once,
# and 500 a year made the quick 50,000-year run take over 8 GB of memory. 20 is several times
# any platform's (tiktok-us-2026: median 0.55).
MAX_MEAN_EVENTS_PER_YEAR = 20
CHANNELS = ("whatif", "compare", "annual", "resilience", "samples")
Z95 = 1.959963984540054  # the normal 97.5th percentile: mean ± Z95·se is a 95% interval
SLUG = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _lines(exc: Exception) -> list[str]:
    return [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]


def _leaves(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Every value of a parsed TOML table with its dotted key ("outage.hours")."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _leaves(value, f"{name}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out += _leaves(item, f"{name}[{i}].")
                else:
                    out.append((f"{name}[{i}]", item))
        else:
            out.append((name, value))
    return out


def _at(table: dict[str, Any], key: str) -> Any:
    """The value at a dotted `key` of a parsed TOML table ("revenue.profile"), or None."""
    value: Any = table
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _reads_a_file(spec: str) -> bool:
    """Whether a spec could read a file on the server: empirical(...), which the spec parser
    takes in any case and with spaces before its parenthesis (`Empirical (x.csv:c)`)."""
    return "empirical" in spec.lower()


def upload_problems(text: str, where: str = "upload") -> list[str]:
    """Every problem of an uploaded scenario file, one line each naming the key; [] if valid.

    The file is parsed in memory. A spec that would read a file on the server (`empirical(...)`,
    a revenue profile given by path) is refused, so no path is reachable from the browser.
    """
    if len(text.encode("utf-8", "replace")) > MAX_UPLOAD_BYTES:
        return [f"{where}: larger than {MAX_UPLOAD_BYTES // 1024} KiB; not a scenario file"]
    try:
        raw = parse_toml(text, where)  # a parser error, or nesting too deep, in one line
    except InputError as exc:
        return [str(exc)]
    problems = [
        f"{where}: {key}: empirical(...) reads a file on the server; "
        "not allowed in an upload (give a distribution)"
        for key, value in _leaves(raw)
        if isinstance(value, str) and _reads_a_file(value)
    ]
    for key, cap, why in (
        ("creators.tiers", MAX_UPLOAD_TIERS, "each is a bar of the report's charts"),
        (
            "evidence.attribution.readings",
            MAX_UPLOAD_READINGS,
            "each is a conditioned run of its own",
        ),
    ):
        many = _at(raw, key)
        if isinstance(many, (list, dict)) and len(many) > cap:
            what = key.rpartition(".")[2]
            problems.append(
                f"{where}: {key}: {len(many):,} {what}: an upload gives at most {cap} ({why})"
            )
    profile = _at(raw, "revenue.profile")
    # Only a built-in name: anything else is looked up as a path (relative to the server's
    # working folder), and a file found there answered with its first line.
    if profile is not None and profile not in ("flat", *builtin_profiles()):
        names = ", ".join(["flat", *builtin_profiles()])
        problems.append(
            f"{where}: revenue.profile: {str(profile)[:64]!r}: give a built-in profile name "
            f"({names}); a file on the server is not read"
        )
    if problems:
        return problems
    bag = Collector(where)
    try:
        parse_scenario(raw, {}, bag, base_dir=None, partial=False)
    except InputError as exc:
        return [*bag.problems, *_lines(exc)]
    return bag.problems


class Slot:
    """One simulation at a time, first come first served (a ticket lock). A long run calls
    `step_aside` between blocks: while another request waits, it lets that one go first and
    queues again, so a 0.5 s what-if never waits out a 30 s run."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._next = 0
        self._serving = 0

    def __enter__(self) -> Slot:
        with self._turn:
            mine = self._next
            self._next += 1
            while self._serving != mine:
                self._turn.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._turn:
            self._serving += 1
            self._turn.notify_all()

    def waiting(self) -> int:
        """How many requests wait for the slot."""
        with self._turn:
            return max(0, self._next - self._serving - 1)

    def step_aside(self) -> None:
        if self.waiting():
            self.__exit__()
            self.__enter__()


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
    _slot: Slot = field(default_factory=Slot)
    _generation: itertools.count[int] = field(default_factory=itertools.count)
    _latest: dict[str, int] = field(default_factory=dict)
    _progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # The runs' folders: one download writes (or a new run removes) a folder at a time, so two
    # downloads of one run do not zip each other's half-written files.
    _files: threading.Lock = field(default_factory=threading.Lock)

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
            "annual_years": [ANNUAL_YEARS, ANNUAL_YEARS_LONG],
            "resilience_futures": [RESILIENCE_FUTURES, RESILIENCE_FUTURES_LONG],
            # The resilience tab always runs over this scenario: its designs carry its costs.
            "resilience_base": DEFAULT_BASE,
            "resilience_note": (
                f"Resilience always runs over {load_scenario(DEFAULT_BASE).label}: the built-in "
                "designs carry its costs and outage rates, so the scenario chosen under What if "
                "is not used here."
            ),
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
            if not isinstance(spec, str | int | float) or isinstance(spec, bool):
                shown = json.dumps(spec, default=repr)[:64]  # as sent: true, null, [1], {…}
                problems.append(f"{info.key}: {shown}: give a number or a spec as text")
                continue
            text = str(spec).strip()
            if not text:
                problems.append(f"{info.key}: empty spec; give a value or a distribution")
                continue
            if _reads_a_file(text):
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

    def cancel(self, channel: str) -> None:
        """Cancel the running request of one kind (the page's Stop button)."""
        if channel not in CHANNELS:
            raise InputError(f"channel: {channel[:32]!r}: one of {', '.join(CHANNELS)}")
        self._latest.pop(channel, None)
        self._progress.pop(channel, None)

    def progress(self) -> dict[str, dict[str, Any]]:
        """Each running kind's progress: done and total (trials, years or futures), seconds."""
        now = time.perf_counter()
        return {
            channel: {**p, "seconds": round(now - p["started"], 1)}
            for channel, p in list(self._progress.items())
        }

    def _check(self, channel: str, ticket: int) -> None:
        if self._latest.get(channel) != ticket:
            raise Cancelled("replaced by a newer request")

    def _exclusive(self, channel: str, work: Any, total: int = 0) -> Any:
        """Run `work(check)` alone; a newer request on the same channel cancels it. `check(done,
        total)`, called between blocks, records the progress and steps aside for a waiter."""
        ticket = self._claim(channel)
        self._progress[channel] = {"done": 0, "total": total, "started": time.perf_counter()}

        def check(done: int = 0, of: int = 0) -> None:
            self._check(channel, ticket)
            if of:
                self._progress[channel] = {**self._progress[channel], "done": done, "total": of}
            self._slot.step_aside()
            self._check(channel, ticket)

        try:
            with self._slot:
                self._check(channel, ticket)
                done = work(check)
            # A run with no blocks to check between (a comparison, samples) that was stopped or
            # replaced meanwhile answers as cancelled, as the Stop button was told.
            self._check(channel, ticket)
            return done
        finally:
            if self._latest.get(channel) == ticket:
                self._progress.pop(channel, None)

    @staticmethod
    def trials(value: Any, cap: int = MAX_TRIALS) -> int:
        """A trial count from the page, read as `impact simulate --trials` reads it (100000,
        100,000, 1e5, 100k, 1M; at most the library's 1,000,000,000 per run), then capped to
        the page's own range, each refusal one line naming the field and the value."""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            shown = json.dumps(value, default=repr)[:32]  # as sent: true, null, [1], {…}
            raise InputError(f"trials: {shown}: must be a whole number ≥ 1")
        text = str(value).strip()
        if len(text) > 32:  # said, not cut: its first 32 characters can be another number
            raise InputError(
                f"trials: {text[:32]!r}…: not a number (write e.g. 100000, 100k or 1M)"
            )
        try:
            number = parse_number(text.replace(",", ""))
        except InputError:
            raise InputError(
                f"trials: {text!r}: not a number (write e.g. 100000, 100k or 1M)"
            ) from None
        if isinstance(value, bool) or number != int(number) or number < 1:
            raise InputError(f"trials: {text!r}: must be a whole number ≥ 1")
        if number > LIBRARY_MAX_TRIALS:
            raise InputError(
                f"trials: {text!r}: at most {LIBRARY_MAX_TRIALS:,} per run (more is taken for "
                f"a typo); this page runs 1,000 to {cap:,}"
            )
        n = int(number)
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

        result = self._exclusive("whatif", work, n_trials)
        run = self._keep(scenario, n_trials, result)
        return self.view(run, time.perf_counter() - started)

    def _keep(self, scenario: Scenario, n_trials: int, result: SimulationResult) -> Run:
        run_id = f"run-{next(self._ids)}"
        run = Run(run_id, scenario, n_trials, self.seed, result, self.workdir / run_id)
        self.runs[run_id] = run
        while len(self.runs) > MAX_RUNS:
            _, old = self.runs.popitem(last=False)
            with self._files:
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
            # With [evidence] the headline is the conditioned figure; say so (and give the one
            # from the assumptions alone, which a pinned comparison shows).
            "conditioned": (
                evidence_line(summary, result.prior_summary, result.ess, n)
                if result.conditioned is not None
                else ""
            ),
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

        # A and B are named by what differs between them, not by the scenario's title twice.
        differing = [
            k
            for k in dict.fromkeys([*a.scenario.specs, *b.scenario.specs])
            if str(a.scenario.specs.get(k, "")) != str(b.scenario.specs.get(k, ""))
        ]
        label_a = _run_label(f"pinned {a.run_id}", a.scenario, differing)
        label_b = _run_label(f"this run {b.run_id}", b.scenario, differing)
        first = replace(a.scenario, title=label_a)
        second = replace(b.scenario, title=label_b)

        def work(check: Any) -> Any:
            return compare(first, second, a.n_trials, self.seed)

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
                METRIC_LABELS.get(str(m), str(m)),
                format_usd(float(r["mean_a"])),
                format_usd(float(r["mean_b"])),
                format_usd(float(r["mean_diff"])),
                format_usd(float(r["se_diff"])),
                f"{float(r['p_b_below_a']):.1%}",
            ]
            for m, r in s.iterrows()
            if str(r.get("unit", "USD")) == "USD"
        ]
        # The paired run draws from the assumptions alone: with [evidence] its means differ
        # from the conditioned headlines above, and its column headings say why.
        evidence = bool(a.scenario.evidence or b.scenario.evidence)
        alone = (
            " (from the assumptions alone, evidence not applied)"
            if evidence
            else " (from the assumptions)"
        )
        return {
            "headline": _plain(text),
            "label_a": f"A: {label_a}",
            "label_b": f"B: {label_b}",
            "columns": [
                "US dollars",
                f"mean A{alone}",
                f"mean B{alone}",
                "B − A",
                "its standard error (paired)",
                "share of trials where B < A",
            ],
            "changes": f"B differs from A in: {changes}." if changes else "A and B are the same.",
            "note": _plain(evidence_not_applied([a.scenario, b.scenario])),
            "rows": rows,
        }

    def _run(self, run_id: str) -> Run:
        if run_id not in self.runs:
            raise InputError(f"run: {run_id[:32]!r}: no such run (it may have expired; run again)")
        return self.runs[run_id]

    # --- annual risk and resilience --------------------------------------------------------

    def annual(self, ref: str, specs: dict[str, str], long: bool = False) -> dict[str, Any]:
        """Years of outages like this scenario's: the annual report's headline, and its figures
        each with its 95% Monte Carlo interval (the mean's from its standard error, a
        percentile's from binomial order statistics) and the number of simulated years."""
        scenario = self.build(ref, specs)
        rate = scenario.distributions.get(FREQUENCY_KEY)
        mean_rate = float(rate.mean()) if rate is not None else 0.0
        if not mean_rate <= MAX_MEAN_EVENTS_PER_YEAR:  # NaN too
            raise InputError(
                f"{FREQUENCY_KEY}: {scenario.specs.get(FREQUENCY_KEY)}: {mean_rate:,.4g} outages a "
                f"year on average; this page simulates at most {MAX_MEAN_EVENTS_PER_YEAR} "
                "(`impact annual` takes more)"
            )
        from impact.analysis.annual_tables import annual_report_data
        from impact.reports.annual_report import headline as annual_headline

        n_years = ANNUAL_YEARS_LONG if long else ANNUAL_YEARS
        started = time.perf_counter()

        def work(check: Any) -> Any:
            return simulate_annual(scenario, n_years, self.seed, workers=1, progress=check)

        result = self._exclusive("annual", work, n_years)
        data = annual_report_data(result)
        metrics = annual_rows(result.with_cover)
        rows: list[list[str | dict[str, str]]] = []
        for metric in metrics:
            sketch = result.sketches[metric]
            cells: list[str | dict[str, str]] = [output(metric).label]
            cells.append(_mean_cell(sketch.average, sketch.se_mean))
            for q in (0.5, 0.9, 0.99):
                lo, hi = sketch.quantile_interval(q)
                cells.append(_cell(sketch.quantile(q), lo, hi))
            cells.append(format_usd(stat(data.summary, metric, "cvar99")))
            rows.append(cells)
        k = result.years_with_outage
        lo, hi = exact_binomial_interval(k, n_years)
        head, *details = _paragraphs(annual_headline(data))
        labels = {k: label for k, label, *_ in MAIN_KEYS}
        notes = [
            f"{labels[key].split(' (')[0]}: the what-if setting is not used here; each future "
            f"outage draws its own from the scenario's {stands}, {scenario.specs[stands]}."
            for key, stands in FUTURE_KEYS.items()
            if stands in scenario.specs
        ]
        return {
            "headline": head,
            "details": details,
            "notes": notes,
            "rows": rows,
            "years": n_years,
            "long": long,
            "seconds": round(time.perf_counter() - started, 2),
            "precision": (
                f"{n_years:,} simulated years. Years with at least one outage: {k / n_years:.1%} "
                f"(95% interval {lo:.1%}–{hi:.1%}). Under each figure in grey, its 95% Monte Carlo "
                "interval: how far a run of this length can stray from what the model gives with "
                "endless years (not the uncertainty of the assumptions, which the spread of the "
                "columns shows; the worst-1% average has none computed)."
            ),
        }

    def resilience(self, current: str, candidate: str, long: bool = False) -> dict[str, Any]:
        """NPV of moving from one built-in design to another, each figure with its 95% Monte
        Carlo interval and the number of simulated futures."""
        designs = builtin_designs()
        for name in (current, candidate):
            if not SLUG.match(name) or name not in designs:
                names = ", ".join(sorted(designs))
                raise InputError(f"design: {name[:64]!r}: not a built-in design ({names})")
        import pandas as pd

        from impact.analysis.resilience import ResilienceReportData
        from impact.reports.resilience_report import cfo_sentence

        platform = load_scenario(DEFAULT_BASE)
        now = load_design(current, platform, flag="current")
        new = load_design(candidate, platform, flag="candidate")
        n = RESILIENCE_FUTURES_LONG if long else RESILIENCE_FUTURES
        started = time.perf_counter()

        def work(check: Any) -> Any:
            return simulate_resilience(now, [new], n, self.seed, progress=check)

        result = self._exclusive("resilience", work, n)
        # The sentence reads the ranking only; the report's tornado (a rerun per input, 30 s and
        # more) is not shown on the page, so it is not computed.
        empty = pd.DataFrame()
        data = ResilienceReportData(result, result.ranking, new, empty, empty, empty, empty)
        labels = {
            "annual_loss_current_usd": f"Annual loss as now ({now.label})",
            "annual_loss_candidate_usd": f"Annual loss with {new.label}",
            "annual_loss_avoided_usd": "Annual loss avoided",
            "npv_usd": f"Net present value over {result.horizon} years (NPV)",
        }
        rows: list[list[str | dict[str, str]]] = []
        for m, r in result.summary.iterrows():
            row: list[str | dict[str, str]] = [labels.get(str(m), str(m))]
            row.append(_mean_cell(float(r["mean"]), float(r["se_mean"])))
            row += [{"value": format_usd(float(r[c]))} for c in ("p05", "p50", "p95")]
            rows.append(row)
        pair = result.pairs[0]
        rows += _cost_rows(pair, now.scenario, new.scenario)
        lo, hi = exact_binomial_interval(pair.npv_positive, n)
        return {
            "headline": cfo_sentence(data),
            "rows": rows,
            "futures": n,
            "long": long,
            "seconds": round(time.perf_counter() - started, 2),
            "precision": (
                f"{n:,} simulated futures of {result.horizon} years each. Pays for itself "
                f"(NPV > 0) in {pair.p_npv_positive:.2%} of them (95% interval {lo:.2%}–"
                f"{hi:.2%}). Under each mean in grey, its 95% Monte Carlo interval. The NPV is "
                "the losses avoided minus the extra one-off and yearly costs, all discounted "
                "(the rows below it, means over the futures, with their intervals too)."
            ),
        }

    # --- downloads -------------------------------------------------------------------------

    def report_zip(self, run_id: str) -> tuple[str, bytes]:
        """The run's report folder (as `impact simulate` writes it), zipped in memory, and the
        zip's file name."""
        from impact.reports.folder import write_report

        run = self._run(run_id)
        folder = run.folder / "report"
        buffer = io.BytesIO()
        with self._files:
            if not (folder / "report.md").is_file():
                write_report(run.result, folder)
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"{run.scenario.name}/{path.relative_to(folder)}")
        return f"{run.scenario.name}-{run.run_id}.zip", buffer.getvalue()

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
            with self._files:
                if not path.is_file():
                    write_report(result, folder, samples_format="csv")
        return path


def _run_label(name: str, scenario: Scenario, keys: list[str]) -> str:
    """'pinned run-3 (outage.hours = 24)': a run by what it sets of the keys A and B differ in."""
    if not keys:
        return f"{name} (the same assumptions)"
    sets = ", ".join(f"{k} = {scenario.specs.get(k, '(not set)')}" for k in keys)
    return f"{name} ({sets})"


def _cost_rows(pair: PairResult, now: Scenario, new: Scenario) -> list[list[str | dict[str, str]]]:
    """What the NPV is made of, from the pair's own figures (means over its futures, each with
    its 95% Monte Carlo interval): the losses avoided, minus the extra one-off and yearly costs,
    all discounted, so NPV = the first row minus the next two; then the assumed and the
    break-even all-in cost a year (ratios over the annuity: their intervals by the delta
    method, `PairResult.standard_error`)."""
    n = pair.n_futures

    def spec(scenario: Scenario, *keys: str) -> str:
        given = [str(scenario.specs[k]) for k in keys if str(scenario.specs.get(k, "0")) != "0"]
        return " + ".join(given) or "0"

    yearly = ("cost.per_year_usd", "cover.premium_usd")
    costs = {"one_off": 1.0, "running_pv": 1.0}
    figures = [
        (
            f"Losses avoided over {pair.horizon} years, discounted",
            pair.pv_avoided_sum / n,
            pair.standard_error({"pv_avoided": 1.0}),
        ),
        (
            f"Extra one-off cost (assumed: {spec(new, 'cost.one_off_usd')} against "
            f"{spec(now, 'cost.one_off_usd')})",
            pair.one_off_sum / n,
            pair.standard_error({"one_off": 1.0}),
        ),
        (
            f"Extra yearly costs over {pair.horizon} years, discounted (assumed a year: "
            f"{spec(new, *yearly)} against {spec(now, *yearly)})",
            pair.running_pv_sum / n,
            pair.standard_error({"running_pv": 1.0}),
        ),
        (
            "All-in extra cost a year, assumed (one-off spread over the years)",
            pair.cost_per_year,
            pair.standard_error(costs, "annuity"),
        ),
        (
            "All-in extra cost a year at which it breaks even",
            pair.break_even_per_year,
            pair.standard_error({"pv_avoided": 1.0}, "annuity"),
        ),
    ]
    return [[label, _mean_cell(v, se), "–", "–", "–"] for label, v, se in figures]


def _cell(value: float, lo: float, hi: float) -> dict[str, str]:
    """A figure and its 95% Monte Carlo interval ('$1.25B', '$1.19B–$1.31B')."""
    return {"value": format_usd(value), "interval": f"{format_usd(lo)}–{format_usd(hi)}"}


def _mean_cell(mean: float, se: float) -> dict[str, str]:
    """A mean and half its 95% Monte Carlo interval ('$84.5M', '± $1.8M')."""
    return {"value": format_usd(mean), "interval": f"± {format_usd(Z95 * se)}"}


def _paragraphs(markdown: str) -> list[str]:
    """A report's quoted markdown headline as plain paragraphs: the bold sentence, then the rest."""
    return [_plain(part) for part in markdown.split("\n>\n") if part.strip("> \n")]


def _plain(markdown: str) -> str:
    """A report's quoted markdown headline as plain text (no '>' or '**')."""
    lines = [ln.removeprefix(">").strip() for ln in markdown.splitlines()]
    return " ".join(ln for ln in lines if ln).replace("**", "").replace("`", "")
