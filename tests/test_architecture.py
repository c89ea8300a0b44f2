"""Imports flow one way: cli → web → reports → analysis/calibration → simulation → model → inputs
→ base.

A small AST walk over `impact/` (no import-linter dependency) finds every import of an `impact`
module, at the top of a module or inside a function: `import impact…`, `from impact… import`,
relative imports (`from . import x`, `from ..model import y`), and module names written as
strings, which are imported later by name: a constant such as `importlib.import_module(
"impact.reports.charts")`, `resources.files("impact.reports")` or a registry's entry (the
package face's `_LAZY`), the constant head of an f-string (`f"impact.cli.{name}"`), and the
module of each row of `impact/cli/commands.py`'s `COMMANDS` (`Command(name, module, …)` names
`impact.cli.<module>`). Each must point to an earlier stage, or stay inside its own stage.
`analysis` and `calibration` share a rank but do not import each other. The package face
(`impact/__init__.py`, `impact/api.py`) may use any stage but the CLI; nothing inside a stage
imports the face, and nothing imports the CLI but `__main__`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "impact"
# The base: every stage may read it. `outputs` is the output registry (names, units, labels);
# `data` is data/, shipped as impact.data; `interrupts` holds SIGINT and SIGTERM for a few steps
# (the report's moves, a pool's forks).
BASE = ("rng", "exceptions", "datafiles", "_version", "outputs", "interrupts", "data")
RANKS = {
    "__main__": 8,
    "cli": 7,
    "web": 6.5,  # `impact serve`'s app: uses the Python API and reports; only the CLI uses it
    "face": 6,  # impact/__init__.py, impact/api.py and impact/risk.py (the Python API)
    "reports": 5,
    "analysis": 4,
    "calibration": 4,
    "simulation": 3,
    "model": 2,
    "inputs": 1,
    "base": 0,
}


def stage(module: str) -> str:
    """The stage of a dotted module name inside `impact` ("impact.inputs.keys" → "inputs")."""
    parts = module.split(".")
    if parts[0] != "impact":
        raise ValueError(module)
    if len(parts) == 1 or parts[1] in ("api", "risk", "__init__"):
        return "face"
    if parts[1] in BASE:
        return "base"
    return parts[1]


MODULE_NAME = re.compile(r"impact(\.\w+)+")
# Registries whose rows name a module by its last part: `Command(name, module, …)` in
# impact/cli/commands.py is imported as impact.cli.<module> when the command runs.
REGISTRIES = {"Command": ("impact.cli", 1, "module")}


def is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of `impact` (impact.data is the data/ folder
    shipped inside it)."""
    parts = name.split(".")
    if parts[:2] == ["impact", "data"]:
        return len(parts) == 2
    path = PACKAGE.joinpath(*parts[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _from_impact(module: str, names: list[str]) -> list[str]:
    if module == "impact":  # `from impact import x`: x may be a stage or a name
        return [f"impact.{a}" if a in RANKS or a in BASE else "impact" for a in names]
    return [module]


def _absolute(node: ast.ImportFrom, here: str, package: bool) -> str:
    """The absolute module a relative `from` import starts from."""
    parts = [part for part in here.split(".") if part != "__init__"]
    base = parts if package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _registry_row(node: ast.Call) -> str | None:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name not in REGISTRIES:
        return None
    prefix, position, keyword = REGISTRIES[name]
    values = [k.value for k in node.keywords if k.arg == keyword]
    values += node.args[position : position + 1]
    if values and isinstance(values[0], ast.Constant) and isinstance(values[0].value, str):
        return f"{prefix}.{values[0].value}"
    return None


def imported(source: str, module: str = "impact", package: bool = False) -> list[str]:
    """Every `impact` module a piece of source imports, wherever the import statement is, and
    every module it names to import later. `module` is the source's own dotted name, which
    relative imports start from (`package`: it is a package's __init__)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.split(".")[0] == "impact"]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                target = _absolute(node, module, package)
                if not node.module:  # `from . import x, y`: x and y are modules or names
                    aliases = [a.name for a in node.names]
                    if target == "impact":
                        names += _from_impact(target, aliases)
                    else:
                        names += [
                            f"{target}.{a}" if is_module(f"{target}.{a}") else target
                            for a in aliases
                        ]
                    continue
            if target.split(".")[0] == "impact":
                names += _from_impact(target, [a.name for a in node.names])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if MODULE_NAME.fullmatch(text) and is_module(text):
                names.append(text)
        elif isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                stem = head.value.rstrip(".")
                if head.value.endswith(".") and MODULE_NAME.fullmatch(stem) and is_module(stem):
                    names.append(stem)
        elif isinstance(node, ast.Call):
            row = _registry_row(node)
            if row is not None:
                names.append(row)
    return names


def violations(module: str, source: str, package: bool = False) -> list[str]:
    """Imports of `source` (the text of `module`) that go against the flow, one line each."""
    here = stage(module)
    bad = []
    for target in imported(source, module, package):
        there = stage(target)
        allowed = there == here or RANKS[there] < RANKS[here]
        if there == "cli" and here != "__main__" and here != "cli":
            allowed = False
        if allowed:
            continue
        bad.append(f"{module} ({here}) imports {target} ({there})")
    return bad


def modules() -> list[tuple[str, Path]]:
    """Every module of the package by dotted name (a package by its own name), with its file."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 2:
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def test_every_module_belongs_to_a_known_stage() -> None:
    for module, _ in modules():
        assert stage(module) in RANKS, module


def test_imports_flow_one_way() -> None:
    bad = [
        line
        for m, p in modules()
        for line in violations(m, p.read_text(encoding="utf-8"), p.name == "__init__.py")
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("impact.analysis.summaries", "from impact.reports.format import format_usd"),
        ("impact.model.core", "import impact.simulation.engine"),
        ("impact.inputs.keys", "def f():\n    from impact.model.core import evaluate\n"),
        ("impact.analysis.sensitivity", "from impact.calibration.retro_impact import RetroImpact"),
        ("impact.reports.folder", "from impact.cli.options import DEFAULT_SEED"),
        ("impact.simulation.engine", "from impact import api"),
        ("impact.inputs.specs", "from impact import simulate"),
        ("impact.outputs", "from impact.model.core import evaluate"),
        # relative imports
        ("impact.model.core", "from ..simulation import engine"),
        ("impact.inputs.keys", "def f():\n    from ..model.core import evaluate\n"),
        ("impact.reports.folder", "from .. import api"),
        ("impact.analysis.summaries", "from ..reports import charts"),
        ("impact.analysis.sensitivity", "from ..calibration.retro_impact import RetroImpact"),
        # module names imported later by name
        ("impact.simulation.engine", "importlib.import_module('impact.reports.charts')"),
        ("impact.inputs.specs", "def f():\n    return import_module('impact.cli.options')\n"),
        ("impact.api", "_LAZY = {'main': 'impact.cli'}"),
        ("impact.reports.folder", "files('impact.web') / 'static'"),
        ("impact.reports.folder", "importlib.import_module(f'impact.cli.{name}')"),
        ("impact.reports.folder", "ROWS = (Command('x', 'simulate', 'simulate_command', ''),)"),
        ("impact.web.service", "Command('x', module='options', attribute='y', summary='')"),
    ],
)
def test_a_violating_import_is_caught(module: str, source: str) -> None:
    assert violations(module, source)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("impact.reports.folder", "from impact.analysis.summaries import ReportData"),
        ("impact.cli.simulate", "from impact.reports.folder import write_report"),
        ("impact.simulation.engine", "from impact.simulation.sketch import Sketch"),
        ("impact.inputs.specs", "from impact.exceptions import InputError"),
        ("impact.api", "from impact.simulation.engine import simulate"),
        ("impact.__main__", "from impact.cli import main"),
        ("impact.inputs.expect", "from impact.outputs import OUTPUTS"),
        ("impact.reports.folder", "from . import charts"),
        ("impact.reports.folder", "from ..analysis.summaries import ReportData"),
        ("impact.cli.commands", "Command('simulate', 'simulate', 'simulate_command', '')"),
        ("impact.cli.commands", "importlib.import_module(f'impact.cli.{self.module}')"),
        ("impact.__init__", "_LAZY = {'simulate': 'impact.simulation.engine'}"),
        ("impact.web.app", "files('impact.reports') / 'static'"),
        # strings that are not module names of the package are not imports
        ("impact.inputs.keys", "LOG = logging.getLogger('impact.nothing.here')"),
        ("impact.inputs.keys", "HELP = 'see impact.reports.charts for the charts'"),
    ],
)
def test_a_forward_import_passes(module: str, source: str) -> None:
    assert not violations(module, source)


@pytest.mark.parametrize(
    ("source", "module", "package", "expected"),
    [
        (
            "from . import charts, draw",
            "impact.reports.folder",
            False,
            ["impact.reports.charts", "impact.reports"],
        ),
        ("from .style import save", "impact.reports.charts", False, ["impact.reports.style"]),
        ("from ..model import core", "impact.simulation.engine", False, ["impact.model"]),
        ("from ..model import core", "impact.simulation", True, ["impact.model"]),
        ("from . import engine", "impact.simulation", True, ["impact.simulation.engine"]),
        ("from .api import estimate", "impact.__init__", True, ["impact.api"]),
        ("from . import reports, simulate", "impact.__init__", True, ["impact.reports", "impact"]),
        ("import_module('impact.inputs.keys')", "impact.api", False, ["impact.inputs.keys"]),
        ("f'impact.cli.{x}'", "impact.cli.commands", False, ["impact.cli"]),
        ("f'impact.{x}'", "impact.api", False, []),  # a stage unknown until run: not a name
        (
            "Command('a b', 'calibrate', 'f', '')",
            "impact.cli.commands",
            False,
            ["impact.cli.calibrate"],
        ),
        ("'impact.inputs.keys.KEYS'", "impact.api", False, []),  # an attribute, not a module
    ],
)
def test_each_kind_of_import_names_its_module(
    source: str, module: str, package: bool, expected: list[str]
) -> None:
    assert imported(source, module, package) == expected


def test_a_package_s_relative_import_starts_at_the_package() -> None:
    assert violations("impact.model", "from ..simulation import engine", package=True)
    assert not violations("impact.model", "from . import core", package=True)


def test_no_blas_in_the_per_trial_code() -> None:
    # np.dot / @ on a block's arrays wakes threaded OpenBLAS: milliseconds a call on a busy
    # machine, and threads that fight the worker processes for the cores (issue 13). The model
    # and the simulation sum products with einsum instead; this keeps it that way.
    offenders = []
    for folder in ("model", "simulation"):
        for path in sorted((PACKAGE / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                dot = isinstance(node, ast.Attribute) and node.attr in {"dot", "matmul", "vdot"}
                matmul = isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)
                if dot or matmul:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


# What each way in must not import. A comment says so beside each deferred import (the package
# face, `impact.cli.commands`' lazy table, `reports.folder`'s charts, `families._stats`, …);
# this holds them to it, each in a fresh interpreter (a test run has everything loaded).
HEAVY = ("matplotlib", "scipy.stats", "statsmodels", "pandas")
NO_CHARTS = ("matplotlib", "statsmodels")


def _cli(*args: str) -> str:
    return (
        f"import runpy, sys\nsys.argv = ['impact', *{args!r}]\n"
        "try:\n    runpy.run_module('impact', run_name='__main__')\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
    )


def loaded_by(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` are in sys.modules after `code` runs in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {names!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent), "MPLBACKEND": "Agg"}
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=PACKAGE.parent
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()[-1].split()


@pytest.mark.parametrize(
    ("code", "absent"),
    [
        (_cli("--help"), HEAVY),
        (_cli("simulate", "--help"), NO_CHARTS),
        (_cli("validate", "meta-2024"), ("scipy.stats", *NO_CHARTS)),  # no [evidence]
        (_cli("validate", "tiktok-us-2026"), NO_CHARTS),
        (_cli("scenarios"), NO_CHARTS),
        ("import impact.cli.simulate, impact.reports.simulate_report, impact.api", NO_CHARTS),
        (
            "import impact\nimpact.simulate(impact.load_scenario('tiktok-us-2026'), 2_000, rng=1)",
            ("scipy.stats", *NO_CHARTS),  # normal measurements' forms need only scipy.special
        ),
        (
            "import impact\nfrom impact.analysis.summaries import report_data\n"
            "report_data(impact.simulate(impact.load_scenario('tiktok-us-2026'), 2_000))",
            ("scipy.stats", *NO_CHARTS),  # intervals' binomial ranks, Spearman's ranks
        ),
    ],
    ids=[
        "help",
        "simulate-help",
        "validate",
        "validate-evidence",
        "scenarios",
        "modules",
        "api",
        "api-report-data",
    ],
)
def test_deferred_imports_stay_deferred(code: str, absent: tuple[str, ...]) -> None:
    assert loaded_by(code, absent) == []


def test_a_default_simulate_never_imports_scipy_stats(tmp_path: Path) -> None:
    # Issue 22: importing scipy.stats is about 0.45 s of a run that needs 1.5 s. The default
    # scenario, conditioned on normal measurements, with its whole report (charts included).
    # Nor pydantic, which typer 0.29 and later load and use to parse every flag (0.13 s of the
    # run; pyproject.toml keeps typer below 0.29).
    out = tmp_path / "report"
    code = _cli("simulate", "--trials", "2000", "--out", str(out), "--quiet")
    assert loaded_by(code, ("scipy.stats", "pydantic")) == []
    assert (out / "report.md").is_file() and (out / "precision.csv").is_file()
    # The probe sees scipy.stats when a measurement needs it: a lognormal's form is scipy's.
    code = (
        "from impact.inputs.evidence import parse_evidence_item\n"
        "parse_evidence_item('users_to_rivals', 'lognormal(median=1e5, sigma=0.3)')"
    )
    assert loaded_by(code, ("scipy.stats",)) == ["scipy.stats"]


def test_the_import_probe_sees_an_import() -> None:
    # The probe can fail: drawing a report's charts loads matplotlib.
    code = "import impact.reports.charts"
    assert loaded_by(code, ("matplotlib", "statsmodels")) == ["matplotlib"]


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("2", "2")])
def test_the_command_line_runs_with_one_blas_thread_unless_told(
    given: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["PYTHONPATH"] = str(PACKAGE.parent)
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = (
        "import os, sys\nfrom impact.__main__ import run\nsys.argv = ['impact', '--help']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\nprint(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.stdout.splitlines()[-1] == expected, run.stderr


# Names shared by the stages of one concept: a command's CLI module, its simulation and its
# tables (docs/architecture.md, "The folders"). Any other repeated module name is a second
# concept under one name (three retro.py, two week.py were), and fails here.
SHARED_NAMES = {
    "annual.py": {"cli", "simulation"},
    "backtest.py": {"cli", "analysis"},
    "compare.py": {"cli", "analysis"},
    "evidence.py": {"inputs", "analysis"},
    "resilience.py": {"cli", "simulation", "analysis"},
    "sensitivity.py": {"cli", "analysis"},
}


def test_module_names_are_unique_but_for_the_stages_of_one_concept() -> None:
    where: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "__init__.py" and path.parent != PACKAGE:
            where.setdefault(path.name, set()).add(path.parent.name)
    repeated = {name: stages for name, stages in where.items() if len(stages) > 1}
    assert repeated == SHARED_NAMES


def test_report_modules_are_named_for_their_command() -> None:
    # Each command's report is reports/<command>_report.py; the other modules there are the
    # shared parts a report is made of (tables, charts, formats, files).
    from impact.cli.commands import COMMANDS

    reports = {p.stem for p in (PACKAGE / "reports").glob("*_report.py")}
    names = {c.name.split()[-1].replace("-", "_") for c in COMMANDS} | {"evidence", "profile"}
    assert {r.removesuffix("_report") for r in reports} <= names | {"calibration"}
