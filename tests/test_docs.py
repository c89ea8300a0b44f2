"""docs/model.md's worked example: its code block runs, and its printed table is what it gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "model.md"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    return text[start : text.index("\n## ", start + 1)]


def test_worked_example_matches_the_code() -> None:
    section = _section(DOC.read_text(), "## 9. Worked example")
    code, table = re.findall(r"```(?:python)?\n(.*?)```", section, re.S)[-2:]
    namespace: dict[str, object] = {}
    exec(code, namespace)  # the block a reader would paste
    out = namespace["out"]
    rows = dict(line.split() for line in table.strip().splitlines())
    assert set(rows) == set(out)  # type: ignore[arg-type]
    for name, printed in rows.items():
        value = float(out[name])  # type: ignore[index]
        # The table prints three decimals: it must agree to half a unit of the last digit.
        assert value == pytest.approx(float(printed.replace(",", "")), abs=0.0005 + 1e-12 * value)
