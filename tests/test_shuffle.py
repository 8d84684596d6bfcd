"""The one residue shuffle (nesscan.shuffle): screen decoys and ``shuffled`` negatives."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from nesscan.shuffle import shuffle_sequence

STANDARD = "ACDEFGHIKLMNPQRSTVWY"


def _proteins(rng: np.random.Generator, n: int = 30) -> list[str]:
    return ["".join(rng.choice(list(STANDARD), size=int(rng.integers(10, 200)))) for _ in range(n)]


def test_shuffles_preserve_composition_and_are_seeded() -> None:
    seqs = _proteins(np.random.default_rng(3))
    shuffled = [shuffle_sequence(s, np.random.default_rng(k)) for k, s in enumerate(seqs)]
    assert all(Counter(a) == Counter(b) for a, b in zip(seqs, shuffled))
    long_ones = [(a, b) for a, b in zip(seqs, shuffled) if len(a) >= 100]
    assert long_ones and all(a != b for a, b in long_ones)
    assert shuffle_sequence(seqs[0], np.random.default_rng(5)) == shuffle_sequence(seqs[0], np.random.default_rng(5))
    assert shuffle_sequence(seqs[0], np.random.default_rng(5)) != shuffle_sequence(seqs[0], np.random.default_rng(6))
    assert shuffle_sequence("", np.random.default_rng(0)) == ""


@pytest.mark.parametrize("seed", range(20))
def test_same_draws_as_the_three_retired_shuffles(seed: int) -> None:
    """The screen's ``decoy_sequence(kind="shuffle")``, ``protein_score.shuffle_sequence`` and
    the inline shuffle of ``shuffled_negatives`` all drew one permutation of the length:
    the single shuffle must give the same strings and leave the generator in the same state."""
    seq = _proteins(np.random.default_rng(seed), 1)[0]
    ours, decoy, chars = (np.random.default_rng([seed, 1]) for _ in range(3))
    out = shuffle_sequence(seq, ours)
    assert out == decoy.permutation(np.frombuffer(seq.encode("ascii"), np.uint8)).tobytes().decode("ascii")
    assert out == "".join(np.array(list(seq))[chars.permutation(len(seq))])
    assert ours.random() == decoy.random() == chars.random()
