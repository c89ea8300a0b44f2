"""Tests of the spec grammar: every form parses to the right distribution, every bad spec is an
InputError that starts with "KEY: SPEC: " and says what is wrong."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import finite_floats, param_floats

from impact.exceptions import InputError
from impact.inputs.distributions import (
    Beta,
    Choice,
    Distribution,
    Empirical,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Pert,
    Poisson,
    Triangular,
    Uniform,
)
from impact.inputs.keys import key_info
from impact.inputs.specs import parse_number, parse_spec

HOURS_KEY = "outage.hours"  # (0, inf)
SHARE_KEY = "outage.severity"  # [0, 1]
NONNEG_KEY = "revenue.hourly_loss"  # [0, inf)


def parse_for(key: str, spec: str | float, base_dir: Path | None = None) -> Distribution:
    return parse_spec(spec, key=key, domain=key_info(key).domain, base_dir=base_dir)


# ---------------------------------------------------------------- fixed values


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ("400000", 400_000.0),
        ("400k", 400_000.0),
        ("400K", 400_000.0),
        ("1.5M", 1_500_000.0),
        ("2B", 2_000_000_000.0),
        ("1.5 M", 1_500_000.0),
        ("1_000_000", 1_000_000.0),
        ("1_500.25", 1500.25),
        ("1e6", 1_000_000.0),
        ("2.5E-3", 0.0025),
        ("1e+2", 100.0),
        ("1.5e3k", 1_500_000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("+7", 7.0),
        ("-3.25", -3.25),
        ("  42  ", 42.0),
        ("0", 0.0),
    ],
)
def test_fixed_values(spec: str, value: float) -> None:
    assert parse_spec(spec) == Fixed(value)


@pytest.mark.parametrize(("spec", "value"), [(5, 5.0), (2.5, 2.5), (-1, -1.0), (0, 0.0)])
def test_python_numbers_are_fixed_values(spec: float, value: float) -> None:
    dist = parse_spec(spec)
    assert dist == Fixed(value)
    assert isinstance(dist.mean(), float)


def test_parse_number_suffixes() -> None:
    assert parse_number("300k") == 300_000.0
    assert parse_number("2.5B") == 2.5e9
    with pytest.raises(InputError, match="not a number"):
        parse_number("3x")


def test_fixed_value_inside_its_domain_is_accepted() -> None:
    assert parse_for(SHARE_KEY, "0") == Fixed(0.0)
    assert parse_for(SHARE_KEY, "1") == Fixed(1.0)
    assert parse_for(HOURS_KEY, "72") == Fixed(72.0)
    assert parse_for(NONNEG_KEY, "0") == Fixed(0.0)


# ---------------------------------------------------------------- distributions


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("uniform(300k, 500k)", Uniform(300_000.0, 500_000.0)),
        ("uniform(low=1, high=2)", Uniform(1.0, 2.0)),
        ("uniform(high=2, low=1)", Uniform(1.0, 2.0)),
        ("uniform(1, high=2)", Uniform(1.0, 2.0)),
        ("Uniform( 1 ,2 )", Uniform(1.0, 2.0)),
        ("uniform(-1.5M, 2_000_000)", Uniform(-1.5e6, 2e6)),
        ("triangular(1, 3, 10)", Triangular(1.0, 3.0, 10.0)),
        ("triangular(1, 1, 10)", Triangular(1.0, 1.0, 10.0)),
        ("triangular(low=1, mode=10, high=10)", Triangular(1.0, 10.0, 10.0)),
        ("pert(24, 72, 240)", Pert(24.0, 72.0, 240.0)),
        ("PERT(0.05, 0.15, 0.4)", Pert(0.05, 0.15, 0.4)),
        ("pert(1k, 2k, 1e4)", Pert(1000.0, 2000.0, 10_000.0)),
        ("normal(100, 20)", Normal(100.0, 20.0)),
        ("normal(mean=100, sd=20)", Normal(100.0, 20.0)),
        ("beta(2, 5)", Beta(2.0, 5.0)),
        ("beta(a=0.5, b=0.5)", Beta(0.5, 0.5)),
        ("gamma(2, 3)", Gamma(2.0, 3.0)),
        ("gamma(shape=2, scale=3)", Gamma(2.0, 3.0)),
        ("poisson(4)", Poisson(4.0)),
        ("poisson(mean=0.5)", Poisson(0.5)),
        ("choice(24, 48, 168; p=0.5, 0.3, 0.2)", Choice((24.0, 48.0, 168.0), (0.5, 0.3, 0.2))),
        ("choice(1k, 2k; p = 0.25, 0.75)", Choice((1000.0, 2000.0), (0.25, 0.75))),
        ("choice(7)", Choice((7.0,), (1.0,))),
    ],
)
def test_distribution_forms(spec: str, expected: Distribution) -> None:
    dist = parse_spec(spec)
    assert type(dist) is type(expected)
    assert dist == expected


def test_pert_uses_lambda_four() -> None:
    dist = parse_spec("pert(0, 1, 6)")
    assert isinstance(dist, Pert)
    assert dist.lam == 4.0
    assert (dist.alpha, dist.beta) == pytest.approx((1 + 4 / 6, 1 + 20 / 6), rel=1e-15)


def test_choice_without_p_is_equally_likely() -> None:
    dist = parse_spec("choice(1, 2, 4)")
    assert isinstance(dist, Choice)
    assert dist.values == (1.0, 2.0, 4.0)
    assert dist.probs == pytest.approx((1 / 3, 1 / 3, 1 / 3), rel=1e-15)


@pytest.mark.parametrize(
    ("key", "low", "high"),
    # An open bound (hours must be > 0) truncates just above it, so 0 itself is never drawn.
    [
        (HOURS_KEY, math.nextafter(0.0, 1.0), math.inf),
        (NONNEG_KEY, 0.0, math.inf),
        (SHARE_KEY, 0.0, 1.0),
    ],
)
def test_normal_is_truncated_to_the_key_domain(key: str, low: float, high: float) -> None:
    dist = parse_for(key, "normal(0.5, 2)")
    assert dist == Normal(0.5, 2.0, low, high)
    assert dist.support() == (low, high)
    draws = dist.sample(2000, np.random.default_rng(7))
    assert draws.min() >= low
    assert draws.max() <= high


def test_normal_without_a_domain_is_not_truncated() -> None:
    assert parse_spec("normal(-5, 2)").support() == (-math.inf, math.inf)


@pytest.mark.parametrize(
    "spec", ["lognormal(median=72, sigma=0.8)", "lognormal(sigma=0.8, median=72)"]
)
def test_lognormal_median_sigma(spec: str) -> None:
    dist = parse_for(HOURS_KEY, spec)
    assert isinstance(dist, Lognormal)
    assert dist.mu == pytest.approx(math.log(72), rel=1e-15)
    assert dist.sigma == 0.8
    assert dist.ppf([0.5])[0] == pytest.approx(72.0, rel=1e-12)


@pytest.mark.parametrize(
    ("p5", "p95"), [("24", "240"), ("96", "192"), ("1k", "1M"), ("0.001", "0.002")]
)
def test_lognormal_interval_reproduces_p5_and_p95(p5: str, p95: str) -> None:
    dist = parse_spec(f"lognormal(p5={p5}, p95={p95})")
    assert isinstance(dist, Lognormal)
    expected = [parse_number(p5), parse_number(p95)]
    np.testing.assert_allclose(dist.ppf([0.05, 0.95]), expected, rtol=1e-12)


def test_share_keys_accept_bounded_families() -> None:
    assert parse_for(SHARE_KEY, "beta(2, 5)") == Beta(2.0, 5.0)
    assert parse_for(SHARE_KEY, "pert(0, 0.05, 0.2)") == Pert(0.0, 0.05, 0.2)
    assert parse_for(SHARE_KEY, "uniform(0, 1)") == Uniform(0.0, 1.0)
    assert parse_for(SHARE_KEY, "choice(0, 0.5, 1; p=0.2, 0.3, 0.5)").support() == (0.0, 1.0)


def test_poisson_is_allowed_where_zero_is() -> None:
    assert parse_for(NONNEG_KEY, "poisson(3)") == Poisson(3.0)


def test_choice_value_out_of_domain_with_zero_p_is_allowed() -> None:
    # A value that is never drawn cannot break the domain.
    dist = parse_for(SHARE_KEY, "choice(0.5, 2; p=1, 0)")
    assert dist.support() == (0.5, 0.5)


# ---------------------------------------------------------------- empirical


def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_empirical_absolute_path(tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "outages.csv", "name,hours\na,3\nb,1.5\nc,12\nd,3\n")
    dist = parse_for(HOURS_KEY, f"empirical({csv}:hours)")
    assert isinstance(dist, Empirical)
    assert dist.values.tolist() == [1.5, 3.0, 3.0, 12.0]
    assert dist.support() == (1.5, 12.0)
    assert dist.mean() == pytest.approx(19.5 / 4, rel=1e-15)
    assert dist.spec() == f"empirical({csv}:hours)"


def test_empirical_relative_path_uses_base_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    _write_csv(tmp_path / "data" / "obs.csv", "loss\n10\n20\n")
    dist = parse_for(NONNEG_KEY, "empirical(data/obs.csv:loss)", base_dir=tmp_path)
    assert isinstance(dist, Empirical)
    assert dist.values.tolist() == [10.0, 20.0]
    # The canonical text keeps the path as written, so it re-parses against the same base.
    assert parse_for(NONNEG_KEY, dist.spec(), base_dir=tmp_path) == dist


def test_empirical_values_outside_the_domain_are_rejected(tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "s.csv", "share\n0.2\n1.4\n")
    with pytest.raises(InputError, match=r"value 1\.4 is out of range: must lie in \[0, 1\]"):
        parse_for(SHARE_KEY, f"empirical({csv}:share)")


@pytest.mark.parametrize(
    ("csv_text", "column", "fragment"),
    [
        (None, "hours", "not found"),
        ("hours\n1\n2\n", "minutes", "has no column 'minutes'; columns are hours"),
        ("hours\n1\nabc\n3\n", "hours", "row 3: 'abc' is not a finite number"),
        ("hours,x\n1,a\n,b\n", "hours", "row 3: a missing value (empty, NA or NaN) is not a"),
        ("hours\n1\nNaN\n", "hours", "row 3: a missing value (empty, NA or NaN) is not a"),
        ("hours\n1\n2\ninf\n", "hours", "row 4: inf is not a finite number"),
        ("", "hours", "cannot read"),
    ],
    ids=["missing-file", "missing-column", "non-numeric", "empty-cell", "nan", "inf", "empty-file"],
)
def test_empirical_problems(
    tmp_path: Path, csv_text: str | None, column: str, fragment: str
) -> None:
    path = tmp_path / "obs.csv"
    if csv_text is not None:
        _write_csv(path, csv_text)
    spec = f"empirical({path}:{column})"
    with pytest.raises(InputError) as info:
        parse_for(HOURS_KEY, spec)
    message = str(info.value)
    assert message.startswith(f"{HOURS_KEY}: {spec}: ")
    assert fragment in message


def test_empirical_relative_path_missing_names_the_resolved_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as info:
        parse_for(HOURS_KEY, "empirical(nope.csv:hours)", base_dir=tmp_path)
    assert str(tmp_path / "nope.csv") in str(info.value)


def test_empirical_without_column() -> None:
    with pytest.raises(InputError, match=r"write empirical\(path/to/file\.csv:column\)"):
        parse_for(HOURS_KEY, "empirical(data.csv)")


# ---------------------------------------------------------------- errors

BAD_SPECS: list[tuple[str, str, str]] = [
    # (key, spec, what the message must say after "KEY: SPEC: ")
    # unknown family
    (HOURS_KEY, "unifrom(1, 2)", "unknown distribution 'unifrom'; did you mean uniform?"),
    (HOURS_KEY, "lognorml(median=1, sigma=1)", "did you mean lognormal?"),
    (HOURS_KEY, "trianglar(1, 2, 3)", "did you mean triangular?"),
    (HOURS_KEY, "weibul(1, 2)", "unknown distribution 'weibul'; did you mean weibull?"),
    # argument counts and names
    (HOURS_KEY, "uniform(1)", "uniform needs low, high; missing high"),
    (HOURS_KEY, "uniform()", "missing low, high"),
    (HOURS_KEY, "uniform(1, 2, 3)", "uniform takes 2 values (low, high), got 3"),
    (HOURS_KEY, "triangular(1, 2)", "missing high"),
    (HOURS_KEY, "pert(1, 2, 3, 4)", "pert takes 3 values"),
    (HOURS_KEY, "poisson(1, 2)", "poisson takes 1 values (mean), got 2"),
    (HOURS_KEY, "uniform(lo=1, high=2)", "uniform has no parameter 'lo'; it takes low, high"),
    (HOURS_KEY, "pert(low=1, mode=2, top=3)", "no parameter 'top'"),
    (HOURS_KEY, "uniform(low=1, low=2)", "low given twice"),
    (HOURS_KEY, "uniform(low=1, 2)", "positional arguments must come before name=value ones"),
    (HOURS_KEY, "uniform(1,, 2)", "empty argument"),
    (HOURS_KEY, "uniform(1, 2,)", "empty argument"),
    (HOURS_KEY, "uniform(1, high=)", "high is empty"),
    # non-numeric arguments
    (HOURS_KEY, "uniform(a, 2)", "'a' is not a number"),
    (HOURS_KEY, "uniform(1, 2x)", "'2x' is not a number"),
    (HOURS_KEY, "uniform(1, inf)", "'inf' is not a number"),
    (HOURS_KEY, "uniform(1, nan)", "'nan' is not a number"),
    (HOURS_KEY, "uniform(1, 1e999)", "'1e999' is not a finite number"),
    (HOURS_KEY, "pert(1, 2m, 3)", "'2m' is not a number"),
    # parameter values
    (HOURS_KEY, "triangular(300, 100, 500)", "mode must lie between low and high"),
    (HOURS_KEY, "triangular(1, 6, 5)", "mode must lie between low and high"),
    (HOURS_KEY, "pert(1, 5, 4)", "mode must lie between low and high"),
    (HOURS_KEY, "pert(2, 0.5, 3)", "mode must lie between low and high"),
    (HOURS_KEY, "uniform(5, 5)", "low must be below high"),
    (HOURS_KEY, "uniform(6, 5)", "low must be below high"),
    (HOURS_KEY, "triangular(5, 5, 5)", "low must be below high"),
    (HOURS_KEY, "pert(3, 2, 1)", "low must be below high"),
    (HOURS_KEY, "normal(10, 0)", "sd must be > 0"),
    (HOURS_KEY, "normal(10, -1)", "sd must be > 0"),
    (HOURS_KEY, "beta(0, 1)", "a and b must be > 0"),
    (HOURS_KEY, "gamma(-1, 2)", "shape and scale must be > 0"),
    (HOURS_KEY, "gamma(1, 0)", "shape and scale must be > 0"),
    (NONNEG_KEY, "poisson(0)", "mean must be > 0"),
    # choice
    (HOURS_KEY, "choice(1, 2; p=0.5, 0.6)", "probabilities must add up to 1, they add up to 1.1"),
    (HOURS_KEY, "choice(1, 2; p=0.2, 0.2)", "add up to 1, they add up to 0.4"),
    (HOURS_KEY, "choice(1, 2, 3; p=0.5, 0.5)", "3 values but 2 probabilities"),
    (HOURS_KEY, "choice(1; p=0.5, 0.5)", "1 values but 2 probabilities"),
    (HOURS_KEY, "choice(1, 2; p=-0.5, 1.5)", "probabilities must be ≥ 0"),
    (HOURS_KEY, "choice(1, 2; 0.5, 0.5)", "after ';' write the probabilities as p=0.5, 0.3, 0.2"),
    (HOURS_KEY, "choice()", "choice needs at least one value"),
    (HOURS_KEY, "choice(1, x; p=0.5, 0.5)", "'x' is not a number"),
    # lognormal
    (HOURS_KEY, "lognormal(72, 0.8)", "lognormal takes named arguments"),
    (HOURS_KEY, "lognormal(median=72, 0.8)", "lognormal takes named arguments"),
    (HOURS_KEY, "lognormal(median=72, p95=240)", "either median= and sigma= or p5= and p95="),
    (HOURS_KEY, "lognormal(p5=24, sigma=0.8)", "got p5, sigma"),
    (HOURS_KEY, "lognormal(median=72)", "got median"),
    (HOURS_KEY, "lognormal()", "got nothing"),
    (HOURS_KEY, "lognormal(mean=72, sigma=0.8)", "either median= and sigma= or p5= and p95="),
    (HOURS_KEY, "lognormal(median=72, sigma=0)", "sigma must be > 0"),
    (HOURS_KEY, "lognormal(median=72, sigma=-0.5)", "sigma must be > 0"),
    (HOURS_KEY, "lognormal(median=0, sigma=1)", "median must be > 0"),
    (HOURS_KEY, "lognormal(p5=240, p95=24)", "need 0 < p5 < p95"),
    (HOURS_KEY, "lognormal(p5=0, p95=24)", "need 0 < p5 < p95"),
    (HOURS_KEY, "lognormal(p5=24, p95=24)", "need 0 < p5 < p95"),
    # out of the key's domain
    (SHARE_KEY, "1.2", "value 1.2 is out of range: must lie in [0, 1]"),
    (SHARE_KEY, "-0.1", "value -0.1 is out of range: must lie in [0, 1]"),
    (
        SHARE_KEY,
        "lognormal(median=0.1, sigma=0.5)",
        "lognormal can exceed 1, but the value must lie in [0, 1]; use beta, pert, uniform or "
        "triangular for a share",
    ),
    (SHARE_KEY, "gamma(2, 0.05)", "gamma can exceed 1, but the value must lie in [0, 1]"),
    (SHARE_KEY, "poisson(0.1)", "poisson can exceed 1"),
    (SHARE_KEY, "uniform(0.5, 1.5)", "uniform can exceed 1"),
    (SHARE_KEY, "pert(-0.1, 0.1, 0.2)", "pert can fall below 0, but the value must lie in [0, 1]"),
    (SHARE_KEY, "choice(0.5, 2; p=0.5, 0.5)", "value 2 is out of range"),
    (HOURS_KEY, "-5", "value -5 is out of range: must be > 0"),
    (HOURS_KEY, "0", "value 0 is out of range: must be > 0"),
    (HOURS_KEY, "-1.5k", "value -1500 is out of range: must be > 0"),
    (HOURS_KEY, "uniform(-1, 5)", "uniform can fall below 0, but the value must be > 0"),
    (HOURS_KEY, "triangular(-10, 5, 20)", "triangular can fall below 0"),
    (HOURS_KEY, "choice(0, 24; p=0.5, 0.5)", "value 0 is out of range: must be > 0"),
    (HOURS_KEY, "poisson(3)", "poisson can draw 0, but the value must be > 0"),
    (HOURS_KEY, "normal(-100, 1)", "almost none of its mass lies where the value must be > 0"),
    (SHARE_KEY, "normal(5, 0.1)", "almost none of its mass lies where the value must lie in [0"),
    (NONNEG_KEY, "-1", "value -1 is out of range: must be ≥ 0"),
    (NONNEG_KEY, "uniform(-1, 1)", "uniform can fall below 0, but the value must be ≥ 0"),
    # not a spec at all
    (HOURS_KEY, "inf", "not a number or a distribution"),
    (HOURS_KEY, "-inf", "not a number or a distribution"),
    (HOURS_KEY, "nan", "not a number or a distribution"),
    (HOURS_KEY, "NaN", "not a number or a distribution"),
    (HOURS_KEY, "Infinity", "not a number or a distribution"),
    (HOURS_KEY, "1e999", "'1e999' is not a finite number"),
    (HOURS_KEY, "400m", "not a number or a distribution"),
    (HOURS_KEY, "12 hours", "not a number or a distribution"),
    (HOURS_KEY, "uniform(1, 2", "not a number or a distribution"),
    (HOURS_KEY, "uniform 1 2", "not a number or a distribution"),
    (HOURS_KEY, "uniform(1, 2) + 3", "not a number or a distribution"),
    (HOURS_KEY, "1,000", "not a number or a distribution"),
    (HOURS_KEY, "", "empty spec; give a number or a distribution"),
]


@pytest.mark.parametrize(("key", "spec", "fragment"), BAD_SPECS, ids=[s for _, s, _ in BAD_SPECS])
def test_bad_spec_is_an_input_error_naming_key_and_spec(key: str, spec: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_for(key, spec)
    message = str(info.value)
    assert message.startswith(f"{key}: {spec}: "), message
    assert fragment in message, message


def test_message_matches_the_interface_example_exactly() -> None:
    with pytest.raises(InputError) as info:
        parse_for(HOURS_KEY, "triangular(300, 100, 500)")
    assert str(info.value) == (
        "outage.hours: triangular(300, 100, 500): mode must lie between low and high"
    )


def test_input_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^outage\.hours: bogus: "):
        parse_for(HOURS_KEY, "bogus")


def test_spec_text_in_the_message_is_stripped() -> None:
    with pytest.raises(InputError) as info:
        parse_for(HOURS_KEY, "   ")
    assert str(info.value) == "outage.hours: : empty spec; give a number or a distribution"


def test_without_a_key_the_message_starts_with_the_spec() -> None:
    with pytest.raises(InputError) as info:
        parse_spec("uniform(2, 1)")
    assert str(info.value).startswith("uniform(2, 1): low must be below high")


@pytest.mark.parametrize(
    ("spec", "text", "fragment"),
    [
        (True, "True", "not a number or a distribution"),
        (False, "False", "not a number or a distribution"),
        (math.inf, "inf", "value must be a finite number, got inf"),
        (-math.inf, "-inf", "value must be a finite number, got -inf"),
        (math.nan, "nan", "value must be a finite number, got nan"),
        (-3, "-3", "value -3 is out of range: must be > 0"),
        (0.0, "0.0", "value 0 is out of range: must be > 0"),
    ],
    ids=["True", "False", "inf", "-inf", "nan", "int-negative", "float-zero"],
)
def test_bad_python_values(spec: float, text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_for(HOURS_KEY, spec)
    message = str(info.value)
    assert message.startswith(f"{HOURS_KEY}: {text}: "), message
    assert fragment in message, message


# ---------------------------------------------------------------- properties


@settings(max_examples=200)
@given(finite_floats)
def test_any_finite_float_repr_parses_back_as_fixed(value: float) -> None:
    dist = parse_spec(repr(value))
    assert isinstance(dist, Fixed)
    assert dist.value == value
    assert parse_spec(dist.spec()) == dist


@settings(max_examples=150)
@given(
    family=st.sampled_from(["uniform", "triangular", "pert"]),
    values=st.lists(param_floats, min_size=3, max_size=3),
)
def test_bounded_families_round_trip_through_their_canonical_spec(
    family: str, values: list[float]
) -> None:
    low, mode, high = sorted(values)
    assume(low < high)
    args = [low, high] if family == "uniform" else [low, mode, high]
    dist = parse_spec(f"{family}({', '.join(repr(v) for v in args)})")
    expected = {"uniform": Uniform, "triangular": Triangular, "pert": Pert}[family](*args)
    assert dist == expected
    assert parse_spec(dist.spec()) == dist


@settings(max_examples=100)
@given(
    values=st.lists(param_floats, min_size=1, max_size=5),
    weights=st.lists(st.integers(1, 100), min_size=5, max_size=5),
)
def test_choice_canonical_spec_reparses_to_the_same_values(
    values: list[float], weights: list[int]
) -> None:
    weights = weights[: len(values)]
    probs = [w / sum(weights) for w in weights]
    spec = f"choice({', '.join(map(repr, values))}; p={', '.join(map(repr, probs))})"
    dist = parse_spec(spec)
    assert isinstance(dist, Choice)
    again = parse_spec(dist.spec())
    assert isinstance(again, Choice)
    assert again.values == dist.values
    assert again.probs == pytest.approx(dist.probs, rel=1e-12)


def test_weibull_spec_parses_and_round_trips() -> None:
    from impact.inputs.distributions import Weibull

    dist = parse_spec("weibull(0.545, 23)", key=HOURS_KEY, domain=key_info(HOURS_KEY).domain)
    assert dist == Weibull(0.545, 23.0)
    assert parse_spec(dist.spec()) == dist
    with pytest.raises(InputError, match="weibull can exceed 1"):
        parse_spec("weibull(2, 0.5)", key=SHARE_KEY, domain=key_info(SHARE_KEY).domain)
