"""What a variant does to a protein's NES evidence: one row of ``variants.csv`` from the
reference's and the mutant's assessments (:func:`effect_row`; columns :data:`VARIANT_COLUMNS`,
documented in docs/reference/outputs.md).

Gained and lost
---------------
A protein's *candidates* are its runs of windows at or above the model's threshold, each
reported by its best window; a candidate is *called* when the model calls it ("an NES in a
protein that can be cargo", :mod:`nesscan.screen.calls`), with the error rate
:func:`nesscan.api.predict` gives the protein on its own. A candidate or call of the mutant
is *gained* when no candidate (call) of the reference overlaps it once the reference's
residues are placed on the mutant (residues after an indel shifted by its length, residues
inside the change on its first residue); one of the reference is *lost* when none of the
mutant overlaps it. Windows are written ``start-end`` (1-based inclusive, in the coordinates
of their own protein: the reference's for what is lost, the mutant's for what is gained).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nesscan.screen.assess import Assessment
from nesscan.variants.rescore import Change, Rescored

#: The columns of ``variants.csv`` (and of :func:`nesscan.api.mutate`), in order.
VARIANT_COLUMNS = [
    "accession", "gene", "name", "variant", "kind", "status", "error", "reference_check", "position",
    "length_before", "length_after",
    "best_start_before", "best_end_before", "best_sequence_before", "best_score_before",
    "best_start_after", "best_end_after", "best_sequence_after", "best_score_after", "score_change",
    "n_called_before", "n_called_after", "called_gained", "called_lost",
    "n_candidates_before", "n_candidates_after", "candidates_gained", "candidates_lost",
    "cargo_probability_before", "cargo_probability_after", "cargo_probability_change",
    "protein_score_before", "protein_score_after", "protein_score_change",
    "compartment_before", "compartment_after", "compartment_evidence",
    "windows_rescored", "rescoring",
]
#: Columns of whole numbers (nullable: empty on an error row).
INTEGER_COLUMNS = ["position", "length_before", "length_after", "best_start_before", "best_end_before",
                   "best_start_after", "best_end_after", "n_called_before", "n_called_after", "n_candidates_before",
                   "n_candidates_after", "windows_rescored"]
#: ``status`` of a row.
SCORED, ERROR = "scored", "error"
#: The gate's evidence compared before and after (``compartment_evidence``).
GATE_EVIDENCE = ("tm_helices", "signal_peptide", "mito_presequence")
#: A change of a gate probability smaller than this is not reported.
EVIDENCE_STEP = 0.005


def error_row(accession: str, variant: str, name: str, message: str, reference_check: str = "",
              gene: str = "") -> dict[str, Any]:
    """The row of a variant that could not be scored."""
    row: dict[str, Any] = {c: None for c in VARIANT_COLUMNS}
    row.update(accession=accession, gene=gene, name=name, variant=variant, status=ERROR, error=message,
               reference_check=reference_check)
    return row


def to_mutant(position_0b: int, change: Change) -> int:
    """A reference residue (0-based) placed on the mutant: shifted past the change, on the
    change's first residue inside it.

    >>> ch = Change(start=10, end=12, ref_end=15)   # residues 10-14 became two
    >>> [to_mutant(p, ch) for p in (3, 12, 20)]
    [3, 10, 17]
    """
    if position_0b < change.start:
        return position_0b
    if position_0b >= change.ref_end:
        return position_0b + change.shift
    return change.start


def _spans(candidates: list[dict], called: bool) -> list[tuple[int, int, dict]]:
    """(region start, region end, candidate): 0-based residues, end inclusive."""
    return [(int(c["region_start"]) - 1, int(c["region_end"]) - 1, c) for c in candidates
            if not called or c.get("call") == "called"]


def gained_lost(before: list[dict], after: list[dict], change: Change, called: bool) -> tuple[str, str]:
    """The candidates (``called``: the calls) gained and lost, as ``start-end`` of their best
    windows, ``"; "``-joined (module docstring)."""
    old = [(to_mutant(s, change), to_mutant(e, change), c) for s, e, c in _spans(before, called)]
    new = _spans(after, called)

    def overlaps(s: int, e: int, others: list) -> bool:
        return any(s <= e2 and s2 <= e for s2, e2, _ in others)

    gained = [f"{c['start']}-{c['end']}" for s, e, c in new if not overlaps(s, e, old)]
    lost = [f"{c['start']}-{c['end']}" for s, e, c in old if not overlaps(s, e, new)]
    return "; ".join(gained), "; ".join(lost)


def _best(scores: np.ndarray, sequence: str, first: int, last: int, window: int) -> dict[str, Any]:
    """The best window of ``first..last`` (0-based window indices, inclusive)."""
    last = min(last, len(scores) - 1)
    if len(scores) == 0 or last < first:
        return {"start": None, "end": None, "sequence": None, "score": None}
    i = first + int(np.argmax(scores[first:last + 1]))
    return {"start": i + 1, "end": i + window, "sequence": sequence[i:i + window], "score": float(scores[i])}


def _change(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def compartment_evidence(before: dict, after: dict) -> str:
    """The gate's evidence that changed (``tm_helices 0 -> 1; signal_peptide 0.05 -> 0.91``),
    "" when the compartment and its evidence stay.

    >>> compartment_evidence({"compartment": "nucleocytoplasmic", "tm_helices": 0, "signal_peptide": 0.1,
    ...                       "mito_presequence": 0.0},
    ...                      {"compartment": "membrane", "tm_helices": 1, "signal_peptide": 0.1,
    ...                       "mito_presequence": 0.0})
    'tm_helices 0 -> 1'
    """
    parts = []
    for key in GATE_EVIDENCE:
        b, a = before.get(key), after.get(key)
        if b is None or a is None:
            continue
        if key == "tm_helices" and int(a) != int(b):
            parts.append(f"{key} {int(b)} -> {int(a)}")
        elif key != "tm_helices" and abs(float(a) - float(b)) >= EVIDENCE_STEP:
            parts.append(f"{key} {float(b):.2f} -> {float(a):.2f}")
    if not parts and before.get("compartment") != after.get("compartment"):
        parts.append("the gate's decision changed")
    return "; ".join(parts)


def effect_row(reference: Assessment, mutant: Assessment, rescored: Rescored, change: Change, window: int,
               base: dict[str, Any]) -> dict[str, Any]:
    """One scored row of ``variants.csv``.

    Parameters
    ----------
    reference, mutant
        The two proteins' assessments, their candidates carrying ``call``
        (:func:`nesscan.screen.few_proteins.call_columns`).
    rescored
        The mutant's scores and touched windows (:func:`nesscan.variants.rescore.rescore`).
    change
        Where the mutant differs (:func:`nesscan.variants.rescore.change_of`).
    window
        Residues per window.
    base
        The row's identity: ``accession``, ``gene``, ``name``, ``variant``, ``kind``,
        ``position``.
    """
    ref_scores = reference.scores if reference.scores is not None else np.zeros(0)
    mut_scores = mutant.scores if mutant.scores is not None else np.zeros(0)
    before = _best(ref_scores, reference.protein.sequence, rescored.ref_first, rescored.ref_last, window)
    after = _best(mut_scores, mutant.protein.sequence, rescored.first, rescored.last, window)
    called_gained, called_lost = gained_lost(reference.candidates, mutant.candidates, change, called=True)
    cand_gained, cand_lost = gained_lost(reference.candidates, mutant.candidates, change, called=False)
    where_b, where_a = reference.where or {}, mutant.where or {}
    row: dict[str, Any] = {c: None for c in VARIANT_COLUMNS}
    row.update(base)
    row.update(
        status=SCORED, error="", reference_check="match",
        length_before=len(reference.protein.sequence), length_after=len(mutant.protein.sequence),
        best_start_before=before["start"], best_end_before=before["end"], best_sequence_before=before["sequence"],
        best_score_before=before["score"], best_start_after=after["start"], best_end_after=after["end"],
        best_sequence_after=after["sequence"], best_score_after=after["score"],
        score_change=_change(after["score"], before["score"]),
        n_called_before=sum(c.get("call") == "called" for c in reference.candidates),
        n_called_after=sum(c.get("call") == "called" for c in mutant.candidates),
        called_gained=called_gained, called_lost=called_lost,
        n_candidates_before=len(reference.candidates), n_candidates_after=len(mutant.candidates),
        candidates_gained=cand_gained, candidates_lost=cand_lost,
        cargo_probability_before=reference.cargo_probability, cargo_probability_after=mutant.cargo_probability,
        cargo_probability_change=_change(mutant.cargo_probability, reference.cargo_probability),
        protein_score_before=reference.protein_score, protein_score_after=mutant.protein_score,
        protein_score_change=_change(mutant.protein_score, reference.protein_score),
        compartment_before=where_b.get("compartment"), compartment_after=where_a.get("compartment"),
        compartment_evidence=compartment_evidence(where_b, where_a) if where_b and where_a else "",
        windows_rescored=rescored.rescored, rescoring=rescored.method)
    return row
