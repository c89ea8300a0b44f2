"""data/calibration.toml is `impact calibrate after-effects` with its default seed, and the
built-in scenarios without after-effect evidence of their own take their priors from it."""

from __future__ import annotations

import tomllib

import pytest

from impact.calibration.after_effects import AFTER_EFFECT_KEYS, AfterEffectsFit
from impact.datafiles import data_path
from impact.inputs.scenario import load_scenario
from impact.reports.after_effects_report import after_effects_toml

COMMITTED = data_path("calibration.toml")


def test_committed_calibration_toml_equals_a_fresh_run() -> None:
    fresh = after_effects_toml(AfterEffectsFit().fit(), "data/recoveries.csv")
    assert fresh == COMMITTED.read_text(encoding="utf-8"), (
        "data/calibration.toml is stale: regenerate it with `impact calibrate after-effects "
        "--out reports/calibration` and copy reports/calibration/calibration.toml over it"
    )


@pytest.mark.parametrize("name", ["meta-2024", "youtube-2018"])
def test_scenarios_without_evidence_take_the_pooled_priors(name: str) -> None:
    pooled = tomllib.loads(COMMITTED.read_text(encoding="utf-8"))
    scenario = load_scenario(name)
    assert not scenario.evidence  # no after-effect evidence of their own
    for key in AFTER_EFFECT_KEYS:
        section, field = key.split(".")
        assert scenario.specs[key] == pooled[section][field], key
        assert scenario.sources[key].endswith(")") and (
            "derived: pooled after-effect prior (impact calibrate after-effects; cases: "
            in scenario.sources[key]
        ), key
    facts = {fact.sets for fact in scenario.facts}
    assert facts.isdisjoint(AFTER_EFFECT_KEYS)  # pooled priors cite the catalogue, not [[facts]]


@pytest.mark.parametrize("name", ["tiktok-us-2026", "roblox-2021", "facebook-2021"])
def test_scenarios_with_evidence_keep_their_own_priors(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.evidence
    assert not any("pooled after-effect prior" in scenario.sources[k] for k in AFTER_EFFECT_KEYS)
