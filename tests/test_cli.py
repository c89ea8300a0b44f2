"""The command line: in-process through main() and typer's CliRunner, and once end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from impact.cli import app, main
from impact.model.core import OUTPUTS
from impact.reports.tables import SUMMARY_COLUMNS


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_simulate_writes_summary_with_contract_columns(tmp_path: Path, capsys) -> None:
    status, out, err = run(["simulate", "--trials", "5k", "--out", str(tmp_path / "r")], capsys)
    assert status == 0, err
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert list(summary["metric"]) == list(OUTPUTS)
    assert "TikTok US, January 2026" in out


def test_json_output_is_one_object_with_every_metric(tmp_path: Path, capsys) -> None:
    status, out, _ = run(
        [
            "simulate",
            "--scenario",
            "meta-2024",
            "--trials",
            "2000",
            "--seed",
            "7",
            "--json",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert status == 0
    payload = json.loads(out)
    assert payload["scenario"] == "meta-2024" and payload["trials"] == 2000 and payload["seed"] == 7
    assert set(payload["metrics"]) == set(OUTPUTS)
    for stats in payload["metrics"].values():
        assert set(stats) == {"mean", "std", "p05", "p50", "p95", "p99", "cvar95", "se_mean"}


def test_named_flags_and_set_override_in_documented_order(tmp_path: Path, capsys) -> None:
    # The named flag says 10 h, --set says 20 h; --set applies last, so every trial lasts 20 h.
    status, out, _ = run(
        [
            "simulate",
            "--trials",
            "1000",
            "--outage-hours",
            "10",
            "--set",
            "outage.hours=20",
            "--json",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert status == 0
    hours = json.loads(out)["metrics"]["outage_hours"]
    assert hours["p05"] == hours["p95"] == 20.0


def test_switching_latency_off_zeroes_its_part(tmp_path: Path, capsys) -> None:
    status, out, _ = run(
        ["simulate", "--trials", "1000", "--quality-loss", "0", "--json", "--out", str(tmp_path)],
        capsys,
    )
    assert status == 0
    latency = json.loads(out)["metrics"]["latency_revenue_loss_usd"]
    assert latency["mean"] == latency["p99"] == 0.0


def test_same_seed_same_numbers_for_any_worker_count(tmp_path: Path, capsys) -> None:
    base = ["simulate", "--scenario", "roblox-2021", "--trials", "3000", "--json"]
    _, one, _ = run([*base, "--out", str(tmp_path / "a")], capsys)
    _, two, _ = run([*base, "--workers", "2", "--out", str(tmp_path / "b")], capsys)
    assert json.loads(one)["metrics"] == json.loads(two)["metrics"]


def test_samples_csv_has_one_row_per_trial(tmp_path: Path, capsys) -> None:
    status, _, _ = run(
        ["simulate", "--trials", "1234", "--samples", "--quiet", "--out", str(tmp_path)], capsys
    )
    assert status == 0
    samples = pd.read_csv(tmp_path / "samples.csv")
    assert len(samples) == 1234
    assert set(OUTPUTS) <= set(samples.columns)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["simulate", "--severity", "1.5"], "outage.severity: 1.5"),
        (
            ["simulate", "--outage-hours", "pert(300, 100, 500)"],
            "mode must lie between low and high",
        ),
        (["simulate", "--hourly-loss", "uniform(500k)"], "revenue.hourly_loss"),
        (["simulate", "--set", "outage.hourz=3"], "did you mean 'outage.hours'"),
        (["simulate", "--set", "outage.hours"], "KEY=SPEC"),
        (["simulate", "--trials", "0"], "--trials: '0'"),
        (["simulate", "--trials", "many"], "--trials: 'many'"),
        (["simulate", "--seed", "-1"], "--seed: '-1'"),
        (["simulate", "--workers", "0"], "workers: 0"),
        (["simulate", "--scenario", "no-such-thing"], "no-such-thing"),
        (["simulate", "--overlay", "missing.toml"], "missing.toml"),
        (["simulate", "--no-such-flag"], "--no-such-flag"),
        (["validate"], "'path'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    argv: list[str], needle: str, tmp_path: Path, capsys
) -> None:
    out_dir = tmp_path / "out"
    status, _, err = run([*argv, "--out", str(out_dir)] if argv[0] == "simulate" else argv, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert needle in lines[0]
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_bad_input_leaves_an_earlier_report_intact(tmp_path: Path, capsys) -> None:
    assert run(["simulate", "--trials", "1000", "--quiet", "--out", str(tmp_path)], capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert run(["simulate", "--severity", "2", "--out", str(tmp_path)], capsys)[0] == 2
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_validate_reports_every_problem_at_once(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[outage]\nhours = "pert(3, 1, 2)"\nseverity = 1.5\n'
        '[revenue]\nhourly_losss = 4\n[users]\nchurn_max = "lognormal(median=1, sigma=1)"\n'
    )
    status, _, err = run(["validate", str(bad)], capsys)
    assert status == 2
    problems = [line for line in err.splitlines() if line.startswith("error: ")]
    # pert order, severity range, the misspelt key, a share that can exceed 1, missing hourly_loss
    assert len(problems) == 5
    assert any("did you mean 'revenue.hourly_loss'" in p for p in problems)


def test_validate_accepts_every_builtin_scenario(capsys) -> None:
    from impact.inputs.scenario import builtin_scenarios

    for name, path in builtin_scenarios().items():
        status, out, err = run(["validate", str(path)], capsys)
        assert status == 0, (name, err)
        assert "ok" in out


def test_scenarios_lists_one_line_each(capsys) -> None:
    from impact.inputs.scenario import builtin_scenarios

    status, out, _ = run(["scenarios"], capsys)
    assert status == 0
    assert len(out.strip().splitlines()) == len(builtin_scenarios()) >= 3


def test_cli_runner_help_lists_every_named_flag() -> None:
    result = CliRunner().invoke(app, ["simulate", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for flag in (
        "--outage-hours",
        "--severity",
        "--hourly-loss",
        "--zero-view-hours",
        "--engagement-drop",
        "--engagement-decay-hours",
        "--recovery-half-life-hours",
        "--quality-loss",
        "--latency-hours",
        "--users",
        "--churn-max",
        "--horizon-hours",
        "--set",
        "--overlay",
        "--workers",
        "--samples",
        "--json",
        "--quiet",
        "--seed",
        "--trials",
        "--out",
        "--scenario",
    ):
        assert flag in result.output, flag


def test_installed_command_end_to_end(tmp_path: Path) -> None:
    exe = shutil.which("impact", path=os.path.dirname(sys.executable)) or shutil.which("impact")
    assert exe, "the `impact` console script is not installed"
    done = subprocess.run(
        [exe, "simulate", "--trials", "2000", "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r" / "summary.csv").is_file()
    bad = subprocess.run(
        [exe, "simulate", "--severity", "7"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    module = subprocess.run(
        [sys.executable, "-m", "impact", "scenarios"], capture_output=True, text=True, timeout=120
    )
    assert module.returncode == 0 and "tiktok-us-2026" in module.stdout


def test_minimal_scenario_without_creators_writes_a_full_report(tmp_path: Path, capsys) -> None:
    # Only the two required keys: no users, no creator earnings; every chart must still draw.
    scenario = tmp_path / "minimal.toml"
    scenario.write_text('[outage]\nhours = 24\n[revenue]\nhourly_loss = "uniform(300k, 500k)"\n')
    status, _, err = run(
        [
            "simulate",
            "--scenario",
            str(scenario),
            "--trials",
            "2000",
            "--quiet",
            "--out",
            str(tmp_path / "r"),
        ],
        capsys,
    )
    assert status == 0, err
    pngs = sorted((tmp_path / "r").glob("*.png"))
    assert len(pngs) >= 3
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_out_that_cannot_be_created_is_exit_2_naming_it(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, _, err = run(["simulate", "--trials", "10000", "--out", str(blocker / "sub")], capsys)
    assert status == 2
    # refused as --out is read, before the run (it used to fail after it: "cannot write there")
    assert err.count("\n") == 1 and "'--out'" in err and "a-file' is a file, not a folder" in err


def test_degenerate_charts_print_nothing_with_quiet(tmp_path: Path, capsys) -> None:
    # A zero horizon makes every after-effect 0: the charts' axes collapse, and matplotlib's
    # warnings about it must not reach the user.
    status, out, err = run(
        # 10,000 trials: with fewer, tiktok-us-2026's [evidence] leaves under 1,000 effective
        # trials and (rightly) warns.
        ["simulate", "--trials", "10000", "--set", "horizon.hours=0", "-q", "--out", str(tmp_path)],
        capsys,
    )
    assert status == 0 and out == "" and err == ""


def test_sensitivity_with_one_or_no_uncertain_input(tmp_path: Path, capsys) -> None:
    from impact.inputs.keys import KEYS

    fixed = [a for k in KEYS if k.key != "outage.hours" for a in ("--set", f"{k.key}=1")]
    status, out, err = run(
        [
            "sensitivity",
            "--scenario",
            "meta-2024",  # no [correlations]: tiktok-us-2026 correlates keys this test fixes
            "--trials",
            "1000",
            *fixed,
            "--set",
            "outage.hours=uniform(1, 2)",
            "--json",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert status == 0, err
    sobol = json.loads(out)["sobol"]
    assert list(sobol) == ["outage.hours"]
    # One input explains everything: both indices are 1 up to the estimator's sampling noise.
    assert sobol["outage.hours"]["first"] == pytest.approx(1, abs=0.05)
    assert sobol["outage.hours"]["total"] == pytest.approx(1, abs=0.05)
    status, _, err = run(
        [
            "sensitivity",
            "--scenario",
            "meta-2024",  # no [correlations]: tiktok-us-2026 correlates keys this test fixes
            "--trials",
            "1000",
            *fixed,
            "--set",
            "outage.hours=2",
            "--out",
            str(tmp_path / "none"),
        ],
        capsys,
    )
    assert status == 2 and "every input is fixed" in err


def test_the_installed_command_spares_its_exit_the_last_garbage_collections() -> None:
    """`main()` as the installed command calls it freezes what is alive before it exits: the
    interpreter's last collections would walk all of it (0.1 s of a default simulate,
    docs/performance.md), and the atexit hooks still run."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        "from impact.cli import main\n"
        "sys.argv = ['impact', '--version']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["frozen", "True"], done.stdout


def test_the_installed_command_collects_garbage_again_once_its_command_is_loaded() -> None:
    """`impact.__main__` turns collection off while the command line imports; once the
    command's module is loaded it is on again (a long `impact serve` must collect), with what
    the imports made frozen."""
    code = (
        "import atexit, gc, sys\n"
        "seen = []\n"
        "import impact.cli.commands as commands\n"
        "real = commands._resume_collection\n"
        "def spy():\n"
        "    seen.append(gc.isenabled())\n"
        "    real()\n"
        "    seen.append((gc.isenabled(), gc.get_freeze_count() > 0))\n"
        "commands._resume_collection = spy\n"
        "atexit.register(lambda: print('seen', seen))\n"
        "sys.argv = ['impact', 'scenarios']\n"
        "from impact.__main__ import run\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "seen [False, (True, True)]", done.stdout


# A signal that lands where Python does not let `Interrupted` through as itself.
_SIGNAL_IN_SET_NAME = """
import dataclasses, os, signal, sys
real = dataclasses.Field.__set_name__
fired = []
def hooked(self, owner, name):  # as a class body runs while the command's modules import
    if not fired and signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN):
        fired.append(owner)
        os.kill(os.getpid(), SIG)
    return real(self, owner, name)
dataclasses.Field.__set_name__ = hooked
sys.argv = ["impact", "simulate", "--trials", "2000", "--out", OUT]
from impact.__main__ import run
run()
"""

_SIGNAL_IN_A_FINALIZER = """
import os, signal, sys
class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(1000))  # the handler runs here, inside __del__
import impact.cli as cli
real = cli.typer.main.get_command
def hooked(app):
    command = real(app)
    main = command.main
    def dropping(*args, **kwargs):
        Finalized()  # dropped at once: its __del__ runs as the run starts
        return main(*args, **kwargs)
    command.main = dropping
    return command
cli.typer.main.get_command = hooked
sys.argv = ["impact", "simulate", "--trials", "2000", "-q", "--out", OUT]
from impact.__main__ import run
run()
"""


@pytest.mark.parametrize(
    ("sig", "status", "word"), [(15, 143, "terminated"), (2, 130, "interrupted")]
)
def test_a_signal_while_a_class_body_runs_is_still_an_interrupt(
    sig: int, status: int, word: str, tmp_path: Path
) -> None:
    """In a class body's __set_name__ Python wraps the handler's `Interrupted` in a
    RuntimeError; it was reported as a failure (exit 1, the RuntimeError's text)."""
    code = _SIGNAL_IN_SET_NAME.replace("SIG)", f"{sig})").replace("OUT", repr(str(tmp_path)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == status, done.stderr
    assert done.stderr == f"error: {word}; no output file was changed\n"


def test_a_signal_inside_a_finalizer_still_ends_the_run_as_interrupted(tmp_path: Path) -> None:
    """Python only prints an exception raised in a __del__, with its traceback, and the run
    went on to exit 0: now no traceback, and the run ends as interrupted (here after its
    folder was written, which the line says)."""
    code = _SIGNAL_IN_A_FINALIZER.replace("OUT", repr(str(tmp_path / "out")))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: interrupted after writing {tmp_path / 'out'}; its files are this run's, complete"
    )


_SIGNAL_WHILE_IMPORTING = """
import os, signal, sys
class Finder:  # sends the signal as the command line's package starts to import
    def find_spec(self, name, path=None, target=None):
        if name == "impact.cli":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), SIGNUM)
        return None
sys.meta_path.insert(0, Finder())
sys.argv = ["impact", "simulate", "--trials", "1000", "-q", "--out", OUT]
from impact.__main__ import run
run()
"""


@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [("signal.SIGTERM", 143, "terminated"), ("signal.SIGINT", 130, "interrupted")],
    ids=["sigterm", "sigint"],
)
def test_a_signal_while_the_command_line_imports_is_one_line(
    signum: str, status: int, word: str, tmp_path: Path
) -> None:
    """Before `main` sets the run's handlers, SIGTERM's default ended the process with no line
    (status -15): the entry point now says the same line as a signal during a run."""
    out = tmp_path / "rep"
    code = _SIGNAL_WHILE_IMPORTING.replace("SIGNUM", signum).replace("OUT", repr(str(out)))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stderr) == (
        status,
        f"error: {word}; no output file was changed\n",
    )
    assert not out.exists()
