"""The report folder: report.md, charts and CSVs agree with each other; writing is atomic."""

from __future__ import annotations

import math
import re
import shlex
import time
import warnings
from functools import partial
from io import StringIO
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from rich.console import Console

import impact
from impact.analysis.summaries import PARTS, report_data
from impact.cli import main
from impact.cli.progress import DelayedProgress, wants_progress
from impact.model.core import INPUTS, OUTPUTS
from impact.outputs import OBSERVABLES
from impact.reports import charts, folder
from impact.reports.format import format_people, format_usd, format_value
from impact.reports.provenance import docs_link
from impact.reports.tables import SUMMARY_COLUMNS
from impact.simulation.sketch import Sketch

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "reports" / "tiktok-us-2026"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
SECTIONS = (
    "## Results",
    "### Monte Carlo precision",
    "## Where the loss comes from",
    "## Users and creators who left",
    "## Creator tiers",
    "## Assumptions",
    "## Method",
    "## How to reproduce",
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report of the default scenario with a few overrides, shared by the read-only tests."""
    out = tmp_path_factory.mktemp("report") / "r"
    argv = [
        "simulate",
        "--trials",
        "20k",
        "--seed",
        "11",
        "--severity",
        "pert(0.2, 0.3, 0.4)",
        "--set",
        "users.return_share=0.7",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    return out


def tree(path: Path) -> dict[str, bytes | None]:
    """Every file and folder under `path` (a folder as None), by relative path."""
    return {
        str(p.relative_to(path)): None if p.is_dir() else p.read_bytes()
        for p in sorted(path.rglob("*"))
    }


def cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def tables(markdown: str) -> list[list[str]]:
    """Every table of a markdown text, as its lines (header, rule, body)."""
    found: list[list[str]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(line)
        previous = line
    return found


def table_rows(markdown: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after `heading`, as lists of cell texts."""
    return [cells(line) for line in tables(markdown.split(heading, 1)[1])[0][2:]]


def test_report_has_every_section_and_a_quotable_headline(report: Path) -> None:
    text = (report / "report.md").read_text()
    for heading in SECTIONS:
        assert heading in text, heading
    summary = pd.read_csv(report / "summary.csv").set_index("metric")
    total = summary.loc["total_revenue_loss_usd"]
    headline = next(line for line in text.splitlines() if line.startswith("> **"))
    # The fixture overrides two keys, so the headline must not pass itself off as the original.
    assert (
        "TikTok US, January 2026 (modified: outage.severity, "
        "users.return_share): an outage like this cost an estimated" in headline
    )
    assert format_usd(total["p50"]) in headline
    assert f"{format_usd(total['p05'])}–{format_usd(total['p95'])}" in headline
    assert f"{format_people(summary.loc['users_lost', 'p50'])} users" in headline
    assert f"{format_people(summary.loc['creators_lost', 'p50'])} creators for good" in headline


def test_results_table_agrees_with_summary_csv(report: Path) -> None:
    summary = pd.read_csv(report / "summary.csv")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    rows = {
        r[1].strip("`"): r for r in table_rows((report / "report.md").read_text(), "## Results")
    }
    assert list(rows) == list(OUTPUTS)
    for _, row in summary.iterrows():
        cells = rows[row["metric"]][2:]
        expected = [
            format_value(row[c], row["unit"], compact=True)
            for c in ("mean", "p05", "p50", "p95", "p99", "cvar95")
        ]
        assert cells == expected, row["metric"]


def test_precision_table_has_se_and_quantile_intervals(report: Path) -> None:
    precision = pd.read_csv(report / "precision.csv").set_index("metric")
    summary = pd.read_csv(report / "summary.csv").set_index("metric")
    assert list(precision.index) == list(OUTPUTS)
    np.testing.assert_allclose(precision["se_mean"], summary["se_mean"], rtol=1e-9)
    for q in ("p50", "p95"):
        assert (precision[f"{q}_low"] <= summary[q]).all()
        assert (summary[q] <= precision[f"{q}_high"]).all()
    rows = table_rows((report / "report.md").read_text(), "### Monte Carlo precision")
    assert [r[0].strip("`") for r in rows] == list(OUTPUTS)


def test_breakdown_parts_add_up_to_the_total(report: Path) -> None:
    breakdown = pd.read_csv(report / "breakdown.csv")
    summary = pd.read_csv(report / "summary.csv").set_index("metric")
    assert list(breakdown["metric"]) == list(PARTS.values())
    total = summary.loc["total_revenue_loss_usd", "mean"]
    # CSV values carry 10 significant digits, hence 1e-9 relative.
    assert math.isclose(breakdown["mean"].sum(), total, rel_tol=1e-9)
    assert math.isclose(breakdown["share_of_mean_total"].sum(), 1.0, rel_tol=1e-9)
    text = (report / "report.md").read_text()
    assert f"**{format_usd(total)}**" in text


def test_tier_losses_add_up_to_the_creator_total() -> None:
    result = impact.simulate(impact.load_scenario("meta-2024"), 5_000, rng=3)
    tiers = report_data(result).tiers
    creator_total = float(result.summary.loc["creator_earnings_loss_usd", "mean"])
    assert math.isclose(tiers["loss_mean_usd"].sum(), creator_total, rel_tol=1e-9)
    assert math.isclose(tiers["creator_share"].sum(), 1.0, rel_tol=1e-9)
    assert (tiers["source"] != "").all()


def test_scenario_without_tiers_gets_one_tier_of_every_creator() -> None:
    # Not TikTok's follower tiers (issue 21): a platform that gives none gets no assumed split.
    scenario = impact.scenario_from_specs(
        {"outage_hours": 24, "revenue_hourly_loss": "uniform(1k, 2k)"}
    )
    assert [(t.name, t.creator_share, t.earnings_share) for t in scenario.tiers] == [
        ("all creators", 1.0, 1.0)
    ]
    assert "[[creators.tiers]]" in scenario.tiers[0].source


def test_tiers_and_attrition_sections_match_their_csv(report: Path) -> None:
    text = (report / "report.md").read_text()
    tiers = pd.read_csv(report / "tiers.csv")
    rows = table_rows(text, "## Creator tiers")
    assert [r[0] for r in rows] == list(tiers["tier"])
    for row, (_, tier) in zip(rows, tiers.iterrows(), strict=True):
        assert row[6] == format_usd(tier["loss_per_creator_p50_usd"])
        assert row[7] == format_usd(tier["loss_per_creator_p95_usd"])
    attrition = table_rows(text, "## Users and creators who left")
    summary = pd.read_csv(report / "summary.csv").set_index("metric")
    assert attrition[1][0] == "Users lost for good"
    assert attrition[1][4] == format_people(summary.loc["users_lost", "p50"])


def test_assumptions_cover_every_key_with_spec_and_source(report: Path) -> None:
    assumptions = pd.read_csv(report / "assumptions.csv", keep_default_na=False)
    assert list(assumptions.columns[:5]) == ["key", "description", "unit", "spec", "source"]
    assert list(assumptions["key"]) == list(INPUTS)
    by_key = assumptions.set_index("key")
    assert by_key.loc["outage.severity", "spec"] == "pert(0.2, 0.3, 0.4)"
    assert by_key.loc["outage.severity", "source"] == "command-line flag"
    assert by_key.loc["users.return_share", "source"] == "--set on the command line"
    assert "Linktree" not in by_key.loc["revenue.hourly_loss", "source"]
    assert "WARC" in by_key.loc["revenue.hourly_loss", "source"]
    assert (assumptions["source"].str.len() > 0).all()
    rows = table_rows((report / "report.md").read_text(), "## Assumptions")
    assert [r[0].strip("`") for r in rows] == list(INPUTS)


def test_every_referenced_image_exists_and_is_a_valid_png(report: Path) -> None:
    from matplotlib.image import imread

    images = IMAGE.findall((report / "report.md").read_text())
    required = {"total_loss_distribution.png", "loss_exceedance.png", "loss_breakdown.png"}
    assert required <= set(images)
    assert set(images) == {p.name for p in report.glob("*.png")}
    for name in images:
        data = (report / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        pixels = imread(report / name)
        assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 600, name


def test_markdown_renders_to_html_with_every_table_and_image(report: Path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    text = (report / "report.md").read_text()
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    found = tables(text)
    # results, precision, breakdown, what drives it, attrition, checks against the world
    # (observables), tiers, assumptions, facts, and with the scenario's [evidence]: observations,
    # headline before/after, under each reading, inputs before/after (tiktok-us-2026 has no
    # [correlations] since model v3, so no table of achieved input correlations)
    assert len(found) == 13
    assert html.count("<table>") == len(found)
    assert html.count("<img ") == len(IMAGE.findall(text))
    for lines in found:  # every row has as many cells as its header
        assert len({len(cells(line)) for line in lines}) == 1, lines[0]


def test_reproduce_line_regenerates_the_same_numbers(report: Path, tmp_path: Path) -> None:
    text = (report / "report.md").read_text()
    command = text.split("```sh\n", 1)[1].split("\n```", 1)[0]
    args = shlex.split(command)
    assert args[:2] == ["impact", "simulate"]
    assert args[args.index("--trials") : args.index("--trials") + 2] == ["--trials", "20000"]
    args[args.index("--out") + 1] = str(tmp_path / "again")
    assert main([*args[1:], "--quiet"]) == 0
    assert (tmp_path / "again" / "summary.csv").read_bytes() == (
        report / "summary.csv"
    ).read_bytes()


def test_method_links_the_model_from_the_repository_reports_folder(tmp_path: Path) -> None:
    assert docs_link(REPO / "reports" / "some-scenario") == "../../docs/model.md"
    assert docs_link(tmp_path / "elsewhere") is None


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_interrupted_write_leaves_the_folder_as_it_was(
    failure: BaseException, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r"
    assert main(["simulate", "--trials", "10000", "--quiet", "--out", str(out)]) == 0
    before = tree(out)

    def fail(*args: object, **kwargs: object) -> None:
        raise failure

    # A chart in the middle of the folder, and report.md, written after everything else.
    monkeypatch.setitem(charts.CHARTS, "loss_breakdown.png", (fail, "broken"))
    monkeypatch.setattr(folder, "render_report", fail)
    # 10,000 trials: fewer leave tiktok-us-2026's [evidence] under 1,000 effective ones (a warning)
    status, _, err = run(
        ["simulate", "--trials", "10000", "--seed", "5", "--out", str(out)], capsys
    )
    assert status == (130 if isinstance(failure, KeyboardInterrupt) else 1)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary folder is left


def test_charts_are_the_bytes_savefig_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`style.save` lays out, draws once and encodes on a background thread; the reference is
    matplotlib's own `Figure.savefig` (a dry-run draw for the layout, then the draw), with the
    same figure built again: every chart of a report must come out byte for byte the same."""
    from impact.reports import style
    from impact.reports.files import write_files

    minimal = tmp_path / "minimal.toml"  # no creators: creator_tiers.png is text on no axes
    minimal.write_text('[outage]\nhours = 24\n[revenue]\nhourly_loss = "uniform(300k, 500k)"\n')
    results = [
        impact.simulate(impact.load_scenario(s), 5_000, rng=3) for s in ("tiktok-us-2026", minimal)
    ]
    names = list(charts.CHARTS)

    def savefig(fig, path: Path) -> None:
        FigureCanvasAgg(fig)
        fig.savefig(
            path, dpi=style.DPI, format="png", metadata={"Software": None},
            pil_kwargs={"compress_level": style.PNG_COMPRESSION},
        )  # fmt: skip

    # A user's own defaults must not reach the file: savefig passes origin="upper" to imsave.
    monkeypatch.setitem(matplotlib.rcParams, "image.origin", "lower")
    for i, result in enumerate(results):
        data = report_data(result)
        ours = write_files(tmp_path / f"ours{i}", {n: partial(charts.draw, n, data) for n in names})
        with monkeypatch.context() as patch:
            patch.setattr(charts, "save", savefig)
            for name in names:
                charts.draw(name, data, tmp_path / f"{i}-{name}")
        assert [p.name for p in ours] == names
        for path in ours:
            assert path.read_bytes() == (tmp_path / f"{i}-{path.name}").read_bytes(), path.name


def test_a_background_step_finishes_before_the_move_and_its_error_moves_nothing(
    tmp_path: Path,
) -> None:
    from impact.exceptions import InputError
    from impact.reports.files import write_files, write_later

    def slow(text: str, path: Path) -> None:
        def finish() -> None:
            time.sleep(0.2)  # still running when the last writer returns
            path.write_text(text)

        write_later(finish)

    out = tmp_path / "r"
    write_files(out, {"a.txt": partial(slow, "one"), "b.txt": lambda p: p.write_text("two")})
    assert (out / "a.txt").read_text() == "one" and (out / "b.txt").read_text() == "two"
    before = tree(out)

    def broken(path: Path) -> None:
        def finish() -> None:
            raise OSError(28, "No space left on device")

        write_later(finish)

    with pytest.raises(InputError, match="cannot write there"):
        write_files(out, {"a.txt": partial(slow, "new"), "c.txt": broken})
    assert tree(out) == before  # a.txt is still "one": nothing was moved in
    alone = tmp_path / "alone.txt"
    write_later(lambda: alone.write_text("at once"))  # outside write_files: run before returning
    assert alone.read_text() == "at once"


def test_save_leaves_the_figure_as_it_was(tmp_path: Path) -> None:
    """A figure saved, changed and saved again gives what savefig gives for the changed figure:
    `save` puts back the layout engine and resolution it set aside."""
    from impact.reports import style

    def build(label: str | None = None):  # the same figure, twice over
        fig = style.figure()
        ax = fig.add_subplot()
        ax.plot([1, 2, 3])
        if label:
            ax.set_ylabel(label, fontsize=20)
        return fig, ax

    fig, ax = build()
    engine, dpi = fig.get_layout_engine(), fig.get_dpi()
    style.save(fig, tmp_path / "first.png")
    assert fig.get_layout_engine() is engine and fig.get_dpi() == dpi
    ax.set_ylabel("a long y label\nover two lines", fontsize=20)
    style.save(fig, tmp_path / "second.png")
    reference, _ = build("a long y label\nover two lines")
    FigureCanvasAgg(reference)
    reference.savefig(
        tmp_path / "ref.png", dpi=style.DPI, format="png", metadata={"Software": None},
        pil_kwargs={"compress_level": style.PNG_COMPRESSION},
    )  # fmt: skip
    assert (tmp_path / "second.png").read_bytes() == (tmp_path / "ref.png").read_bytes()


def test_a_second_interrupt_while_waiting_still_removes_the_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from impact.reports import files

    class Interrupted(files.ThreadPoolExecutor):
        def shutdown(self, *args: object, **kwargs: object) -> None:
            super().shutdown(*args, **kwargs)  # type: ignore[arg-type]
            raise KeyboardInterrupt  # a second Ctrl-C, while write_files waits for the thread

    def fail(path: Path) -> None:
        raise RuntimeError("first failure")

    monkeypatch.setattr(files, "ThreadPoolExecutor", Interrupted)
    out = tmp_path / "r"
    out.mkdir()
    (out / "kept.txt").write_text("earlier run")
    with pytest.raises(KeyboardInterrupt):
        files.write_files(out, {"a.txt": lambda p: p.write_text("new"), "b.txt": fail})
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]


@pytest.fixture
def ctrl_c_at_first_move(monkeypatch: pytest.MonkeyPatch):
    """Ctrl-C (a real SIGINT, to Python's own handler) just as the first file is moved in."""
    import signal

    from impact.reports import files

    real = files._move
    sent: list[bool] = []

    def move(*args: object) -> object:
        if not sent:
            sent.append(True)
            signal.raise_signal(signal.SIGINT)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "_move", move)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield sent
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_files_move_in_waits_until_all_are_in(tmp_path: Path, ctrl_c_at_first_move):
    from impact.reports.files import committed, write_files

    out = tmp_path / "r"
    out.mkdir()
    for name in ("a.txt", "b.txt"):  # an earlier run's files
        (out / name).write_text("old")
    new = {name: (lambda p: p.write_text("new")) for name in ("a.txt", "b.txt", "c.txt")}
    with pytest.raises(KeyboardInterrupt):
        write_files(out, new)
    assert ctrl_c_at_first_move  # the signal came before the first move, and was held
    assert {p.name: p.read_text() for p in out.iterdir()} == {n: "new" for n in new}
    assert committed()[-1] == out


def test_ctrl_c_after_the_report_moved_in_says_it_was_written(
    tmp_path: Path, capsys, ctrl_c_at_first_move
) -> None:
    out = tmp_path / "r"
    # 10,000 trials: fewer leave tiktok-us-2026's [evidence] under 1,000 effective ones (a warning)
    status, _, err = run(["simulate", "--trials", "10000", "--out", str(out)], capsys)
    assert ctrl_c_at_first_move
    assert status == 130 and err.count("\n") == 1
    assert f"interrupted after writing {out}; its files are this run's, complete" in err
    assert (out / "report.md").is_file() and not list(out.glob(".impact-tmp-*"))


def test_a_move_that_fails_midway_puts_every_earlier_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moves are all or nothing: the third fails (as a file open in another program does on
    Windows), so the two made before it are undone, and so is nothing else."""
    from impact.exceptions import InputError
    from impact.reports import files

    out = tmp_path / "r"
    (out / "d.parquet").mkdir(parents=True)
    for name, text in [("a.txt", "old a"), ("c.txt", "old c"), ("samples.csv", "old samples")]:
        (out / name).write_text(text)
    (out / "d.parquet" / "part.0.parquet").write_text("old part")
    before = tree(out)

    def new_folder(path: Path) -> None:
        path.mkdir()
        (path / "part.0.parquet").write_text("new part")

    writers = {
        "a.txt": lambda p: p.write_text("new a"),  # replaces a file
        "d.parquet": new_folder,  # replaces a folder
        "b.txt": lambda p: p.write_text("new b"),  # a new file: the failing move
        "c.txt": lambda p: p.write_text("new c"),
    }
    real, calls = files._move, []

    def move(source: Path, final: Path, kept: Path):  # type: ignore[no-untyped-def]
        calls.append(final.name)
        if final.name == "b.txt":
            raise OSError(13, "Permission denied")
        return real(source, final, kept)

    monkeypatch.setattr(files, "_move", move)
    with pytest.raises(InputError, match="cannot write there"):
        files.write_files(out, writers, remove=["samples.csv"])
    assert calls == ["a.txt", "d.parquet", "b.txt"]
    assert tree(out) == before  # a.txt and the folder are the earlier ones again
    monkeypatch.setattr(files, "_move", real)
    files.write_files(out, writers, remove=["samples.csv"])  # and without the failure: all new
    assert tree(out) == {
        "a.txt": b"new a", "b.txt": b"new b", "c.txt": b"new c", "d.parquet": None,
        "d.parquet/part.0.parquet": b"new part",
    }  # fmt: skip


def test_ctrl_c_then_a_failed_move_leaves_the_earlier_report_and_says_so(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (a real SIGINT) comes at the first move and is held; the fourth move then fails,
    so every move is undone and the line Ctrl-C prints ("no output file was changed") is true."""
    import signal

    from impact.reports import files

    out = tmp_path / "r"
    assert main(["simulate", "--trials", "2000", "--seed", "1", "-q", "--out", str(out)]) == 0
    capsys.readouterr()  # its warning (2,000 trials leave under 1,000 effective ones)
    before = tree(out)
    real, calls = files._move, []

    def move(source: Path, final: Path, kept: Path):  # type: ignore[no-untyped-def]
        calls.append(final.name)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(source, final, kept)

    monkeypatch.setattr(files, "_move", move)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        status, _, err = run(["simulate", "--trials", "10000", "--out", str(out)], capsys)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(calls) == 4
    assert status == 130 and err == "error: interrupted; no output file was changed\n"
    assert tree(out) == before


def test_a_signal_while_the_handlers_go_back_still_puts_every_handler_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C just after SIGINT's handler is put back (but before SIGTERM's) must not leave
    SIGTERM with the temporary recorder."""
    import signal

    from impact.reports import files

    real = signal.signal
    original = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def put(sig, handler):  # type: ignore[no-untyped-def]
        previous = real(sig, handler)
        if sig == signal.SIGINT and handler is original[signal.SIGINT]:
            raise KeyboardInterrupt  # as if SIGINT's own handler ran right here
        return previous

    monkeypatch.setattr(files.signal, "signal", put)
    with pytest.raises(KeyboardInterrupt):
        files.write_files(tmp_path / "r", {"a.txt": lambda p: p.write_text("x")})
    monkeypatch.undo()
    assert {s: signal.getsignal(s) for s in original} == original
    assert (tmp_path / "r" / "a.txt").read_text() == "x"


def test_a_held_sigterm_ends_a_library_process_only_after_the_clean_up(tmp_path: Path) -> None:
    """In a process that keeps SIGTERM's default (ending the process), a SIGTERM during the moves
    ends it once every file is in and the temporary folder is gone, not before."""
    import subprocess
    import sys

    script = (
        "import os, signal, sys\n"
        "from impact.reports import files\n"
        "real = files._move\n"
        "def move(*args):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return real(*args)\n"
        "files._move = move\n"
        "files.write_files(files.Path(sys.argv[1]), {n: (lambda p: p.write_text('x')) "
        "for n in ('a.txt', 'b.txt')})\n"
        "print('still running')\n"
    )
    out = tmp_path / "r"
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -15 and "still running" not in done.stdout, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]  # no .impact-tmp-*


def test_samples_csv_has_one_row_per_trial_and_a_later_run_removes_it(
    tmp_path: Path, capsys
) -> None:
    out = tmp_path / "r"
    assert (
        run(["simulate", "--trials", "1234", "--samples", "-q", "--out", str(out)], capsys)[0] == 0
    )
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 1234
    assert set(OUTPUTS) <= set(samples.columns)
    assert "`samples.csv`" in (out / "report.md").read_text()
    assert run(["simulate", "--trials", "1000", "-q", "--out", str(out)], capsys)[0] == 0
    assert not (out / "samples.csv").exists()  # the folder describes one run


def test_samples_parquet_has_one_row_per_trial(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "r"
    argv = ["simulate", "--trials", "1500", "--samples-format", "parquet", "-q", "--out", str(out)]
    assert run(argv, capsys)[0] == 0
    assert len(pd.read_parquet(out / "samples.parquet")) == 1500
    assert "--samples-format parquet" in (out / "report.md").read_text()


def test_parquet_without_pyarrow_is_a_one_line_error_before_anything_is_written(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = folder.importlib.util.find_spec
    monkeypatch.setattr(
        folder.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyarrow" else real(name, *a),
    )
    out = tmp_path / "r"
    argv = ["simulate", "--samples", "--samples-format", "parquet", "--out", str(out)]
    status, _, err = run(argv, capsys)
    assert status == 2
    assert err.count("\n") == 1 and "pip install pyarrow" in err
    assert not out.exists()


def test_progress_bar_appears_only_after_its_delay() -> None:
    assert not wants_progress(quiet=False, json_output=False)  # stderr is not a terminal here
    assert not wants_progress(quiet=True, json_output=False)
    screen = StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    with DelayedProgress(100, enabled=True, delay=30, console=console) as bar:
        bar.simulated(100, 100)
    assert not bar.shown and screen.getvalue() == ""
    with DelayedProgress(100, enabled=True, delay=0, console=console) as bar:
        deadline = time.monotonic() + 5
        while not bar.shown and time.monotonic() < deadline:
            time.sleep(0.01)
        bar.simulated(50, 100)
        bar.written(1, 3)
    assert bar.shown and "simulating" in screen.getvalue()


def test_sketch_histogram_and_exceedance_match_numpy_on_exact_buckets() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 400, 50_000).astype(float)  # every bucket holds one distinct value
    sketch = Sketch.of(x)
    edges = np.linspace(-0.5, 399.5, 41)
    assert sketch.histogram(edges).tolist() == np.histogram(x, edges)[0].tolist()
    grid = np.array([-1.0, 0.0, 17.0, 200.0, 399.0, 500.0])
    np.testing.assert_array_equal(sketch.exceedance(grid), [(x > g).mean() for g in grid])


def _same_pages_as_committed(run: impact.SimulationResult) -> None:
    """report.md and report.html written afresh (inside a stand-in checkout, so the docs link is
    the committed one) match the committed pages but for the command line that names --out: a
    change to a page's template (its wording, tables or CSS) needs the example regenerated,
    or the README's main command leaves the clone modified."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "docs").mkdir()
        (root / "docs" / "model.md").write_text("# model\n")
        (root / "pyproject.toml").write_text('[project]\nname = "impact"\n')
        out = root / "reports" / "tiktok-us-2026"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            impact.write_report(run, out)
        for page in ("report.md", "report.html"):
            fresh, kept = ((d / page).read_text().splitlines() for d in (out, EXAMPLE))
            keep = [ln for ln in kept if "impact simulate --scenario" not in ln]
            new = [ln for ln in fresh if "impact simulate --scenario" not in ln]
            assert new == keep, f"{page}: regenerate the committed example (impact simulate)"


def test_committed_example_agrees_with_a_fresh_run() -> None:
    """reports/tiktok-us-2026/ is what the README's main command writes; regenerate it when the
    model, the scenario or the sampling changes (the command is in its report.md)."""
    committed = pd.read_csv(EXAMPLE / "summary.csv").set_index("metric")
    precision = pd.read_csv(EXAMPLE / "precision.csv").set_index("metric")
    text = (EXAMPLE / "report.md").read_text()
    assert (
        "impact simulate --scenario tiktok-us-2026 --trials 100000 --seed 20260125 "
        "--out reports/tiktok-us-2026" in text
    )
    assert "(../../docs/model.md)" in text
    for name in IMAGE.findall(text):
        assert (EXAMPLE / name).read_bytes().startswith(PNG_SIGNATURE)
    run = impact.simulate(impact.load_scenario("tiktok-us-2026"), 100_000, rng=20260125)
    fresh = run.summary
    # Every output of the registry is in the committed example, in its order: a new output
    # (or one dropped) means the example must be regenerated, not only a changed number.
    assert list(fresh.index) == list(OUTPUTS)
    for name, rows in (("summary.csv", committed), ("precision.csv", precision)):
        missing = [m for m in OUTPUTS if m not in rows.index]
        assert list(rows.index) == list(OUTPUTS), f"{name}: regenerate; missing {missing}"
    observed = pd.read_csv(EXAMPLE / "observables.csv")["quantity"].tolist()
    assert observed == list(run.observables.index) == list(OBSERVABLES), "observables.csv"
    _same_pages_as_committed(run)
    for metric, row in committed.iterrows():
        # The same seed and code give identical numbers; the tolerance only absorbs float
        # differences between library versions. Two independent runs would differ in the mean by
        # about sqrt(se1² + se2²), so 4 of those is a 4-sigma bound; quantiles may move by 1.5
        # widths of their committed 95% order-statistic interval (about 4 sigma too).
        new = fresh.loc[metric]
        slack = 1e-9 * abs(row["mean"])
        assert (
            abs(new["mean"] - row["mean"]) <= 4 * math.hypot(new["se_mean"], row["se_mean"]) + slack
        )
        for q in ("p50", "p95"):
            width = precision.loc[metric, f"{q}_high"] - precision.loc[metric, f"{q}_low"]
            assert abs(new[q] - row[q]) <= 1.5 * width + 1e-9 * abs(row[q]), (metric, q)


def test_docs_link_finds_the_checkout_the_report_lies_in(tmp_path: Path) -> None:
    # `pip install .` (not editable) runs the package from site-packages, yet a report written
    # inside the clone must still link to the clone's docs, as the committed example does.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "model.md").write_text("# model\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "impact"\n')
    assert docs_link(tmp_path / "reports" / "x") == "../../docs/model.md"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert docs_link(tmp_path / "reports" / "x") is None
