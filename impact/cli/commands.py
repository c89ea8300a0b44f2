"""The command table: every command of `impact`, registered once, in the order help lists them.

A command is a function (or, for a group such as `calibrate`, a `typer.Typer`) in its own module
of `impact.cli`; its row here names it, its module and its attribute. A sub-command's name is
its group's and its own ("calibrate durations"), after the group's row. Adding a command is its
module plus one row; `tests/test_cli_commands.py` fails if a module defines a `*_command` or a
group that has no row.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import typer
from typer.core import TyperGroup

__all__ = ["COMMANDS", "COMMAND_ORDER", "Command", "InTableOrder", "register"]


@dataclass(frozen=True)
class Command:
    """One row: `impact <name>` runs `<module>.<attribute>` (a function, or a Typer group)."""

    name: str
    module: str
    attribute: str

    def load(self) -> object:
        """The command's function or group, importing its module."""
        return getattr(importlib.import_module(f"impact.cli.{self.module}"), self.attribute)


COMMANDS = (
    Command("simulate", "simulate", "simulate_command"),
    Command("sensitivity", "sensitivity", "sensitivity_command"),
    Command("scenarios", "scenarios", "scenarios_command"),
    Command("validate", "scenarios", "validate_command"),
    Command("calibrate", "calibrate", "calibrate_app"),
    Command("calibrate durations", "calibrate", "durations_command"),
    Command("calibrate recovery", "calibrate", "recovery_command"),
    Command("retro", "retro", "retro_command"),
    Command("annual", "annual", "annual_command"),
    Command("compare", "compare", "compare_command"),
    Command("resilience", "resilience", "resilience_command"),
    Command("backtest", "backtest", "backtest_command"),
)
# The order `impact --help` lists the top-level commands in: the main job first.
COMMAND_ORDER = tuple(command.name for command in COMMANDS if " " not in command.name)


def register(app: typer.Typer) -> None:
    """Add every command of `COMMANDS` to `app`, in table order."""
    groups: dict[str, typer.Typer] = {}
    for command in COMMANDS:
        target = command.load()
        *group, name = command.name.split()
        parent = groups[group[0]] if group else app
        if isinstance(target, typer.Typer):
            groups[name] = target
            parent.add_typer(target, name=name)
        else:
            parent.command(name)(cast(Callable[..., Any], target))


class InTableOrder(TyperGroup):
    """A command group that lists its commands (in help) in the order of `COMMANDS`, each with
    the whole first paragraph of its help, wrapped, never cut off with "..."."""

    def list_commands(self, ctx: Any) -> list[str]:
        rank: dict[str, int] = {}
        for i, command in enumerate(COMMANDS):
            rank.setdefault(command.name.split()[-1], i)
        return sorted(super().list_commands(ctx), key=lambda name: rank.get(name, len(rank)))

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = command.short_help or (command.help or "").split("\n\n")[0]
            rows.append((name, " ".join(text.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
