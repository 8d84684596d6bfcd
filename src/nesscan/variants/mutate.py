"""Variant effects on NES evidence: :func:`score_variants` (behind :func:`nesscan.api.mutate`
and ``nesscan mutate``).

Each reference protein named by a variant is scored whole once; each variant is applied to
it (:mod:`nesscan.variants.hgvs`), its mutant rescored (:mod:`nesscan.variants.rescore`) and
both proteins go through the protein level, the compartment gate and the window call as
:func:`nesscan.api.predict` takes a protein on its own (so ``called`` means what
``nesscan predict`` would call in that protein alone); the row compares them
(:mod:`nesscan.variants.effects`). A variant that cannot be applied (unparsable, unknown
protein, reference mismatch, past the end, a frameshift without its new residues) is one
error row and one error line; the others are scored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein
from nesscan.screen.assess import Assessment, assess_scored
from nesscan.variants import hgvs
from nesscan.variants.effects import INTEGER_COLUMNS, VARIANT_COLUMNS, effect_row, error_row
from nesscan.variants.rescore import METHODS, change_of, rescore, score_references
from nesscan.variants.table import VariantInput

if TYPE_CHECKING:
    from nesscan.variants.screen import ScreenReuse

#: Reference residues scored in one featurizer batch.
CHUNK_RESIDUES = 200_000
#: Reference residues of a chunk whose window scores come from a screen (not featurized: the
#: chunk's per-call costs, the compartment gate's TopPred run among them, are shared by more).
SCREEN_CHUNK_RESIDUES = 2_000_000


@dataclass
class VariantResult:
    """The rows of ``variants.csv`` (:data:`~nesscan.variants.effects.VARIANT_COLUMNS`, in the
    variants' order) and one error line per variant not scored."""

    table: pd.DataFrame
    errors: list[str] = field(default_factory=list)
    #: What was read from ``screen`` (None without one).
    screen: "ScreenReuse | None" = None
    #: With ``keep_scores``: each scored variant's (index in the variants) mutant window scores.
    mutant_scores: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def scored(self) -> int:
        """Variants scored."""
        return int((self.table.status == "scored").sum()) if len(self.table) else 0


@dataclass
class _Applied:
    index: int
    variant: VariantInput
    protein: Protein
    kind: str
    position: int | None
    mutant: str


def _lookup(proteins: Sequence[Protein]) -> dict[str, Protein]:
    out: dict[str, Protein] = {}
    for p in proteins:
        for key in (p.accession, p.entry_name):
            if key and key not in out:
                out[key] = p
    return out


def apply_variant(v: VariantInput, protein: Protein) -> tuple[str, int | None, str]:
    """``(kind, first residue changed (1-based), mutant sequence)`` of a variant on its protein.

    Raises
    ------
    hgvs.VariantError
        The variant cannot be applied (one line).
    """
    edits = hgvs.parse(v.variant)
    mutant = hgvs.apply(protein.sequence, edits, protein.accession, new_tail=v.new_tail,
                        mutant_sequence=v.mutant_sequence)
    kind = "+".join(dict.fromkeys(e.kind for e in edits)) or "synonymous"
    position = min((e.start_1b for e in edits), default=None)
    return kind, position, mutant


def _check(message: str) -> str:
    if message.startswith("reference mismatch"):
        return "mismatch"
    if "past the end" in message:
        return "past end"
    return ""


def score_variants(proteins: Sequence[Protein], variants: Sequence[VariantInput], model: Predictor, *,
                   threshold: float | None = None, method: str = "local",
                   progress: Callable[[int, int], None] | None = None,
                   screen: str | os.PathLike | None = None, keep_scores: bool = False) -> VariantResult:
    """Score every variant against its protein (module docstring).

    Parameters
    ----------
    proteins
        The reference proteins (the variants' ``accession`` is an accession or entry name).
    variants
        The variants (:func:`nesscan.variants.table.read_variants`).
    model
        A loaded model.
    threshold
        Candidate threshold (0-1); the model's when None.
    method
        ``"local"`` (rescore the windows a variant touches) or ``"whole"`` (every window of
        the mutant): :mod:`nesscan.variants.rescore`.
    progress
        ``progress(done, total)`` as variants are scored.
    screen
        The folder of an earlier ``nesscan screen`` of the proteins by the same model: the
        reference proteins' window scores are read from its ``windows.parquet`` instead of
        scored again (:mod:`nesscan.variants.screen`; a protein missing there or of another
        length is scored whole). ``VariantResult.screen`` says what was reused.
    keep_scores
        Keep each mutant's window scores in ``VariantResult.mutant_scores`` (the web page draws
        them; off for a batch, whose mutants would all stay in memory).

    Raises
    ------
    NesscanError
        A threshold outside 0-1, an unknown method, a screen folder by another model (one
        line); a bad variant is an error row, not an exception.
    """
    from nesscan.variants.calls import model_nulls

    threshold = model.threshold if threshold is None else float(threshold)
    if not 0.0 <= threshold <= 1.0:
        raise NesscanError(f"threshold {threshold} is outside 0-1")
    if method not in METHODS:
        raise NesscanError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    reuse = None
    if screen is not None:
        from nesscan.variants.screen import ScreenReuse, check_screen

        config = check_screen(screen, model)
        reuse = ScreenReuse(str(Path(screen).resolve()), config.get("fasta_sha256"))
    by_key, rows, errors, applied = _lookup(proteins), [None] * len(variants), [], []
    for i, v in enumerate(variants):
        protein = by_key.get(v.accession)
        try:
            if protein is None:
                raise hgvs.VariantError(f"{v.accession!r} is not in the FASTA")
            kind, position, mutant = apply_variant(v, protein)
        except hgvs.VariantError as exc:
            message = str(exc)
            rows[i] = error_row(v.accession, v.variant, v.name, message, _check(message),
                                protein.gene if protein else "")
            errors.append(f"{v.label}: {message}")
            continue
        applied.append(_Applied(i, v, protein, kind, position, mutant))
    nulls = model_nulls(model)
    found = None
    if screen is not None:
        from nesscan.variants.screen import read_screen_scores

        found = read_screen_scores(screen, {a.protein.accession for a in applied
                                            if len(a.protein.sequence) >= model.window})
    done, total, kept = len(variants) - len(applied), len(variants), {}
    for chunk in _chunks(applied, CHUNK_RESIDUES if screen is None else SCREEN_CHUNK_RESIDUES):
        for i, row, mutant_scores in _score_chunk(model, chunk, threshold, method, nulls, found, reuse):
            rows[i] = row
            if keep_scores:
                kept[i] = mutant_scores
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    table = pd.DataFrame(rows, columns=VARIANT_COLUMNS)
    return VariantResult(table.astype({c: "Int64" for c in INTEGER_COLUMNS}), errors, reuse, kept)


def _chunks(applied: list[_Applied], residues: int = CHUNK_RESIDUES) -> list[list[_Applied]]:
    """The variants grouped by protein, in chunks of about ``residues`` reference residues."""
    by_protein: dict[str, list[_Applied]] = {}
    for a in applied:
        by_protein.setdefault(a.protein.accession, []).append(a)
    chunks, current, size = [], [], 0
    for group in by_protein.values():
        current += group
        size += len(group[0].protein.sequence)
        if size >= residues:
            chunks.append(current)
            current, size = [], 0
    return chunks + ([current] if current else [])


def _with_calls(assessed: list[Assessment], nulls: dict) -> list[Assessment]:
    """Each assessment's candidates with the call :func:`nesscan.api.predict` gives the protein alone."""
    from nesscan.variants.calls import add_calls

    return [add_calls(a, nulls) for a in assessed]


def _score_chunk(model: Predictor, chunk: list[_Applied], threshold: float, method: str, nulls: dict,
                 found: dict | None = None, reuse: "ScreenReuse | None" = None):
    window = model.window
    refs_p = list({a.protein.accession: a.protein for a in chunk}.values())
    if found is not None:
        from nesscan.variants.screen import screen_references

        refs = screen_references(found, model, refs_p, reuse)
    else:
        refs = score_references(model, refs_p)
    ref_assessed = _with_calls(assess_scored(model, refs_p, {a: r.scores for a, r in refs.items()
                                                                   if len(r.scores)}, threshold), nulls)
    ref_by_acc = {a.protein.accession: a for a in ref_assessed}
    mutants, rescored = [], []
    for k, a in enumerate(chunk):
        r = rescore(model, refs[a.protein.accession], a.mutant, method)
        rescored.append(r)
        p = a.protein
        mutants.append(Protein(f"{p.accession}#variant{k}", a.mutant, p.entry_name, p.gene, p.description,
                               p.organism))
    scores = {m.accession: r.scores for m, r in zip(mutants, rescored) if len(m.sequence) >= window}
    mut_assessed = _with_calls(assess_scored(model, mutants, scores, threshold), nulls)
    for a, m, r in zip(chunk, mut_assessed, rescored):
        p = a.protein
        base = {"accession": p.accession, "gene": p.gene, "name": a.variant.name, "variant": a.variant.variant,
                "kind": a.kind, "position": a.position}
        yield (a.index, effect_row(ref_by_acc[p.accession], m, r, change_of(p.sequence, a.mutant), window, base),
               r.scores)
