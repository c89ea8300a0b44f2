"""Every command is registered once, in `impact.cli.commands.COMMANDS`, and listed in its order.

A command module that defines a `*_command` function or a `typer.Typer` group with no row in
the table fails here, rather than the command silently not existing.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from impact.cli import app
from impact.cli.commands import COMMANDS

CLI = Path(__file__).resolve().parents[1] / "impact" / "cli"


def defined_commands() -> set[tuple[str, str]]:
    """(module, attribute) of every `*_command` function and Typer group in impact/cli."""
    found = set()
    for path in CLI.glob("*.py"):
        if path.stem == "__init__":
            continue
        module = importlib.import_module(f"impact.cli.{path.stem}")
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", module.__name__) == module.__name__
            if isinstance(value, typer.Typer) or (
                callable(value) and name.endswith("_command") and defined_here
            ):
                found.add((path.stem, name))
    return found


def test_every_command_defined_in_the_cli_is_in_the_table() -> None:
    registered = {(c.module, c.attribute) for c in COMMANDS}
    missing = defined_commands() - registered
    assert not missing, f"add a row to impact/cli/commands.py for {sorted(missing)}"


def test_each_name_is_registered_once() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))


def test_no_module_registers_a_command_by_itself() -> None:
    # Registration is the table's job: a decorator `@app.command` elsewhere would be a second way.
    for path in CLI.glob("*.py"):
        if path.stem == "commands":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("command", "add_typer"):
                assert not isinstance(node.value, ast.Name), f"{path.name}: {node.value.id}"


def test_help_lists_the_commands_in_table_order() -> None:
    text = CliRunner().invoke(app, ["--help"], terminal_width=100).output
    positions = [text.index(f" {c.name} ") for c in COMMANDS if " " not in c.name]
    assert positions == sorted(positions)


def test_each_summary_is_its_commands_own_help() -> None:
    # `impact --help` lists the table's summaries without importing the commands' modules.
    for row in COMMANDS:
        target = row.load()
        typer_help = target.info.help if isinstance(target, typer.Typer) else None
        text = str(typer_help or getattr(target, "__doc__", "") or "")
        assert row.summary == " ".join(text.split("\n\n")[0].split()), row.name


def test_importing_the_command_line_imports_nothing_heavy() -> None:
    # `impact --help`, `scenarios` and `validate` start in a tenth of a second: the heavy
    # libraries are imported inside the commands that use them.
    heavy = ("statsmodels", "matplotlib", "pandas", "scipy.stats")
    code = (
        "import sys, impact.cli; from impact.cli.commands import LazyCommands; "
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
