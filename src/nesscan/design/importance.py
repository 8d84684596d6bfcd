"""Per-residue importance of a screen's top calls: the alanine scan of each called window
(:func:`nesscan.design.alanine_scan`), written as ``importance.csv`` beside ``candidates.csv``.

The windows scanned are the first :data:`TOP_CALLS` rows of ``candidates.csv`` whose ``call``
is "called" (the file's order: lowest ``call_q_value`` first), the "top called windows" of the
report (:func:`nesscan.report.headline.top_calls`). Each residue of a window is changed to
alanine on its own and the whole mutant protein rescored; a residue that is an alanine has no
row. A screen without calls writes the header only.
"""

from __future__ import annotations

import os
from typing import Iterable

import pandas as pd

from nesscan.design.scan import COLUMNS as SCAN_COLUMNS
from nesscan.predictor import Predictor
from nesscan.records import Protein

#: The most called windows scanned (the report's top-called table shows as many).
TOP_CALLS = 10
#: The columns of a screen's ``importance.csv``, in order: the candidate, then the scan's.
COLUMNS = ["accession", "start", "end", *SCAN_COLUMNS]


def top_called(candidates: pd.DataFrame, n: int = TOP_CALLS) -> pd.DataFrame:
    """The first ``n`` rows of ``candidates`` (``candidates.csv`` order) whose ``call`` is "called"."""
    if "call" not in candidates.columns:
        return candidates.iloc[:0]
    return candidates[candidates["call"].astype(str) == "called"].head(n)


def importance_table(candidates: pd.DataFrame, proteins: dict[str, list[Protein]], model: Predictor,
                     n: int = TOP_CALLS) -> pd.DataFrame:
    """The alanine scan of each of the :func:`top_called` windows of ``candidates``.

    Parameters
    ----------
    candidates
        A screen's candidates (``candidates.csv``: ``call``, ``accession``, ``start``, ``end``
        1-based inclusive), in the file's order.
    proteins
        The proteins by accession (at least those of the calls scanned); of an accession
        repeated in the FASTA, the one whose residues ``start..end`` are the call's ``sequence``.
    model
        The model that screened them.
    n
        How many calls to scan.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: the call's ``accession``, ``start``, ``end``, then one row per
        residue of its window as :func:`nesscan.design.alanine_scan` gives it, the calls in
        ``candidates``' order, positions ascending.
    """
    from nesscan.design.scan import alanine_scan

    parts = []
    for _, row in top_called(candidates, n).iterrows():
        acc, start, end = str(row["accession"]), int(row["start"]), int(row["end"])
        seq = str(row.get("sequence", ""))
        mine = [p for p in proteins[acc] if p.sequence[start - 1:end] == seq] or proteins[acc]
        scan = alanine_scan(mine[0], start, end, model)
        parts.append(scan.assign(accession=acc, start=start, end=end)[COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def proteins_of(fasta: str | os.PathLike, accessions: Iterable[str]) -> dict[str, list[Protein]]:
    """The proteins of ``fasta`` whose accession is one of ``accessions``, by accession (every
    record of a repeated accession, in file order)."""
    from nesscan.io.fasta import iter_fasta

    wanted, out = set(accessions), {}
    if wanted:
        for p in iter_fasta(fasta):
            if p.accession in wanted:
                out.setdefault(p.accession, []).append(p)
    return out


def screen_importance(candidates: pd.DataFrame, fasta: str | os.PathLike, model: Predictor,
                      n: int = TOP_CALLS) -> pd.DataFrame:
    """:func:`importance_table` of a screen of ``fasta`` (its sequences read from the file)."""
    accessions = top_called(candidates, n)["accession"].astype(str)
    return importance_table(candidates, proteins_of(fasta, accessions), model, n)
