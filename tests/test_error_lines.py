"""Error lines that name the exact place: a special file given as a scenario, a trial count in a
scenario file past the ceiling, the first non-UTF-8 byte and the unclosed quote of a CSV, and the
web page's trial count as the page sent it."""

from __future__ import annotations

import os
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


def test_a_csv_names_the_line_of_its_unclosed_quote(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text('hour,value\n1,2\n2,"3\n3,4\n4,5\n')
    with pytest.raises(InputError) as caught:
        read_csv_file(path)
    assert str(caught.value) == (
        f"{str(path)!r}: line 3: a quoted field opens there and is never closed; "
        "close the quote or remove it"
    )


@pytest.mark.parametrize(("value", "shown"), [(True, "true"), (False, "false"), (None, "null")])
def test_the_web_pages_trials_are_named_as_the_page_sent_them(value: object, shown: str) -> None:
    pytest.importorskip("starlette")
    from impact.web.service import Service

    with pytest.raises(InputError, match=rf"^trials: {shown}: must be a whole number ≥ 1$"):
        Service.trials(value)
