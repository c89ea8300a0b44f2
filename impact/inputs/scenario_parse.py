"""Check a parsed scenario mapping and turn it into Scenario fields, collecting every problem."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from impact.exceptions import InputError
from impact.inputs.distributions import Distribution
from impact.inputs.evidence import parse_evidence
from impact.inputs.expect import parse_expect, parse_published
from impact.inputs.facts import check_facts, parse_facts
from impact.inputs.keys import EXTRA_KEYS, KEYS, REQUIRED_KEYS, key_info
from impact.inputs.methods import Method
from impact.inputs.problems import Collector, suggest
from impact.inputs.profile import load_profile
from impact.inputs.record import RECORD_KEY, parse_record
from impact.inputs.specs import parse_spec
from impact.inputs.tiers import DEFAULT_TIERS, parse_tiers

__all__ = [
    "DEFAULT_TRIALS",
    "MAX_TRIALS",
    "NAME_PATTERN",
    "SECTIONS",
    "TOP_LEVEL",
    "check_name",
    "defaults",
    "fixed_correlation_problem",
    "parse_scenario",
    "slug",
]

SECTIONS = sorted({k.key.split(".")[0] for k in (*KEYS, *EXTRA_KEYS)})  # + [frequency], [cost]
TOP_LEVEL = {
    "name",
    "title",
    "description",
    "sampling",
    "correlations",
    "expect",
    "published",
    "evidence",
    "facts",
}
TOP_LEVEL |= set(SECTIONS)
PROFILE = "revenue.profile"  # a profile name or CSV path, not a spec
SAMPLING_KEYS = {"trials", "seed", "method"}
# The most trials one run may ask for. A billion trials already puts the standard error of the
# mean at 0.003% of the spread, far below what any input is known to, and takes hours; more is
# a typo (1e20 would run for millennia), so it is refused rather than started.
MAX_TRIALS = 1_000_000_000
TRIALS_CEILING = (
    " per run: a billion trials already puts the standard error of the mean at 0.003% of the "
    "spread and takes hours, so more is taken for a typo"
)
# The trials of a run whose scenario gives none in [sampling], in the CLI and in Python alike.
DEFAULT_TRIALS = 100_000
# A scenario's name becomes a folder name (reports/<name>), so it is a safe slug: it can never
# climb out of --out, hide as a dot file or be empty.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}", re.ASCII)


def check_name(name: str, key: str = "name") -> str:
    """`name` if it is a safe slug (letters, digits, '-', '_'), else an InputError naming `key`."""
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(
            f"{key}: {name!r}: a scenario name must be 1 to 100 letters, digits, '-' or '_' "
            "(starting with a letter or digit), because it names the report folder; "
            'e.g. name = "tiktok-us-9h"'
        )
    return name


def slug(text: str) -> str:
    """A safe name made from `text` (a file's stem): other characters become '-'."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text, flags=re.ASCII).strip("-_")[:100]
    return cleaned or "scenario"


def _parse_correlations(raw: Any, bag: Collector) -> dict[tuple[str, str], float]:
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


def parse_scenario(
    raw: Mapping[str, Any],
    notes: Mapping[str, str],
    bag: Collector,
    *,
    base_dir: Path | None,
    partial: bool,
) -> dict[str, Any]:
    """Turn a parsed TOML mapping into Scenario fields, collecting every problem."""
    fields: dict[str, Any] = {"specs": {}, "distributions": {}, "sources": {}}
    unknown = sorted(set(raw) - TOP_LEVEL)
    for top in unknown:
        bag.add(f"{top}: unknown key or section{suggest(top, TOP_LEVEL)}")
    if unknown:  # refused before the rest (and its comments) is read: it may be huge
        return fields
    for text_key in ("name", "title", "description"):
        if text_key in raw:
            if not isinstance(raw[text_key], str):
                bag.add(f"{text_key}: {raw[text_key]!r}: must be a string")
            elif text_key == "name" and not NAME_PATTERN.fullmatch(raw[text_key]):
                try:
                    check_name(raw[text_key])
                except InputError as exc:
                    bag.add(str(exc))
            else:
                fields[text_key] = raw[text_key]
    for section in SECTIONS:
        table = raw.get(section, {})
        if not isinstance(table, dict):
            bag.add(f"{section}: must be a table ([{section}])")
            continue
        for name, spec in table.items():
            if bag.full:  # a generated file with thousands of bad keys: enough has been said
                break
            key = f"{section}.{name}"
            if key == "creators.tiers":
                fields["tiers"] = parse_tiers(spec, notes, bag)
                continue
            if key == RECORD_KEY:
                record = parse_record(spec, notes, bag.add)
                if record is not None:
                    fields["record"] = record
                continue
            if key == PROFILE:
                try:
                    if not isinstance(spec, str):
                        raise InputError(f"{PROFILE}: {spec!r}: give a profile name or a CSV path")
                    fields["profile"] = load_profile(spec, base_dir=base_dir)
                except InputError as exc:
                    bag.add(str(exc))
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
        bag.add(f"sampling.{extra}: unknown key{suggest(extra, SAMPLING_KEYS)}")
    for key in ("trials", "seed"):
        if key in sampling:
            value = sampling[key]
            low = 1 if key == "trials" else 0
            whole = isinstance(value, int) or (  # TOML reads trials = 1e5 as a float; a seed
                key == "trials"  # must be exact, and a float above 2**53 would not be
                and isinstance(value, float)
                and math.isfinite(value)
                and value.is_integer()
            )
            # as TOML read it: a float trial count short (2e+09), a float seed as it is (7.0)
            shown = f"{value:g}" if isinstance(value, float) and key == "trials" else repr(value)
            if isinstance(value, bool) or not whole or value < low:
                kind = "a whole number" if key == "trials" else "an integer (no decimal point)"
                bag.add(f"sampling.{key}: {shown}: must be {kind} ≥ {low}")
            elif key == "trials" and value > MAX_TRIALS:
                bag.add(f"sampling.trials: {shown}: at most {MAX_TRIALS:,}{TRIALS_CEILING}")
            else:
                fields[key] = int(value)
    if "method" in sampling:
        if sampling["method"] not in tuple(Method):
            bag.add(f"sampling.method: {sampling['method']!r}: must be one of {', '.join(Method)}")
        else:
            fields["method"] = sampling["method"]
    if "expect" in raw:
        fields["expect"] = parse_expect(raw["expect"], notes, bag.add)
    if "published" in raw:
        fields["published"] = parse_published(raw["published"], bag.add)
    if "evidence" in raw:
        fields["evidence"] = parse_evidence(raw["evidence"], notes, bag.add)
    if "facts" in raw:
        fields["facts"] = parse_facts(raw["facts"], bag.add)
        if not partial:
            check_facts(
                fields["facts"],
                given=set(fields["specs"]),
                observed={e.quantity: e.relation for e in fields.get("evidence", ())},
                expected={b.quantity for b in fields.get("expect", ())},
                add=bag.add,
            )
    if "correlations" in raw:
        fields["correlations"] = _parse_correlations(raw["correlations"], bag)
        if not partial:  # an overlay's pairs are checked once applied, by the engine
            dists = {**defaults()["distributions"], **fields["distributions"]}
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


def defaults() -> dict[str, Any]:
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
