"""Imports flow one way: cli → reports → analysis/calibration → simulation → model → inputs → base.

A small AST walk over `impact/` (no import-linter dependency): every `import impact…` and
`from impact… import` (at the top of a module or inside a function) must point to an earlier
stage, or stay inside its own stage. `analysis` and `calibration` share a rank but do not import
each other. The package face (`impact/__init__.py`, `impact/api.py`) may use any stage but the
CLI; nothing inside a stage imports the face, and nothing imports the CLI but `__main__`.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "impact"
BASE = ("rng", "exceptions", "datafiles", "_version")
# Declarations that import nothing from `impact` count as the base: the output registry names
# the quantities the model yields, and inputs may name them ([expect] bands, evidence).
DECLARATIONS = ("impact.model.outputs",)
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
    if parts[1] in BASE or module in DECLARATIONS:
        return "base"
    return parts[1]


def imported(source: str) -> list[str]:
    """Every `impact` module a piece of source imports, wherever the import statement is."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.split(".")[0] == "impact"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "impact":  # `from impact import x`: x may be a stage or a name
                names += [
                    f"impact.{a.name}" if a.name in RANKS or a.name in BASE else "impact"
                    for a in node.names
                ]
            elif node.module.split(".")[0] == "impact":
                names.append(node.module)
    return names


def violations(module: str, source: str) -> list[str]:
    """Imports of `source` (the text of `module`) that go against the flow, one line each."""
    here = stage(module)
    bad = []
    for target in imported(source):
        there = stage(target)
        allowed = there == here or RANKS[there] < RANKS[here]
        if there == "cli" and here != "__main__" and here != "cli":
            allowed = False
        if allowed:
            continue
        bad.append(f"{module} ({here}) imports {target} ({there})")
    return bad


def modules() -> list[tuple[str, Path]]:
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
    bad = [line for m, p in modules() for line in violations(m, p.read_text(encoding="utf-8"))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("impact.analysis.summaries", "from impact.reports.format import format_usd"),
        ("impact.model.core", "import impact.simulation.engine"),
        ("impact.inputs.keys", "def f():\n    from impact.model.core import evaluate\n"),
        ("impact.analysis.sensitivity", "from impact.calibration.retro import RetroImpact"),
        ("impact.reports.folder", "from impact.cli.options import DEFAULT_SEED"),
        ("impact.simulation.engine", "from impact import api"),
        ("impact.inputs.specs", "from impact import simulate"),
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
    ],
)
def test_a_forward_import_passes(module: str, source: str) -> None:
    assert not violations(module, source)


@pytest.mark.parametrize("module", DECLARATIONS)
def test_declarations_import_nothing_from_impact(module: str) -> None:
    path = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
    assert imported(path.read_text(encoding="utf-8")) == []


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
        ("import impact.cli.simulate, impact.reports.markdown, impact.api", NO_CHARTS),
        (
            "import impact\nimpact.simulate(impact.load_scenario('tiktok-us-2026'), 2_000, rng=1)",
            NO_CHARTS,
        ),
    ],
    ids=["help", "simulate-help", "validate", "validate-evidence", "scenarios", "modules", "api"],
)
def test_deferred_imports_stay_deferred(code: str, absent: tuple[str, ...]) -> None:
    assert loaded_by(code, absent) == []


def test_the_import_probe_sees_an_import() -> None:
    # The probe can fail: drawing a report's charts loads matplotlib.
    code = "import impact.reports.charts"
    assert loaded_by(code, ("matplotlib", "statsmodels")) == ["matplotlib"]
