"""One protein through the model: window scores, where it lives, its protein level and its
candidate regions with their call scores.

:func:`assess_proteins` is the per-protein path of both a proteome screen
(:mod:`nesscan.screen.scan`, one chunk at a time) and of :func:`nesscan.api.predict` (the
``nesscan predict`` command and the web page), so a protein gets the same numbers whichever
way it is scored. Coordinates are 1-based inclusive residues (:mod:`nesscan.records`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nesscan.predictor import Predictor
from nesscan.records import Protein
from nesscan.screen.nulls import call_factor

#: the columns of a candidate row from :func:`assess_proteins` (``candidates.csv`` adds the
#: class, anchors and error rates)
CANDIDATE_COLUMNS = ["accession", "entry_name", "gene", "start", "end", "sequence", "score",
                     "region_start", "region_end", "n_windows", "known_nes", "known_nes_ids", "cargo_probability",
                     "protein_score", "call_score"]


@dataclass
class Assessment:
    """What the model says of one protein.

    Attributes
    ----------
    protein
        The record.
    scores
        One NES probability per window (window ``i`` covers residues ``i + 1 .. i + window``);
        None for a protein shorter than the window.
    cargo_probability, protein_score
        P(CRM1 cargo) from the whole protein, and that combined with the window evidence
        (:mod:`nesscan.model.cargo`); None without a protein model or a window.
    where
        The compartment gate's view (:mod:`nesscan.localisation.model`): ``tm_helices``,
        ``signal_peptide``, ``mito_presequence``, ``compartment`` and ``gate_reason`` ("" when
        the protein is assessed); empty for a protein without a window.
    call_factor
        The protein-level factor of its windows' call scores (:func:`nesscan.screen.nulls.call_factor`).
    candidates
        Candidate regions (:func:`candidate_regions`) with ``cargo_probability``,
        ``protein_score`` and ``call_score``; columns :data:`CANDIDATE_COLUMNS`.
    """

    protein: Protein
    scores: np.ndarray | None
    cargo_probability: float | None = None
    protein_score: float | None = None
    where: dict = field(default_factory=dict)
    call_factor: float = 0.0
    candidates: list[dict] = field(default_factory=list)


def assess_proteins(model: Predictor, proteins: list[Protein], threshold: float,
                    known_by_acc: dict[str, pd.DataFrame] | None = None) -> list[Assessment]:
    """Score ``proteins`` (window scores, protein level, compartment gate, candidates).

    Parameters
    ----------
    model
        A loaded model.
    proteins
        The proteins, scored together (one featurizer batch).
    threshold
        Window score at or above which a window joins a candidate region.
    known_by_acc
        Accession -> its known NES ranges (``start_1b``, ``end_1b``, ``nes_ids``): marks
        candidates ``known_nes``.

    Returns
    -------
    list of Assessment
        One per protein, in input order.
    """
    long_enough = [p for p in proteins if len(p.sequence) >= model.window]
    scores = dict(zip((p.accession for p in long_enough), model.score_proteins(long_enough)))
    return assess_scored(model, proteins, scores, threshold, known_by_acc)


def assess_scored(model: Predictor, proteins: list[Protein], scores: dict[str, np.ndarray], threshold: float,
                  known_by_acc: dict[str, pd.DataFrame] | None = None) -> list[Assessment]:
    """:func:`assess_proteins` of proteins whose windows are scored already: ``scores`` maps
    the accession of each protein at least one window long to its window scores (a variant's
    mutant rescored locally, :mod:`nesscan.variants.rescore`)."""
    window = model.window
    long_enough = [p for p in proteins if p.accession in scores]
    cargo, protein = model.score_protein_level(long_enough, [scores[p.accession] for p in long_enough])
    level = {p.accession: tuple(float(v) if np.isfinite(v) else None for v in (c, q))
             for p, c, q in zip(long_enough, cargo, protein)}
    gate = model.compartment.predict([p.sequence for p in long_enough]) if long_enough else None
    where = {p.accession: dict(tm_helices=int(g.tm_helices), signal_peptide=float(g.signal_peptide),
                               mito_presequence=float(g.mito_presequence), compartment=str(g.compartment),
                               gate_reason=str(g.gate_reason))
             for p, g in zip(long_enough, gate.itertuples() if gate is not None else [])}
    out = []
    for p in proteins:
        s = scores.get(p.accession)
        if s is None:
            out.append(Assessment(p, None))
            continue
        cargo_p, protein_s = level[p.accession]
        factor = call_factor(cargo_p, where[p.accession]["gate_reason"] == "")
        cands = candidate_regions(p, s, threshold, window, (known_by_acc or {}).get(p.accession))
        for c in cands:
            c["cargo_probability"], c["protein_score"] = cargo_p, protein_s
            c["call_score"] = c["score"] * factor
        out.append(Assessment(p, s, cargo_p, protein_s, where[p.accession], factor, cands))
    return out


def candidate_regions(p: Protein, scores: np.ndarray, threshold: float, window: int,
                      known: pd.DataFrame | None) -> list[dict]:
    """Runs of overlapping windows scoring at least ``threshold``, each reported by its best
    window (``start``, ``end``, ``sequence``, ``score``), the run's span (``region_start``,
    ``region_end``, ``n_windows``) and the known NESs it overlaps (``known_nes``,
    ``known_nes_ids``).

    Examples
    --------
    >>> p = Protein("P1", "A" * 30)
    >>> [(r["start"], r["end"], r["n_windows"]) for r in candidate_regions(p, np.array([0.1, 0.8, 0.9, 0.2]), 0.5, 27, None)]
    [(3, 29, 2)]
    """
    above = np.flatnonzero(scores >= threshold)
    rows: list[dict] = []
    if len(above) == 0:
        return rows
    breaks = np.flatnonzero(np.diff(above) >= window) + 1
    for run in np.split(above, breaks):
        best = int(run[np.argmax(scores[run])])
        start, end = best + 1, best + window
        ids = []
        if known is not None:
            hit = known[(known.start_1b <= end) & (known.end_1b >= start)]
            ids = sorted(set("; ".join(hit.nes_ids.astype(str)).split("; "))) if len(hit) else []
        rows.append(dict(accession=p.accession, entry_name=p.entry_name, gene=p.gene, start=start,
                         end=end, sequence=p.sequence[best:best + window], score=float(scores[best]),
                         region_start=int(run[0]) + 1, region_end=int(run[-1]) + window,
                         n_windows=len(run), known_nes=bool(ids), known_nes_ids="; ".join(ids)))
    return rows


def known_mask(n_windows: int, window: int, known: pd.DataFrame | None) -> np.ndarray:
    """True for each window (0-based start) overlapping a known NES range.

    >>> known_mask(5, 3, pd.DataFrame({"start_1b": [4], "end_1b": [4]})).tolist()
    [False, True, True, True, False]
    """
    mask = np.zeros(n_windows, bool)
    if known is not None:
        for s, e in zip(known.start_1b, known.end_1b):  # window a covers residues a+1 .. a+window
            mask[max(int(s) - window, 0):max(min(int(e), n_windows), 0)] = True
    return mask
