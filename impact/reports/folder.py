"""A report folder: which files `simulate` writes, each from the one computed `ReportData`.

Everything goes through `write_files`, so the folder changes all at once or not at all.
"""

from __future__ import annotations

import importlib.util
import shlex
from collections.abc import Callable
from concurrent.futures import Executor
from enum import StrEnum
from functools import cache, partial
from pathlib import Path

from impact.analysis.evidence import EvidenceTables
from impact.analysis.summaries import ReportData, report_data
from impact.exceptions import InputError
from impact.inputs.scenario import builtin_scenarios, load_scenario
from impact.reports.chart_data import SIMULATE_CHARTS, ChartData
from impact.reports.evidence_report import EVIDENCE_CHART
from impact.reports.files import Portable, Progress, Writer, write_files
from impact.reports.html import write_html
from impact.reports.profile_report import ONSET_CHART, ONSET_CSV
from impact.reports.provenance import KEPT_SCENARIO, Provenance, docs_link
from impact.reports.simulate_report import render_report
from impact.reports.tables import write_csv, write_summary_csv
from impact.simulation import cluster
from impact.simulation.engine import SimulationResult
from impact.simulation.world_checks import observables_table

__all__ = [
    "SamplesFormat",
    "check_samples_format",
    "check_samples_on_cluster",
    "report_writers",
    "write_report",
]


class SamplesFormat(StrEnum):
    """How `--samples` writes per-trial values."""

    csv = "csv"
    parquet = "parquet"


# The modules that draw the charts, imported by the process that draws them (with matplotlib).
CHARTS = "impact.reports.charts"
EVIDENCE = "impact.reports.evidence_report"
PROFILE = "impact.reports.profile_report"
SAMPLE_FILES = tuple(f"samples.{fmt.value}" for fmt in SamplesFormat)
# Files only some runs write (tiers without creators, evidence, a revenue profile): one that an
# earlier run left in the folder goes when this run does not write it, so the folder holds one run.
SOMETIMES = (
    "tiers.csv", "creator_tiers.png", "activity_path.png", "evidence_inputs.csv", EVIDENCE_CHART,
    ONSET_CSV, ONSET_CHART, KEPT_SCENARIO,
)  # fmt: skip


def check_samples_format(fmt: SamplesFormat | str | None) -> None:
    """Fail early, before anything is simulated or written, if Parquet cannot be written."""
    parquet = fmt is not None and SamplesFormat(fmt) is SamplesFormat.parquet
    if parquet and importlib.util.find_spec("pyarrow") is None:
        raise InputError(
            "`samples_format` parquet: needs pyarrow, which is not installed; "
            "run `pip install pyarrow` or use `samples_format` csv"
        )


def check_samples_on_cluster(result: SimulationResult, fmt: SamplesFormat | str | None) -> None:
    """Samples kept on a dask cluster are written by its workers, as Parquet only."""
    if fmt is None or SamplesFormat(fmt) is SamplesFormat.parquet:
        return
    if cluster.is_dask_frame(result.samples):
        raise InputError(
            f"`samples_format` {SamplesFormat(fmt).value}: samples kept on a dask cluster are "
            "written by its workers as Parquet only; use parquet (or compute() them first)"
        )


def _write_samples(data: ReportData, fmt: SamplesFormat, path: Path) -> None:
    frame = data.result.samples
    if frame is None:
        raise ValueError("the result has no samples; simulate with samples=True")
    if cluster.is_dask_frame(frame):  # a folder of parts, each written by a worker
        cluster.write_parquet(frame, path.resolve())
    elif fmt is SamplesFormat.parquet:
        frame.to_parquet(path, index=False)
    else:
        write_csv(frame, path)


def _write_markdown(
    data: ReportData, provenance: Provenance, files: list[str], docs: str | None, path: Path
) -> None:
    path.write_text(render_report(data, provenance, files=files, docs=docs), encoding="utf-8")


def report_writers(
    data: ReportData,
    provenance: Provenance,
    out_dir: Path,
    samples_format: SamplesFormat | str | None = None,
) -> dict[str, Writer]:
    """Every file of the report folder, by name, with the function that writes it."""
    # Tables are computed when their file is written, except the charts': `write_files` sends
    # each chart off to be drawn, in this order, as soon as its tables are computed (`Portable`
    # arguments), before it writes anything here; the cheap charts go first.
    writers: dict[str, Writer] = {
        "summary.csv": partial(write_summary_csv, data.summary),
        "precision.csv": _table(data, "precision"),
        "breakdown.csv": partial(write_csv, data.breakdown),
        **({"tiers.csv": partial(write_csv, data.tiers)} if not data.tiers.empty else {}),
        "assumptions.csv": _table(data, "assumptions"),
        "observables.csv": lambda path: write_csv(observables_table(data.result), path),
    }
    if samples_format is not None:
        fmt = SamplesFormat(samples_format)
        writers[f"samples.{fmt.value}"] = partial(_write_samples, data, fmt)
    cheap = cache(partial(ChartData.of, data, activity=False))  # all but the activity band
    for name in SIMULATE_CHARTS:
        if name == "creator_tiers.png" and data.tiers.empty:
            continue
        if name == "activity_path.png":
            if data.has_activity_path:
                writers[name] = Portable(f"{CHARTS}:draw", partial(_activity_chart, data))
            continue
        writers[name] = Portable(f"{CHARTS}:draw", partial(_chart, name, cheap))
    if data.has_evidence:
        writers["evidence_inputs.csv"] = lambda path: write_csv(_evidence(data)[0].inputs, path)
        evidence_chart = f"{EVIDENCE}:draw_evidence_chart"
        writers[EVIDENCE_CHART] = Portable(evidence_chart, partial(_evidence, data))
    if data.onset is not None:
        writers[ONSET_CSV] = partial(write_csv, data.onset)
        writers[ONSET_CHART] = Portable(f"{PROFILE}:draw_onset_chart", (data.onset,))
    writers.update(provenance.saved_writers())
    writers["report.html"] = partial(write_html, data, provenance)
    files = list(writers)
    writers["report.md"] = partial(_write_markdown, data, provenance, files, docs_link(out_dir))
    return writers


def _chart(name: str, tables: Callable[[], ChartData]) -> tuple[str, ChartData]:
    return name, tables()


def _activity_chart(data: ReportData) -> tuple[str, ChartData]:
    return "activity_path.png", ChartData.of(data)


def _evidence(data: ReportData) -> tuple[EvidenceTables]:
    if data.evidence is None:
        raise ValueError("the result has no evidence")
    return (data.evidence,)


def _table(data: ReportData, name: str) -> Writer:
    """The writer of the CSV of one table of `data`, computed when the file is written."""
    return lambda path: write_csv(getattr(data, name), path)


def _python_command(result: SimulationResult, out_dir: Path) -> str:
    """The `impact simulate` line for a result made in Python, if its scenario is a file's own."""
    scenario = result.scenario
    if scenario.path is not None and not scenario.modified:
        try:
            unchanged = load_scenario(scenario.path).digest() == scenario.digest()
        except InputError:  # the file has changed or gone since: no command can claim it
            unchanged = False
        if unchanged:
            builtin = builtin_scenarios().get(scenario.name) == scenario.path
            name = scenario.name if builtin else str(scenario.path)
            return shlex.join(
                ["impact", "simulate", "--scenario", name, "--trials", str(result.n_trials),
                 "--seed", str(result.seed), "--method", result.method, "--out", str(out_dir)]
            )  # fmt: skip
    return f"# made in Python: impact.simulate(...) on a changed {scenario.name!r} scenario"


def write_report(
    result: SimulationResult,
    out_dir: str | Path,
    *,
    provenance: Provenance | None = None,
    samples_format: SamplesFormat | str | None = None,
    progress: Progress | None = None,
    pool: Executor | None = None,
) -> list[Path]:
    """Compute the report's tables and write the whole folder atomically; return the paths.

    The folder is the one `impact simulate` writes (report.md, CSVs, charts). `provenance`
    holds the command that regenerates it; by default the report names none (the seed,
    trials and scenario still appear).
    `samples_format` ('csv' or 'parquet') adds the per-trial samples, which the result must
    hold; samples of an earlier run in another format are removed. Samples kept on a dask
    cluster (a dask DataFrame, see `impact.simulate`) are written as the Parquet dataset
    `samples.parquet/part.NN.parquet`, one part per task, by the workers in parallel (they must
    see `out_dir`); csv is refused for them. `progress(done, total)` is called after each file
    is written. With `pool`, the charts are drawn in its processes (`reports.drawing`).
    """
    check_samples_format(samples_format)
    if not result.complete:
        raise InputError(
            f"`outputs`: {', '.join(result.outputs_summarised)}: a report needs every output; "
            "simulate without `outputs`"
        )
    check_samples_on_cluster(result, samples_format)
    out_dir = Path(out_dir)
    if provenance is None:
        provenance = Provenance(_python_command(result, out_dir))
    writers = report_writers(report_data(result), provenance, out_dir, samples_format)
    return write_files(
        out_dir, writers, remove=(*SAMPLE_FILES, *SOMETIMES), pool=pool, progress=progress
    )
