"""Every README code block that is a command or a file runs as shown (issue 8).

Fenced ```toml blocks are parsed and loaded as scenarios, the ```python block is executed,
`$ impact ...` lines of ```text blocks and the indented command blocks are run in-process in a
scratch folder. To keep the suite fast, simulating commands get `--trials 2000` (`impact
resilience`, whose report reruns the leading design some 70 times, `--trials 200`), replacing
any trial count the README gives, and the first Python block's trial counts are cut the same
way; nothing else about a command is changed. The two install one-liners are checked
structurally, not run.
"""

from __future__ import annotations

import io
import re
import shlex
import sys
import tomllib
from pathlib import Path

import pytest

import impact
from impact.cli import main
from impact.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FAST_TRIALS = "2000"
# The resilience report's tornado reruns the leader at each uncertain key's p10 and p90 (about 70
# runs of min(1,000, --trials) futures): at 2000 that one command cost a third of this file.
FAST_FUTURES = "200"
SIMULATING = {"simulate", "sensitivity", "backtest", "annual", "compare", "resilience"}
# Commands that run in full here: the README shows what they print, line for line and word for
# word. Their numbers are compared only as numbers are there, because the recovery fit's third
# digit moves with the BLAS's thread count (the suite runs one thread: tests/conftest.py).
SHOWN_IN_FULL = ("impact calibrate recovery", "impact retro")


def words(text: str) -> str:
    """`text` with its line breaks and numbers blurred: '0.132 (90% CI' -> '# (#% CI'."""
    return re.sub(r"\d+(?:[.,]\d+)*", "#", " ".join(text.split()))


WHAT_IF_FLAGS = {"--set", "--overlay", "--outage-hours", "--hourly-loss", "--severity"}


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every ``` block."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)]


def indented_blocks(text: str) -> list[str]:
    """Every 4-space-indented block outside fences (a blank line before it)."""
    lines = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S).splitlines()
    blocks: list[list[str]] = []
    current: list[str] | None = None
    previous_blank = True
    for line in lines:
        if line.startswith("    ") and line.strip():
            if current is not None:
                current.append(line[4:])
            elif previous_blank:
                current = [line[4:]]
                blocks.append(current)
        elif not line.strip():
            if current is not None:
                current.append("")  # a blank line continues the block if indented lines follow
        else:
            current = None
        previous_blank = not line.strip()
    return ["\n".join(b).strip() for b in blocks]


def commands_of_text_block(body: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown after it) for every `$ ` line (with `\\` continuations)."""
    found: list[tuple[str, list[str]]] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("$ "):
            command = lines[i][2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            found.append((without_comment(command), []))
        elif found:
            found[-1][1].append(lines[i])
        i += 1
    return found


def without_comment(line: str) -> str:
    return re.split(r"\s{2,}#", line)[0].strip()


def fast(args: list[str]) -> list[str]:
    """Simulating commands with --trials 2000, resilience 200 (only to keep the suite quick)."""
    if args[:1] != ["impact"] or len(args) < 2 or args[1] not in SIMULATING:
        return args
    out = list(args)
    trials = FAST_FUTURES if args[1] == "resilience" else FAST_TRIALS
    if "--trials" in out:
        out[out.index("--trials") + 1] = trials
    else:
        out += ["--trials", trials]
    return out


def run_command(
    line: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    args = shlex.split(line)
    if "<" in args:  # a shell redirection of stdin
        at = args.index("<")
        stdin = Path(args[at + 1]).read_text(encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        args = args[:at] + args[at + 2 :]
    assert args[0] == "impact", line
    status = main(fast(args)[1:])
    captured = capsys.readouterr()
    return status, captured.err, captured.out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*") if p.is_file()}


def scenario_toml() -> str:
    (body,) = [b for lang, b in fenced_blocks(README) if lang == "toml"]
    return body


def test_readme_has_the_blocks_this_test_runs() -> None:
    languages = [lang for lang, _ in fenced_blocks(README)]
    assert languages.count("toml") == 1 and languages.count("python") >= 1
    assert languages.count("text") >= 3
    assert len(indented_commands()) >= 9


def test_readme_scenario_block_is_valid_toml_and_a_valid_scenario(tmp_path: Path) -> None:
    body = scenario_toml()
    tomllib.loads(body)  # `count = 12M` unquoted used to fail right here
    path = tmp_path / "my-platform.toml"
    path.write_text(body, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "my-platform"
    assert scenario.distributions["users.count"].mean() == 12e6


def test_install_one_liners_match_ci() -> None:
    # Not run (they create virtual environments): their structure is checked instead.
    lines = [b for b in indented_blocks(README) if b.startswith("python3 -m venv")]
    assert len(lines) == 2, lines
    main_job, tests = lines
    assert main_job.endswith("pip install . && impact simulate")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    # CI only adds pip's -q (quiet); otherwise it runs exactly the README's command.
    assert ci.replace("pip install -q ", "pip install ") == tests, "README and .ci/run differ"
    # `impact simulate`, the main job, is itself run by the "What you get" block below.
    assert any(c == "impact simulate" for b in text_blocks() for c, _ in b)


def text_blocks() -> list[list[tuple[str, list[str]]]]:
    return [commands_of_text_block(b) for lang, b in fenced_blocks(README) if lang == "text"]


def indented_commands() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for block in indented_blocks(README):
        if block.startswith("$ "):  # a command with the output it prints
            found += commands_of_text_block(block)
        elif not block.startswith("python3 -m venv"):
            found += [
                (without_comment(c), []) for c in block.splitlines() if c.startswith("impact")
            ]
    return found


def test_readme_python_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, *others = [b for lang, b in fenced_blocks(README) if lang == "python"]
    code = first.replace("200_000", "2_000")  # both runs smaller, only for speed
    code = code.replace("impact.estimate(", "impact.estimate(n_trials=2_000, ")
    assert code != first
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert isinstance(result, impact.SimulationResult) and result.n_trials == 2000
    assert result.samples is not None and len(result.samples) == 2000
    for body in others:  # run as shown, after the first block's `import impact`
        exec(compile(body, "README.md", "exec"), namespace)


def test_every_readme_command_runs_as_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").symlink_to(ROOT / "data")
    (tmp_path / "my-platform.toml").write_text(scenario_toml(), encoding="utf-8")
    (tmp_path / "my.toml").write_text(scenario_toml(), encoding="utf-8")
    # The overlay the README's example names: a partial file like `impact calibrate` writes.
    (tmp_path / "calibration.toml").write_text(
        '[outage]\nhours = "lognormal(median=11.41, sigma=1.641)"\n', encoding="utf-8"
    )
    # The design file the resilience example names, shown as an indented block.
    (design,) = [b for b in indented_blocks(README) if b.startswith('name = "standby"')]
    (tmp_path / "standby.toml").write_text(design + "\n", encoding="utf-8")
    example = tmp_path / "reports" / "tiktok-us-2026"
    ran = 0
    plan: list[tuple[str, int, list[str]]] = []
    printed: dict[str, list[str]] = {}
    for command, shown in [c for block in text_blocks() for c in block] + indented_commands():
        errors = [s for s in shown if s.startswith("error:")]
        plan.append((command, 2 if errors else 0, errors))
        if command.startswith(SHOWN_IN_FULL):
            printed[command] = shown
    # Run the example command first, so what-if runs can be checked against its folder.
    plan.sort(key=lambda item: item[0] != "impact simulate")
    for command, expected, errors in plan:
        before = snapshot(example)
        status, err, out = run_command(command, capsys, monkeypatch)
        assert status == expected, f"{command}: exit {status}: {err}"
        if errors:
            assert err.strip() == errors[0], command
        if command in printed:
            assert words(out) == words("\n".join(printed[command])), command
        ran += 1
        if before and WHAT_IF_FLAGS & set(shlex.split(command)):
            assert snapshot(example) == before, f"{command} overwrote the example report"
    assert ran >= 15
    assert (tmp_path / "reports" / "calibrate-recovery" / "calibration.toml").is_file()
