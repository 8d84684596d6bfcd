"""Predict the NESs of pasted proteins: text -> proteins -> window scores -> candidates.

The web page and ``POST /api/predict`` call :func:`predict`. The text is a FASTA (any
header style :func:`nesscan.io.fasta.parse_header` reads) or one bare sequence; the
sequences follow the FASTA reader's rules (:func:`nesscan.io.fasta.check_sequence`).

Coordinates: window ``i`` of ``Prediction.scores`` (0-based index) covers residues
``i + 1 .. i + window`` (1-based inclusive), as in ``windows.parquet`` of a screen.
Candidate rows use the columns of ``candidates.csv`` (:mod:`nesscan.screen.scan`) without
``q_value``: a single pasted protein has no decoys to estimate it from.

With a model that has a protein model (:attr:`nesscan.predictor.Predictor.protein_model`),
each protein also gets its ``cargo_probability`` and ``protein_score``
(:meth:`~nesscan.predictor.Predictor.score_protein_level`, one call per request, as a
screen computes them); None without one, or for a protein shorter than the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein

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


@dataclass(frozen=True)
class Prediction:
    """The scores of one pasted protein.

    Attributes
    ----------
    protein
        The parsed record.
    scores
        One NES probability (0-1) per window, ``len(sequence) - window + 1`` of them;
        empty for a protein shorter than the window.
    track
        One value per residue: the highest score of the windows that cover the
        residue (residue ``r``, 1-based, is covered by windows ``r - window + 1 .. r``);
        empty for a protein shorter than the window.
    candidates
        One dict per candidate region (runs of windows at or above the threshold),
        columns of ``candidates.csv`` less ``q_value``, by position.
    known
        The model's known NES ranges of this accession: dicts ``start``, ``end``
        (1-based inclusive) and ``nes_ids``.
    threshold, window
        The threshold used and the model's window length (residues).
    plddt, disorder
        Sequence-predicted pLDDT (0-100) and disorder (0-1) per residue (metapredict, one
        call per protein: :func:`order_tracks`); empty when not computed.
    cargo_probability, protein_score
        P(CRM1 cargo) from the whole protein, and that combined with the window evidence
        (0-1, :mod:`nesscan.model.cargo`); None when the model has no protein model or the
        protein no window.
    where
        The compartment gate's view (:mod:`nesscan.localisation.model`): ``tm_helices``,
        ``signal_peptide``, ``mito_presequence``, ``compartment``, and the protein call:
        ``cargo_p_value`` (the protein score against the model's fixed null),
        ``cargo_q_value_batch`` (over the proteins of this request) and ``call_status``, as
        in ``proteins.csv``; empty for a protein without a window.
    """

    protein: Protein
    scores: np.ndarray
    track: np.ndarray
    candidates: list[dict] = field(default_factory=list)
    known: list[dict] = field(default_factory=list)
    threshold: float = 0.5
    window: int = 22
    plddt: np.ndarray = field(default_factory=lambda: np.zeros(0))
    disorder: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cargo_probability: float | None = None
    protein_score: float | None = None
    where: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``"ok"``, or ``"shorter_than_window"`` when the protein has no window."""
        return "ok" if len(self.scores) else "shorter_than_window"


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
    from nesscan.errors import InputError
    from nesscan.io.fasta import AMINO_ACIDS, check_sequence, parse_header

    text = text.replace("\r", "").strip()
    if not text:
        raise NesscanError("empty input: paste a protein sequence or FASTA records")
    bare = not text.startswith(">")
    if bare:
        text = f">{BARE_ACCESSION}\n{text}"
    records: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith(">"):
            records.append((line, []))
            if len(records) > MAX_RECORDS:
                raise TooLarge(f"more than {MAX_RECORDS} records: paste at most {MAX_RECORDS} proteins at a time")
        elif line:
            records[-1][1].append(line)
    proteins, seen, total = [], set(), 0
    for header, lines in records:
        h = parse_header(header)
        if not h.accession:
            raise InputError(SOURCE, None, f"header without an id ({header[:40]!r})")
        if h.accession in seen:
            raise InputError(SOURCE, h.accession, "duplicate id")
        seen.add(h.accession)
        try:
            sequence = check_sequence("".join(lines), SOURCE, h.accession)
        except InputError as exc:
            where = "the pasted sequence" if bare else f"record {h.accession}"
            hint = f" (allowed: {AMINO_ACIDS}, any case)" if exc.message.startswith("invalid residue") else ""
            raise NesscanError(f"{where}: {exc.message}{hint}") from None
        if len(sequence) > MAX_SEQUENCE_LENGTH:
            raise TooLarge(f"{SOURCE}, record {h.accession}: {len(sequence):,} residues, more than the "
                           f"limit of {MAX_SEQUENCE_LENGTH:,}")
        total += len(sequence)
        if total > MAX_TOTAL_RESIDUES:
            raise TooLarge(f"more than {MAX_TOTAL_RESIDUES:,} residues in all: paste fewer proteins")
        proteins.append(Protein(h.accession, sequence, h.entry_name, h.gene, h.description, h.organism))
    return proteins


def residue_track(scores: np.ndarray, window: int) -> np.ndarray:
    """Per-residue score: the maximum over the windows covering each residue.

    Parameters
    ----------
    scores
        Window scores, window ``i`` covering residues ``i + 1 .. i + window`` (1-based
        inclusive; the slice ``sequence[i:i + window]``).
    window
        Window length in residues.

    Returns
    -------
    numpy.ndarray
        ``len(scores) + window - 1`` values (float64); empty when ``scores`` is.

    Examples
    --------
    >>> residue_track(np.array([0.1, 0.9, 0.2]), 2).tolist()
    [0.1, 0.9, 0.9, 0.2]
    """
    if len(scores) == 0:
        return np.zeros(0)
    padded = np.concatenate([np.full(window - 1, -np.inf), np.asarray(scores, float), np.full(window - 1, -np.inf)])
    return np.lib.stride_tricks.sliding_window_view(padded, window).max(axis=1)


def order_tracks(sequence: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted pLDDT (0-100) and disorder (0-1) per residue: :func:`nesscan.explain.order_tracks`."""
    from nesscan.explain import order_tracks as tracks

    return tracks(sequence)


def explain_candidates(rows: list[dict], sequence: str, plddt: np.ndarray | None,
                       disorder: np.ndarray | None) -> list[dict]:
    """The candidate rows with an ``explanation`` (:func:`nesscan.explain.explain`)."""
    from nesscan.explain import explain

    return [{**r, "explanation": explain(r.get("nes_class"), r.get("anchors"), sequence, int(r["start"]),
                                         int(r["end"]), plddt, disorder)} for r in rows]


def predict(text: str, model: Predictor, threshold: float | None = None, order: bool = True) -> list[Prediction]:
    """Score every window of the pasted proteins and report their candidate NESs.

    Parameters
    ----------
    text
        FASTA records or one bare sequence (see :func:`parse_text`).
    model
        A loaded :class:`~nesscan.predictor.Predictor`.
    threshold
        Candidate threshold (0-1); the model's calibrated threshold when None.
    order
        Compute the predicted pLDDT and disorder tracks (:func:`order_tracks`) and explain
        each candidate with them; when False the explanation says "no predicted order".

    Returns
    -------
    list of Prediction
        One per record, in input order.

    Raises
    ------
    NesscanError
        Bad input (see :func:`parse_text`) or a threshold outside 0-1.
    """
    from nesscan.screen.annotate import annotate_candidates
    from nesscan.screen.scan import candidate_regions

    threshold = model.threshold if threshold is None else float(threshold)
    if not 0.0 <= threshold <= 1.0:
        raise NesscanError(f"threshold {threshold} is outside 0-1")
    proteins = parse_text(text)
    window = model.window
    scored = [p for p in proteins if len(p.sequence) >= window]
    scores = dict(zip((p.accession for p in scored), model.score_proteins(scored)))
    level = protein_level_scores(model, scored, [scores[p.accession] for p in scored])
    gate = protein_calls(model, scored, level)
    known = model.known_nes
    out = []
    for p in proteins:
        s = scores.get(p.accession, np.zeros(0))
        known_here = known[known.accession == p.accession]
        known_here = known_here if len(known_here) else None
        rows = candidate_regions(p, s, threshold, window, known_here) if len(s) else []
        plddt, disorder = order_tracks(p.sequence) if order else (None, None)
        cargo, protein = level.get(p.accession, (None, None))
        where = gate.get(p.accession, {})
        for row in rows:
            row["cargo_probability"], row["protein_score"] = cargo, protein
        if rows:
            rows = annotate_candidates(pd.DataFrame(rows)).to_dict("records")
            rows = explain_candidates(rows, p.sequence, plddt, disorder)
        ranges = [] if known_here is None else [
            {"start": int(a), "end": int(b), "nes_ids": str(i)}
            for a, b, i in zip(known_here.start_1b, known_here.end_1b, known_here.nes_ids)]
        tracks = {"plddt": plddt, "disorder": disorder} if order else {}
        out.append(Prediction(p, np.asarray(s, float), residue_track(s, window), rows, ranges, threshold, window,
                              cargo_probability=cargo, protein_score=protein, where=where, **tracks))
    return out


def protein_level_scores(model: Predictor, proteins: list[Protein], scores: list[np.ndarray]
                         ) -> dict[str, tuple[float | None, float | None]]:
    """Accession -> ``(cargo_probability, protein_score)`` of proteins with windows
    (:meth:`~nesscan.predictor.Predictor.score_protein_level`); None for a value the model
    cannot give (no protein model)."""
    if not proteins or model.protein_model is None:
        return {}
    cargo, protein = model.score_protein_level(proteins, scores)
    return {p.accession: tuple(float(v) if np.isfinite(v) else None for v in (c, q))
            for p, c, q in zip(proteins, cargo, protein)}


def protein_calls(model: Predictor, proteins: list[Protein],
                  level: dict[str, tuple[float | None, float | None]]) -> dict[str, dict]:
    """Accession -> the compartment gate's columns and the protein call of proteins with
    windows (``tm_helices``, ``signal_peptide``, ``mito_presequence``, ``compartment``,
    ``cargo_p_value``, ``cargo_q_value_batch``, ``call_status``: see ``proteins.csv``); the
    batch is the proteins given."""
    from nesscan.length_null import cargo_p_values
    from nesscan.model.cargo import call_status
    from nesscan.stats import bh_q_values

    if not proteins:
        return {}
    gate = model.compartment.predict([p.sequence for p in proteins])
    scores = np.array([np.nan if level.get(p.accession, (None, None))[1] is None else level[p.accession][1]
                       for p in proteins], np.float64)
    assessed = np.isfinite(scores) & (gate.gate_reason.to_numpy() == "")
    pvals = np.full(len(proteins), np.nan)
    if model.protein_model is not None:
        pvals[assessed] = cargo_p_values(scores[assessed], model.protein_model.null)
    qvals = bh_q_values(pvals)
    status = call_status(gate.gate_reason.to_numpy(), scores, qvals, np.ones(len(proteins), bool))
    out = {}
    for i, p in enumerate(proteins):
        out[p.accession] = {"tm_helices": int(gate.tm_helices[i]), "signal_peptide": float(gate.signal_peptide[i]),
                            "mito_presequence": float(gate.mito_presequence[i]),
                            "compartment": str(gate.compartment[i]),
                            "cargo_p_value": None if np.isnan(pvals[i]) else float(pvals[i]),
                            "cargo_q_value_batch": None if np.isnan(qvals[i]) else float(qvals[i]),
                            "call_status": str(status[i])}
    return out


def candidates_frame(predictions: list[Prediction]) -> pd.DataFrame:
    """The candidate rows of all predictions as one table (``candidates.csv`` columns less
    ``q_value``), in input order then by position."""
    from nesscan.screen.scan import CANDIDATE_COLUMNS

    columns = CANDIDATE_COLUMNS + ["nes_class", "anchors", "explanation"]
    return pd.DataFrame([row for p in predictions for row in p.candidates], columns=columns)


def residues_frame(predictions: list[Prediction]) -> pd.DataFrame:
    """One row per residue: ``accession``, ``position`` (1-based), ``residue``, ``score``
    (the residue track, see :attr:`Prediction.track`), ``in_candidate`` (inside the best
    window of a candidate), ``predicted_plddt`` (0-100) and ``predicted_disorder`` (0-1)
    (metapredict, :func:`order_tracks`; empty when not computed)."""
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
