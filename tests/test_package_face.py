"""`impact/__init__.py` keeps three lists of its public names; they must agree.

The type checker's imports (under `TYPE_CHECKING`), the lazy table `_LAZY` (PEP 562) and
`__all__` name the same things. A name added to one and not the others would be invisible to
mypy, fail at attribute access, or be missing from `from impact import *`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import impact

FACE = Path(impact.__file__)


def _type_checking_imports() -> dict[str, str]:
    """name → module of every `from M import name` inside `if TYPE_CHECKING:`."""
    tree = ast.parse(FACE.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.module
                for alias in statement.names:
                    names[alias.asname or alias.name] = statement.module
    return names


def test_the_three_lists_name_the_same_things_from_the_same_modules() -> None:
    typed = _type_checking_imports()
    lazy = dict(impact._LAZY)  # type: ignore[attr-defined]
    assert typed == lazy  # same names, each from the same module
    assert set(impact.__all__) == set(lazy) | {"__version__"}
    assert len(impact.__all__) == len(set(impact.__all__))


@pytest.mark.parametrize("name", sorted(set(impact.__all__) - {"__version__"}))
def test_every_public_name_resolves_to_its_module_object(name: str) -> None:
    module = importlib.import_module(impact._LAZY[name])  # type: ignore[attr-defined]
    assert getattr(impact, name) is getattr(module, name)


def test_every_warning_and_error_class_is_exported() -> None:
    exceptions = importlib.import_module("impact.exceptions")
    public = {
        name
        for name, value in vars(exceptions).items()
        if isinstance(value, type)
        and issubclass(value, (Warning, Exception))
        and value.__module__ == exceptions.__name__
        and not name.startswith("_")
    }
    assert "EvidenceWarning" in public
    assert public <= set(impact.__all__), public - set(impact.__all__)
