"""Where the data shipped with impact lives: built-in scenarios and the outage catalogue."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_path"]


def data_path(*parts: str) -> Path:
    """A path inside the project's `data/` folder, installed as the `impact.data` package.

    Running from a source tree that is not installed (e.g. tests that import `impact` from
    the checkout), `impact.data` is not importable, so the checkout's `data/` is used.
    """
    try:
        root = Path(str(resources.files("impact.data")))
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "data"
    return root.joinpath(*parts)
