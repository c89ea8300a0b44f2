"""Learn from data: calibrate inputs from past outages and series, and measure an outage.

Estimators in the scikit-learn style (parameters in ``__init__``, ``fit(data) -> self``,
learned values ending in ``_``, a ``summary_`` DataFrame):

- `DurationFit`: lognormal, gamma and Weibull fits to outage durations, compared by AIC.
- `RecoveryFit`: the engagement gap (and latency ramp) after an outage, from a series.
- `RetroImpact`: what an outage did to a metric, against a structural time-series counterfactual.
"""

from impact.calibration.catalogue import Scope, read_durations
from impact.calibration.durations import DurationFit
from impact.calibration.recovery import RecoveryFit
from impact.calibration.retro import RetroImpact
from impact.calibration.series import SeriesData, read_series
from impact.calibration.synthetic import SyntheticTruth, synthetic_series

__all__ = [
    "DurationFit",
    "RecoveryFit",
    "RetroImpact",
    "Scope",
    "SeriesData",
    "SyntheticTruth",
    "read_durations",
    "read_series",
    "synthetic_series",
]
