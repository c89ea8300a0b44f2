"""The command table: every command of `impact`, registered once, in the order help lists them.

A command is a function (or, for a group such as `calibrate`, a `typer.Typer`) in its own module
of `impact.cli`; its row here names it, its module and its attribute. A sub-command's name is
its group's and its own ("calibrate durations"), after the group's row. Adding a command is its
module plus one row; `tests/test_cli_commands.py` fails if a module defines a `*_command` or a
group that has no row.

The root group is lazy: `impact --help` lists the commands from the table's summaries, and a
command's module (with pandas, scipy.stats, matplotlib or statsmodels behind it) is imported only
when that command runs. `tests/test_cli_commands.py` checks each summary against its command's
own help.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import typer
from typer.core import TyperGroup

__all__ = ["COMMANDS", "COMMAND_ORDER", "Command", "InTableOrder", "LazyCommands", "register"]


@dataclass(frozen=True)
class Command:
    """One row: `impact <name>` runs `<module>.<attribute>` (a function, or a Typer group)."""

    name: str
    module: str
    attribute: str
    summary: str  # the first paragraph of the command's help, for `impact --help`

    def load(self) -> object:
        """The command's function or group, importing its module."""
        return getattr(importlib.import_module(f"impact.cli.{self.module}"), self.attribute)


COMMANDS = (
    Command(
        "simulate",
        "simulate",
        "simulate_command",
        "Simulate outages of a scenario; print a summary and write the report folder --out.",
    ),
    Command(
        "sensitivity",
        "sensitivity",
        "sensitivity_command",
        "Rank the uncertain inputs by how much they drive a metric; write sensitivity.md, CSVs "
        "and charts into --out.",
    ),
    Command(
        "scenarios", "scenarios", "scenarios_command", "List the built-in scenarios, one line each."
    ),
    Command(
        "validate",
        "scenarios",
        "validate_command",
        "Check a scenario file and print every problem in it (exit 2 if there is any).",
    ),
    Command(
        "calibrate",
        "calibrate",
        "calibrate_app",
        "Fit input distributions to data and write them as a partial scenario (calibration.toml).",
    ),
    Command(
        "calibrate durations",
        "calibrate",
        "durations_command",
        "Fit lognormal, gamma and Weibull distributions to outage durations; print the best spec.",
    ),
    Command(
        "calibrate recovery",
        "calibrate",
        "recovery_command",
        "Fit the engagement gap after an outage (ae·2^(−u/he)) to a series around it.",
    ),
    Command(
        "calibrate after-effects",
        "calibrate",
        "after_effects_command",
        "Pool the after-effect priors over observed recoveries (data/recoveries.csv); check each "
        "case against priors pooled without it.",
    ),
    Command(
        "retro",
        "retro",
        "retro_command",
        "Estimate what the metric would have been without the outage, and the effect.",
    ),
    Command(
        "annual",
        "annual",
        "annual_command",
        "Simulate years of outages (needs [frequency] events_per_year); write the report --out.",
    ),
    Command(
        "compare",
        "compare",
        "compare_command",
        "Run A and B on common random numbers; report B − A for every output.",
    ),
    Command(
        "resilience",
        "resilience",
        "resilience_command",
        "Rank resilience designs by NPV against the current one, for the base platform.",
    ),
    Command(
        "backtest",
        "backtest",
        "backtest_command",
        "Place published outage losses in the predicted loss: company figures, analysts' apart.",
    ),
    Command(
        "serve",
        "serve",
        "serve_command",
        'Serve the what-if web page on this machine (needs the extra: pip install "impact[web]").',
    ),
)
# The order `impact --help` lists the top-level commands in: the main job first.
COMMAND_ORDER = tuple(command.name for command in COMMANDS if " " not in command.name)


def register(app: typer.Typer) -> None:
    """Add every command of `COMMANDS` to `app`, in table order (importing every module: the
    installed command uses `LazyCommands` instead)."""
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


_loaded: dict[str, Any] = {}  # top-level name -> click command, each built once
_paused = False  # the installed command turned garbage collection off while it imported


def collection_paused() -> None:
    """The installed command (`impact.__main__`) has turned garbage collection off while it
    imports; `_load_top` turns it on again once a command's module is loaded, with everything
    made so far frozen out of later collections (a command that loads no module, help or an
    error, ends before it matters)."""
    global _paused
    _paused = True


def _resume_collection() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def _load_top(name: str) -> Any:
    """The click command (or group) of the top-level command `name`, importing its module."""
    if name not in _loaded:
        row = next(c for c in COMMANDS if c.name == name)
        target = row.load()
        if isinstance(target, typer.Typer):
            for sub in COMMANDS:
                if sub.name.startswith(f"{name} "):
                    callback = cast(Callable[..., Any], sub.load())
                    target.command(sub.name.split()[1])(callback)
            _loaded[name] = typer.main.get_group(target)
        else:
            # One command alone in a Typer becomes that command, built with the root's settings.
            holder = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)
            holder.command(name)(cast(Callable[..., Any], target))
            _loaded[name] = typer.main.get_command(holder)
        _resume_collection()
    return _loaded[name]


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


class LazyCommands(InTableOrder):
    """The root group: commands listed from the table and imported only when one is run."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMAND_ORDER)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMAND_ORDER:
            return super().get_command(ctx, cmd_name)
        return _load_top(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(c.name, c.summary) for c in COMMANDS if " " not in c.name]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
