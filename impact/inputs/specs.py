"""Parse distribution specs ('pert(24, 72, 240)', '1.5M', …) into validated distributions.

One grammar everywhere: CLI flags, scenario files and Python. Every problem is an InputError
that names the key, the spec and what is wrong.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from impact.exceptions import InputError
from impact.inputs import hour_of_week
from impact.inputs.datafile import expand_user, read_csv_file
from impact.inputs.distributions import (
    Choice,
    Distribution,
    Empirical,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Poisson,
    Weibull,
)
from impact.inputs.families import FAMILIES as FAMILY_TABLE
from impact.inputs.keys import Domain

__all__ = ["FAMILIES", "check_domain", "parse_number", "parse_spec"]

# ASCII only: \d would also take full-width and other scripts' digits ('１２３'), which float()
# reads silently although the text is not what a user typing a number means.
_NUMBER = re.compile(
    r"^\s*([-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([kKMB]?)\s*$", re.ASCII
)
_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.DOTALL)
ONSET_KEY = "outage.onset_hour_of_week"
_SUFFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}

FAMILIES = tuple(family.usage for family in FAMILY_TABLE.values())


def parse_number(text: str) -> float:
    """A number with an optional k, M or B suffix: '400k' -> 400000.0, '1.5M' -> 1500000.0."""
    match = _NUMBER.match(text)
    if not match:
        raise InputError(f"{text.strip()!r} is not a number (write e.g. 400000, 400k, 1.5M or 2B)")
    value = float(match.group(1).replace("_", "")) * _SUFFIX[match.group(2)]
    if not math.isfinite(value):
        raise InputError(f"{text.strip()!r} is not a finite number")
    return value


def _bind(
    family: str, args: list[str], names: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, float]:
    """Match positional and name=value arguments to the family's parameter names."""
    bound: dict[str, float] = {}
    allowed = names + optional
    for i, arg in enumerate(args):
        if "=" in arg:
            name, _, raw = arg.partition("=")
            name = name.strip()
            if name not in allowed:
                raise InputError(
                    f"{family} has no parameter {name!r}; it takes {', '.join(allowed)}"
                )
        else:
            if bound and any("=" in a for a in args[:i]):
                raise InputError("positional arguments must come before name=value ones")
            if i >= len(names):
                raise InputError(
                    f"{family} takes {len(names)} values ({', '.join(names)}), got {len(args)}"
                )
            name, raw = names[i], arg
        if name in bound:
            raise InputError(f"{name} given twice")
        if not raw.strip():
            raise InputError(f"{name} is empty")
        bound[name] = parse_number(raw)
    missing = [n for n in names if n not in bound]
    if missing:
        raise InputError(f"{family} needs {', '.join(names)}; missing {', '.join(missing)}")
    return bound


def _split(body: str) -> list[str]:
    parts = [p.strip() for p in body.split(",")]
    if parts == [""]:
        return []
    if any(p == "" for p in parts):
        raise InputError("empty argument (two commas in a row or a trailing comma)")
    return parts


def _lognormal(args: list[str]) -> Lognormal:
    named = {a.partition("=")[0].strip() for a in args if "=" in a}
    if len(named) != len(args):
        raise InputError(
            "lognormal takes named arguments: lognormal(median=72, sigma=0.8) or "
            "lognormal(p5=24, p95=240)"
        )
    if named == {"median", "sigma"}:
        p = _bind("lognormal", args, ("median", "sigma"))
        return Lognormal.from_median(p["median"], p["sigma"])
    if named == {"p5", "p95"}:
        p = _bind("lognormal", args, ("p5", "p95"))
        return Lognormal.from_interval(p["p5"], p["p95"])
    raise InputError(
        "lognormal takes either median= and sigma= or p5= and p95=, "
        f"got {', '.join(sorted(named)) or 'nothing'}"
    )


def _choice(body: str) -> Choice:
    values_part, sep, probs_part = body.partition(";")
    values = tuple(parse_number(v) for v in _split(values_part))
    if not sep:
        if not values:
            raise InputError("choice needs at least one value")
        return Choice(values, tuple(1.0 / len(values) for _ in values))
    probs_part = probs_part.strip()
    if not probs_part.startswith("p") or "=" not in probs_part:
        raise InputError("after ';' write the probabilities as p=0.5, 0.3, 0.2")
    probs = tuple(parse_number(v) for v in _split(probs_part.partition("=")[2]))
    return Choice(values, probs)


def _empirical(body: str, base_dir: Path | None) -> Empirical:
    import pandas as pd

    path_text, sep, column = body.strip().rpartition(":")
    if not sep or not path_text.strip() or not column.strip():
        raise InputError("write empirical(path/to/file.csv:column)")
    path = expand_user(path_text.strip())
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    column = column.strip()
    frame = read_csv_file(path)
    if column not in frame.columns:
        raise InputError(
            f"{str(path)!r} has no column {column!r}; "
            f"columns are {', '.join(map(str, frame.columns))}"
        )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        cell = frame[column].iloc[row]
        # numpy scalars repr as 'np.float64(nan)'; show what the user wrote in the file instead.
        cell = cell.item() if isinstance(cell, np.generic) else cell
        shown = "a missing value (empty, NA or NaN)" if pd.isna(cell) else repr(cell)
        raise InputError(
            f"{str(path)!r} column {column!r} row {row + 2}: {shown} is not a finite number"
        )
    return Empirical(values, source=f"{path_text.strip()}:{column}")


_SPECIAL = ("normal", "lognormal", "choice", "empirical")  # parsed by their own functions
_SIMPLE = {name: f for name, f in FAMILY_TABLE.items() if name not in _SPECIAL}


def _build(text: str, domain: Domain | None, base_dir: Path | None) -> Distribution:
    if _NUMBER.match(text):
        return Fixed(parse_number(text))
    call = _CALL.match(text)
    if not call:
        raise InputError(
            "not a number or a distribution; write e.g. 400k, uniform(300k, 500k) or "
            "lognormal(p5=24, p95=240)"
        )
    family, body = call.group(1).lower(), call.group(2)
    if family in _SIMPLE:
        names = _SIMPLE[family].parameters
        params = _bind(family, _split(body), names)
        return _SIMPLE[family].distribution(*(params[n] for n in names))
    if family == "normal":
        p = _bind("normal", _split(body), ("mean", "sd"))
        low = domain.low if domain else -math.inf
        high = domain.high if domain else math.inf
        if domain is not None and domain.low_open:
            low = math.nextafter(low, math.inf)  # an open bound is never drawn
        if domain is not None and domain.high_open:
            high = math.nextafter(high, -math.inf)
        try:
            return Normal(p["mean"], p["sd"], low, high)
        except InputError as exc:
            if domain is None or "mass" not in str(exc):
                raise
            where = domain.describe()
            raise InputError(f"almost none of its mass lies where the value {where}") from None
    if family == "lognormal":
        return _lognormal(_split(body))
    if family == "choice":
        return _choice(body)
    if family == "empirical":
        return _empirical(body, base_dir)
    from difflib import get_close_matches

    hint = get_close_matches(family, list(FAMILY_TABLE), n=1)
    fix = f"did you mean {hint[0]}?" if hint else "known: " + "; ".join(FAMILIES)
    raise InputError(f"unknown distribution {family!r}; {fix}")


def check_domain(dist: Distribution, domain: Domain) -> None:
    """Raise InputError when `dist` can produce a value outside `domain`."""
    atoms = dist.atoms()
    if atoms is not None:
        bad = [float(v) for v in atoms if not domain.contains(float(v))]
        if bad:
            raise InputError(f"value {bad[0]:g} is out of range: {domain.describe()}")
        return
    low, high = dist.support()
    if isinstance(dist, Poisson) and domain.low_open and domain.low >= 0:
        raise InputError(f"poisson can draw 0, but the value {domain.describe()}")
    # Lognormal, gamma and Weibull never reach 0; a range that starts on an open bound can draw it.
    open_ok = isinstance(dist, Lognormal | Gamma | Weibull | Normal)
    if domain.low_open and low == domain.low and not open_ok:
        raise InputError(
            f"{dist.name} can draw {low:g}, but the value {domain.describe()}; "
            "start the range above it"
        )
    if low < domain.low or high > domain.high:
        what = "can exceed" if high > domain.high else "can fall below"
        edge = domain.high if high > domain.high else domain.low
        fix = "; use beta, pert, uniform or triangular for a share" if domain.high == 1 else ""
        raise InputError(f"{dist.name} {what} {edge:g}, but the value {domain.describe()}{fix}")


def parse_spec(
    spec: str | float | int,
    *,
    key: str | None = None,
    domain: Domain | None = None,
    base_dir: Path | None = None,
) -> Distribution:
    """Parse a spec into a distribution, checked against the key's domain when one is given.

    >>> parse_spec("uniform(300k, 500k)")
    Uniform(low=300000.0, high=500000.0)
    >>> parse_spec("lognormal(p5=24, p95=240)").ppf([0.05, 0.95]).round(6).tolist()
    [24.0, 240.0]
    >>> parse_spec("1.2", key="outage.severity", domain=Domain(0, 1))
    Traceback (most recent call last):
    ...
    impact.exceptions.InputError: outage.severity: 1.2: value 1.2 is out of range: must lie in ...
    """
    numeric = isinstance(spec, int | float) and not isinstance(spec, bool)
    text = repr(spec) if numeric else str(spec).strip()
    prefix = f"{key}: {text}: " if key else f"{text}: "
    try:
        if isinstance(spec, bool):
            raise InputError("not a number or a distribution")
        if numeric:
            dist: Distribution = Fixed(float(spec))
        else:
            if not text:
                raise InputError("empty spec; give a number or a distribution")
            if key == ONSET_KEY:  # 'Sun 04:00' and days inside specs become hours of the week
                text = hour_of_week.translate(text)
            dist = _build(text, domain, base_dir)
        if domain is not None:
            check_domain(dist, domain)
    except InputError as exc:
        raise InputError(prefix + str(exc)) from None
    return dist
