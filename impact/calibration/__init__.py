"""Learn from data: calibrate inputs from past outages and series, and measure an outage.

Estimators in the scikit-learn style (parameters in ``__init__``, ``fit(data) -> self``,
learned values ending in ``_``, a ``summary_`` DataFrame):

- `DurationFit`: lognormal, gamma and Weibull fits to outage durations, compared by AIC.
- `RecoveryFit`: the engagement gap (and latency ramp) after an outage, from a series.
- `RetroImpact`: what an outage did to a metric, against a structural time-series counterfactual.
- `AfterEffectsFit`: after-effect priors pooled over the catalogue of observed recoveries
  (`read_recoveries`), checked case by case with `leave_one_out` (`recoveries_table`).
"""

from impact.calibration.after_effects import AfterEffectsFit
from impact.calibration.catalogue import Scope, read_durations
from impact.calibration.durations import DurationFit
from impact.calibration.loo import leave_one_out, recoveries_table
from impact.calibration.recoveries import RecoveryCatalogue, read_recoveries
from impact.calibration.recovery import RecoveryFit
from impact.calibration.retro_impact import RetroImpact
from impact.calibration.series import SeriesData, read_series
from impact.calibration.synthetic import SyntheticTruth, synthetic_series

__all__ = [
    "AfterEffectsFit",
    "DurationFit",
    "RecoveryCatalogue",
    "RecoveryFit",
    "RetroImpact",
    "Scope",
    "SeriesData",
    "SyntheticTruth",
    "leave_one_out",
    "read_durations",
    "read_recoveries",
    "read_series",
    "recoveries_table",
    "synthetic_series",
]
