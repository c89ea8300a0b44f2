"""data/calibration.toml is `impact calibrate after-effects` with its default seed. The catalogue
pools no key, so it holds the wide priors, and no built-in scenario takes it (docs/model.md §18):
each keeps its labelled after-effect assumptions."""

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


def test_the_committed_overlay_keeps_every_key_wide_while_the_catalogue_pools_none() -> None:
    # Every key says it was kept wide; were one pooled, docs/model.md §18 says the built-in
    # scenarios without evidence of their own should take it, and this test would say so.
    text = COMMITTED.read_text(encoding="utf-8")
    for key in AFTER_EFFECT_KEYS:
        section, field = key.split(".")
        assert field in tomllib.loads(text)[section], key
    fit = AfterEffectsFit().fit()
    assert fit.summary_["kept_wide"].all(), fit.summary_


@pytest.mark.parametrize("name", sorted(["tiktok-us-2026", "roblox-2021", "facebook-2021",
                                         "meta-2024", "youtube-2018"]))  # fmt: skip
def test_builtin_scenarios_keep_their_own_priors(name: str) -> None:
    scenario = load_scenario(name)
    assert not any("pooled after-effect prior" in scenario.sources[k] for k in AFTER_EFFECT_KEYS)
