"""The smallest set of substitutions that takes a called NES below the call, and its control.

:func:`design_dead_mutant` (what ``nesscan mutate --design`` runs):

1. The target range must be called in the wild type (:class:`nesscan.design.rescore.VariantScore`).
2. Every residue of the range is substituted on its own by ``residue`` (alanine by default) and
   the whole protein rescored: the single-substitution scan, ``importance.csv``.
3. The *pool*: the target's hydrophobic anchors (:func:`nesscan.design.scan.target_anchors`), then
   the other hydrophobic residues (L, I, V, F, M, W, Y) of the range (of its best window when the
   range is shorter than 8 or longer than the window: :func:`nesscan.design.scan.core_range`), each
   group by its single substitution's drop of the call score, strongest first; at most
   ``pool_size`` positions (a position outside the range gets its single substitution scored here).
4. Every subset of the pool of 1, then 2, ... up to ``max_substitutions`` positions is scored
   (all of one size in one batch); the first size with a *dead* mutant wins: the target no longer
   called (no called candidate window hits it), no new call anywhere in the protein (a called
   window that neither hits the target nor shares 8 residues with a call of the wild type), the
   cargo probability moved by at most ``max_cargo_change`` and the compartment gate unchanged.
   Among the dead mutants of that size: fewest positions outside the anchors, then the lowest
   call score, window score and cargo change.
5. The control: as many substitutions to the same residue at positions that are not anchors of
   the target, each of the same residue class as one designed position
   (:data:`RESIDUE_CLASSES`), the nearest ones to the target's best window first (at most
   ``pool_size``), that keeps the call, creates no new call and keeps the cargo probability and the
   gate as the design must; among them the one with the fewest positions outside the target and
   its best window, then the one whose call score moves least.

Coordinates are 1-based inclusive (:mod:`nesscan.records`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from nesscan.design.rescore import AMINO_ACIDS, MIN_OVERLAP, Rescorer, Substitution, VariantScore, hgvs, hits
from nesscan.design.scan import as_protein, core_range, scan_rows, target_anchors
from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein

RESIDUE_CLASSES = ("LIVFMWYC", "DE", "KRH", "STNQ", "AGP")
"""Residue classes a control position must share with the designed one it matches (hydrophobic,
acidic, basic, polar, small)."""
POOL_RESIDUES = "LIVFMWY"
"""Residues of the range that join the anchors in the search pool."""
DESIGN_COLUMNS = ["kind", "accession", "start", "end", "substitutions", "n_substitutions", "window_score_before",
                  "window_score_after", "call_score_before", "call_score_after", "call_before", "call_after",
                  "call_q_value_after", "new_calls", "cargo_probability_before", "cargo_change"]
"""The columns of ``design.csv``, one row per mutant."""


def residue_class(letter: str) -> int:
    """Index of ``letter``'s class in :data:`RESIDUE_CLASSES`.

    >>> residue_class("L"), residue_class("E")
    (0, 1)
    """
    return next(i for i, members in enumerate(RESIDUE_CLASSES) if letter in members)


@dataclass(frozen=True)
class Mutant:
    """One mutant of a :class:`Design` (the columns of ``design.csv``).

    Attributes
    ----------
    kind
        ``"designed"`` (takes the target below the call) or ``"control"`` (keeps it).
    wild_type, mutant
        The model's view of the target in the wild type and in the mutant.
    new_calls
        ``(start, end)`` of the mutant's called windows that neither hit the target nor overlap
        a call of the wild type by 8 residues (empty for a design or a control).
    """

    kind: str
    wild_type: VariantScore
    mutant: VariantScore
    new_calls: tuple[tuple[int, int], ...]

    @property
    def substitutions(self) -> tuple[Substitution, ...]:
        """The substitutions, N to C."""
        return tuple(sorted(self.mutant.substitutions))

    @property
    def hgvs(self) -> str:
        """HGVS protein notation (``p.[L348A;L350A]``)."""
        return hgvs(self.substitutions)

    @property
    def cargo_change(self) -> float:
        """Cargo probability of the mutant minus the wild type's (NaN without a protein model)."""
        return self.mutant.cargo_probability - self.wild_type.cargo_probability


@dataclass(frozen=True)
class Design:
    """The result of :func:`design_dead_mutant`.

    Attributes
    ----------
    protein
        The wild type.
    start, end
        The target, 1-based inclusive.
    wild_type
        The model's view of the target in the wild type.
    designed, control
        The dead mutant and its control; None when none was found (see ``note``).
    importance
        The single-substitution scan of the range (:data:`nesscan.design.scan.COLUMNS`).
    mutants_scored
        Mutant proteins scored in all.
    note
        Why a design or a control is missing ("" when both are there).
    """

    protein: Protein
    start: int
    end: int
    wild_type: VariantScore
    designed: Mutant | None
    control: Mutant | None
    importance: pd.DataFrame
    mutants_scored: int
    note: str = ""

    @property
    def mutants(self) -> list[Mutant]:
        """The design and the control that were found, in that order."""
        return [m for m in (self.designed, self.control) if m is not None]


def new_calls(wild_type: VariantScore, mutant: VariantScore, start: int, end: int, window: int
              ) -> tuple[tuple[int, int], ...]:
    """The mutant's called windows that are new (:class:`Mutant`)."""
    out = []
    for s, e in mutant.calls:
        if hits(np.array([s]), start, end, window)[0]:
            continue
        if any(min(e, we) - max(s, ws) + 1 >= MIN_OVERLAP for ws, we in wild_type.calls):
            continue
        out.append((s, e))
    return tuple(out)


def _acceptable(wt: VariantScore, v: VariantScore, fresh: tuple, max_cargo_change: float | None) -> bool:
    if fresh or v.gate_reason != wt.gate_reason:
        return False
    change = v.cargo_probability - wt.cargo_probability
    return max_cargo_change is None or not np.isfinite(change) or abs(change) <= max_cargo_change


def design_dead_mutant(sequence: str | Protein, start: int, end: int, model: Predictor, residue: str = "A", *,
                       max_substitutions: int = 3, max_cargo_change: float | None = 0.05,
                       pool_size: int = 8) -> Design:
    """Find the fewest substitutions that take a called NES below the call (module docstring).

    Parameters
    ----------
    sequence
        The protein (a sequence or a :class:`~nesscan.records.Protein`).
    start, end
        The called NES, 1-based inclusive (a candidate's window, or an annotated range).
    model
        A loaded model (:func:`nesscan.load_model`).
    residue
        The residue the anchors are changed to (default alanine).
    max_substitutions
        The most substitutions a design may have (1 or more).
    max_cargo_change
        The most the cargo probability may move (absolute, 0-1); None: no bound.
    pool_size
        Positions searched (anchors first); subsets of up to ``max_substitutions`` of them are scored.

    Returns
    -------
    Design
        The design and its control (either None when not found, with the reason in ``note``).

    Raises
    ------
    NesscanError
        A range outside the protein, a residue that is not a standard one, bad limits, or a target
        the wild type does not call (nothing to take below the call).

    Examples
    --------
    The NES of p53 (``nesscan predict P04637`` calls its window 336-357)::

        import nesscan
        from nesscan.design import design_dead_mutant

        design = design_dead_mutant(p53_sequence, 336, 357, nesscan.load_model())
        print(design.designed.hgvs, design.control.hgvs)
    """
    residue = residue.upper()
    if len(residue) != 1 or residue not in AMINO_ACIDS:
        raise NesscanError(f"residue {residue!r}: give one standard one-letter residue ({AMINO_ACIDS})")
    if max_substitutions < 1:
        raise NesscanError(f"max_substitutions must be at least 1, not {max_substitutions}")
    if max_cargo_change is not None and not 0 <= max_cargo_change <= 1:
        raise NesscanError(f"max_cargo_change must be between 0 and 1, not {max_cargo_change}")
    protein = as_protein(sequence)
    r = Rescorer(model, protein, start, end)
    wt, w, seq = r.wild_type, model.window, protein.sequence
    if not wt.called:
        raise NesscanError(f"{protein.accession}:{start}-{end} is not called by the model (best window score "
                           f"{wt.window_score:.3f}, {wt.target_call}): there is no call to take it below")
    importance = scan_rows(r, range(start, end + 1), residue)
    anchors = target_anchors(seq, start, end, wt.best_start, w)
    drop = dict(zip(importance.position, importance.call_score_delta))
    lo, hi = core_range(start, end, wt.best_start, w)
    extra = [p for p in range(lo, hi + 1) if seq[p - 1] in POOL_RESIDUES and p not in anchors]
    outside = [p for p in [*anchors, *extra] if p not in drop and seq[p - 1] != residue]
    for p, v in zip(outside, r.score([[(p, seq[p - 1], residue)] for p in outside])):
        drop[p] = v.call_score - wt.call_score
    pool = [p for group in (anchors, extra) for p in sorted(group, key=lambda p: drop.get(p, 0.0))
            if seq[p - 1] != residue][:pool_size]
    scored = len(importance) + len(outside) + 1

    designed, note = None, ""
    for k in range(1, max_substitutions + 1):
        sets = [[(p, seq[p - 1], residue) for p in c] for c in combinations(pool, k)]
        found = []
        for v in r.score(sets):
            fresh = new_calls(wt, v, start, end, w)
            if not v.called and _acceptable(wt, v, fresh, max_cargo_change):
                found.append(Mutant("designed", wt, v, fresh))
        scored += len(sets)
        if found:
            designed = min(found, key=lambda m: (sum(p not in anchors for p, _, _ in m.substitutions),
                                                 m.mutant.call_score, m.mutant.window_score,
                                                 abs(np.nan_to_num(m.cargo_change))))
            break
    if designed is None:
        note = (f"no design of at most {max_substitutions} substitution(s) to {residue} among the "
                f"{len(pool)} pooled position(s) takes the target below the call within the limits")
        return Design(protein, start, end, wt, None, None, importance, scored, note)
    control, tried = _control(r, designed, anchors, residue, max_cargo_change, pool_size)
    scored += tried
    if control is None:
        note = "no control of the same residue classes keeps the call within the limits"
    return Design(protein, start, end, wt, designed, control, importance, scored, note)


def _control(r: Rescorer, designed: Mutant, anchors: Sequence[int], residue: str, max_cargo_change: float | None,
             pool_size: int) -> tuple[Mutant | None, int]:
    """The matched control of ``designed`` (module docstring, step 5) and the mutants scored."""
    seq, w, wt = r.protein.sequence, r.model.window, r.wild_type
    subs = designed.substitutions
    need = Counter(residue_class(old) for _, old, _ in subs)
    taken = set(anchors) | {p for p, _, _ in subs}
    centre = wt.best_start + (w - 1) / 2
    near = sorted((p for p in range(1, len(seq) + 1) if p not in taken and seq[p - 1] != residue
                   and residue_class(seq[p - 1]) in need), key=lambda p: (abs(p - centre), p))[:pool_size]
    sets = [c for c in combinations(near, len(subs)) if Counter(residue_class(seq[p - 1]) for p in c) == need]
    if not sets:
        return None, 0
    found = []
    for v in r.score([[(p, seq[p - 1], residue) for p in c] for c in sets]):
        fresh = new_calls(wt, v, r.start, r.end, w)
        if v.called and _acceptable(wt, v, fresh, max_cargo_change):
            found.append(Mutant("control", wt, v, fresh))
    lo, hi = min(r.start, wt.best_start), max(r.end, wt.best_start + w - 1)
    best = min(found, key=lambda m: (sum(not lo <= p <= hi for p, _, _ in m.substitutions),
                                     abs(m.mutant.call_score - wt.call_score), m.substitutions), default=None)
    return best, len(sets)


def design_frame(design: Design) -> pd.DataFrame:
    """``design.csv``: one row per mutant found, columns :data:`DESIGN_COLUMNS`."""
    wt = design.wild_type
    rows = [{"kind": m.kind, "accession": design.protein.accession, "start": design.start, "end": design.end,
             "substitutions": m.hgvs, "n_substitutions": len(m.substitutions),
             "window_score_before": wt.window_score, "window_score_after": m.mutant.window_score,
             "call_score_before": wt.call_score, "call_score_after": m.mutant.call_score,
             "call_before": wt.target_call, "call_after": m.mutant.target_call,
             "call_q_value_after": m.mutant.target_q_value,
             "new_calls": "; ".join(f"{s}-{e}" for s, e in m.new_calls) or "none",
             "cargo_probability_before": wt.cargo_probability, "cargo_change": m.cargo_change}
            for m in design.mutants]
    return pd.DataFrame(rows, columns=DESIGN_COLUMNS)


def mutants_fasta(design: Design) -> str:
    """The mutants as FASTA text: ``>ACCESSION_designed p.[L348A;L350A] designed mutant of 336-357``."""
    out = []
    for m in design.mutants:
        seq = m.mutant.sequence
        out.append(f">{design.protein.accession}_{m.kind} {m.hgvs} {m.kind} mutant of {design.start}-{design.end}")
        out += [seq[i:i + 60] for i in range(0, len(seq), 60)]
    return "\n".join(out) + ("\n" if out else "")
