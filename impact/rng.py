"""One way to turn a user's `rng` argument into seed sequences and generators (SPEC 7)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

__all__ = ["RNGLike", "as_seed_sequence", "root_entropy"]

RNGLike: TypeAlias = np.random.Generator | np.random.SeedSequence | int | None


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
