"""Mutant proteins through the model, whole, and what each says of one NES target.

A substitution changes more than the windows that hold it: the anchor PSSM's rank and
z-score are taken among all windows of the protein, the metapredict pLDDT track is predicted
over the whole protein, and the cargo probability and compartment gate read the whole
sequence. So a mutant is rescored as a whole protein (:func:`nesscan.screen.assess.assess_proteins`,
the path of ``nesscan predict``), all mutants of one request in one batch. Measured on p53
(393 residues): each single alanine substitution in its NES moved every window score of the
protein, those 30 or more residues away by up to 0.08, so rescoring only the windows that hold
the substitution would not give the numbers ``nesscan predict`` gives for the mutant; the whole
protein costs about 30 ms a mutant there.

Each mutant is called as a request of its own (``nesscan predict MUTANT``): its candidates'
q-values against the model's reference nulls, with the mutant's own windows as targets
(:func:`nesscan.screen.few_proteins.predict_proteins` on one protein), so a mutant's call never
depends on the other mutants scored beside it.

Coordinates are 1-based inclusive residues (:mod:`nesscan.records`). The *target* is a range
``start..end``; a window *hits* it when it shares at least ``min(end - start + 1, 8)`` residues
with it (:func:`nesscan.validate.site.hit_mask`'s rule: a short range must be inside the window).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
"""The 20 standard residues, the letters a substitution may name."""
MIN_OVERLAP = 8
"""Residues a window shares with a target longer than this to hit it (the span of Kosugi class 2)."""

Substitution = tuple[int, str, str]
"""(1-based residue, wild-type letter, new letter)."""


@dataclass(frozen=True)
class VariantScore:
    """What the model says of one protein (wild type or mutant) about a target range.

    Attributes
    ----------
    substitutions
        The substitutions made (empty for the wild type).
    sequence
        The whole protein sequence scored.
    window_score
        Best window score (probability, 0-1) among the windows hitting the target.
    best_start
        1-based first residue of that window.
    call_score
        ``window_score`` times the protein's call factor (its cargo probability; 0 when the
        compartment gate sets it aside).
    target_call
        ``"called"`` when a called candidate's window hits the target, else the call of the
        best candidate hitting it (``"not called"``, ``"protein set aside"``), or ``"no candidate"``.
    target_q_value
        ``call_q_value`` of that candidate (NaN without one).
    calls
        ``(start, end)`` of every called candidate window of the protein, 1-based.
    cargo_probability
        The protein's cargo probability (NaN without a protein model).
    gate_reason
        Why the compartment gate sets the protein aside ("" when it does not).
    """

    substitutions: tuple[Substitution, ...]
    sequence: str
    window_score: float
    best_start: int
    call_score: float
    target_call: str
    target_q_value: float
    calls: tuple[tuple[int, int], ...]
    cargo_probability: float
    gate_reason: str

    @property
    def called(self) -> bool:
        """True when the target is called."""
        return self.target_call == "called"


def check_target(sequence: str, start: int, end: int, window: int) -> None:
    """Refuse a target outside the sequence or a protein shorter than the window.

    Raises
    ------
    NesscanError
        One line saying what is wrong.
    """
    if not 1 <= start <= end <= len(sequence):
        raise NesscanError(f"range {start}-{end} is not inside the {len(sequence)}-residue protein "
                           "(1-based inclusive: START <= END <= length)")
    if len(sequence) < window:
        raise NesscanError(f"the protein has {len(sequence)} residues, fewer than the model's {window}-residue window")


def hits(window_starts: np.ndarray, start: int, end: int, window: int) -> np.ndarray:
    """Which windows (1-based first residues) hit the range ``start..end`` (module docstring).

    >>> hits(np.array([4, 10, 13, 20]), 25, 34, 22).tolist()  # windows 10-31 and 13-34 share 7 and 10 residues
    [False, False, True, True]
    """
    s = np.asarray(window_starts, np.int64)
    overlap = np.minimum(s + window - 1, end) - np.maximum(s, start) + 1
    return overlap >= min(end - start + 1, MIN_OVERLAP)


def mutate(sequence: str, substitutions: Sequence[Substitution]) -> str:
    """``sequence`` with the substitutions made.

    Raises
    ------
    NesscanError
        A position outside the sequence, a wild-type letter that is not the sequence's, or a
        new letter that is not a standard residue.

    >>> mutate("MKLLAE", [(3, "L", "A"), (4, "L", "A")])
    'MKAAAE'
    """
    chars = list(sequence)
    for pos, wt, new in substitutions:
        if not 1 <= pos <= len(chars):
            raise NesscanError(f"position {pos} is outside the {len(chars)}-residue protein")
        if chars[pos - 1] != wt:
            raise NesscanError(f"residue {pos} is {chars[pos - 1]}, not {wt}")
        if new not in AMINO_ACIDS:
            raise NesscanError(f"{new!r} is not one of the 20 standard residues ({AMINO_ACIDS})")
        chars[pos - 1] = new
    return "".join(chars)


def hgvs(substitutions: Sequence[Substitution]) -> str:
    """HGVS protein notation with one-letter residues: ``p.L348A``, several as an allele
    ``p.[L348A;L350A]``; ``p.=`` for none.

    >>> hgvs([(348, "L", "A")]), hgvs([(350, "L", "A"), (348, "L", "A")]), hgvs([])
    ('p.L348A', 'p.[L348A;L350A]', 'p.=')
    """
    parts = [f"{wt}{pos}{new}" for pos, wt, new in sorted(substitutions)]
    if not parts:
        return "p.="
    return f"p.{parts[0]}" if len(parts) == 1 else f"p.[{';'.join(parts)}]"


class Rescorer:
    """Score a protein and its mutants against one target range (module docstring).

    Parameters
    ----------
    model
        A loaded model (:func:`nesscan.load_model`).
    protein
        The wild-type protein.
    start, end
        The target, 1-based inclusive.
    """

    def __init__(self, model: Predictor, protein: Protein, start: int, end: int) -> None:
        from nesscan.screen.nulls import load_nulls, usable_nulls

        check_target(protein.sequence, start, end, model.window)
        self.model, self.protein, self.start, self.end = model, protein, int(start), int(end)
        self.nulls, _ = usable_nulls(load_nulls(model.path), "")
        self._null_hists = None
        self._seen: dict[tuple[Substitution, ...], VariantScore] = {}  # variants scored, by substitutions
        self.wild_type = self.score([[]])[0]

    def score(self, variants: Sequence[Sequence[Substitution]]) -> list[VariantScore]:
        """Each variant (a list of substitutions) as a whole protein, in one batch (a variant
        scored before by this rescorer is not scored again)."""
        from nesscan.screen.assess import assess_proteins

        keys = [tuple(sorted(v)) for v in variants]
        todo = list(dict.fromkeys(k for k in keys if k not in self._seen))
        proteins = [replace(self.protein, accession=f"variant_{i}", sequence=mutate(self.protein.sequence, v))
                    for i, v in enumerate(todo)]
        for v, a in zip(todo, assess_proteins(self.model, proteins, self.model.threshold)):
            self._seen[v] = self._read(v, a)
        return [self._seen[k] for k in keys]

    def _read(self, subs: tuple[Substitution, ...], a) -> VariantScore:
        from nesscan.screen.calls import CALLED

        w = self.model.window
        scores = np.asarray(a.scores, float)
        starts = np.arange(len(scores)) + 1
        hit = hits(starts, self.start, self.end, w)
        best = int(starts[hit][np.argmax(scores[hit])]) if hit.any() else 0
        window_score = float(scores[best - 1]) if best else float("nan")
        table = self._calls(a)
        target_call, q, calls = "no candidate", float("nan"), []
        if len(table):
            on = hits(table.start.to_numpy(), self.start, self.end, w)
            calls = [(int(s), int(s) + w - 1) for s, c in zip(table.start, table.call) if c == CALLED]
            if on.any():
                mine = table[on].sort_values(["call_q_value", "score"], ascending=[True, False], na_position="last")
                called = mine[mine.call == CALLED]
                row = (called if len(called) else mine).iloc[0]
                target_call, q = str(row.call), float(row.call_q_value)
        cargo = a.cargo_probability if a.cargo_probability is not None else float("nan")
        return VariantScore(subs, a.protein.sequence, window_score, best, window_score * a.call_factor, target_call,
                            q, tuple(calls), float(cargo), str(a.where.get("gate_reason", "")))

    def _calls(self, a) -> pd.DataFrame:
        """The protein's candidates with ``call`` and ``call_q_value``, its own windows the targets."""
        from nesscan.screen.calls import annotate_calls
        from nesscan.screen.nulls import call_scores

        if not a.candidates:
            return pd.DataFrame(columns=["start", "score", "call", "call_q_value"])
        targets = call_scores([a.scores], [a.call_factor])
        curves = {name: OneProteinCurve(targets, *null) for name, null in self._nulls().items()}
        return annotate_calls(pd.DataFrame(a.candidates), curves)

    def _nulls(self) -> dict[str, tuple[np.ndarray, int]]:
        """Each reference null's windows at or above every score bin, and its size, built once."""
        if self._null_hists is None:
            from nesscan.screen.fdr_binned import ScoreHistogram
            from nesscan.screen.nulls import NULLS

            self._null_hists = {}
            for name in NULLS:
                if name in self.nulls and self.nulls[name].n:
                    hist = ScoreHistogram()
                    self.nulls[name].add_to(hist)
                    self._null_hists[name] = (hist.at_or_above(), hist.n)
        return self._null_hists


class OneProteinCurve:
    """:func:`nesscan.screen.fdr_binned.binned_fdr_curve` of a few target scores against a null
    whose suffix counts are computed once: the same ``q_of`` (every count exact at the same bins),
    without a full-size histogram of the targets for each mutant (two 33 MB cumulative sums).

    Parameters
    ----------
    targets
        The target call scores (one protein's windows).
    null_at_or_above, n_null
        :meth:`ScoreHistogram.at_or_above` of the null and its number of windows.
    """

    def __init__(self, targets: np.ndarray, null_at_or_above: np.ndarray, n_null: int) -> None:
        from nesscan.screen.fdr_binned import score_bins

        self._t = np.sort(score_bins(targets))
        self._d, self._n_d = null_at_or_above, int(n_null)
        self._bins = np.unique(self._t)
        fdr = self._fdr(self._t_above(self._bins), self._d[self._bins])
        self._q = np.minimum.accumulate(fdr) if len(fdr) else fdr

    def _t_above(self, bins: np.ndarray) -> np.ndarray:
        return len(self._t) - np.searchsorted(self._t, bins, side="left")

    def _fdr(self, t: np.ndarray, d: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            est = (d + 1) / (self._n_d + 1) * len(self._t) / t
        return np.where(t > 0, np.minimum(est, 1.0), 0.0)

    def q_of(self, scores: float | np.ndarray) -> np.ndarray:
        """q-value of each score (:meth:`nesscan.screen.fdr_binned.BinnedFdrCurve.q_of`)."""
        from nesscan.screen.fdr_binned import score_bins

        v = np.atleast_1d(np.asarray(scores, np.float64))
        bins = score_bins(np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0))
        above = v > 1.0
        t = np.where(above, 0, self._t_above(bins))
        d = np.where(above, 0, self._d[bins])
        idx = np.searchsorted(self._bins, bins, side="right") - 1
        q_below = np.where(idx >= 0, self._q[np.clip(idx, 0, None)] if len(self._q) else 1.0, 1.0)
        own = np.where(t > 0, self._fdr(t, d), 1.0)
        return np.minimum(q_below, own)
