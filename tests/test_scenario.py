"""Scenario files: loading, defaults, comments as sources, overlays, overrides, tiers and
correlations, and the messages every kind of mistake gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from impact.exceptions import InputError
from impact.inputs.keys import EXTRA_KEYS, KEYS
from impact.inputs.scenario import (
    DEFAULT_TIERS,
    apply_overlay,
    builtin_scenarios,
    load_scenario,
    scenario_from_specs,
    scenario_problems,
)

REQUIRED = "[outage]\nhours = 24\n[revenue]\nhourly_loss = 400000\n"


def _file(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtins_load_by_name_and_path(name: str) -> None:
    by_name = load_scenario(name)
    assert by_name.name == name
    assert load_scenario(builtin_scenarios()[name]).digest() == by_name.digest()
    model_keys = {k.key for k in KEYS}
    # Every model key, plus the keys of a year or a design ([frequency], [cost]) if given.
    assert model_keys <= set(by_name.distributions) <= model_keys | {k.key for k in EXTRA_KEYS}


def test_every_given_value_of_a_builtin_carries_a_source() -> None:
    for name in builtin_scenarios():
        scenario = load_scenario(name)
        for key in scenario.given_keys:
            assert scenario.sources[key], f"{name}: {key} has no source comment"


def test_comments_become_sources(tmp_path: Path) -> None:
    text = (
        "# from the incident report\n"
        '[outage]\n# above\nhours = "uniform(10, 20)"  # trailing\n'
        "[revenue]\nhourly_loss = 400000\n"
    )
    scenario = load_scenario(_file(tmp_path, text))
    assert scenario.sources["outage.hours"] == "above trailing"
    assert scenario.sources["revenue.hourly_loss"] == ""


def test_left_out_keys_take_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(_file(tmp_path, REQUIRED))
    assert scenario.given_keys == {"outage.hours", "revenue.hourly_loss"}
    for info in KEYS:
        if info.default is not None and info.key not in scenario.given_keys:
            assert scenario.specs[info.key] == info.default
            assert scenario.sources[info.key] == info.default_source
    assert scenario.tiers == DEFAULT_TIERS
    assert scenario.name == "s"  # from the file name when the file gives none
    assert scenario.method == "mc" and scenario.trials is None and scenario.seed is None


def test_sampling_and_text_fields(tmp_path: Path) -> None:
    text = (
        'name = "mine"\ntitle = "My outage"\ndescription = "d"\n'
        '[sampling]\ntrials = 5000\nseed = 7\nmethod = "lhs"\n' + REQUIRED
    )
    scenario = load_scenario(_file(tmp_path, text))
    assert (scenario.name, scenario.label, scenario.description) == ("mine", "My outage", "d")
    assert (scenario.trials, scenario.seed, scenario.method) == (5000, 7, "lhs")


def test_overrides_replace_one_key_and_record_the_source() -> None:
    base = load_scenario("meta-2024")
    changed = base.with_overrides({"outage_hours": "uniform(1, 3)"}, source="test")
    assert changed.specs["outage.hours"] == "uniform(1, 3)"
    assert changed.sources["outage.hours"] == "test"
    assert "outage.hours" in changed.given_keys
    others = [k.key for k in KEYS if k.key != "outage.hours"]
    assert all(changed.specs[k] == base.specs[k] for k in others)
    assert changed.digest() != base.digest()
    with pytest.raises(InputError, match=r"outage\.hours: .*mode must lie between"):
        base.with_overrides({"outage.hours": "triangular(300, 100, 500)"})


def test_overlays_apply_in_order_and_keep_the_name(tmp_path: Path) -> None:
    first = _file(tmp_path, "[outage]\nhours = 5\n[sampling]\nseed = 3\n", "a.toml")
    second = _file(tmp_path, 'name = "ignored"\n[outage]\nhours = 9  # fitted\n', "b.toml")
    scenario = load_scenario("meta-2024", [first, second])
    assert scenario.name == "meta-2024"
    assert scenario.specs["outage.hours"] == "9"
    assert scenario.sources["outage.hours"] == "fitted"
    assert scenario.seed == 3
    plain = apply_overlay(load_scenario("meta-2024"), first)
    assert plain.sources["outage.hours"] == "overlay a.toml"


def test_overlay_may_leave_out_required_keys(tmp_path: Path) -> None:
    overlay = _file(tmp_path, "[outage]\nseverity = 0.5\n")
    assert scenario_problems(overlay, partial=True) == []
    assert any("revenue.hourly_loss: missing" in p for p in scenario_problems(overlay))


def test_scenario_from_specs_defaults_and_sources() -> None:
    scenario = scenario_from_specs({"outage_hours": 24, "revenue.hourly_loss": "uniform(1, 2)"})
    assert scenario.sources["outage.hours"] == "given by the caller"
    assert scenario.specs["outage.hours"] == "24"


def test_correlations(tmp_path: Path) -> None:
    text = REQUIRED.replace("24", '"uniform(10, 20)"') + (
        '[users]\nchurn_max = "uniform(0, 0.1)"\n'
        '[correlations]\n"outage.hours ~ users.churn_max" = 0.5\n'
    )
    scenario = load_scenario(_file(tmp_path, text))
    assert scenario.correlations == {("outage.hours", "users.churn_max"): 0.5}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[correlations]\n"outage.hours users.churn_max" = 0.5\n', "write the pair as"),
        ('[correlations]\n"outage.hours ~ outage.hours" = 0.5\n', "with itself"),
        ('[correlations]\n"outage.hours ~ users.churn_max" = 2\n', "must lie in [-1, 1]"),
        ('[correlations]\n"outage.hours ~ nope.key" = 0.5\n', "nope.key"),
        ('[correlations]\n"outage.hours ~ revenue.hourly_loss" = 0.5\n', "is fixed at"),
        ("[sampling]\ntrials = 0\n", "sampling.trials: 0: must be a whole number ≥ 1"),
        ("[sampling]\nseed = -1\n", "sampling.seed: -1"),
        ('[sampling]\nmethod = "grid"\n', "sampling.method: 'grid': must be one of"),
        ("[sampling]\ntrails = 5\n", "did you mean 'trials'"),
        ("[outgae]\nx = 1\n", "outgae: unknown key or section; did you mean 'outage'"),
        ("[users]\ncount = true\n", "users.count: True: must be a number or a spec string"),
        ('[users]\ncount = "-5"\n', "users.count"),
        ("title = 5\n", "title: 5: must be a string"),
    ],
)
def test_problems_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    head, sep, tail = extra.partition("[")
    path = _file(tmp_path, head + REQUIRED.replace("24", '"uniform(10, 20)"') + sep + tail)
    problems = scenario_problems(path)
    assert any(message in p for p in problems), problems
    assert all(p.startswith(str(path)) for p in problems)
    with pytest.raises(InputError, match=r"s\.toml"):
        load_scenario(path)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = '[outage]\nhours = "triangular(3, 1, 2)"\nsevrity = 1\n[sampling]\nmethod = "x"\n'
    problems = scenario_problems(_file(tmp_path, text))
    assert len(problems) == 4, problems  # the spec, the typo, the method, hourly_loss missing
    with pytest.raises(InputError, match=r"and 3 more; run `impact validate`"):
        load_scenario(tmp_path / "s.toml")


# --- tiers ------------------------------------------------------------------------------------


def _tiers(*rows: str) -> str:
    return REQUIRED + "".join(f"[[creators.tiers]]\n{row}\n" for row in rows)


GOOD_A = 'name = "a"\ncreator_share = 0.9\nearnings_share = 0.4'
GOOD_B = 'name = "b"\ncreator_share = 0.1\nearnings_share = 0.6'


def test_tiers_with_their_sources(tmp_path: Path) -> None:
    text = _tiers(GOOD_A.replace("0.4", "0.4  # assumed"), GOOD_B)
    scenario = load_scenario(_file(tmp_path, text))
    assert [(t.name, t.creator_share, t.earnings_share) for t in scenario.tiers] == [
        ("a", 0.9, 0.4),
        ("b", 0.1, 0.6),
    ]
    assert scenario.tiers[0].source == "earnings_share: assumed"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((GOOD_A, GOOD_B.replace("0.1", "0.2")), "creator_share values add up to 1.1"),
        ((GOOD_A, GOOD_B.replace("0.6", "0.5")), "earnings_share values add up to 0.9"),
        (
            (GOOD_A.replace("0.9", "1.1"), GOOD_B.replace("0.1", "-0.1")),
            "creators.tiers[0].creator_share: 1.1: must lie in [0, 1]",
        ),
        (
            (GOOD_A, GOOD_B.replace("0.1", "-0.1")),
            "creators.tiers[1].creator_share: -0.1: must lie in [0, 1]",
        ),
        ((GOOD_A, GOOD_B.replace('"b"', '"a"')), "tier name 'a' is given twice"),
        (
            (GOOD_A, GOOD_B.replace('name = "b"\n', "")),
            "creators.tiers[1].name: missing: each tier needs a name",
        ),
        ((GOOD_A, GOOD_B.replace('"b"', '"  "')), "creators.tiers[1].name: '  '"),
        (
            (GOOD_A, GOOD_B.replace("earnings_share = 0.6", "")),
            "creators.tiers[1].earnings_share: missing: must be a number",
        ),
        (
            (GOOD_A, GOOD_B.replace("0.6", '"0.6"')),
            "creators.tiers[1].earnings_share: '0.6': must be a number",
        ),
        ((GOOD_A, GOOD_B + "\nshare = 1"), "creators.tiers[1].share: unknown tier key"),
    ],
)
def test_tier_messages(tmp_path: Path, rows: tuple[str, ...], message: str) -> None:
    problems = scenario_problems(_file(tmp_path, _tiers(*rows)))
    assert any(message in p for p in problems), problems


def test_tiers_must_be_an_array_of_tables(tmp_path: Path) -> None:
    text = REQUIRED + "[creators]\ntiers = 5\n"
    problems = scenario_problems(_file(tmp_path, text))
    assert any("creators.tiers: must be an array of tables" in p for p in problems)


@pytest.mark.parametrize(
    "change",
    [
        {"frequency.events_per_year": "0.5"},
        {"frequency.hours": "lognormal(p5=1, p95=50)"},
        {"value.user_per_year_usd": "12"},
        {"cover.premium_usd": "1M"},
    ],
)
def test_the_digest_covers_what_annual_risk_reads(change: dict[str, str]) -> None:
    # The reproducibility block's digest must change with every input that changes a number
    # some command prints: annual risk's [frequency] and [value], a design's [cover] included.
    base = load_scenario("tiktok-us-2026")
    assert base.with_overrides(change).digest() != base.digest()


def test_the_digest_covers_the_platform_s_record(tmp_path: Path) -> None:
    text = load_scenario("tiktok-us-2026").path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "[frequency.record]" in text
    before = load_scenario("tiktok-us-2026").digest()
    comment, years = tmp_path / "comment.toml", tmp_path / "years.toml"
    comment.write_text(text.replace("[frequency.record]\n", "[frequency.record]\n# edited\n"))
    years.write_text(text.replace("\nyears = 3.7  #", "\nyears = 7.4  #"))
    assert load_scenario(str(comment)).digest() == before  # a comment changes nothing
    assert load_scenario(str(years)).digest() != before  # the record's years change the rate
