"""Paths the file system will not look up are bad input: exit 2, one line naming the key.

pathlib's `is_file`, `is_dir` and `exists` answer False for a missing file but raise for a folder
on the way that the user may not search (EACCES) or a name too long (ENAMETOOLONG); those
exceptions used to reach the CLI's edge as `error: PermissionError: …` with exit 1, after a full
`impact simulate` when the output folder was the unsearchable one.

A name too long is real on every file system. Permission is not testable for real here: CI runs
as root, for whom every folder is searchable and writable. So a folder is made unsearchable by
making `Path.stat` (and `os.access` for --out) answer for it as the kernel answers a user who may
not search it; the messages and exit codes are the code's own.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from impact.cli import main

LONG = "a" * 300  # over NAME_MAX (255 bytes) on ext4, APFS, NTFS, tmpfs
DENIED = "permission denied (a folder on its path may not be searched by this user)"


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder `locked/` whose insides cannot be looked up, as for a user without its x bit."""
    folder = tmp_path / "locked"
    (folder / "inner").mkdir(parents=True)
    shutil.copy(
        Path(__file__).parents[1] / "data/scenarios/meta-2024.toml", folder / "inner/s.toml"
    )
    real_stat = Path.stat

    def stat(self: Path, *, follow_symlinks: bool = True) -> os.stat_result:
        if Path(os.path.abspath(self)).is_relative_to(folder) and Path(self) != folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(Path, "stat", stat)
    monkeypatch.chdir(tmp_path)
    return folder


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


RUN = ["--trials", "1000", "-q"]


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (["simulate", "locked/inner/s.toml", *RUN], "scenario"),
        (["simulate", "meta-2024", "--overlay", "locked/inner/s.toml", *RUN], "overlay"),
        (["annual", "locked/inner/s.toml", *RUN], "scenario"),
        (["resilience", "--candidate", "locked/inner/s.toml", *RUN], "--candidate"),
        (["calibrate", "durations", "--catalogue", "locked/inner/s.toml"], "--catalogue"),
    ],
)
def test_a_file_in_a_folder_that_may_not_be_searched_exits_2_naming_its_key(
    argv: list[str], key: str, locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = locked.parent / "out"
    status, err = run([*argv, "--out", str(out)], capsys)
    assert (status, err) == (2, f"error: {key}: 'locked/inner/s.toml': {DENIED}\n")
    assert not out.exists()


def test_validate_names_a_file_it_may_not_reach(
    locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["validate", "locked/inner/s.toml"], capsys) == (
        2,
        f"error: scenario: 'locked/inner/s.toml': {DENIED}\n1 problem(s) in locked/inner/s.toml\n",
    )


def test_an_empirical_csv_it_may_not_reach_is_the_keys_problem(
    locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("emp.toml").write_text('[revenue]\nhourly_loss = "empirical(locked/inner/e.csv:x)"\n')
    status, err = run(["simulate", "meta-2024", "--overlay", "emp.toml", "-q"], capsys)
    assert (status, err) == (
        2,
        "error: emp.toml: revenue.hourly_loss: empirical(locked/inner/e.csv:x): "
        f"'locked/inner/e.csv': {DENIED}\n",
    )


def test_an_output_folder_it_may_not_write_into_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused as the flag is read, not after the simulation (which found it only when it
    looked for docs/model.md above the folder, with a PermissionError and exit 1)."""
    from impact.cli import outdir

    readonly = tmp_path / "ro"
    readonly.mkdir()
    real_access = os.access
    asked: list[str] = []

    def access(path: str | os.PathLike[str], mode: int) -> bool:
        asked.append(str(path))
        if Path(path) == readonly and mode & os.W_OK:
            return False  # as for a folder owned by another user, mode 755
        return real_access(path, mode)

    monkeypatch.setattr(outdir.os, "access", access)
    monkeypatch.chdir(tmp_path)
    for given, where in (("ro", "this folder"), ("ro/a/b", repr(str(readonly)))):
        status, err = run(["simulate", "meta-2024", "--out", given, "-q"], capsys)
        assert (status, err) == (
            2,
            f"error: Invalid value for '--out': {given!r}: cannot write into {where} "
            "(permission denied)\n",
        )
    assert not list(readonly.iterdir())
    assert run(["simulate", "meta-2024", "--trials", "1000", "--out", "ok", "-q"], capsys)[0] == 0
    assert str(tmp_path) in asked  # the nearest existing folder of "ok" is the working one


@pytest.mark.parametrize("flag", ["scenario", "overlay"])
def test_a_name_too_long_is_shown_short_and_exits_2(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"{LONG}.toml"
    args = [name] if flag == "scenario" else ["meta-2024", "--overlay", name]
    status, err = run(["simulate", *args, "--out", str(tmp_path / "r"), "-q"], capsys)
    assert (status, err) == (
        2,
        f"error: {flag}: {'a' * 60!r}… (305 characters): a name too long for the file system\n",
    )
    assert not (tmp_path / "r").exists()


def test_path_kind_answers_for_each_kind(tmp_path: Path) -> None:
    from impact.inputs.datafile import path_kind

    (tmp_path / "f").write_text("x")
    assert path_kind(tmp_path / "f", "k") == "file"
    assert path_kind(tmp_path, "k") == "folder"
    assert path_kind(tmp_path / "missing", "k") == "missing"
    assert path_kind(tmp_path / "f" / "under-a-file", "k") == "missing"  # ENOTDIR
    if Path("/dev/null").exists():
        assert path_kind(Path("/dev/null"), "k") == "other"


def test_validate_reports_a_loop_of_links_as_it_reports_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("loop.toml").symlink_to("loop.toml")
    assert run(["validate", "loop.toml"], capsys) == (
        2,
        "error: scenario: 'loop.toml': too many levels of symbolic links\n"
        "1 problem(s) in loop.toml\n",
    )


@pytest.mark.parametrize(
    ("out", "entry", "what"),
    [
        ("file.txt/report", "file.txt", "a file"),
        ("dangling/report", "dangling", "a link to nothing (or a loop of links)"),
        ("dangling", "dangling", "a link to nothing (or a loop of links)"),
        ("loop/report", "loop", "a link to nothing (or a loop of links)"),
    ],
)
def test_an_output_folder_under_a_file_or_a_broken_link_is_refused_before_the_run(
    out: str,
    entry: str,
    what: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found only after the simulation, when the report could not be made (a loop of links:
    a RuntimeError from Path.resolve, exit 1)."""
    monkeypatch.chdir(tmp_path)
    Path("file.txt").write_text("x")
    Path("dangling").symlink_to("nowhere")
    Path("loop").symlink_to("loop")
    status, err = run(["simulate", "meta-2024", "--trials", "1000", "-q", "--out", out], capsys)
    assert (status, err) == (
        2,
        f"error: Invalid value for '--out': {out!r}: {str(tmp_path / entry)!r} is {what}, not a "
        "folder; give a folder to write into\n",
    )


def test_docs_link_of_a_folder_behind_a_loop_of_links_is_none(tmp_path: Path) -> None:
    from impact.reports.provenance import docs_link

    (tmp_path / "loop").symlink_to("loop")
    assert docs_link(tmp_path / "loop" / "report") is None


def test_a_home_folder_that_does_not_exist_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pathlib's expanduser raises RuntimeError for ~user of no user (exit 1 at the edge)."""
    monkeypatch.chdir(tmp_path)
    user = "~no-such-user-x7"
    status, err = run(["simulate", f"{user}/s.toml", "--trials", "1000", "-q"], capsys)
    assert (status, err) == (2, f"error: scenario: '{user}/s.toml': file not found\n")
    status, err = run(["simulate", "meta-2024", "--out", f"{user}/r", "-q"], capsys)
    assert (status, err) == (
        2,
        f"error: Invalid value for '--out': '{user}/r': '{user}' is no home folder here; give "
        "a folder\n",
    )
    status, err = run(
        ["simulate", "meta-2024", "--set", f"revenue.hourly_loss=empirical({user}/e.csv:x)"],
        capsys,
    )
    assert status == 2 and "CSV file not found" in err and "RuntimeError" not in err


def test_a_backtest_case_whose_scenario_is_a_loop_of_links_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Path.resolve raises RuntimeError for a loop of links (before Python 3.13): exit 1."""
    monkeypatch.chdir(tmp_path)
    case = (Path(__file__).parents[1] / "data/backtest/facebook-2019.toml").read_text()
    case = case.replace('scenario = "facebook-2021"', 'scenario = "loop.toml"')
    assert 'scenario = "loop.toml"' in case
    Path("case.toml").write_text(case)
    Path("loop.toml").symlink_to("loop.toml")
    status, err = run(["backtest", "case.toml", "--trials", "1000", "--out", "b"], capsys)
    assert (status, err) == (
        2,
        f"error: scenario: {str(tmp_path / 'loop.toml')!r}: too many levels of symbolic links\n",
    )


def test_a_relative_output_folder_when_the_working_folder_was_deleted_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """os.getcwd raises FileNotFoundError there: it reached the edge with exit 1."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    status, err = run(["simulate", "meta-2024", "-q", "--out", "rel"], capsys)
    assert (status, err) == (
        2,
        "error: Invalid value for '--out': 'rel': the working folder cannot be found (no such "
        "file or directory); give an absolute path\n",
    )


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (["simulate", "noread.toml"], "scenario"),
        (["simulate", "meta-2024", "--overlay", "noread.toml"], "overlay"),
        (["resilience", "--candidate", "noread.toml"], "--candidate"),
    ],
)
def test_a_file_it_may_not_read_names_its_key(
    argv: list[str],
    key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A file found but not readable (mode 000 for another user; root reads anything, so its
    open is made to answer as the kernel answers that user): the line names the key too."""
    monkeypatch.chdir(tmp_path)
    unreadable = tmp_path / "noread.toml"
    shutil.copy(Path(__file__).parents[1] / "data/scenarios/meta-2024.toml", unreadable)
    real_open = Path.open

    def open_(self: Path, *args: object, **kwargs: object) -> object:
        if Path(os.path.abspath(self)) == unreadable:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", open_)
    status, err = run([*argv, "--trials", "1000", "-q", "--out", str(tmp_path / "o")], capsys)
    assert (status, err) == (2, f"error: {key}: 'noread.toml': cannot read (permission denied)\n")
    assert not (tmp_path / "o").exists()
