"""Scenarios: TOML files of input specs, defaults for what they leave out, overrides, overlays."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from impact.datafiles import data_path
from impact.exceptions import InputError
from impact.inputs.distributions import Distribution
from impact.inputs.keys import EXTRA_KEYS, KEYS, REQUIRED_KEYS, key_info
from impact.inputs.specs import parse_spec

__all__ = [
    "DEFAULT_TIERS",
    "METHODS",
    "Scenario",
    "Tier",
    "apply_overlay",
    "builtin_scenarios",
    "fixed_correlation_problem",
    "load_scenario",
    "scenario_from_specs",
    "scenario_problems",
]

METHODS = ("mc", "lhs", "sobol")
SECTIONS = sorted({k.key.split(".")[0] for k in (*KEYS, *EXTRA_KEYS)})  # + [frequency], [cost]
TOP_LEVEL = {"name", "title", "description", "sampling", "correlations", *SECTIONS}
SAMPLING_KEYS = {"trials", "seed", "method"}
TIER_KEYS = {"name", "creator_share", "earnings_share"}


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier of creators: its share of all creators and its share of creator earnings."""

    name: str
    creator_share: float
    earnings_share: float
    source: str = ""


_LINKTREE = (
    "derived: {} of 207M creators across platforms (Linktree 2022) [3p] "
    "https://musically.com/2022/04/21/linktree-report-tries-to-quantify-creator-economy/"
)
_EARNINGS = "assumption: earnings concentrate in the upper tiers (Goldman Sachs 2023: about 4% of "
# The tiers a scenario without [[creators.tiers]] gets (data/FACTS.md): Linktree's follower bands
# for the creator shares; the earnings shares are the same assumption as tiktok-us-2026's.
DEFAULT_TIERS: tuple[Tier, ...] = tuple(
    Tier(
        name,
        creator_share,
        earnings_share,
        f"creator_share: {_LINKTREE.format(band)}; earnings_share: {_EARNINGS}"
        "creators are professionals earning > $100K/yr) [3p]",
    )
    for name, creator_share, earnings_share, band in (
        ("starter (0-1K followers)", 0.111, 0.01, "23M"),
        ("nano (1K-10K followers)", 0.671, 0.06, "139M"),
        ("micro (10K-100K followers)", 0.198, 0.23, "41M"),
        ("macro (100K-1M followers)", 0.010, 0.30, "2M"),
        ("mega (1M+ followers)", 0.010, 0.40, "2M"),
    )
)


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

    @property
    def label(self) -> str:
        """The human name used in headlines."""
        return self.title or self.name

    @property
    def uncertain_keys(self) -> tuple[str, ...]:
        """Keys whose distribution is not a single point, in model order."""
        return tuple(k.key for k in KEYS if not self.distributions[k.key].is_fixed)

    def with_overrides(
        self, overrides: Mapping[str, str | float | int], *, source: str = "override"
    ) -> Scenario:
        """A copy with some keys replaced by new specs (keys dotted or with underscores).

        Relative `empirical(...)` paths are read from the current folder. Raises InputError
        naming the key and spec when one is unknown or invalid.
        """
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
        return replace(self, specs=specs, distributions=dists, sources=sources, given_keys=given)

    def resolved(self) -> dict[str, Any]:
        """Everything that determines the simulated numbers, in canonical form."""
        return {
            "inputs": {k.key: self.distributions[k.key].spec() for k in KEYS},
            "tiers": [[t.name, t.creator_share, t.earnings_share] for t in self.tiers],
            "correlations": {f"{a} ~ {b}": r for (a, b), r in sorted(self.correlations.items())},
        }

    def digest(self) -> str:
        """A short hash of the resolved scenario, for reproducibility blocks."""
        text = json.dumps(self.resolved(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def builtin_scenarios() -> dict[str, Path]:
    """The built-in scenarios by name."""
    return {p.stem: p for p in sorted(data_path("scenarios").glob("*.toml"))}


def _comments(text: str) -> dict[str, str]:
    """The comment of every value: full-line comments directly above it plus its trailing one.

    tomllib drops comments, and the sources of the defaults live in them, so tomlkit reads them.
    """
    import tomlkit
    from tomlkit import items

    notes: dict[str, str] = {}

    def walk(body: Iterable[tuple[Any, Any]], prefix: str) -> None:
        pending: list[str] = []
        for key, item in body:
            if isinstance(item, items.Comment):
                pending.append(item.trivia.comment.lstrip("#").strip())
                continue
            if isinstance(item, items.Whitespace):
                if item.s.count("\n") > 1:
                    pending = []
                continue
            name = prefix + key.key
            if isinstance(item, items.Table):
                walk(item.value.body, name + ".")
            elif isinstance(item, items.AoT):
                for i, table in enumerate(item.body):
                    walk(table.value.body, f"{name}[{i}].")
            else:
                trail = item.trivia.comment.lstrip("#").strip()
                notes[name] = " ".join([*pending, trail] if trail else pending)
            pending = []

    try:
        walk(tomlkit.parse(text).body, "")
    except Exception:  # comments are a courtesy; tomllib has already validated the file
        return {}
    return notes


def _suggest(name: str, options: Iterable[str]) -> str:
    from difflib import get_close_matches

    hint = get_close_matches(name, list(options), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


class _Collector:
    """Collects every problem of a file, so that validation reports them all at once."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")


def _read_toml(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: scenario file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read scenario file ({exc})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None


def _parse_tiers(raw: Any, notes: Mapping[str, str], bag: _Collector) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        bag.add("creators.tiers: must be an array of tables ([[creators.tiers]])")
        return ()
    tiers: list[Tier] = []
    for i, table in enumerate(raw):
        where = f"creators.tiers[{i}]"
        for extra in sorted(set(table) - TIER_KEYS):
            bag.add(f"{where}.{extra}: unknown tier key{_suggest(extra, TIER_KEYS)}")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            bag.add(f"{where}.name: {name!r}: each tier needs a name")
            name = f"tier {i + 1}"
        shares: dict[str, float] = {}
        for key in ("creator_share", "earnings_share"):
            value = table.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                bag.add(f"{where}.{key}: {value!r}: must be a number in [0, 1]")
            elif not 0 <= value <= 1:
                bag.add(f"{where}.{key}: {value!r}: must lie in [0, 1]")
            else:
                shares[key] = float(value)
        if len(shares) == 2:
            note = "; ".join(
                f"{k}: {notes[f'{where}.{k}']}"
                for k in ("creator_share", "earnings_share")
                if notes.get(f"{where}.{k}")
            )
            tiers.append(Tier(name, shares["creator_share"], shares["earnings_share"], note))
    if len(tiers) == len(raw) and tiers:
        for key in ("creator_share", "earnings_share"):
            total = sum(getattr(t, key) for t in tiers)
            if abs(total - 1) > 1e-6:
                bag.add(f"creators.tiers: {key} values add up to {total:g}; they must add up to 1")
        names = [t.name for t in tiers]
        if len(set(names)) != len(names):
            bag.add("creators.tiers: tier names must be distinct")
    return tuple(tiers)


def _parse_correlations(raw: Any, bag: _Collector) -> dict[tuple[str, str], float]:
    if not isinstance(raw, dict):
        bag.add('correlations: must be a table of "key ~ key" = r')
        return {}
    out: dict[tuple[str, str], float] = {}
    for pair, r in raw.items():
        left, sep, right = pair.partition("~")
        if not sep:
            bag.add(f'correlations: {pair!r}: write the pair as "outage.hours ~ outage.severity"')
            continue
        a, b = left.strip(), right.strip()
        try:
            a, b = key_info(a).key, key_info(b).key
        except InputError as exc:
            bag.add(f"correlations: {pair!r}: {exc}")
            continue
        if a == b:
            bag.add(f"correlations: {pair!r}: a key cannot be correlated with itself")
        elif isinstance(r, bool) or not isinstance(r, int | float) or not -1 <= r <= 1:
            bag.add(f"correlations: {pair!r} = {r!r}: a rank correlation must lie in [-1, 1]")
        elif (b, a) in out or (a, b) in out:
            bag.add(f"correlations: {pair!r}: this pair is given twice")
        else:
            out[(a, b)] = float(r)
    return out


def fixed_correlation_problem(
    pair: tuple[str, str], distributions: Mapping[str, Distribution]
) -> str | None:
    """The message for a correlation that names a fixed input (a point value), else None."""
    for key in pair:
        dist = distributions.get(key)
        if dist is not None and dist.is_fixed:
            return (
                f"correlations: '{pair[0]} ~ {pair[1]}': {key} is fixed at {dist.spec()}; only "
                f"uncertain inputs can be correlated (give {key} a distribution or remove the pair)"
            )
    return None


def _parse(
    raw: Mapping[str, Any],
    notes: Mapping[str, str],
    bag: _Collector,
    *,
    base_dir: Path | None,
    partial: bool,
) -> dict[str, Any]:
    """Turn a parsed TOML mapping into Scenario fields, collecting every problem."""
    fields: dict[str, Any] = {"specs": {}, "distributions": {}, "sources": {}}
    for top in sorted(set(raw) - TOP_LEVEL):
        bag.add(f"{top}: unknown key or section{_suggest(top, TOP_LEVEL)}")
    for text_key in ("name", "title", "description"):
        if text_key in raw:
            if not isinstance(raw[text_key], str):
                bag.add(f"{text_key}: {raw[text_key]!r}: must be a string")
            else:
                fields[text_key] = raw[text_key]
    for section in SECTIONS:
        table = raw.get(section, {})
        if not isinstance(table, dict):
            bag.add(f"{section}: must be a table ([{section}])")
            continue
        for name, spec in table.items():
            key = f"{section}.{name}"
            if key == "creators.tiers":
                fields["tiers"] = _parse_tiers(spec, notes, bag)
                continue
            try:
                info = key_info(key)
            except InputError as exc:
                bag.add(str(exc))
                continue
            if not isinstance(spec, str | int | float) or isinstance(spec, bool):
                bag.add(f"{key}: {spec!r}: must be a number or a spec string")
                continue
            try:
                fields["distributions"][key] = parse_spec(
                    spec, key=key, domain=info.domain, base_dir=base_dir
                )
            except InputError as exc:
                bag.add(str(exc))
                continue
            fields["specs"][key] = spec if isinstance(spec, str) else f"{spec:g}"
            fields["sources"][key] = notes.get(key, "")
    sampling = raw.get("sampling", {})
    if not isinstance(sampling, dict):
        bag.add("sampling: must be a table ([sampling])")
        sampling = {}
    for extra in sorted(set(sampling) - SAMPLING_KEYS):
        bag.add(f"sampling.{extra}: unknown key{_suggest(extra, SAMPLING_KEYS)}")
    for key in ("trials", "seed"):
        if key in sampling:
            value = sampling[key]
            low = 1 if key == "trials" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                bag.add(f"sampling.{key}: {value!r}: must be a whole number ≥ {low}")
            else:
                fields[key] = value
    if "method" in sampling:
        if sampling["method"] not in METHODS:
            bag.add(f"sampling.method: {sampling['method']!r}: must be one of {', '.join(METHODS)}")
        else:
            fields["method"] = sampling["method"]
    if "correlations" in raw:
        fields["correlations"] = _parse_correlations(raw["correlations"], bag)
        if not partial:  # an overlay's pairs are checked once applied, by the engine
            dists = {**_defaults()["distributions"], **fields["distributions"]}
            for pair in fields["correlations"]:
                problem = fixed_correlation_problem(pair, dists)
                if problem:
                    bag.add(problem)
    if not partial:
        for key in REQUIRED_KEYS:
            if key not in fields["distributions"] and not any(
                p.startswith(f"{bag.where}: {key}:") for p in bag.problems
            ):
                bag.add(
                    f"{key}: missing; every scenario must give it (e.g. {key_info(key).key} = ...)"
                )
    return fields


def _defaults() -> dict[str, Any]:
    specs = {k.key: k.default for k in KEYS if k.default is not None}
    return {
        "specs": specs,
        "distributions": {
            key: parse_spec(spec, key=key, domain=key_info(key).domain)
            for key, spec in specs.items()
        },
        "sources": {k.key: k.default_source for k in KEYS if k.default is not None},
        "tiers": DEFAULT_TIERS,
    }


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path).expanduser()
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        if not path.is_file():
            raise InputError(f"scenario: {str(name_or_path)!r}: file not found")
        return path
    builtins = builtin_scenarios()
    if str(name_or_path) in builtins:
        return builtins[str(name_or_path)]
    raise InputError(
        f"scenario: {str(name_or_path)!r}: no built-in scenario or file of that name"
        f"{_suggest(str(name_or_path), builtins)} (built-in: {', '.join(builtins)})"
    )


def scenario_problems(name_or_path: str | Path, *, partial: bool = False) -> list[str]:
    """Every problem in a scenario (or, with `partial`, an overlay) file; empty when it is valid."""
    try:
        path = _resolve(name_or_path)
        raw, text = _read_toml(path)
    except InputError as exc:
        return [str(exc)]
    bag = _Collector(str(path))
    _parse(raw, _comments(text), bag, base_dir=path.parent, partial=partial)
    return bag.problems


def _raise_all(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more; run `impact validate` to see all)"
        raise InputError(problems[0] + (more if len(problems) > 1 else ""))


def load_scenario(name_or_path: str | Path, overlays: Iterable[str | Path] = ()) -> Scenario:
    """Load a built-in scenario by name (``"tiktok-us-2026"``) or a scenario file by path.

    Keys the file leaves out take the documented defaults of `impact.inputs.keys`; each overlay (a
    partial scenario file, such as one written by ``impact calibrate``) is applied in order.

    >>> scenario = load_scenario("tiktok-us-2026")
    >>> scenario.name
    'tiktok-us-2026'
    """
    path = _resolve(name_or_path)
    raw, text = _read_toml(path)
    bag = _Collector(str(path))
    parsed = _parse(raw, _comments(text), bag, base_dir=path.parent, partial=False)
    _raise_all(bag.problems)
    fields = _defaults()
    fields["given_keys"] = frozenset(parsed["specs"])
    for part in ("specs", "distributions", "sources"):
        fields[part].update(parsed.pop(part))
    fields.update(parsed)
    fields.setdefault("name", path.stem)
    scenario = Scenario(path=path, **fields)
    for overlay in overlays:
        scenario = apply_overlay(scenario, overlay)
    return scenario


def apply_overlay(scenario: Scenario, overlay: str | Path) -> Scenario:
    """Apply a partial scenario file over `scenario`: its keys, tiers, sampling and correlations."""
    path = Path(overlay).expanduser()
    if not path.is_file():
        raise InputError(f"overlay: {str(overlay)!r}: file not found")
    raw, text = _read_toml(path)
    bag = _Collector(str(path))
    parsed = _parse(raw, _comments(text), bag, base_dir=path.parent, partial=True)
    _raise_all(bag.problems)
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
    return replace(
        scenario, specs=specs, distributions=dists, sources=sources, given_keys=given, **parsed
    )


def scenario_from_specs(
    specs: Mapping[str, str | float | int], *, name: str = "custom", title: str = ""
) -> Scenario:
    """A scenario from key → spec pairs (dotted or underscored keys); other keys take defaults.

    >>> s = scenario_from_specs({"outage_hours": 24, "revenue.hourly_loss": "uniform(300k, 500k)"})
    >>> s.specs["revenue.hourly_loss"]
    'uniform(300k, 500k)'
    """
    nested: dict[str, Any] = {}
    for raw_key, spec in specs.items():
        info = key_info(raw_key)
        section, _, leaf = info.key.partition(".")
        nested.setdefault(section, {})[leaf] = spec
    bag = _Collector(name)
    parsed = _parse(nested, {}, bag, base_dir=None, partial=False)
    if bag.problems:
        raise InputError("; ".join(p.removeprefix(f"{name}: ") for p in bag.problems))
    fields = _defaults()
    given = frozenset(parsed["specs"])
    for part in ("specs", "distributions", "sources"):
        fields[part].update(parsed.pop(part))
    for key in given:
        fields["sources"][key] = "given by the caller"
    return Scenario(name=name, title=title, given_keys=given, **fields)
