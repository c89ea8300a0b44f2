"""impact: Monte Carlo estimates of what a platform outage costs the creator economy.

>>> import impact
>>> scenario = impact.load_scenario("tiktok-us-2026")
>>> result = impact.simulate(scenario, n_trials=10_000, rng=20260125)
>>> bool(result.summary.loc["total_revenue_loss_usd", "p50"] > 0)
True
"""

from impact._version import __version__
from impact.api import estimate, write_report
from impact.exceptions import (
    ConvergenceWarning,
    CorrelationWarning,
    ExpectationWarning,
    ImpactError,
    ImpactWarning,
    InputError,
)
from impact.inputs.distributions import Distribution
from impact.inputs.keys import KEYS
from impact.inputs.scenario import (
    Scenario,
    Tier,
    builtin_scenarios,
    load_scenario,
    scenario_from_specs,
)
from impact.inputs.specs import parse_spec
from impact.model.core import INPUTS, OUTPUTS, activity, evaluate
from impact.risk import annual, compare, resilience
from impact.simulation.annual import AnnualResult
from impact.simulation.engine import SimulationResult, simulate
from impact.simulation.paired import PairedResult

__all__ = [
    "INPUTS",
    "KEYS",
    "OUTPUTS",
    "AnnualResult",
    "ConvergenceWarning",
    "CorrelationWarning",
    "Distribution",
    "ExpectationWarning",
    "ImpactError",
    "ImpactWarning",
    "InputError",
    "PairedResult",
    "Scenario",
    "SimulationResult",
    "Tier",
    "__version__",
    "activity",
    "annual",
    "builtin_scenarios",
    "compare",
    "estimate",
    "evaluate",
    "load_scenario",
    "parse_spec",
    "resilience",
    "scenario_from_specs",
    "simulate",
    "write_report",
]
