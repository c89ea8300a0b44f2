"""Shared test settings: hypothesis runs are derandomised (seeded) and have no deadline."""

from hypothesis import settings

# STYLE.md point 8: every test is seeded. `derandomize` makes hypothesis draw the same examples
# on every run; there is no deadline because the first call into numpy/scipy can be slow.
settings.register_profile("impact", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("impact")
