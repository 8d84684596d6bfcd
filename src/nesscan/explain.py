"""One candidate NES call explained in words: its Kosugi class and anchors, and whether the
window is predicted ordered or disordered (metapredict's sequence-predicted pLDDT and
disorder).

The web predict page (:mod:`nesscan.web.predict`) and the report's Table 1
(:mod:`nesscan.report.tables`) both use :func:`explain`, so the wording is the same.

Thresholds
----------
Predicted pLDDT (0-100, the mean over the candidate's best window), AlphaFold's own bands:

* ``< 50`` (:data:`PLDDT_DISORDERED`): predicted disordered -> "accessible";
* ``50-70``: low confidence -> "possibly accessible";
* ``> 70`` (:data:`PLDDT_ORDERED`): predicted ordered -> "may be buried in a folded domain".

Predicted disorder (0-1, the mean over the window): ``> 0.5`` (:data:`DISORDER_CUTOFF`,
metapredict's cut-off) is disordered. It is reported beside the pLDDT; the pLDDT band
decides the wording, and a disagreement between the two is said in words.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nesscan.consensus import HYDROPHOBIC

#: Mean predicted pLDDT below this: predicted disordered (AlphaFold's "very low" band).
PLDDT_DISORDERED = 50.0
#: Mean predicted pLDDT above this: predicted ordered (AlphaFold's "confident" bands).
PLDDT_ORDERED = 70.0
#: Mean predicted disorder above this: disordered (metapredict's cut-off).
DISORDER_CUTOFF = 0.5
#: Said instead of the order part when no predicted track is available.
NO_ORDER = "no predicted order"


def _anchor_list(anchors: str | Sequence[int] | None) -> list[int]:
    if anchors is None:
        return []
    if isinstance(anchors, str):
        return [int(a) for a in anchors.split(",") if a.strip()]
    return [int(a) for a in anchors]


def consensus_words(nes_class: str | None, anchors: str | Sequence[int] | None, sequence: str,
                    offset: int = 1) -> str:
    """The class-and-anchors part, e.g. ``class 1a match L39-L43-L46-I48 (anchors 39, 43,
    46, 48), 4 of 4 anchors hydrophobic``.

    Parameters
    ----------
    nes_class
        Kosugi class (``"no consensus"`` or empty when none matched).
    anchors
        1-based residue numbers (comma-separated string or ints), in the numbering of
        ``sequence`` shifted by ``offset``.
    sequence
        The residues the anchors index: the whole protein (``offset=1``) or a window whose
        first residue is number ``offset``.

    Examples
    --------
    >>> consensus_words("1a", "5,9,12,14", "NSNELALKLAGLDIN")
    'class 1a match L5-L9-L12-I14 (anchors 5, 9, 12, 14), 4 of 4 anchors hydrophobic'
    >>> consensus_words("1a", "124,128", "NSNELALKL", offset=120)
    'class 1a match L124-L128 (anchors 124, 128), 2 of 2 anchors hydrophobic'
    >>> consensus_words("no consensus", "", "AAAA")
    'no Kosugi consensus match'
    """
    positions = _anchor_list(anchors)
    if not nes_class or nes_class == "no consensus" or not positions:
        return "no Kosugi consensus match"
    letters = [sequence[p - offset] if 0 <= p - offset < len(sequence) else "?" for p in positions]
    hydro = sum(c in HYDROPHOBIC for c in letters)
    motif = "-".join(f"{c}{p}" for c, p in zip(letters, positions))
    return (f"class {nes_class} match {motif} (anchors {', '.join(map(str, positions))}), "
            f"{hydro} of {len(positions)} anchors hydrophobic")


def order_words(plddt: float | None, disorder: float | None = None) -> str:
    """The predicted-order part, from the window's mean predicted pLDDT (0-100) and
    disorder (0-1); see the module docstring for the bands.

    Examples
    --------
    >>> order_words(48.2, 0.71)
    'predicted disordered (pLDDT 48, disorder 0.71): accessible'
    >>> order_words(62.0)
    'low-confidence order (pLDDT 62): possibly accessible'
    >>> order_words(88.0, 0.62)
    'predicted ordered (pLDDT 88, disorder 0.62): may be buried in a folded domain (but disorder > 0.5 calls it disordered)'
    >>> order_words(None)
    'no predicted order'
    """
    if plddt is None or not np.isfinite(plddt):
        return NO_ORDER
    values = f"pLDDT {plddt:.0f}" + ("" if disorder is None else f", disorder {disorder:.2f}")
    disordered = None if disorder is None else disorder > DISORDER_CUTOFF
    if plddt < PLDDT_DISORDERED:
        text = f"predicted disordered ({values}): accessible"
        if disordered is False:
            text += " (but disorder ≤ 0.5 calls it ordered)"
    elif plddt <= PLDDT_ORDERED:
        text = f"low-confidence order ({values}): possibly accessible"
    else:
        text = f"predicted ordered ({values}): may be buried in a folded domain"
        if disordered:
            text += " (but disorder > 0.5 calls it disordered)"
    return text


def window_mean(track: np.ndarray | None, start: int, end: int) -> float | None:
    """Mean of a per-residue track over residues ``start..end`` (1-based inclusive), or None."""
    if track is None or len(track) < end or start < 1:
        return None
    return float(np.mean(np.asarray(track, float)[start - 1:end]))


def explain(nes_class: str | None, anchors: str | Sequence[int] | None, sequence: str, start: int, end: int,
            plddt: np.ndarray | None = None, disorder: np.ndarray | None = None, offset: int = 1,
            missing: str = NO_ORDER) -> str:
    """A candidate call in words: :func:`consensus_words`; :func:`order_words`.

    Parameters
    ----------
    nes_class, anchors
        The candidate's Kosugi class and anchor residues (1-based protein numbering).
    sequence
        The protein (``offset=1``) or the candidate's window (``offset=start``).
    start, end
        The best window, 1-based inclusive protein residues.
    plddt, disorder
        Whole-protein per-residue predicted pLDDT (0-100) and disorder (0-1), or None.
    missing
        The order part when ``plddt`` is None (e.g. ``"no predicted order: FASTA not found"``).

    Examples
    --------
    >>> explain("1a", "5,9,12,14", "NSNELALKLAGLDIN", 1, 15, np.full(15, 40.0), np.full(15, 0.8))
    'class 1a match L5-L9-L12-I14 (anchors 5, 9, 12, 14), 4 of 4 anchors hydrophobic; predicted disordered (pLDDT 40, disorder 0.80): accessible'
    >>> explain("1a", "5,9,12,14", "NSNELALKLAGLDIN", 1, 15, missing="no predicted order: FASTA not found")
    'class 1a match L5-L9-L12-I14 (anchors 5, 9, 12, 14), 4 of 4 anchors hydrophobic; no predicted order: FASTA not found'
    """
    head = consensus_words(nes_class, anchors, sequence, offset)
    p = window_mean(plddt, start, end)
    tail = missing if p is None else order_words(p, window_mean(disorder, start, end))
    return f"{head}; {tail}"


def order_tracks(sequence: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted pLDDT (0-100) and disorder (0-1) per residue of one protein: one metapredict
    call per network (:class:`nesscan.features.metapredict.MetapredictTrack`, which memoises
    by sequence, so the default model's own pLDDT feature call is reused). Values are
    metapredict's rounded to 0.1 pLDDT and 0.001 disorder."""
    from nesscan.features.metapredict import MetapredictTrack

    (plddt,) = MetapredictTrack("plddt").embed([sequence])
    (disorder,) = MetapredictTrack("disorder").embed([sequence])
    return (np.round(plddt[:, 0].astype(np.float64) * 100.0, 1), np.round(disorder[:, 0].astype(np.float64), 3))
