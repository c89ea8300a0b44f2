"""impact: Monte Carlo estimates of what a platform outage costs the creator economy.

>>> import impact
>>> scenario = impact.load_scenario("tiktok-us-2026")
>>> result = impact.simulate(scenario, n_trials=10_000, rng=20260125)
>>> bool(result.summary.loc["total_revenue_loss_usd", "p50"] > 0)
True
"""

from typing import TYPE_CHECKING

from impact._version import __version__

if TYPE_CHECKING:
    from impact.api import estimate, write_report
    from impact.exceptions import (
        ClusterError,
        ConvergenceWarning,
        CorrelationWarning,
        EvidenceWarning,
        ExpectationWarning,
        ImpactError,
        ImpactWarning,
        InputError,
        WhatIfWarning,
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

# The package face is loaded on first use (PEP 562), so that `import impact.cli` (and so
# `impact --help`) does not import pandas, scipy.stats or matplotlib before a command needs them.
_LAZY = {
    "estimate": "impact.api",
    "write_report": "impact.api",
    "ClusterError": "impact.exceptions",
    "ConvergenceWarning": "impact.exceptions",
    "CorrelationWarning": "impact.exceptions",
    "EvidenceWarning": "impact.exceptions",
    "ExpectationWarning": "impact.exceptions",
    "ImpactError": "impact.exceptions",
    "ImpactWarning": "impact.exceptions",
    "InputError": "impact.exceptions",
    "WhatIfWarning": "impact.exceptions",
    "Distribution": "impact.inputs.distributions",
    "KEYS": "impact.inputs.keys",
    "Scenario": "impact.inputs.scenario",
    "Tier": "impact.inputs.scenario",
    "builtin_scenarios": "impact.inputs.scenario",
    "load_scenario": "impact.inputs.scenario",
    "scenario_from_specs": "impact.inputs.scenario",
    "parse_spec": "impact.inputs.specs",
    "INPUTS": "impact.model.core",
    "OUTPUTS": "impact.model.core",
    "activity": "impact.model.core",
    "evaluate": "impact.model.core",
    "annual": "impact.risk",
    "compare": "impact.risk",
    "resilience": "impact.risk",
    "AnnualResult": "impact.simulation.annual",
    "SimulationResult": "impact.simulation.engine",
    "simulate": "impact.simulation.engine",
    "PairedResult": "impact.simulation.paired",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'impact' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "INPUTS",
    "KEYS",
    "OUTPUTS",
    "AnnualResult",
    "ClusterError",
    "ConvergenceWarning",
    "CorrelationWarning",
    "Distribution",
    "EvidenceWarning",
    "ExpectationWarning",
    "ImpactError",
    "ImpactWarning",
    "InputError",
    "PairedResult",
    "Scenario",
    "SimulationResult",
    "Tier",
    "WhatIfWarning",
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
