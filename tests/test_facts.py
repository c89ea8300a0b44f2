"""`[[facts]]` (model v3): each observed fact, its source and the one key it sets; used once."""

from __future__ import annotations

from pathlib import Path

import pytest

import impact
from impact.inputs.scenario import scenario_problems

BASE = 'name = "f"\n[outage]\nhours = 10\n[revenue]\nhourly_loss = 1000\n'


@pytest.mark.parametrize("name", sorted(impact.builtin_scenarios()))
def test_every_builtin_scenario_lists_its_facts_each_used_once(name: str) -> None:
    scenario = impact.load_scenario(name)
    assert len(scenario.facts) >= 5, name
    texts = [f.fact for f in scenario.facts]
    assert len(texts) == len(set(texts))  # each fact once
    for fact in scenario.facts:
        assert fact.source.strip() and fact.sets.strip()
    # Every observation the scenario conditions on rests on a fact listed here.
    observed = {e.quantity for e in scenario.evidence}
    named = {
        side.strip().removeprefix("evidence.") for f in scenario.facts for side in f.sets.split("&")
    }
    assert observed <= named, observed - named


def test_a_fact_used_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.toml"
    path.write_text(
        BASE
        + '[[facts]]\nfact = "R is $1,000 an hour"\nsource = "https://x"\n'
        + 'sets = "revenue.hourly_loss"\n'
        + '[[facts]]\nfact = "R is  $1,000 an hour"\nsource = "https://x"\nsets = "outage.hours"\n'
    )
    problems = scenario_problems(path)
    assert any("facts[1].fact" in p and "used once" in p for p in problems), problems


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('fact = "x"\nsource = "y"\nsets = "users.count"', "does not give it"),
        ('fact = "x"\nsource = "y"\nsets = "evidence.users_lost"', "does not give it"),
        ('fact = "x"\nsource = "y"', "facts[0].sets"),
        ('fact = "x"\nsource = "y"\nsets = "outage.hours"\nnote = 1', "unknown key"),
        (
            'fact = "x"\nsource = "y"\nsets = "evidence.users_away_30d & evidence.users_away_30d"',
            "a bracket names",
        ),
    ],
)
def test_a_bad_fact_is_named(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        BASE + '[evidence]\nusers_away_30d = "<= normal(0.01, 0.01)"\n' + f"[[facts]]\n{entry}\n"
    )
    problems = scenario_problems(path)
    assert any(message in p for p in problems), problems


def test_a_bracket_is_one_use_of_a_count(tmp_path: Path) -> None:
    path = tmp_path / "bracket.toml"
    path.write_text(
        BASE
        + '[evidence]\nusers_away_30d = "<= normal(0.02, 0.01)"\n'
        + 'activity_gap_7d = ">= normal(0.02, 0.01)"\n'
        + '[[facts]]\nfact = "daily users fell 2%"\nsource = "https://x"\n'
        + 'sets = "evidence.users_away_30d & evidence.activity_gap_7d"\n'
    )
    assert scenario_problems(path) == []
