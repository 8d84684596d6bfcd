"""Per-candidate annotation: Kosugi NES class with its anchor residues, and q-values.

Columns added to a candidate table (``candidates.csv`` of :mod:`nesscan.screen.scan`):

``nes_class`` (str)
    The preferred Kosugi consensus class matched inside the candidate window (``1a``,
    ``1b``, ``1c``, ``1d``, ``2``, ``3``, or a reverse class ``1a-R`` ... ``1d-R``;
    choice rule: :func:`nesscan.consensus.best_class`), or ``"no consensus"``.
``anchors`` (str)
    The four hydrophobic anchor residues of that match as comma-separated 1-based
    residue numbers of the *protein*, ascending (N to C), e.g. ``"124,128,131,133"``;
    ``""`` when there is no consensus.
``q_value`` (float)
    Added by :func:`add_q_values` only: the candidate score's target-decoy q-value
    (:mod:`nesscan.screen.fdr_binned`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

NO_CONSENSUS = "no consensus"
"""The class reported for a window that matches no consensus class."""


def nes_class(window_seq: str) -> tuple[str, str]:
    """Kosugi class of a window and its anchor positions within the window.

    Parameters
    ----------
    window_seq
        Upper-case amino-acid sequence (a 22-residue window, or any length).

    Returns
    -------
    tuple of str
        ``(class name, anchors)``: anchors are the four Φ positions, 1-based within
        ``window_seq``, ascending, comma-separated; ``("no consensus", "")`` when no
        class matches.

    Examples
    --------
    >>> nes_class("NSNELALKLAGLDIN")  # PKI NES, class 1a
    ('1a', '5,9,12,14')
    >>> nes_class("AAAAAAAAAAAAAAAAAAAAAA")
    ('no consensus', '')
    """
    match = _best(window_seq)
    if match is None:
        return NO_CONSENSUS, ""
    return match.nes_class, ",".join(str(a + 1) for a in sorted(match.anchors))


def _best(seq: str):
    from nesscan.consensus import best_class

    return best_class(seq.upper())


def annotate_candidates(candidates: pd.DataFrame) -> pd.DataFrame:
    """Add ``nes_class`` and ``anchors`` (1-based protein residues) to a candidate table.

    Parameters
    ----------
    candidates
        A table with ``start`` (1-based first residue of the window in its protein)
        and ``sequence`` (the window), e.g. ``candidates.csv`` of a screen.

    Returns
    -------
    pandas.DataFrame
        A copy of ``candidates`` with the two columns described in the module
        docstring (same index and row order).

    Examples
    --------
    >>> table = pd.DataFrame({"start": [120], "sequence": ["NSNELALKLAGLDIN"]})
    >>> annotate_candidates(table)[["nes_class", "anchors"]].values.tolist()
    [['1a', '124,128,131,133']]
    """
    missing = {"start", "sequence"} - set(candidates.columns)
    if missing:
        raise ValueError(f"candidate table lacks column(s) {sorted(missing)}")
    classes, anchors = [], []
    for start, seq in zip(candidates["start"].to_numpy(), candidates["sequence"].astype(str)):
        match = _best(seq)
        if match is None:
            classes.append(NO_CONSENSUS)
            anchors.append("")
        else:
            classes.append(match.nes_class)
            anchors.append(",".join(str(int(start) + a) for a in sorted(match.anchors)))
    out = candidates.copy()
    out["nes_class"] = pd.Series(classes, index=candidates.index, dtype=object)
    out["anchors"] = pd.Series(anchors, index=candidates.index, dtype=object)
    return out


def add_q_values(candidates: pd.DataFrame, q_of_score: Callable[[np.ndarray], np.ndarray],
                 score_column: str = "score") -> pd.DataFrame:
    """Add a ``q_value`` column computed from each candidate's score.

    Parameters
    ----------
    candidates
        A table with a score column.
    q_of_score
        Maps an array of scores to their q-values, e.g. ``curve.q_of`` of a
        :class:`nesscan.screen.fdr_binned.BinnedFdrCurve` built from the screen's target and decoy scores.
    score_column
        Name of the score column.

    Returns
    -------
    pandas.DataFrame
        A copy with ``q_value`` (float64).

    Examples
    --------
    >>> table = pd.DataFrame({"score": [0.99, 0.5]})
    >>> add_q_values(table, lambda s: 1.0 - s)["q_value"].round(2).tolist()
    [0.01, 0.5]
    """
    scores = candidates[score_column].to_numpy(dtype=np.float64)
    q = np.asarray(q_of_score(scores), dtype=np.float64).reshape(-1)
    if len(q) != len(scores):
        raise ValueError(f"q_of_score returned {len(q)} values for {len(scores)} scores")
    out = candidates.copy()
    out["q_value"] = q
    return out
