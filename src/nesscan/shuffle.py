"""The one residue shuffle: decoy proteins of a screen and the ``shuffled`` negatives.

Outputs depend on the exact use of the generator, so it is fixed here: one call,
``rng.permutation(len(sequence))``, whose result reorders the residues
(``out[i] = sequence[perm[i]]``). Screens (``--decoy-seed``), the training examples and
so the shipped model's weights all depend on it: change it and every seeded output
changes.
"""

from __future__ import annotations

import numpy as np


def shuffle_sequence(sequence: str, rng: np.random.Generator) -> str:
    """A composition-preserving shuffle: the residues of ``sequence`` in a random order.

    Draws exactly one ``rng.permutation(len(sequence))`` (see the module docstring).
    ``sequence`` must be ASCII (one byte per residue).

    Examples
    --------
    >>> shuffle_sequence("MKLLV", np.random.default_rng(1))
    'VMKLL'
    >>> sorted(shuffle_sequence("MKLLV", np.random.default_rng(2))) == sorted("MKLLV")
    True
    """
    letters = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
    return letters[rng.permutation(len(letters))].tobytes().decode("ascii")
