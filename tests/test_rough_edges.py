"""Rough edges a newcomer hit (issue 8, item 4): what-if folders, help, stdin, repr, reports."""

from __future__ import annotations

import io
import re
import shlex
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import impact
from impact.cli import app, main
from impact.cli.commands import COMMAND_ORDER
from impact.reports.provenance import KEPT_SCENARIO

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.slow  # about 7 s: three runs of the CLI (tests/test_review.py keeps a quick one)
def test_what_if_run_gets_its_own_folder_and_a_modified_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["simulate", "--trials", "2000", "--outage-hours", "9"], capsys)
    assert status == 0, err
    assert not (tmp_path / "reports" / "tiktok-us-2026").exists()
    (folder,) = (tmp_path / "reports").iterdir()
    assert re.fullmatch(r"tiktok-us-2026-modified-[0-9a-f]{8}", folder.name)
    # (the scenario's evidence observes the original outage, so it is set aside too)
    assert "TikTok US, January 2026 (modified: outage.hours, evidence)" in out
    report = (folder / "report.md").read_text()
    assert (
        "TikTok US, January 2026 (modified: outage.hours, evidence): an outage like this cost"
        in report
    )
    # The same what-if reuses its folder; another one gets another folder.
    run(["simulate", "--trials", "2000", "--outage-hours", "9", "-q"], capsys)
    run(["simulate", "--trials", "2000", "--set", "outage.hours=10", "-q"], capsys)
    assert len(list((tmp_path / "reports").iterdir())) == 2


def test_unmodified_run_keeps_the_scenario_folder_and_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(["simulate", "--trials", "2000", "--seed", "3"], capsys)
    assert status == 0
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["tiktok-us-2026"]
    assert "modified" not in out


def test_overlay_names_its_keys_in_the_title(tmp_path: Path, capsys) -> None:
    overlay = tmp_path / "o.toml"
    overlay.write_text('[engagement]\nrecovery_half_life_hours = "72"\n')
    status, out, err = run(
        ["simulate", "--trials", "2000", "--overlay", str(overlay), "--out", str(tmp_path / "r")],
        capsys,
    )
    assert status == 0, err
    assert "(modified: engagement.recovery_half_life_hours)" in out


def test_sensitivity_writes_one_folder_per_metric(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    for metric in ("total_revenue_loss_usd", "users_lost"):
        status, _, err = run(
            ["sensitivity", "--trials", "4000", "--metric", metric, "--quiet"], capsys
        )
        assert status == 0, err
    base = tmp_path / "reports" / "tiktok-us-2026" / "sensitivity"
    assert sorted(p.name for p in base.iterdir()) == ["total_revenue_loss_usd", "users_lost"]
    assert "users_lost" in (base / "users_lost" / "sensitivity.md").read_text()


BAD_CORRELATIONS = """
[outage]
hours = "lognormal(p5=24, p95=72)"
severity = "pert(0.3, 0.5, 0.8)"
[revenue]
hourly_loss = "uniform(80k, 120k)"
[correlations]
"outage.hours ~ outage.severity" = 0.9
"outage.hours ~ revenue.hourly_loss" = 0.9
"outage.severity ~ revenue.hourly_loss" = -0.9
"""


def test_validate_reports_a_correlation_table_simulate_would_repair(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD_CORRELATIONS)
    status, _, err = run(["validate", str(path)], capsys)
    assert status == 2
    (line, *_) = err.splitlines()
    assert line.startswith(f"error: {path}: correlations: ")
    assert "not positive semi-definite" in line and re.search(r"at most 0\.\d{3}", line)
    good = tmp_path / "good.toml"
    good.write_text(BAD_CORRELATIONS.replace("= -0.9", "= 0.8"))
    assert run(["validate", str(good)], capsys)[0] == 0


def test_version(capsys) -> None:
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and out.strip() == f"impact {impact.__version__}"


def test_help_at_80_columns_is_whole_ordered_and_has_no_bool_type() -> None:
    runner = CliRunner()
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert top.exit_code == 0
    assert "--install-completion" in top.output and "--show-completion" in top.output
    listed = re.findall(r"^  (\w+)  ", top.output.split("Commands:")[1], flags=re.M)
    assert tuple(listed) == COMMAND_ORDER
    for args in (["--help"], ["simulate", "--help"], ["sensitivity", "--help"]):
        result = runner.invoke(app, args, env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
        assert result.exit_code == 0
        assert "<bool>" not in result.output
        cut = [
            line
            for line in result.output.splitlines()
            if line.rstrip().endswith(("…", "...")) and not line.startswith("Usage:")
        ]
        assert not cut
        assert max(len(line) for line in result.output.splitlines()) <= 80
    sim = runner.invoke(app, ["simulate", "--help"], env={"COLUMNS": "80"}).output
    assert "engagement.recovery_half_life_hours" in sim


def test_repeated_scenario_is_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "r"
    status, _, err = run(
        ["simulate", "--scenario", "meta-2024", "--scenario", "roblox-2021", "--out", str(out)],
        capsys,
    )
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("error: --scenario: 'meta-2024', 'roblox-2021': given 2 times")
    assert not out.exists()


def test_scenario_dash_reads_toml_from_stdin(tmp_path: Path, monkeypatch, capsys) -> None:
    text = '[outage]\nhours = 24\n[revenue]\nhourly_loss = "uniform(300k, 500k)"\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status, out, err = run(
        ["simulate", "--scenario", "-", "--trials", "2000", "--json", "--out", str(tmp_path)],
        capsys,
    )
    assert status == 0, err
    assert '"scenario": "stdin"' in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("[outage\n"))
    status, _, err = run(["simulate", "--scenario", "-", "--out", str(tmp_path / "x")], capsys)
    assert status == 2 and err.startswith("error: <stdin>: not valid TOML")


@pytest.mark.parametrize(
    ("command", "report", "numbers"),
    [
        ("simulate", "report.md", "summary.csv"),
        ("annual", "report.md", "summary.csv"),
        ("sensitivity", "sensitivity.md", "tornado.csv"),
    ],
)
def test_a_run_from_stdin_keeps_its_scenario_and_reproduces_from_it(
    command: str, report: str, numbers: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The folder keeps the TOML that stdin held (stdin-scenario.toml, byte for byte), the
    report's command reads it from there, and that command, run as printed, writes the same
    numbers and keeps the file; a run of another scenario into the folder removes it."""
    text = (ROOT / "data" / "scenarios" / "meta-2024.toml").read_text(encoding="utf-8")
    out = tmp_path / "from-stdin"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status, _, err = run([command, "-", "--trials", "2000", "-q", "--out", str(out)], capsys)
    assert status == 0, err
    assert (out / KEPT_SCENARIO).read_text(encoding="utf-8") == text
    lines = (out / report).read_text(encoding="utf-8").splitlines()
    line = next(x for x in lines if x.startswith(f"impact {command} "))
    assert f"--scenario {out / KEPT_SCENARIO} " in line
    before = (out / numbers).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # the command must not need stdin
    status, _, err = run([*shlex.split(line)[1:], "-q"], capsys)
    assert status == 0, err
    assert (out / numbers).read_bytes() == before
    assert (out / KEPT_SCENARIO).read_text(encoding="utf-8") == text
    # The folder holds one run: another scenario's run into it removes the kept copy.
    status, _, err = run([command, "youtube-2018", "--trials", "1000", "-q", "--out", str(out)],
                         capsys)  # fmt: skip
    assert status == 0, err
    assert not (out / KEPT_SCENARIO).exists()


def test_results_have_a_short_repr_and_an_html_table() -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 2000, 7)
    text = repr(result)
    assert len(text) < 300 and text.count("\n") == 1
    assert "scenario='meta-2024'" in text and "seed=7" in text and "trials=2,000" in text
    assert "total_revenue_loss_usd: median" in text
    html = result._repr_html_()
    assert html.count("<tr") == len(impact.OUTPUTS) + 2 and len(html) < 5000


def test_sensitivity_result_has_a_short_repr() -> None:
    from impact.analysis.sensitivity import analyse

    result = analyse(impact.load_scenario("meta-2024"), n_trials=2000, rng=7)
    assert len(repr(result)) < 400 and "metric='total_revenue_loss_usd'" in repr(result)
    assert "<table" in result._repr_html_()


def test_write_report_is_public_and_writes_the_cli_folder(tmp_path: Path) -> None:
    assert "write_report" in impact.__all__
    result = impact.simulate(impact.load_scenario("meta-2024"), 2000, 7)
    written = impact.write_report(result, tmp_path / "r")
    names = {p.name for p in written}
    assert {"report.md", "summary.csv", "total_loss_distribution.png"} <= names
    report = (tmp_path / "r" / "report.md").read_text()
    assert "impact simulate --scenario meta-2024 --trials 2000 --seed 7" in report


def test_model_docs_no_longer_say_correlations_are_unsupported() -> None:
    text = (ROOT / "docs" / "model.md").read_text()
    assert "no correlations are applied yet" not in text
    section = text.split("## 8.")[1].split("## 9.")[0]
    assert "[correlations]" in section


def test_rerunning_the_example_command_gives_identical_bytes(tmp_path: Path, capsys) -> None:
    # The README's example command, smaller (--trials 20000) to keep the suite quick; the
    # report carries no date or run time, so nothing in the folder changes between runs.
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        status, _, err = run(["simulate", "--trials", "20000", "--out", str(folder), "-q"], capsys)
        assert status == 0, err
    names = sorted(p.name for p in folders[0].iterdir())
    assert "report.md" in names and "summary.csv" in names
    for name in names:
        first, second = ((f / name).read_bytes() for f in folders)
        if name == "report.md":  # the --out folder is part of the reproducing command
            second = second.replace(b"/b\n", b"/a\n")
        if name == "report.html":  # and of the one in report.html
            second = second.replace(b"/b</pre>", b"/a</pre>")
        assert first == second, name
    assert "UTC" not in (folders[0] / "report.md").read_text()
    assert not pd.read_csv(folders[0] / "summary.csv").empty


def test_validate_dash_reads_the_scenario_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `--scenario -` does for simulate: every problem of the text on stdin, named <stdin>.
    monkeypatch.setattr("sys.stdin", io.StringIO("[outage]\nhours = -1\n"))
    assert main(["validate", "-"]) == 2
    err = capsys.readouterr().err
    assert "error: <stdin>: outage.hours: -1:" in err and "revenue.hourly_loss: missing" in err
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("[outage]\nhours = 2\n[revenue]\nhourly_loss = 5\n")
    )
    assert main(["validate", "-"]) == 0
    assert "<stdin>: ok" in capsys.readouterr().out
