"""Bad input: each case exits 2 with one line naming the key or file, no traceback, nothing
written. Cases come in classes (a name that escapes --out, a file that is not what it claims,
a value that overflows, ...); each class is tried around the example that first showed it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from processes import alive, descendants, pythons

from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.datafile import MAX_SCENARIO_BYTES
from impact.inputs.scenario import load_scenario, scenario_from_specs
from impact.inputs.specs import parse_number
from impact.reports import drawing
from impact.simulation.engine import simulate

ONSET = "2025-03-21 00:00"
VALID = "[outage]\nhours = 24\n[revenue]\nhourly_loss = 400000\n"  # the required keys
RESTORED = "2025-03-21 05:00"


def _series(path: Path, values: np.ndarray | None = None, times: list[str] | None = None) -> None:
    index = pd.date_range("2025-03-01", periods=24 * 30, freq="h")
    if values is None:
        rng = np.random.default_rng(1)
        hours = np.arange(index.size)
        values = 1000 + 100 * np.sin(hours * 2 * np.pi / 24) + rng.normal(0, 10, index.size)
        values[24 * 20 : 24 * 20 + 5] *= 0.3
    stamps = times if times is not None else list(index.strftime("%Y-%m-%d %H:%M"))
    pd.DataFrame({"time": stamps, "visits": values}).to_csv(path, index=False)


def _write(name: str, text: str | bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        target = folder / name
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    return make


def _unsorted(folder: Path) -> None:
    times = list(pd.date_range("2025-03-01", periods=720, freq="h").strftime("%Y-%m-%d %H:%M"))
    times[10], times[11] = times[11], times[10]
    _series(folder / "s.csv", times=times)


def _repeated(folder: Path) -> None:
    times = list(pd.date_range("2025-03-01", periods=720, freq="h").strftime("%Y-%m-%d %H:%M"))
    times[11] = times[10]
    _series(folder / "s.csv", times=times)


def _mixed(folder: Path) -> None:
    times = list(pd.date_range("2025-03-01", periods=720, freq="h").strftime("%Y-%m-%d %H:%M"))
    times[5] = "2025-03-01 05:00+04:00"
    _series(folder / "s.csv", times=times)


def _mixed_first(folder: Path) -> None:
    times = list(pd.date_range("2025-03-01", periods=720, freq="h").strftime("%Y-%m-%d %H:%M"))
    times[0] += "Z"
    _series(folder / "s.csv", times=times)


def _half_hourly_backwards(folder: Path) -> None:
    times = list(pd.date_range("2025-03-01", periods=720, freq="h").strftime("%Y-%m-%d %H:%M"))
    times = times[::-1]  # sorted the wrong way: once printed as "-1 days +23:00:00 apart"
    _series(folder / "s.csv", times=times)


def _plain(folder: Path) -> None:
    _series(folder / "s.csv")


def _constant(folder: Path) -> None:
    _series(folder / "s.csv", values=np.full(720, 1000.0))


def _duplicate_header(folder: Path) -> None:
    _series(folder / "s.csv")
    text = (folder / "s.csv").read_text().splitlines()
    lines = [text[0] + ",visits"] + [f"{line},1" for line in text[1:]]
    (folder / "s.csv").write_text("\n".join(lines) + "\n")


def _big_scenario(folder: Path) -> None:
    line = "key_{} = 1\n"
    lines, size, i = ["[junk]\n"], 0, 0
    while size <= MAX_SCENARIO_BYTES:
        lines.append(line.format(i))
        size += len(lines[-1])
        i += 1
    (folder / "big.toml").write_text("".join(lines))


def _many_bad_keys(folder: Path) -> None:
    keys = "".join(f"key_{i} = 1\n" for i in range(20_000))  # well under the size limit
    (folder / "many.toml").write_text(VALID.replace("[revenue]", keys + "[revenue]"))


def _unknown_section(folder: Path) -> None:
    keys = "".join(f"key_{i} = 1\n" for i in range(30_000))
    (folder / "unknown.toml").write_text(f'name = "x"\n{VALID}[junk]\n{keys}')


def _scenario(name_line: str) -> Callable[[Path], None]:
    return _write("s.toml", f"{name_line}\n{VALID}")


def _empirical(content: str | bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        _write("e.csv", content)(folder)

    return make


def _folder(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).mkdir()

    return make


def _catalogue(text: str | bytes) -> Callable[[Path], None]:
    return _write("c.csv", text)


def _nothing(folder: Path) -> None:
    pass


def _a_file(folder: Path) -> None:
    (folder / "taken").write_text("not a folder")


SIM = ["simulate", "--trials", "1000", "-q"]
REC = ["calibrate", "recovery", "--series", "s.csv", "--metric", "visits"]
RETRO = ["retro", "--series", "s.csv", "--metric", "visits", "--onset", ONSET]
DUR = ["calibrate", "durations", "--catalogue", "c.csv"]

# (id, files to make, argv, words the one line must contain)
CASES = [
    # A scenario file decides where files go: names must be safe slugs.
    (
        "name-escapes",
        _scenario('name = "../../../escaped"'),
        [*SIM, "--scenario", "s.toml"],
        ["name", "../../../escaped", "letters, digits"],
    ),
    ("name-empty", _scenario('name = ""'), [*SIM, "--scenario", "s.toml"], ["name", "''"]),
    ("name-absolute", _scenario('name = "/tmp/x"'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-dot", _scenario('name = "."'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-dotdot", _scenario('name = ".."'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-hidden", _scenario('name = ".hidden"'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-space", _scenario('name = "a b"'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-backslash", _scenario('name = "a\\\\b"'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-unicode", _scenario('name = "ｔｉｋｔｏｋ"'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("name-long", _scenario(f'name = "{"a" * 101}"'), [*SIM, "--scenario", "s.toml"], ["name"]),
    ("out-empty", _nothing, [*SIM, "--out", ""], ["--out", "empty"]),
    # Every draw is kept in memory: 1e20 would ask numpy for an impossible array.
    (
        "draws-enormous",
        _nothing,
        ["calibrate", "after-effects", "--draws", "1e20", "--out", "o"],
        ["--draws", "'1e20'", "at most 5,000,000"],
    ),
    ("out-blank", _nothing, [*SIM, "--out", "  "], ["--out", "empty"]),
    ("out-file", _a_file, [*SIM, "--out", "taken"], ["--out", "taken", "not a folder"]),
    ("out-file-retro", _a_file, [*RETRO, "--out", "taken"], ["--out", "taken"]),
    ("out-empty-durations", _nothing, ["calibrate", "durations", "--out", ""], ["--out"]),
    # Hangs: a trial count past the ceiling is refused before anything runs.
    ("trials-1e20", _nothing, ["simulate", "--trials", "1e20"], ["--trials", "1e20", "at most"]),
    ("trials-2B", _nothing, ["simulate", "--trials", "2B"], ["--trials", "at most"]),
    (
        "max-trials",
        _nothing,
        ["simulate", "--target-precision", "0.01", "--max-trials", "1e15"],
        ["--max-trials", "at most"],
    ),
    ("trials-kept", _nothing, ["simulate", "--trials", "50M", "--samples"], ["--samples"]),
    ("trials-sensitivity", _nothing, ["sensitivity", "--trials", "1e12"], ["--trials"]),
    (
        "trials-toml",
        _write("t.toml", VALID + "[sampling]\ntrials = 100000000000\n"),
        ["simulate", "--scenario", "t.toml"],
        ["sampling.trials", "at most"],
    ),
    (
        "recovery-constant",
        _constant,
        [*REC, "--onset", ONSET, "--restored", RESTORED],
        ["s.csv", "visits", "constant"],
    ),
    ("retro-constant", _constant, RETRO, ["s.csv", "visits", "constant"]),
    # Overflow: the message names the key, not matplotlib.
    ("hourly-loss-1e308", _nothing, [*SIM, "--hourly-loss", "1e308"], ["revenue.hourly_loss"]),
    (
        "weibull-huge",
        _nothing,
        [*SIM, "--outage-hours", "weibull(0.001, 1e300)"],
        ["outage.hours", "weibull"],
    ),
    (
        "lognormal-inf",
        _nothing,
        [*SIM, "--outage-hours", "lognormal(median=72, sigma=800)"],
        ["outage.hours"],
    ),
    ("product-overflows", _nothing, [*SIM, "--hourly-loss", "1e99"], ["revenue.hourly_loss"]),
    ("users-overflow", _nothing, [*SIM, "--users", "1e200"], ["users.count"]),
    (
        "set-overflow",
        _nothing,
        [*SIM, "--set", "outage.hours=uniform(1e150, 1e200)"],
        ["outage.hours"],
    ),
    # Messages that name the wrong thing.
    ("durations-header-only", _catalogue("duration_hours\n"), DUR, ["c.csv", "0 durations"]),
    ("durations-one-row", _catalogue("duration_hours\n5\n"), DUR, ["c.csv", "1 durations"]),
    ("durations-constant", _catalogue("duration_hours\n" + "5\n" * 8), DUR, ["c.csv"]),
    (
        "durations-scope-few",
        _catalogue("duration_hours,scope\n5,total\n6,partial\n"),
        [*DUR, "--scope", "total"],
        ["c.csv", "total"],
    ),
    ("durations-nan", _catalogue("duration_hours\n5\nnan\n7\n"), DUR, ["c.csv", "row 3"]),
    ("durations-inf", _catalogue("duration_hours\n5\ninf\n7\n"), DUR, ["c.csv", "row 3", "inf"]),
    ("catalogue-folder", _folder("c.csv"), DUR, ["c.csv", "is a folder"]),
    ("series-folder", _folder("s.csv"), RETRO, ["s.csv", "is a folder"]),
    ("scenario-folder", _folder("d.toml"), [*SIM, "--scenario", "d.toml"], ["d.toml", "folder"]),
    ("overlay-folder", _folder("o"), [*SIM, "--overlay", "o"], ["overlay", "folder"]),
    (
        "empirical-folder",
        _folder("e.csv"),
        [*SIM, "--outage-hours", "empirical(e.csv:h)"],
        ["outage.hours", "e.csv", "folder"],
    ),
    ("unsorted", _unsorted, RETRO, ["s.csv", "row 13", "earlier than", "sorted"]),
    ("repeated-time", _repeated, RETRO, ["s.csv", "row 13", "same time"]),
    ("backwards", _half_hourly_backwards, RETRO, ["s.csv", "earlier than"]),
    ("mixed-offsets", _mixed, RETRO, ["s.csv", "row 7", "UTC offset"]),
    ("mixed-offsets-first", _mixed_first, RETRO, ["s.csv", "row 3", "UTC offset"]),
    (
        "onset-offset-naive",
        _plain,
        [*REC, "--onset", ONSET + "+02:00", "--restored", RESTORED],
        ["--onset", "+02:00", "s.csv"],
    ),
    (
        "restored-offset-naive",
        _plain,
        [*REC, "--onset", ONSET, "--restored", RESTORED + "Z"],
        ["--restored", "s.csv"],
    ),
    ("retro-onset-offset", _plain, [*RETRO[:-2], "--onset", ONSET + "-05:00"], ["--onset"]),
    # Ambiguous input.
    ("full-width-flag", _nothing, [*SIM, "--outage-hours", "１２３"], ["outage.hours", "１２３"]),
    ("full-width-arg", _nothing, [*SIM, "--outage-hours", "uniform(１, 5)"], ["outage.hours"]),
    ("full-width-trials", _nothing, ["simulate", "--trials", "１０００"], ["--trials"]),
    ("arabic-indic", _nothing, [*SIM, "--severity", "٠.٥"], ["outage.severity"]),
    (
        "full-width-toml",
        _write("w.toml", VALID.replace("24", '"１２"')),
        [*SIM, "--scenario", "w.toml"],
        ["outage.hours"],
    ),
    ("duplicate-header", _duplicate_header, RETRO, ["s.csv", "visits", "twice"]),
    (
        "duplicate-header-catalogue",
        _catalogue("duration_hours,duration_hours\n1,2\n"),
        DUR,
        ["c.csv", "twice"],
    ),
    (
        "duplicate-header-empirical",
        _empirical("h,h\n1,2\n3,4\n"),
        [*SIM, "--outage-hours", "empirical(e.csv:h)"],
        ["outage.hours", "e.csv", "twice"],
    ),
    # Pathological files: refused quickly, before parsing.
    (
        "scenario-oversized",
        _big_scenario,
        [*SIM, "--scenario", "big.toml"],
        ["big.toml", "too big", "limit"],
    ),
    (
        "scenario-many-bad-keys",
        _many_bad_keys,
        [*SIM, "--scenario", "many.toml"],
        ["many.toml", "outage.key_0", "more"],
    ),
    (
        "scenario-unknown-section",
        _unknown_section,
        [*SIM, "--scenario", "unknown.toml"],
        ["unknown.toml", "junk"],
    ),
    (
        "scenario-binary",
        _write("b.toml", b"\x00\x01name\x00"),
        [*SIM, "--scenario", "b.toml"],
        ["b.toml", "binary"],
    ),
    (
        "scenario-latin1",
        _write("l.toml", 'name = "caf\xe9"\n'.encode("latin-1")),
        [*SIM, "--scenario", "l.toml"],
        ["l.toml", "UTF-8"],
    ),
    (
        "overlay-binary",
        _write("o.toml", b"\x00" * 10),
        [*SIM, "--overlay", "o.toml"],
        ["o.toml", "binary"],
    ),
    (
        "empirical-binary",
        _empirical(b"\x89PNG\r\n\x1a\n\x00\x00"),
        [*SIM, "--outage-hours", "empirical(e.csv:h)"],
        ["outage.hours", "e.csv", "binary"],
    ),
    (
        "empirical-latin1",
        _empirical("h,caf\xe9\n1,2\n".encode("latin-1")),
        [*SIM, "--outage-hours", "empirical(e.csv:h)"],
        ["outage.hours", "e.csv", "UTF-8"],
    ),
    ("catalogue-binary", _catalogue(b"\x00\xff" * 50), DUR, ["c.csv", "binary"]),
    ("series-binary", _write("s.csv", b"PK\x03\x04\x00\x00"), RETRO, ["s.csv", "binary"]),
    # A second, independent corpus (issue 21).
    # Hangs: every simulating command refuses a trial count past the ceiling.
    ("trials-1e20-annual", _nothing, ["annual", "--trials", "1e20"], ["--trials", "at most"]),
    (
        "trials-1e20-compare",
        _nothing,
        ["compare", "tiktok-us-2026", "--trials", "1e20"],
        ["--trials", "at most"],
    ),
    ("trials-1e20-resilience", _nothing, ["resilience", "--trials", "1e20"], ["--trials"]),
    ("trials-1e20-backtest", _nothing, ["backtest", "--trials", "1e20"], ["--trials"]),
    # Rates that overflow name the key, in one line.
    *(
        (
            f"frequency-{name}",
            _nothing,
            ["annual", "-q", "--trials", "1000", "--set", f"frequency.events_per_year={spec}"],
            ["frequency.events_per_year", "at most 1,000 outages a year"],
        )
        for name, spec in (
            ("1e300", "1e300"),
            ("poisson", "poisson(1e12)"),
            ("lognormal-huge", "lognormal(median=1e200, sigma=5)"),
            ("lognormal-inf", "lognormal(median=10, sigma=300)"),
        )
    ),
    (
        "frequency-compare-annual",
        _nothing,
        [
            "compare",
            "tiktok-us-2026",
            "--annual",
            "--trials",
            "1000",
            "-q",
            "--set",
            "frequency.events_per_year=1e300",
        ],
        ["frequency.events_per_year"],
    ),
    # An evidence sd so small its density overflows: no scipy warning on stderr.
    (
        "evidence-tiny-sd",
        _nothing,
        [*SIM, "--evidence", "activity_gap_at_restore=normal(0.05, 1e-300)"],
        ["evidence.activity_gap_at_restore", "normal(0.05, 1e-300)"],
    ),
    # Narrower than a double resolves: z = (x − loc)/sd overflows (numpy's warning) ...
    (
        "evidence-subnormal-sd",
        _nothing,
        [*SIM, "--evidence", "total_revenue_loss_usd=normal(1e8, 5e-324)"],
        ["evidence.total_revenue_loss_usd", "normal(1e8, 5e-324)"],
    ),
    # ... and scipy's lognormal density divides by 0 (its warning).
    (
        "evidence-lognormal-zero-sigma",
        _nothing,
        [*SIM, "--evidence", "total_revenue_loss_usd=lognormal(median=1e8, sigma=1e-300)"],
        ["evidence.total_revenue_loss_usd", "sigma=1e-300"],
    ),
    (
        "evidence-repeated",
        _nothing,
        [
            *SIM,
            "--evidence",
            "total_revenue_loss_usd=normal(25M, 3M)",
            "--evidence",
            "total_revenue_loss_usd=normal(100M, 10M)",
        ],
        ["--evidence", "total_revenue_loss_usd", "twice"],
    ),
    # Unreadable files name the file.
    (
        "backtest-latin1",
        _write("case.toml", 'name = "caf\xe9"\n'.encode("latin-1")),
        ["backtest", "--case", "case.toml", "--trials", "1000", "-q"],
        ["case.toml", "UTF-8"],
    ),
    (
        "backtest-deep",
        _write("case.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n"),
        ["backtest", "--case", "case.toml", "--trials", "1000", "-q"],
        ["case.toml", "nested too deeply"],
    ),
    (
        "profile-open-quote",
        _write("p.csv", "weight\n" + "1\n" * 3 + '"1\n' + "1\n" * 164),
        [*SIM, "--profile", "p.csv"],
        ["p.csv", "line 5", "quote"],
    ),
    (
        "scenario-deep",
        _write("deep.toml", VALID + "[x]\na = " + "[" * 5000 + "]" * 5000 + "\n"),
        [*SIM, "--scenario", "deep.toml"],
        ["deep.toml", "nested too deeply"],
    ),
    (
        "overlay-deep",
        _write("deep.toml", "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n"),
        [*SIM, "--overlay", "deep.toml"],
        ["deep.toml", "nested too deeply"],
    ),
    (
        "toml-bare-suffix",
        _write("k.toml", VALID.replace("400000", "4.57k")),
        [*SIM, "--scenario", "k.toml"],
        ["k.toml", 'write "4.57k" in quotes: specs are strings'],
    ),
    # Schedulers whose transport cannot work name --scheduler.
    (
        "scheduler-tls",
        _nothing,
        [*SIM, "--scheduler", "tls://127.0.0.1:1"],
        ["--scheduler", "tls://", "TLS"],
    ),
    ("scheduler-ucx", _nothing, [*SIM, "--scheduler", "ucx://127.0.0.1:1"], ["--scheduler"]),
    (
        "scheduler-ucx-annual",
        _nothing,
        ["annual", "--trials", "1000", "--scheduler", "ucx://127.0.0.1:1"],
        ["--scheduler", "ucx://"],
    ),
    # An empty --out is refused by every command that writes a folder, not read as '.'.
    *(
        (f"out-empty-{argv[0]}", _nothing, [*argv, "--out", ""], ["--out", "empty"])
        for argv in (
            ["annual", "--trials", "1000"],
            ["compare", "tiktok-us-2026", "--trials", "1000"],
            ["resilience", "--trials", "100"],
            ["backtest", "--trials", "1000"],
        )
    ),
    # A name longer than the file system takes is refused before anything runs.
    *(
        (f"out-too-long-{argv[0]}", _nothing, [*argv, "--out", "a" * 300], ["--out", "255"])
        for argv in (
            ["simulate", "--trials", "1000"],
            ["annual", "--trials", "1000"],
            ["compare", "tiktok-us-2026", "--trials", "1000"],
            ["resilience", "--trials", "100"],
            ["backtest", "--trials", "1000"],
            ["calibrate", "durations"],
        )
    ),
]


@pytest.mark.parametrize(
    ("make", "argv", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_exits_2_with_one_line(
    make: Callable[[Path], None],
    argv: list[str],
    words: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    make(work)
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    started = time.perf_counter()
    status = main(argv)
    elapsed = time.perf_counter() - started
    _, err = capsys.readouterr()
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    if "more" not in words:
        assert "more; run" not in err  # the case is the file's only problem
    assert "Traceback" not in err and "Warning" not in err
    for word in words:
        assert word in err, (word, err)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing new
    assert elapsed < 20, f"took {elapsed:.0f} s to refuse"


def test_file_named_scenario_gets_a_safe_name(tmp_path: Path) -> None:
    path = tmp_path / "my scenario (v2).toml"
    path.write_text(VALID)
    assert load_scenario(path).name == "my-scenario-v2"


def test_library_refuses_unsafe_names_and_trials() -> None:
    with pytest.raises(InputError, match=r"name: '\.\./x'"):
        scenario_from_specs({"outage.hours": 24, "revenue.hourly_loss": 1}, name="../x")
    scenario = scenario_from_specs({"outage.hours": 24, "revenue.hourly_loss": 1})
    with pytest.raises(InputError, match=r"n_trials`: .*at most"):
        simulate(scenario, 10**12, rng=1)


@pytest.mark.parametrize("text", ["１２３", "٣", "1２", "１k", "१२"])
def test_numbers_are_ascii(text: str) -> None:
    with pytest.raises(InputError, match="not a number"):
        parse_number(text)


def test_overflow_names_the_key_in_the_library() -> None:
    scenario = scenario_from_specs({"outage.hours": 24, "revenue.hourly_loss": "1e99"})
    with pytest.raises(InputError, match=r"^revenue\.hourly_loss: 1e99: makes"):
        simulate(scenario, 1000, rng=1)


# --- signals, with real processes -----------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.slow  # 15-20 s each: two real runs of the installed command per case
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize(
    ("sig", "status", "word", "args", "wait_for"),
    [
        (signal.SIGTERM, 143, "terminated", ["--trials", "5M", "--workers", "2"], "workers"),
        (signal.SIGINT, 130, "interrupted", ["--trials", "5M", "--workers", "2"], "workers"),
        (signal.SIGTERM, 143, "terminated", ["--trials", "1M", "--samples"], "staging"),
        (signal.SIGINT, 130, "interrupted", ["--trials", "1M", "--samples"], "staging"),
    ],
    ids=["term-workers", "int-workers", "term-writing", "int-writing"],
)
def test_signals_stop_cleanly(
    sig: int, status: int, word: str, args: list[str], wait_for: str, tmp_path: Path
) -> None:
    out = tmp_path / "rep"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-c", "from impact.cli import main; main()"]
    earlier = subprocess.run(
        [*command, "simulate", "--trials", "1000", "--out", str(out), "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert earlier.returncode == 0, earlier.stderr
    before = _snapshot(out)
    proc = subprocess.Popen(
        [*command, "simulate", *args, "--out", str(out), "-q"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    # The run's processes: the report's drawing processes (the first, started as the run
    # starts, and the one it forks once it has loaded matplotlib), and with --workers 2 the
    # simulation's two.
    processes = drawing.processes() + (2 if wait_for == "workers" else 0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(pythons(descendants(proc.pid))) < processes:
            pass
        elif wait_for == "workers":
            time.sleep(0.5)  # let the workers take their first tasks
            break
        elif any(p.name.startswith(".impact-tmp-") for p in out.iterdir()):
            break
        time.sleep(0.05)
    running = pythons(descendants(proc.pid))
    assert len(running) == processes, running
    assert proc.poll() is None, "the run ended before the signal could be sent"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert err.count("\n") == 1 and err.startswith(f"error: {word}"), err
    assert not [p for p in out.iterdir() if p.name.startswith(".impact-tmp-")]
    time.sleep(0.2)
    assert not [c for c in running if alive(c)], "worker processes outlived the run"
    assert _snapshot(out) == before  # the earlier report is untouched
