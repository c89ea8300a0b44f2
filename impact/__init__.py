"""impact: Monte Carlo estimates of what a platform outage costs the creator economy."""

from impact._version import __version__

__all__ = ["__version__"]
