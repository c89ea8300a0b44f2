"""Scenarios: complete sets of input specs, loaded from files, with overlays and overrides.

Reading files is `impact.inputs.scenario_file`, checking their contents
`impact.inputs.scenario_parse`, and tiers `impact.inputs.tiers`; the names they export are
re-exported here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from impact.exceptions import InputError
from impact.inputs.datafile import MAX_SCENARIO_BYTES, expand_user, find_file, shown
from impact.inputs.distributions import Distribution
from impact.inputs.evidence import Attribution, Evidence, parse_evidence_item
from impact.inputs.expect import Band, PublishedLoss
from impact.inputs.facts import Fact
from impact.inputs.keys import KEYS, key_info
from impact.inputs.problems import Collector, raise_all
from impact.inputs.profile import FLAT, Profile, load_profile
from impact.inputs.record import Record
from impact.inputs.scenario_file import (
    builtin_scenarios,
    comments,
    parse_toml,
    read_toml,
    resolve,
)
from impact.inputs.scenario_parse import (
    DEFAULT_TRIALS,
    MAX_TRIALS,
    TRIALS_CEILING,
    check_name,
    defaults,
    fixed_correlation_problem,
    parse_scenario,
    slug,
)
from impact.inputs.specs import parse_spec
from impact.inputs.tiers import DEFAULT_TIERS, Tier

ONSET = "outage.onset_hour_of_week"
PROFILE = "revenue.profile"

__all__ = [
    "DEFAULT_TIERS",
    "DEFAULT_TRIALS",
    "MAX_TRIALS",
    "TRIALS_CEILING",
    "Scenario",
    "Tier",
    "apply_overlay",
    "builtin_scenarios",
    "fixed_correlation_problem",
    "load_scenario",
    "scenario_from_specs",
    "scenario_from_toml",
    "scenario_problems",
]


@dataclass(frozen=True)
class Scenario:
    """A complete, validated set of input distributions, ready to simulate.

    >>> s = load_scenario("tiktok-us-2026")
    >>> s.with_overrides({"algorithm.quality_loss": 0}).specs["algorithm.quality_loss"]
    '0'
    """

    name: str
    specs: Mapping[str, str]
    distributions: Mapping[str, Distribution]
    sources: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    description: str = ""
    tiers: tuple[Tier, ...] = ()
    trials: int | None = None
    seed: int | None = None
    method: str = "mc"
    correlations: Mapping[tuple[str, str], float] = field(default_factory=dict)
    path: Path | None = None
    given_keys: frozenset[str] = frozenset()
    modified: tuple[str, ...] = ()  # what a what-if run changed (see `impact.inputs.whatif`)
    expect: tuple[Band, ...] = ()  # [expect] bands (impact.inputs.expect)
    published: tuple[PublishedLoss, ...] = ()  # [published] losses of this outage
    profile: Profile = FLAT
    evidence: tuple[Evidence, ...] = ()  # [evidence]: observations the run is conditioned on
    facts: tuple[Fact, ...] = ()  # [[facts]]: each observed fact and the one key it sets
    record: Record | None = None  # [frequency.record]: the platform's own outages (annual risk)

    @property
    def label(self) -> str:
        """The human name used in headlines."""
        return self.title or self.name

    def __repr__(self) -> str:
        """One line: the name, what a what-if changed, and the run settings; not every spec.

        >>> load_scenario("meta-2024").with_overrides({"outage.hours": 2})  # doctest: +ELLIPSIS
        Scenario(name='meta-2024', modified='outage.hours', title='Meta (...', trials=100000, ...)
        """
        changed = f"modified={', '.join(self.modified)!r}, " if self.modified else ""
        return (
            f"Scenario(name={self.name!r}, {changed}title={self.label!r}, trials={self.trials}, "
            f"seed={self.seed}, method={self.method!r}, uncertain_keys={len(self.uncertain_keys)}"
            + (f", evidence={len(self.evidence)}" if self.evidence else "")
            + (f", path={str(self.path)!r})" if self.path is not None else ")")
        )

    def is_zero(self, key: str) -> bool:
        """Whether `key` is fixed at 0, which switches its part of the model off (a platform
        that gives no `creators.count` counts no creators)."""
        dist = self.distributions[key_info(key).key]
        return bool(dist.is_fixed and dist.mean() == 0)

    @property
    def counts_creators(self) -> bool:
        """Whether creators are modelled: `creators.count` or their earnings are not fixed at 0."""
        return not (self.is_zero("creators.count") and self.is_zero("creators.earnings_per_hour"))

    @property
    def uncertain_keys(self) -> tuple[str, ...]:
        """Keys whose distribution is not a single point, in model order."""
        return tuple(k.key for k in KEYS if not self.distributions[k.key].is_fixed)

    def with_overrides(
        self, overrides: Mapping[str, str | float | int], *, source: str = "override"
    ) -> Scenario:
        """A copy with some keys replaced by new specs (keys dotted or with underscores).

        The keys are added to `modified`, so a result of the copy never passes itself off as
        the scenario's own (`print(result)` names them). Relative `empirical(...)` paths are
        read from the current folder. Raises InputError naming the key and spec when one is
        unknown or invalid.
        """
        if PROFILE in overrides or "revenue_profile" in overrides:
            rest = {k: v for k, v in overrides.items() if k not in (PROFILE, "revenue_profile")}
            spec = overrides.get(PROFILE, overrides.get("revenue_profile"))
            profile = load_profile(str(spec))
            return self.with_profile(profile).with_overrides(rest, source=source)
        specs = dict(self.specs)
        dists = dict(self.distributions)
        sources = dict(self.sources)
        base = None
        for name, spec in overrides.items():
            info = key_info(name)
            dists[info.key] = parse_spec(spec, key=info.key, domain=info.domain, base_dir=base)
            specs[info.key] = spec if isinstance(spec, str) else f"{spec:g}"
            sources[info.key] = source
        given = self.given_keys | {key_info(n).key for n in overrides}
        # A key fixed by an override can no longer be correlated: its pairs go with it (a
        # what-if such as `--set engagement.max_drop=0.2` must not fail on the scenario's
        # [correlations]); pairs of keys that stay uncertain are kept.
        correlations = {
            pair: r
            for pair, r in self.correlations.items()
            if not any(dists[key].is_fixed for key in pair if key in dists)
        }
        changed = [key_info(name).key for name in overrides]
        return replace(
            self,
            specs=specs,
            distributions=dists,
            sources=sources,
            given_keys=given,
            correlations=correlations,
            modified=tuple(dict.fromkeys([*self.modified, *changed])),
        )

    def with_evidence(
        self, evidence: Mapping[str, str | float | int], *, source: str = "given by the caller"
    ) -> Scenario:
        """A copy conditioned on more observations (quantity -> spec); one given for a
        quantity the scenario already observes replaces it. InputError names a bad one. The
        copy counts `evidence` among what was `modified`."""
        added = [parse_evidence_item(name, spec, source) for name, spec in evidence.items()]
        names = {e.quantity for e in added}
        kept = tuple(e for e in self.evidence if e.quantity not in names)
        modified = tuple(dict.fromkeys([*self.modified, "evidence"])) if added else self.modified
        return replace(self, evidence=(*kept, *added), modified=modified)

    @property
    def attribution(self) -> Attribution | None:
        """The `[evidence.attribution]` of the scenario's observations, if any (one per run)."""
        return next((e.attribution for e in self.evidence if e.attribution is not None), None)

    def without_evidence(self) -> Scenario:
        """The same scenario with no observations: the prior."""
        return replace(self, evidence=())

    @property
    def profile_weights(self) -> np.ndarray | None:
        """The revenue profile's 168 weights for the model, or None when it is flat."""
        return None if self.profile.is_flat else self.profile.weights

    def with_profile(self, profile: Profile, *, source: str = "revenue profile") -> Scenario:
        """A copy with another revenue profile. Unless the onset was given, a non-flat profile
        makes it uncertain over the whole week (uniform(0, 168)), and a flat one leaves it be."""
        scenario = replace(self, profile=profile)
        if ONSET in self.given_keys:
            return scenario
        info = key_info(ONSET)
        spec = info.default or "0" if profile.is_flat else "uniform(0, 168)"
        note = info.default_source if profile.is_flat else f"default with a {source}: unknown"
        return replace(
            scenario,
            specs={**self.specs, ONSET: spec},
            distributions={**self.distributions, ONSET: parse_spec(spec, key=ONSET)},
            sources={**self.sources, ONSET: note},
        )

    def resolved(self) -> dict[str, Any]:
        """Everything that determines the simulated numbers, in canonical form."""
        out: dict[str, Any] = {
            "inputs": {k.key: self.distributions[k.key].spec() for k in KEYS},
            "tiers": [[t.name, t.creator_share, t.earnings_share] for t in self.tiers],
            "correlations": {f"{a} ~ {b}": r for (a, b), r in sorted(self.correlations.items())},
        }
        if self.evidence:
            out["evidence"] = {e.quantity: e.canonical for e in self.evidence}
            attribution = self.attribution
            if attribution is not None:
                out["attribution"] = [
                    attribution.distribution.spec(),
                    list(attribution.quantities),
                    [list(r) for r in attribution.readings],
                ]
        model_keys = {k.key for k in KEYS}
        others = {k: d.spec() for k, d in sorted(self.distributions.items()) if k not in model_keys}
        if others:  # [frequency], [value], a design's [change], [cost] and [cover]
            out["annual"] = others
        if self.record is not None:
            out["record"] = [self.record.years, dict(sorted(self.record.counts.items()))]
        if not self.profile.is_flat:
            weights = self.profile.weights.tobytes()
            out["profile"] = [self.profile.spec(), hashlib.sha256(weights).hexdigest()[:16]]
        return out

    def digest(self) -> str:
        """A short hash of the resolved scenario, for reproducibility blocks."""
        text = json.dumps(self.resolved(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read(path: Path, *, partial: bool, flag: str) -> tuple[dict[str, Any], Collector]:
    """Parse a scenario or overlay file (given by `flag`) into Scenario fields and the problems
    found in it."""
    raw, text = read_toml(path, flag)
    bag = Collector(str(path))
    notes = _LazyComments(text)
    return parse_scenario(raw, notes, bag, base_dir=path.parent, partial=partial), bag


class _LazyComments(Mapping[str, str]):
    """The comments of a file, read (by the slow tomlkit) only once a valid key needs them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.notes: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self.notes is None:
            self.notes = comments(self.text)
        return self.notes

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Any:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def scenario_problems(name_or_path: str | Path, *, partial: bool = False) -> list[str]:
    """Every problem in a scenario (or, with `partial`, an overlay) file; empty when it is valid."""
    try:
        _, bag = _read(resolve(name_or_path), partial=partial, flag="scenario")
    except InputError as exc:
        return [str(exc)]
    return bag.problems


def load_scenario(name_or_path: str | Path, overlays: Iterable[str | Path] = ()) -> Scenario:
    """Load a built-in scenario by name (``"tiktok-us-2026"``) or a scenario file by path.

    Keys the file leaves out take the documented defaults of `impact.inputs.keys`; each overlay (a
    partial scenario file, such as one written by ``impact calibrate``) is applied in order.

    >>> scenario = load_scenario("tiktok-us-2026")
    >>> scenario.name
    'tiktok-us-2026'
    """
    path = resolve(name_or_path)
    parsed, bag = _read(path, partial=False, flag="scenario")
    scenario = _build(parsed, bag, name=slug(path.stem), path=path)
    for overlay in overlays:
        scenario = apply_overlay(scenario, overlay)
    return scenario


def scenario_from_toml(text: str, *, where: str = "<text>") -> Scenario:
    """A scenario from the text of a scenario file (as `--scenario -` reads it from stdin).

    Relative `empirical(...)` paths are read from the current folder; without a `name` the
    scenario is called "stdin". Text over the scenario-file size limit is refused unparsed.

    >>> scenario_from_toml('[outage]\\nhours = 24\\n[revenue]\\nhourly_loss = "1M"\\n').name
    'stdin'
    """
    if len(text.encode("utf-8", "replace")) > MAX_SCENARIO_BYTES:
        raise InputError(f"{where}: larger than {MAX_SCENARIO_BYTES >> 20} MiB; not a scenario")
    raw = parse_toml(text, where)
    bag = Collector(where)
    parsed = parse_scenario(raw, _LazyComments(text), bag, base_dir=Path.cwd(), partial=False)
    return _build(parsed, bag, name="stdin", path=None)


def _build(parsed: dict[str, Any], bag: Collector, *, name: str, path: Path | None) -> Scenario:
    raise_all(bag.problems)
    fields = defaults()
    fields["given_keys"] = frozenset(parsed["specs"])
    for part in ("specs", "distributions", "sources"):
        fields[part].update(parsed.pop(part))
    fields.update(parsed)
    fields.setdefault("name", name)
    profile = fields.pop("profile", FLAT)
    return Scenario(path=path, **fields).with_profile(profile)


def apply_overlay(scenario: Scenario, overlay: str | Path, flag: str = "overlay") -> Scenario:
    """Apply a partial scenario file over `scenario`: its keys, tiers, sampling and correlations.
    `flag` is the key the file came from, for messages."""
    path = find_file(
        expand_user(overlay), "scenario file", f"{flag}: {shown(str(overlay))}", "file not found"
    )
    parsed, bag = _read(path, partial=True, flag=flag)
    raise_all(bag.problems)
    given = scenario.given_keys | set(parsed["specs"])
    specs = {**scenario.specs, **parsed.pop("specs")}
    dists = {**scenario.distributions, **parsed.pop("distributions")}
    sources = dict(scenario.sources)
    for key, note in parsed.pop("sources").items():
        sources[key] = note or f"overlay {path.name}"
    parsed.pop("name", None)
    parsed.pop("title", None)
    parsed.pop("description", None)
    if "correlations" in parsed:
        parsed["correlations"] = {**scenario.correlations, **parsed["correlations"]}
    profile = parsed.pop("profile", None)
    scenario = replace(
        scenario, specs=specs, distributions=dists, sources=sources, given_keys=given, **parsed
    )
    return scenario if profile is None else scenario.with_profile(profile)


def scenario_from_specs(
    specs: Mapping[str, str | float | int], *, name: str = "custom", title: str = ""
) -> Scenario:
    """A scenario from key → spec pairs (dotted or underscored keys); other keys take defaults.

    >>> s = scenario_from_specs({"outage_hours": 24, "revenue.hourly_loss": "uniform(300k, 500k)"})
    >>> s.specs["revenue.hourly_loss"]
    'uniform(300k, 500k)'
    """
    check_name(name)
    nested: dict[str, Any] = {}
    for raw_key, spec in specs.items():
        key = PROFILE if raw_key in (PROFILE, "revenue_profile") else key_info(raw_key).key
        section, _, leaf = key.partition(".")
        nested.setdefault(section, {})[leaf] = spec
    bag = Collector(name)
    parsed = parse_scenario(nested, {}, bag, base_dir=None, partial=False)
    if bag.problems:
        raise InputError("; ".join(p.removeprefix(f"{name}: ") for p in bag.problems))
    fields = defaults()
    given = frozenset(parsed["specs"])
    for part in ("specs", "distributions", "sources"):
        fields[part].update(parsed.pop(part))
    for key in given:
        fields["sources"][key] = "given by the caller"
    profile = parsed.pop("profile", FLAT)
    return Scenario(name=name, title=title, given_keys=given, **fields).with_profile(profile)
