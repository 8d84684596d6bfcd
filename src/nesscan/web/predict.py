"""The web page's predict form: pasted text -> proteins -> :func:`nesscan.api.predict`.

The page and ``POST /api/predict`` call :func:`predict`, which parses the pasted text within
the limits below and scores it through :func:`nesscan.screen.few_proteins.predict_proteins`,
the same function as :func:`nesscan.api.predict` and ``nesscan predict`` (the numbers are
the same). The text is a FASTA (any header style :func:`nesscan.io.fasta.parse_header`
reads) or one bare sequence; the sequences follow the FASTA reader's rules
(:func:`nesscan.io.fasta.iter_fasta`).

Coordinates: window ``i`` of ``Prediction.scores`` (0-based index) covers residues
``i + 1 .. i + window`` (1-based inclusive), as in ``windows.parquet`` of a screen.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from nesscan.errors import InputError, NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein
from nesscan.screen.few_proteins import CANDIDATE_COLUMNS, Prediction, predict_proteins, residue_track

__all__ = ["MAX_SEQUENCE_LENGTH", "MAX_RECORDS", "MAX_TOTAL_RESIDUES", "BARE_ACCESSION", "TooLarge", "Prediction",
           "parse_text", "predict", "residue_track", "candidates_frame", "residues_frame"]

#: Longest protein accepted, in residues (titin, the longest human protein, has 34,350;
#: 10,000 covers >99.9% of UniProtKB/Swiss-Prot).
MAX_SEQUENCE_LENGTH = 10_000
#: Most FASTA records in one request.
MAX_RECORDS = 100
#: Most residues, all records together, in one request.
MAX_TOTAL_RESIDUES = 100_000
#: Accession given to a bare sequence pasted without a FASTA header.
BARE_ACCESSION = "query"
#: How the pasted text is named in error messages.
SOURCE = "pasted text"


class TooLarge(NesscanError):
    """The input exceeds one of the limits above (HTTP 413)."""


def parse_text(text: str) -> list[Protein]:
    """Proteins of a pasted FASTA text, or of one bare sequence.

    Parameters
    ----------
    text
        FASTA records, or a sequence without a header (then named
        :data:`BARE_ACCESSION`). Whitespace and one trailing ``*`` per record are dropped,
        letters are upper-cased.

    Raises
    ------
    NesscanError
        Empty input, an empty record, a header without an id, a duplicate id, or an
        invalid residue (the message names the record, the letter and its 1-based
        position); :class:`TooLarge` past :data:`MAX_RECORDS`,
        :data:`MAX_SEQUENCE_LENGTH` or :data:`MAX_TOTAL_RESIDUES`.

    Examples
    --------
    >>> [p.accession for p in parse_text(">sp|P1|A_HUMAN a\\nMKV\\nLL\\n>P2\\nGG*")]
    ['P1', 'P2']
    >>> parse_text("mkv ll")[0].sequence
    'MKVLL'
    """
    from nesscan.io.fasta import AMINO_ACIDS, iter_fasta

    text = text.replace("\r", "").strip()
    if not text:
        raise NesscanError("empty input: paste a protein sequence or FASTA records")
    bare = not text.startswith(">")
    if bare:
        text = f">{BARE_ACCESSION}\n{text}"
    if text.count("\n>") + 1 > MAX_RECORDS:
        raise TooLarge(f"more than {MAX_RECORDS} records: paste at most {MAX_RECORDS} proteins at a time")
    proteins, total = [], 0
    try:
        for p in iter_fasta(io.StringIO(text)):
            if len(p.sequence) > MAX_SEQUENCE_LENGTH:
                raise TooLarge(f"{SOURCE}, record {p.accession}: {len(p.sequence):,} residues, more than the "
                               f"limit of {MAX_SEQUENCE_LENGTH:,}")
            total += len(p.sequence)
            if total > MAX_TOTAL_RESIDUES:
                raise TooLarge(f"more than {MAX_TOTAL_RESIDUES:,} residues in all: paste fewer proteins")
            proteins.append(p)
    except InputError as exc:
        where = SOURCE if exc.record is None else "the pasted sequence" if bare else f"record {exc.record}"
        hint = f" (allowed: {AMINO_ACIDS}, any case)" if exc.message.startswith("invalid residue") else ""
        raise NesscanError(f"{where}: {exc.message}{hint}") from None
    return proteins


def predict(text: str, model: Predictor, threshold: float | None = None, order: bool = True) -> list[Prediction]:
    """Score every window of the pasted proteins and report their candidate NESs and calls.

    Parameters
    ----------
    text
        FASTA records or one bare sequence (see :func:`parse_text`).
    model
        A loaded :class:`~nesscan.predictor.Predictor`.
    threshold
        Candidate threshold (0-1); the model's calibrated threshold when None.
    order
        Compute the predicted pLDDT and disorder tracks and explain each candidate with them.

    Returns
    -------
    list of Prediction
        One per record, in input order (:class:`nesscan.api.Prediction`).

    Raises
    ------
    NesscanError
        Bad input (see :func:`parse_text`) or a threshold outside 0-1.
    """
    return predict_proteins(parse_text(text), model, threshold, order=order)


def candidates_frame(predictions: list[Prediction]) -> pd.DataFrame:
    """The candidate rows of all predictions as one table (:data:`nesscan.api.CANDIDATE_COLUMNS`),
    in input order then by position."""
    return pd.DataFrame([row for p in predictions for row in p.candidates], columns=CANDIDATE_COLUMNS)


def residues_frame(predictions: list[Prediction]) -> pd.DataFrame:
    """One row per residue: ``accession``, ``position`` (1-based), ``residue``, ``score``
    (the residue track, see :attr:`Prediction.track`), ``in_candidate`` (inside the best
    window of a candidate), ``predicted_plddt`` (0-100) and ``predicted_disorder`` (0-1)
    (metapredict, :func:`nesscan.explain.order_tracks`; empty when not computed)."""
    frames = []
    for p in predictions:
        if not len(p.track):
            continue
        inside = np.zeros(len(p.track), bool)
        for row in p.candidates:
            inside[row["start"] - 1:row["end"]] = True
        frames.append(pd.DataFrame({"accession": p.protein.accession, "position": np.arange(1, len(p.track) + 1),
                                    "residue": list(p.protein.sequence), "score": p.track,
                                    "in_candidate": inside,
                                    "predicted_plddt": _or_nan(p.plddt, len(p.track)),
                                    "predicted_disorder": _or_nan(p.disorder, len(p.track))}))
    if not frames:
        return pd.DataFrame(columns=["accession", "position", "residue", "score", "in_candidate",
                                     "predicted_plddt", "predicted_disorder"])
    return pd.concat(frames, ignore_index=True)


def _or_nan(values: np.ndarray, n: int) -> np.ndarray:
    return np.asarray(values, float) if len(values) == n else np.full(n, np.nan)
