"""The flags several commands share are declared once, in `impact.cli.options`.

Every command of `impact.cli.commands.COMMANDS` is walked: a parameter that declares `--seed`,
`--trials`, `--out`, `--workers`, `--scheduler`, `--json` or `--scenario` must be the shared
declaration (the very object made in options.py), and the option click builds from it must say
what the shared declaration says. A new inline copy of one of these flags fails here.
"""

# No `from __future__ import annotations`: the walk reads the annotations' typer declarations.
import inspect
import re
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import click
import pytest
import typer
from typer.models import ArgumentInfo, OptionInfo
from typer.testing import CliRunner

from impact.cli import app, main
from impact.cli.commands import COMMANDS
from impact.cli.options import (
    SHARED_FLAGS,
    JsonFlag,
    SchedulerFlag,
    WorkersFlag,
    declared_here,
    out_option,
    seed_option,
    trials_option,
)
from impact.cli.outdir import out_folder

# Written out here rather than imported: the seed and trials a run falls back on.
SEED = 20260125
TRIALS = "100k"


def command_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """(name, function) of every command in the table (groups are walked through their rows)."""
    for row in COMMANDS:
        target = row.load()
        if not isinstance(target, typer.Typer):
            yield row.name, target


def typer_infos(parameter: inspect.Parameter) -> list[OptionInfo | ArgumentInfo]:
    """The typer declarations of one parameter: in `Annotated[...]` or as its default."""
    found = []
    if typing.get_origin(parameter.annotation) is Annotated:
        found += [
            m
            for m in typing.get_args(parameter.annotation)[1:]
            if isinstance(m, OptionInfo | ArgumentInfo)
        ]
    if isinstance(parameter.default, OptionInfo | ArgumentInfo):
        found.append(parameter.default)
    return found


def flags_of(info: OptionInfo | ArgumentInfo) -> set[str]:
    """The flags an option declares (in Annotated, typer takes the first one as `default`)."""
    names = set(info.param_decls or ())
    if isinstance(info.default, str) and info.default.startswith("-"):
        names.add(info.default)
    return names


def inline_copies(function: Callable[..., Any]) -> list[str]:
    """The shared flags that `function` declares itself instead of taking them from options.py."""
    copies = []
    for parameter in inspect.signature(function).parameters.values():
        for info in typer_infos(parameter):
            shared = flags_of(info) & set(SHARED_FLAGS)
            if shared and not declared_here(info):
                copies += sorted(shared)
    return copies


def click_options(name: str, function: Callable[..., Any]) -> dict[str, click.Parameter]:
    holder = typer.Typer()
    holder.command(name.split()[-1])(function)
    command = typer.main.get_command(holder)
    return {opt: p for p in command.params for opt in getattr(p, "opts", [])}


def pattern(template: str, *holes: str) -> re.Pattern[str]:
    """A regex of a helper's help with `holes` (placeholder arguments) open."""
    text = re.escape(template)
    for hole in holes:
        text = text.replace(re.escape(hole), "(.+)")
    return re.compile(f"^{text}$")


def test_the_walk_finds_the_commands_and_flags() -> None:
    # The walk is not vacuous: it sees every command function and the shared flags on them.
    names = dict(command_functions())
    assert {"simulate", "annual", "compare", "resilience", "sensitivity", "backtest"} <= set(names)
    assert {"calibrate durations", "retro", "validate"} <= set(names)
    seen = {flag for n, f in names.items() for flag in click_options(n, f) if flag in SHARED_FLAGS}
    assert seen == set(SHARED_FLAGS)


def test_an_inline_copy_is_caught() -> None:
    # The check itself, on a command that declares --seed inline with the same words.
    def bad_command(
        seed: Annotated[
            str | None,
            typer.Option("--seed", metavar="S", help=f"root seed (default {SEED})"),
        ] = None,
        out: Annotated[Path | None, out_option("reports/x")] = None,
    ) -> None:
        """Bad."""

    assert inline_copies(bad_command) == ["--seed"]

    def good_command(seed: Annotated[str | None, seed_option()] = None) -> None:
        """Good."""

    assert inline_copies(good_command) == []


@pytest.mark.parametrize(
    "name", [c.name for c in COMMANDS if not isinstance(c.load(), typer.Typer)]
)
def test_no_command_declares_a_shared_flag_itself(name: str) -> None:
    function = dict(command_functions())[name]
    assert inline_copies(function) == [], f"{name}: take these from impact/cli/options.py"


def test_each_shared_flag_says_what_its_declaration_says() -> None:
    seed = pattern(seed_option("WHAT", "WHOSE").help, "WHAT", "WHOSE")
    seed_plain = pattern(seed_option("WHAT", None).help, "WHAT")
    trials = pattern(trials_option("WHAT", "WHOSE").help, "WHAT", "WHOSE")
    trials_fixed = pattern(
        trials_option("WHAT", fixed=7).help.replace("7", "NUMBER"), "WHAT", "NUMBER"
    )
    out = pattern(out_option("FOLDER").help, "FOLDER")
    same = {
        "--workers": (typing.get_args(WorkersFlag)[1].help, 1),
        "--scheduler": (typing.get_args(SchedulerFlag)[1].help, None),
        "--json": (typing.get_args(JsonFlag)[1].help, False),
    }
    for name, function in command_functions():
        options = click_options(name, function)
        for flag, (help_text, default) in same.items():
            if flag in options:
                assert (options[flag].help, options[flag].default) == (help_text, default), name
        if "--scheduler" in options:
            assert options["--scheduler"].envvar == "IMPACT_SCHEDULER"
        if "--seed" in options:
            option = options["--seed"]
            assert option.default is None and option.metavar == "S", name
            assert seed.match(option.help) or seed_plain.match(option.help), (name, option.help)
            assert option.help.endswith(f"{SEED})"), name
        if "--trials" in options:
            option = options["--trials"]
            assert option.default is None and option.metavar == "N", name
            assert trials.match(option.help) or trials_fixed.match(option.help), (name, option.help)
        if "--out" in options:
            option = options["--out"]
            assert option.default is None and option.metavar == "DIR", name
            assert out.match(option.help), (name, option.help)
        for parameter in inspect.signature(function).parameters.values():
            for info in typer_infos(parameter):
                if "--out" in flags_of(info):
                    assert info.parser is out_folder, name


def test_a_command_on_one_scenario_states_the_real_defaults() -> None:
    for name in ("simulate", "annual", "sensitivity"):
        options = click_options(name, dict(command_functions())[name])
        assert options["--seed"].help == (
            f"root seed (default: the scenario's [sampling] seed, else {SEED})"
        )
        assert options["--scenario"].metavar == "NAME|PATH|-"
    simulate = click_options("simulate", dict(command_functions())["simulate"])
    assert simulate["--trials"].help == (
        f"trials (default: the scenario's [sampling] trials, else {TRIALS}; 1M works)"
    )


def test_help_texts_of_trials_differ_where_the_commands_do() -> None:
    runner = CliRunner()
    compare = runner.invoke(app, ["compare", "--help"], terminal_width=200).output
    annual = runner.invoke(app, ["annual", "--help"], terminal_width=200).output
    assert "simulated years" not in compare
    assert "paired trials: outages, or years with --annual" in compare
    assert "--trials N" in annual and "simulated years (default: the scenario's" in annual


@pytest.mark.parametrize("command", ["simulate", "annual", "sensitivity", "resilience"])
def test_every_command_takes_its_scenario_as_an_argument(command: str) -> None:
    usage = CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
    assert re.search(rf"Usage: impact {command} \[OPTIONS\] \[(SCENARIO|BASE)\]", usage), usage


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["annual", "meta-2024", "--scenario", "tiktok-us-2026"], "--scenario"),
        (["simulate", "meta-2024", "--scenario", "roblox-2021"], "--scenario"),
        (["sensitivity", "meta-2024", "--scenario", "roblox-2021"], "--scenario"),
        (["resilience", "meta-2024", "--base", "tiktok-us-2026"], "--base"),
        (["resilience", "meta-2024", "--scenario", "tiktok-us-2026"], "--scenario"),
        (["backtest", "a.toml", "--case", "b.toml"], "--case"),
    ],
)
def test_scenario_argument_and_alias_that_disagree_are_refused(
    argv: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([*argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {flag}: "), err
    assert "differs from" in err
    assert not (tmp_path / "out").exists()  # refused before anything ran or was written


def test_scenario_argument_and_alias_that_name_the_same_file_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`meta-2024` and the path of its file are one scenario, however each is written."""
    from impact.cli.options import one_scenario
    from impact.inputs.scenario import builtin_scenarios

    path = builtin_scenarios()["meta-2024"]
    assert one_scenario("meta-2024", [str(path)]) == "meta-2024"
    assert one_scenario(str(path), ["meta-2024"]) == str(path)
    out = tmp_path / "out"
    argv = ["simulate", "meta-2024", "--scenario", str(path), "--trials", "1000", "-q"]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    assert (out / "report.md").is_file()
