"""The ``core_shuffled`` negatives: each NES's annotated core shuffled inside its natural flanks.

Reported beside the other negative sets (its own AUC row, never pooled into "all") and not
trained on: see :mod:`nesscan.dataset.negatives`.
"""

from __future__ import annotations

from typing import Collection

import numpy as np
import pandas as pd

from nesscan.dataset.hard_negatives import RngLike, _positive_set, _range_in_window, distinct_draws
from nesscan.dataset.positives import centred_positives
from nesscan.dataset.window import example_row
from nesscan.shuffle import shuffle_sequence

CORE_SHUFFLED_SOURCE = "core_shuffled"
MIN_CORE = 6
"""Shortest annotated core that is shuffled (a shorter one has too few orders to differ)."""


def core_shuffled_negatives(positives: pd.DataFrame, n_per: int = 4, rng: RngLike = 0,
                            exclude: Collection[str] | None = None, max_tries: int = 100) -> list[dict]:
    """Shuffles of each centred positive's annotated NES core inside its natural flanks.

    The residues of the NESdb range (the part inside the window, at least :data:`MIN_CORE`
    residues) are permuted (:func:`nesscan.shuffle.shuffle_sequence`); the rest of the
    window, and of the parent, stays as it is. Composition, flanks, length and the
    window's position are the NES's own: only the order of the motif differs, so a model
    must see the anchors' spacing to tell them apart (a whole-window shuffle also moves
    hydrophobic residues into the flanks, which is easier to see). Rules otherwise as in
    :func:`shuffled_negatives` (distinct, never a positive, fewer when no new order is
    found in ``max_tries`` draws per shuffle).

    Examples
    --------
    >>> import pandas as pd
    >>> pos = pd.DataFrame([dict(sequence="AAAAAAALELRLKLLSAAAAAA", label=1, source="nesdb", accession="P1",
    ...                          start=10, centred=True, range_1b="18-26")])
    >>> rows = core_shuffled_negatives(pos, n_per=2)
    >>> [(r["sequence"][:7], r["sequence"][16:], sorted(r["sequence"][7:16]) == sorted("LELRLKLLS")) for r in rows]
    [('AAAAAAA', 'AAAAAA', True), ('AAAAAAA', 'AAAAAA', True)]
    """
    gen = np.random.default_rng(rng)
    exclude = _positive_set(positives) if exclude is None else set(exclude)
    rows: list[dict] = []
    seen: set[str] = set()
    for pos in centred_positives(positives).itertuples(index=False):
        lo, hi = _range_in_window(pos.range_1b, pos.start)
        lo, hi = max(lo, 0), min(hi, len(pos.sequence))
        if hi - lo < MIN_CORE:
            continue
        def draw(s: str = pos.sequence, lo: int = lo, hi: int = hi) -> str:
            return s[:lo] + shuffle_sequence(s[lo:hi], gen) + s[hi:]

        for seq in distinct_draws(draw, pos.sequence, n_per, exclude, seen, max_tries):
            rows.append(example_row(seq, CORE_SHUFFLED_SOURCE, pos.accession, pos.start))
    return rows
