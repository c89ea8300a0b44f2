"""Shared test settings: one BLAS thread; hypothesis runs are derandomised and have no deadline;
slow tests run only in CI (or when asked for with -m)."""

import os

# Small matrix products (statsmodels fits) run many times slower with a multi-threaded BLAS
# when the two cores are already busy; set before numpy is first imported by a test module.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import settings  # noqa: E402

# STYLE.md point 8: every test is seeded. `derandomize` makes hypothesis draw the same examples
# on every run; there is no deadline because the first call into numpy/scipy can be slow.
settings.register_profile("impact", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("impact")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    """`pytest` runs the quick tests; with CI=true (as `.ci/run` sets) the same command runs the
    slow ones too. An explicit `-m` always wins, so `pytest -m slow` runs only the slow ones."""
    if not config.option.markexpr and not _in_ci():
        config.option.markexpr = "not slow"
