"""In-silico mutational scans of an NES: each residue of a range substituted on its own, the
whole mutant protein rescored (:mod:`nesscan.design.rescore`).

:func:`alanine_scan` writes one row per (position, new residue) with the columns
:data:`COLUMNS`; ``delta`` (after minus before) below zero means the substitution weakens the
NES. :func:`saturation_scan` is the same with every other standard residue. ``nesscan mutate
--design`` writes the alanine scan of its target as ``importance.csv``.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from nesscan.design.rescore import AMINO_ACIDS, Rescorer, Substitution, hgvs
from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein

COLUMNS = ["position", "wt", "mut", "substitution", "anchor", "window_score_before", "window_score_after",
           "delta", "call_score_before", "call_score_after", "call_score_delta", "call_before", "call_after"]
"""The columns of a scan (``importance.csv``), in order."""


def as_protein(sequence: str | Protein, accession: str = "query") -> Protein:
    """A :class:`~nesscan.records.Protein` from a sequence or a protein (upper case)."""
    if isinstance(sequence, Protein):
        return sequence
    return Protein(accession, str(sequence).strip().upper())


def core_range(start: int, end: int, best_start: int, window: int) -> tuple[int, int]:
    """Where the target's anchors are looked for, 1-based inclusive: the range itself when it is
    8 (the shortest Kosugi span) to ``window`` residues long, else the best window hitting it
    (first residue ``best_start``; a shorter range lies inside it, a longer one shares at least 8
    residues with it).

    >>> core_range(38, 47, 30, 22), core_range(289, 291, 280, 22), core_range(246, 316, 290, 22)
    ((38, 47), (280, 301), (290, 311))
    """
    if 8 <= end - start + 1 <= window or best_start < 1:
        return start, end
    return best_start, best_start + window - 1


def target_anchors(sequence: str, start: int, end: int, best_start: int, window: int) -> list[int]:
    """The hydrophobic anchors of the target, 1-based: the four of the Kosugi consensus match
    (:func:`nesscan.consensus.best_class`) in its :func:`core_range`; without a match, every
    L/I/V/F/M of that range.

    >>> target_anchors("MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEE", 38, 47, 30, 22)  # PKI-alpha
    [38, 42, 45, 47]
    """
    from nesscan.consensus import HYDROPHOBIC, best_class

    lo, hi = core_range(start, end, best_start, window)
    match = best_class(sequence[lo - 1:hi])
    if match is not None:
        return sorted(lo + a for a in match.anchors)
    return [i for i in range(lo, hi + 1) if sequence[i - 1] in HYDROPHOBIC]


def scan_rows(rescorer: Rescorer, positions: Sequence[int], residues: str) -> pd.DataFrame:
    """The scan of ``positions`` with each letter of ``residues`` (the wild-type letter skipped)."""
    wt = rescorer.wild_type
    seq = rescorer.protein.sequence
    anchors = set(target_anchors(seq, rescorer.start, rescorer.end, wt.best_start, rescorer.model.window))
    variants: list[list[Substitution]] = [[(p, seq[p - 1], r)] for p in positions for r in residues
                                          if r != seq[p - 1]]
    rows = []
    for v in rescorer.score(variants):
        (pos, old, new), = v.substitutions
        rows.append({"position": pos, "wt": old, "mut": new, "substitution": hgvs(v.substitutions),
                     "anchor": pos in anchors, "window_score_before": wt.window_score,
                     "window_score_after": v.window_score, "delta": v.window_score - wt.window_score,
                     "call_score_before": wt.call_score, "call_score_after": v.call_score,
                     "call_score_delta": v.call_score - wt.call_score, "call_before": wt.target_call,
                     "call_after": v.target_call})
    return pd.DataFrame(rows, columns=COLUMNS)


def alanine_scan(sequence: str | Protein, start: int, end: int, model: Predictor, residues: str = "A"
                 ) -> pd.DataFrame:
    """Substitute each residue of ``start..end`` by each of ``residues`` and rescore the protein.

    Parameters
    ----------
    sequence
        The protein (a sequence or a :class:`~nesscan.records.Protein`).
    start, end
        The range scanned and scored, 1-based inclusive (an NES, or a candidate's window).
    model
        A loaded model (:func:`nesscan.load_model`).
    residues
        The new residues (default alanine); a position whose wild type is one of them gets no
        row for that letter.

    Returns
    -------
    pandas.DataFrame
        One row per substitution, columns :data:`COLUMNS`: ``position`` (1-based), ``wt``,
        ``mut``, ``substitution`` (HGVS, ``p.L348A``), ``anchor`` (a hydrophobic anchor of the
        target, :func:`target_anchors`), the target's best window score before and after and
        their ``delta``, the same for its call score (window score x cargo probability), and
        the target's call before and after (:class:`nesscan.design.rescore.VariantScore`).

    Raises
    ------
    NesscanError
        A range outside the protein, a protein shorter than the window, or a letter that is
        not a standard residue.

    Examples
    --------
    The NES of PKI-alpha (``LALKLAGLDI``, residues 38-47), its strongest drops first (a few
    seconds: each mutant is a whole protein through the model)::

        import nesscan
        from nesscan.design import alanine_scan

        pki = "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES"
        scan = alanine_scan(pki, 38, 47, nesscan.load_model())
        print(scan.sort_values("delta")[["substitution", "anchor", "delta"]].head())
    """
    residues = residues.upper()
    if not residues or any(r not in AMINO_ACIDS for r in residues):
        raise NesscanError(f"residues {residues!r}: give standard one-letter residues ({AMINO_ACIDS})")
    rescorer = Rescorer(model, as_protein(sequence), start, end)
    return scan_rows(rescorer, range(start, end + 1), residues)


def saturation_scan(sequence: str | Protein, start: int, end: int, model: Predictor) -> pd.DataFrame:
    """Every other standard residue at each position of ``start..end`` (19 rows a position):
    :func:`alanine_scan` with ``residues`` the 20 standard residues."""
    return alanine_scan(sequence, start, end, model, residues=AMINO_ACIDS)
