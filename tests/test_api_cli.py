"""The Python API and the command line agree: the same scenario file gives the same numbers.

Each scenario file here states its own [sampling] trials and seed (not the defaults), and
neither the API call nor the command is given trials or a seed: both must take them from the
file. The `--json` output of the command is compared with the API result's `to_json()`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import impact
from impact.cli import main
from impact.datafiles import data_path

TRIALS, SEED = 3000, 4242  # the file's [sampling], neither of them a default


def with_sampling(tmp_path: Path, name: str, trials: int = TRIALS, seed: int = SEED) -> Path:
    """A copy of built-in scenario `name` (same file name, so the same scenario name) whose
    [sampling] says `trials` and `seed`."""
    text = data_path("scenarios", f"{name}.toml").read_text(encoding="utf-8")
    text, n_trials = re.subn(r"(?m)^trials = \d+", f"trials = {trials}", text, count=1)
    text, n_seed = re.subn(r"(?m)^seed = \d+", f"seed = {seed}", text, count=1)
    assert n_trials == n_seed == 1
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    status = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    payload: dict[str, Any] = json.loads(captured.out)
    return payload


def as_json(payload: dict[str, object]) -> dict[str, Any]:
    """`payload` as the command prints it (JSON numbers and keys)."""
    out: dict[str, Any] = json.loads(json.dumps(payload))
    return out


def test_simulate_uses_the_files_sampling_like_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_sampling(tmp_path, "meta-2024")
    cli = cli_json(["simulate", str(path), "--out", str(tmp_path / "out")], capsys)
    api = impact.simulate(impact.load_scenario(path))
    assert (cli["trials"], cli["seed"]) == (TRIALS, SEED)
    assert (api.n_trials, api.seed) == (TRIALS, SEED)
    assert cli == as_json(api.to_json())


def test_estimate_uses_the_files_sampling_like_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_sampling(tmp_path, "meta-2024")
    cli = cli_json(["simulate", str(path), "--out", str(tmp_path / "out")], capsys)
    summary = impact.estimate(str(path))
    assert (summary.attrs["trials"], summary.attrs["seed"]) == (TRIALS, SEED)
    for metric, stats in cli["metrics"].items():
        assert stats["p50"] == summary.loc[metric, "p50"], metric


def test_annual_uses_the_files_sampling_like_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_sampling(tmp_path, "meta-2024")
    cli = cli_json(["annual", str(path), "--out", str(tmp_path / "out")], capsys)
    api = impact.annual(impact.load_scenario(path))
    assert (cli["years"], cli["seed"]) == (TRIALS, SEED)
    assert cli == as_json(api.to_json())


def test_compare_uses_the_files_sampling_like_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_sampling(tmp_path, "meta-2024")
    argv = ["compare", str(path), "--b-set", "outage.hours=1", "--out", str(tmp_path / "out")]
    cli = cli_json(argv, capsys)
    api = impact.compare(impact.load_scenario(path), b_overrides={"outage.hours": 1})
    assert (cli["trials"], cli["seed"]) == (TRIALS, SEED)
    assert cli == as_json(api.to_json())


@pytest.mark.slow  # about 11 s: resilience through the CLI and the API
def test_resilience_uses_the_bases_seed_like_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = with_sampling(tmp_path, "tiktok-us-2026")
    argv = ["resilience", str(base), "--candidate", "active-active", "--trials", "2000"]
    cli = cli_json([*argv, "--out", str(tmp_path / "out")], capsys)
    api = impact.resilience(
        candidate="active-active", n_futures=2000, base=impact.load_scenario(base)
    )
    assert cli["seed"] == SEED and api.seed == SEED
    mine = as_json(api.to_json())
    cli.pop("tornado")  # the command adds the leader's tornado, which the result leaves to analysis
    assert cli == mine


def test_a_modified_scenario_says_so_when_printed() -> None:
    what_if = impact.load_scenario("meta-2024").with_overrides({"outage.hours": 2})
    assert repr(what_if).startswith("Scenario(name='meta-2024', modified='outage.hours', ")
    assert "modified" not in repr(impact.load_scenario("meta-2024"))
    assert "modified='outage.hours'" in repr(impact.annual(what_if, 500))
    result = impact.simulate(what_if, 2000, 7)
    assert str(result).startswith("SimulationResult(scenario='meta-2024', modified='outage.hours'")


def test_estimate_documents_its_dataframe() -> None:
    import pandas as pd

    assert "pandas DataFrame" in (impact.estimate.__doc__ or "")
    summary = impact.estimate("meta-2024", n_trials=2000)
    assert isinstance(summary, pd.DataFrame)


def test_printing_a_result_is_two_lines_not_its_sketches() -> None:
    # print(result) is a few lines for every result the API returns, as for simulate's: the
    # scenario(s), the size and seed, and the headline figure, never the sketches' arrays.
    import warnings

    import impact

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [
            impact.annual("meta-2024", 500, rng=3),
            impact.compare("meta-2024", "meta-2024", 500, rng=3),
            impact.resilience(n_futures=200, rng=3),
        ]
    names = ("AnnualResult(", "PairedResult(", "ResilienceResult(")
    for result, first in zip(results, names, strict=True):
        text = repr(result)
        assert text.startswith(first) and text.count("\n") == 1, text
        assert "Sketch" not in text and "array(" not in text and len(text) < 400, text
