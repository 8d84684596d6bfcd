"""Kosugi NES consensus classes: a rule-based motif scan.

Φ is one of L, I, V, F, M and X is any residue. The forward classes are those of
Kosugi et al. 2008 (Traffic 9:2053, doi:10.1111/j.1600-0854.2008.00825.x), also used by
NESdb (Xu et al. 2012, Mol Biol Cell 23:3677, doi:10.1091/mbc.E12-01-0046) and the
Wregex NES motif (Prieto et al. 2014, Bioinformatics 30:1220,
doi:10.1093/bioinformatics/btu016)::

    1a  Φ1-X3-Φ2-X2-Φ3-X-Φ4        1c  Φ1-X3-Φ2-X3-Φ3-X-Φ4
    1b  Φ1-X2-Φ2-X2-Φ3-X-Φ4        1d  Φ1-X2-Φ2-X3-Φ3-X-Φ4
    2   Φ1-X-Φ2-X2-Φ3-X-Φ4         3   Φ1-X2-Φ2-X3-Φ3-X2-Φ4

Class 1 is Φ1-X(2,3)-Φ2-X(2,3)-Φ3-X-Φ4 split by its two variable gaps; 1c and 1d have
*three* residues between Φ2 and Φ3.

Reverse ("minus") NESs bind CRM1 in the opposite orientation (Fung et al. 2015, eLife
4:e10034, doi:10.7554/eLife.10034). Here a reverse class is **defined** as the mirror
image of the forward spacing, e.g. 1a-R = Φ4-X-Φ3-X2-Φ2-X3-Φ1 read N to C, so a
reversed 1a instance is a 1a-R instance. Classes 2 and 3 are palindromic (their mirror
images are themselves), so "2-R" and "3-R" would report every class-2/3 match twice:
they are not separate classes here (:data:`CLASS_GAPS` has no ``2-R`` or ``3-R``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

HYDROPHOBIC = "LIVFM"
"""The Φ residues of Kosugi et al. 2008."""

FORWARD_GAPS: dict[str, tuple[int, int, int]] = {
    "1a": (3, 2, 1),
    "1b": (2, 2, 1),
    "1c": (3, 3, 1),
    "1d": (2, 3, 1),
    "2": (1, 2, 1),
    "3": (2, 3, 2),
}
"""Number of X residues between Φ1-Φ2, Φ2-Φ3 and Φ3-Φ4 of each forward class."""

CLASS_GAPS: dict[str, tuple[int, int, int]] = {
    **FORWARD_GAPS,
    **{f"{name}-R": gaps[::-1] for name, gaps in FORWARD_GAPS.items() if gaps[::-1] != gaps},
}
"""All distinct classes, N-to-C gaps between consecutive anchors (reverse classes mirrored)."""

CLASS_ORDER: tuple[str, ...] = tuple(CLASS_GAPS)
"""Class names in sort order: 1a, 1b, 1c, 1d, 2, 3, 1a-R, 1b-R, 1c-R, 1d-R."""

CLASS_OFFSETS: dict[str, tuple[int, int, int, int]] = {
    name: (0, g[0] + 1, g[0] + g[1] + 2, g[0] + g[1] + g[2] + 3)
    for name, g in CLASS_GAPS.items()
}
"""Anchor offsets from the N-terminal anchor, per class (last offset = span - 1)."""

_LOOKUP = np.zeros(256, dtype=bool)
_LOOKUP[np.frombuffer(HYDROPHOBIC.encode(), dtype=np.uint8)] = True


@dataclass(frozen=True)
class ConsensusMatch:
    """One consensus-class match in a scanned sequence."""

    nes_class: str  # class name, e.g. "1a" or "1a-R" (see CLASS_ORDER)
    start: int  # 0-based, inclusive: the N-terminal anchor
    end: int  # 0-based, exclusive: the C-terminal anchor + 1
    anchors: tuple[int, ...]  # 0-based anchor positions, N to C (Φ1..Φ4; Φ4..Φ1 for -R)


def _hydrophobic_matrix(seqs: Sequence[str]) -> np.ndarray:
    """Boolean ``(n, L)`` Φ mask of equal-length upper-case sequences."""
    length = len(seqs[0]) if seqs else 0
    buf = np.frombuffer("".join(seqs).encode("ascii", "replace"), dtype=np.uint8)
    return _LOOKUP[buf].reshape(len(seqs), length)


def _class_hits(mask: np.ndarray) -> dict[str, np.ndarray]:
    """Per class, a ``(n, L - span + 1)`` bool array of N-terminal anchor positions."""
    length = mask.shape[1]
    hits = {}
    for name, offsets in CLASS_OFFSETS.items():
        n_starts = length - offsets[-1]
        if n_starts <= 0:
            hits[name] = np.zeros((mask.shape[0], 0), dtype=bool)
            continue
        hit = mask[:, :n_starts].copy()
        for off in offsets[1:]:
            hit &= mask[:, off : off + n_starts]
        hits[name] = hit
    return hits


def find_consensus(seq: str) -> list[ConsensusMatch]:
    """Find every (overlapping) consensus-class match in a sequence.

    Parameters
    ----------
    seq
        Upper-case one-letter amino-acid sequence, any length.

    Returns
    -------
    list of ConsensusMatch
        All matches of all classes in :data:`CLASS_ORDER`, sorted by ``start`` then
        class order.

    Examples
    --------
    >>> [(m.nes_class, m.start, m.anchors) for m in find_consensus("LQLPPLERLTLD")]
    [('1b-R', 0, (0, 2, 5, 8)), ('1b', 2, (2, 5, 8, 10))]
    """
    if not seq:
        return []
    hits = _class_hits(_hydrophobic_matrix([seq]))
    rank = {name: i for i, name in enumerate(CLASS_ORDER)}
    matches = []
    for name, hit in hits.items():
        offsets = CLASS_OFFSETS[name]
        for start in np.flatnonzero(hit[0]).tolist():
            anchors = tuple(start + off for off in offsets)
            matches.append(ConsensusMatch(name, start, anchors[-1] + 1, anchors))
    matches.sort(key=lambda m: (m.start, rank[m.nes_class]))
    return matches


def count_consensus_many(seqs: Sequence[str]) -> np.ndarray:
    """Number of consensus-class matches of each sequence (all classes, overlaps counted:
    ``len(find_consensus(s))``), vectorised (fast for fixed windows).

    Sequences are grouped by length and scanned as ``(n, L)`` boolean arrays.

    Examples
    --------
    >>> count_consensus_many(["NSNELALKLAGLDIN", "AAAAAAAAAAAA"]).tolist()
    [2, 0]

    Parameters
    ----------
    seqs
        Upper-case sequences; equal lengths (e.g. 22-residue windows) are fastest.

    Returns
    -------
    numpy.ndarray
        int64 array of shape ``(len(seqs),)``.
    """
    counts = np.zeros(len(seqs), dtype=np.int64)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(seqs):
        by_length.setdefault(len(s), []).append(i)
    for length, idx in by_length.items():
        if length == 0:
            continue
        hits = _class_hits(_hydrophobic_matrix([seqs[i] for i in idx]))
        counts[idx] = sum(hit.sum(axis=1) for hit in hits.values())
    return counts


def window_match_counts(seq: str, window: int = 22) -> np.ndarray:
    """For every window start (stride 1), the number of whole consensus matches inside it.

    A match of any class in :data:`CLASS_ORDER` counts for a window ``[w, w + window)``
    when its first and last anchors both lie inside it, so the value equals
    ``count_consensus_many([seq[w:w + window]])``; linear in ``len(seq)``.

    Examples
    --------
    >>> window_match_counts("AAAALQLPPLERLTLDAAAAA", 12).tolist()
    [0, 1, 1, 2, 2, 1, 1, 0, 0, 0]

    Returns
    -------
    numpy.ndarray
        int64 array of ``max(len(seq) - window + 1, 0)`` values.
    """
    n_windows = max(len(seq) - window + 1, 0)
    if n_windows == 0:
        return np.zeros(0, dtype=np.int64)
    cover = np.zeros(n_windows + 1, dtype=np.int64)
    for name, hit in _class_hits(_hydrophobic_matrix([seq])).items():
        span = CLASS_OFFSETS[name][-1] + 1
        starts = np.flatnonzero(hit[0])
        lo = np.maximum(starts + span - window, 0)  # windows w with w <= start and start + span <= w + window
        hi = np.minimum(starts, n_windows - 1) + 1
        ok = lo < hi
        np.add.at(cover, lo[ok], 1)
        np.add.at(cover, hi[ok], -1)
    return np.cumsum(cover[:-1])


def _preference(match: ConsensusMatch) -> tuple[bool, int, int, int]:
    return (
        match.nes_class.endswith("-R"),
        -(match.end - match.start),
        CLASS_ORDER.index(match.nes_class),
        match.start,
    )


def best_class(seq: str) -> ConsensusMatch | None:
    """The preferred consensus match of ``seq``, or ``None`` if there is none.

    Preference order: forward before reverse classes (reverse NESs are the rarer,
    later-described orientation); then the longest span (3 and 1c: 11 residues; 1a, 1d:
    10; 1b: 9; 2: 8), since a longer motif explains more of the window; then
    :data:`CLASS_ORDER`; then the most N-terminal match.

    Examples
    --------
    >>> best_class("NSNELALKLAGLDIN").nes_class  # PKI NES: 1a and 2 match
    '1a'
    >>> best_class("AAAAAAAA") is None
    True
    """
    matches = find_consensus(seq)
    return min(matches, key=_preference) if matches else None
