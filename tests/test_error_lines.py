"""Error lines that name the exact place: a special file given as a scenario, a trial count in a
scenario file past the ceiling, the first non-UTF-8 byte and the unclosed quote of a CSV, and the
web page's trial count as the page sent it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import impact
from impact.cli import main
from impact.exceptions import InputError
from impact.inputs.datafile import read_csv_file
from impact.inputs.scenario_parse import MAX_TRIALS


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("where", ["argument", "overlay"])
def test_a_device_is_not_a_scenario_file(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["/dev/zero"] if where == "argument" else ["--overlay", "/dev/zero"]
    status, err = run(["simulate", *args, "--out", str(tmp_path / "r")], capsys)
    key = "scenario" if where == "argument" else "overlay"
    assert status == 2
    assert err == (
        f"error: {key}: '/dev/zero': is not a regular file (a device, a pipe or a socket); "
        "give the path of a scenario file\n"
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_not_a_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    status, err = run(["validate", str(pipe)], capsys)
    assert status == 2 and "is not a regular file" in err


def test_a_missing_overlay_is_still_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.toml"
    status, err = run(["simulate", "--overlay", str(missing), "--out", str(tmp_path)], capsys)
    assert status == 2 and err == f"error: overlay: {str(missing)!r}: file not found\n"


def test_a_scenario_files_trials_past_the_ceiling_give_the_ceiling_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "many.toml"
    overlay.write_text("[sampling]\ntrials = 1e20\n")
    status, err = run(["simulate", "--overlay", str(overlay), "--out", str(tmp_path / "r")], capsys)
    assert status == 2
    assert f"sampling.trials: 1e+20: at most {MAX_TRIALS:,} per run: " in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_whole_float_is_a_trial_count(tmp_path: Path) -> None:
    """TOML reads 2e3 as the float 2000.0: a whole number, taken as 2000; 2.5 is not one."""
    good = tmp_path / "good.toml"
    good.write_text("[outage]\nhours = 2\n[revenue]\nhourly_loss = 1\n[sampling]\ntrials = 2e3\n")
    assert impact.load_scenario(good).trials == 2000
    bad = tmp_path / "bad.toml"
    bad.write_text("[outage]\nhours = 2\n[revenue]\nhourly_loss = 1\n[sampling]\ntrials = 2.5\n")
    with pytest.raises(InputError, match=r"sampling.trials: 2.5: must be a whole number ≥ 1"):
        impact.load_scenario(bad)


def test_a_csv_names_its_first_byte_that_is_not_utf8(tmp_path: Path) -> None:
    """pandas decodes in chunks, and its offset is the byte's place in a chunk; the line names
    the byte's place in the file: here after 5,000 good rows."""
    path = tmp_path / "series.csv"
    head = b"hour,value\n" + b"".join(b"%d,1\n" % i for i in range(5000))
    path.write_bytes(head + b"5000,2\xff\n")
    offset = len(head) + len(b"5000,2")
    with pytest.raises(InputError) as caught:
        read_csv_file(path)
    message = f"{str(path)!r}: byte {offset} is not UTF-8; save the CSV file as UTF-8 text"
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # An unclosed quote is found again with Python's strict reader, by the line it opens on.
        ('hour,value\n1,2\n2,"3\n3,4\n4,5\n',
         "line 3: a quoted field opens there and is never closed; close the quote or remove it"),
        # Anything else keeps pandas' words: a field too many in line 4 (the strict reader would
        # blame line 2, which pandas reads).
        ('a,b\n1,"x"y\n3,4\n5,6,7\n',
         "cannot read as CSV (ParserError: Error tokenizing data. C error: Expected 2 fields in "
         "line 4, saw 3)"),
    ],
    ids=["unclosed-quote", "a-field-too-many"],
)  # fmt: skip
def test_a_csv_that_cannot_be_read_names_where(text: str, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_csv_file(path)
    assert str(caught.value) == f"{str(path)!r}: {problem}"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(True, "true"), (False, "false"), (None, "null"), ([1], "[1]"), ({"a": 1}, '{"a": 1}')],
)
def test_the_web_pages_values_are_named_as_the_page_sent_them(
    value: object, shown: str, tmp_path: Path
) -> None:
    pytest.importorskip("starlette")
    from impact.web.service import Service

    with pytest.raises(InputError) as caught:
        Service.trials(value)
    assert str(caught.value) == f"trials: {shown}: must be a whole number ≥ 1"
    with pytest.raises(InputError) as caught:
        Service(tmp_path).build("tiktok-us-2026", {"outage.hours": value})  # type: ignore[dict-item]
    assert str(caught.value) == f"outage.hours: {shown}: give a number or a spec as text"


def test_a_scenario_files_trials_past_the_ceiling_are_shown_as_written(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text("[outage]\nhours = 2\n[revenue]\nhourly_loss = 1\n"
                    "[sampling]\ntrials = 1_000_000_001\n")  # fmt: skip
    with pytest.raises(InputError, match=r"sampling.trials: 1000000001: at most 1,000,000,000"):
        impact.load_scenario(path)


def test_a_seed_must_be_an_integer(tmp_path: Path) -> None:
    """A float seed above 2**53 would be rounded without a word: 7.0 is refused as well."""
    path = tmp_path / "seed.toml"
    path.write_text("[outage]\nhours = 2\n[revenue]\nhourly_loss = 1\n[sampling]\nseed = 7.0\n")
    with pytest.raises(InputError, match=r"sampling.seed: 7.0: must be an integer \(no decimal"):
        impact.load_scenario(path)


NOT_UTF8 = "byte 24 is not UTF-8; save the scenario file as UTF-8 text"
TOO_BIG = "larger than 1 MiB: too big for a scenario file; check that this is the file you meant"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[outage]\nhours = 2 # caf\xe9\n", NOT_UTF8),
        (b"\0" * (2 << 20), TOO_BIG),
    ],
)  # fmt: skip
def test_a_scenario_on_stdin_is_read_as_a_file_is(
    data: bytes, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """At most 1 MiB is read (`< /dev/zero` ends at once), and a byte that is not UTF-8 is
    named before anything runs (it crashed after the simulation, writing the kept copy)."""
    import io

    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    status, err = run(["simulate", "-", "--out", str(tmp_path / "r")], capsys)
    assert status == 2 and err == f"error: <stdin>: {message}\n"
    assert not (tmp_path / "r").exists()


def test_the_argument_and_scenario_may_name_one_file_by_a_hard_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = impact.builtin_scenarios()["meta-2024"]
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_bytes(source.read_bytes())
    os.link(first, second)
    argv = ["simulate", str(first), "--scenario", str(second), "--trials", "1000", "-q"]
    status, err = run([*argv, "--out", str(tmp_path / "r")], capsys)
    assert status == 0, err


def test_a_closed_stdin_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`impact simulate - <&-`: Python's sys.stdin is then None."""
    monkeypatch.setattr(sys, "stdin", None)
    status, err = run(["simulate", "-", "--out", str(tmp_path / "r")], capsys)
    assert status == 2
    assert err == "error: <stdin>: not open; pipe the scenario file into it, e.g. `- < my.toml`\n"
