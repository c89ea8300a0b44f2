"""One way to turn a user's `rng` argument into seed sequences and generators (SPEC 7)."""

from __future__ import annotations

import enum
from typing import TypeAlias

import numpy as np

__all__ = [
    "DEFAULT_SEED",
    "SCENARIO_SEED",
    "RNGLike",
    "ScenarioSeed",
    "as_seed_sequence",
    "root_entropy",
    "seed_or_scenario",
]

RNGLike: TypeAlias = np.random.Generator | np.random.SeedSequence | int | None
# The root seed of a run whose scenario gives none in [sampling], in the CLI and in Python alike:
# the TikTok US outage began on 25 January 2026.
DEFAULT_SEED = 20260125


class ScenarioSeed(enum.Enum):
    """The default of every simulating function's `rng`: the scenario's own [sampling] seed,
    else `DEFAULT_SEED`, as the command line does. (An explicit ``rng=None`` draws fresh
    entropy, which the result records.)"""

    SCENARIO = "scenario"

    def __repr__(self) -> str:
        return f"<the scenario's [sampling] seed, else {DEFAULT_SEED}>"


SCENARIO_SEED = ScenarioSeed.SCENARIO


def seed_or_scenario(rng: RNGLike | ScenarioSeed, own: int | None) -> RNGLike:
    """`rng` as given, or for the default `SCENARIO_SEED` the scenario's seed `own`, else
    `DEFAULT_SEED`.

    >>> seed_or_scenario(SCENARIO_SEED, 7), seed_or_scenario(SCENARIO_SEED, None)
    (7, 20260125)
    >>> seed_or_scenario(3, 7)
    3
    """
    if rng is SCENARIO_SEED:
        return own if own is not None else DEFAULT_SEED
    return rng


def as_seed_sequence(rng: RNGLike) -> np.random.SeedSequence:
    """Normalise `rng` to the SeedSequence that every random stream is spawned from.

    An int or None seeds a new SeedSequence (None draws fresh OS entropy, which is then
    recorded so the run can be repeated); a Generator contributes the SeedSequence it was
    built from, so ``default_rng(7)`` and ``7`` give the same numbers.

    >>> as_seed_sequence(7).entropy
    7
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        seq = rng.bit_generator.seed_seq
        if not isinstance(seq, np.random.SeedSequence):  # pragma: no cover - legacy seeding
            return np.random.SeedSequence(int(rng.integers(2**63)))
        return seq
    if rng is None or isinstance(rng, int | np.integer):
        if rng is not None and int(rng) < 0:
            from impact.exceptions import InputError

            raise InputError(f"seed: {rng}: must be a non-negative integer")
        return np.random.SeedSequence(None if rng is None else int(rng))
    from impact.exceptions import InputError

    raise InputError(f"rng: {rng!r}: expected an int seed, a SeedSequence, a Generator or None")


def root_entropy(seq: np.random.SeedSequence) -> int:
    """The integer to write into reports so that the run can be repeated with ``--seed``."""
    return int(seq.entropy)  # type: ignore[arg-type]
