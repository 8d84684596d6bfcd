"""A mutant's window scores from its reference's: only the windows a variant can change are
scored again (*local*), or every window of the mutant (*whole*, the reference method).

Which windows a variant touches
-------------------------------
The reference and the mutant share a prefix and a suffix (:func:`change_of`); the residues
between them are the change. The default model's window features read the window and
:data:`FEATURE_REACH` residues on each side (the 20-residue flanks of ``physico`` and
``track_means``; ``consensus`` reads 6 residues before a window, ``anchor_pssm`` 4 before
and 3 after, ``order`` none) and the predicted pLDDT track, which is a whole-protein network
(metapredict): a change moves the track of nearby residues too. So the mutant's track is
predicted whole (exact; a prediction on the change and 100, 200 or 400 residues of context on
each side was measured against it on 200 human missense mutants: the touched residues' values
differed for 92%, 81% and 52% of the mutants, by up to 0.23, 0.20 and 0.14 pLDDT/100, so it is
not used), the residues where it differs from the reference's are added to
the change, and every window whose features read a changed residue or track value is scored
again (:func:`rescore_local`); the other windows keep their reference scores, shifted by an
indel's length.

The one approximation
---------------------
``anchor_pssm`` has three whole-protein columns: a window's PSSM rank among the protein's
windows, its z-score against them and its distance to the protein's best (after LocNES, Xu
et al. 2015 Bioinformatics 31:1357). The windows scored again get them exactly: the PSSM
score of every window of the reference is computed once and kept, and for each mutant only the
windows its change reaches are scored again (bit for bit what the whole mutant gives,
:meth:`~nesscan.features.pssm.AnchorPSSM.all_windows_edited`); the windows kept do not see a variant move the protein's PSSM
distribution, so their scores can differ from a whole rescoring by a little. Measured on the
default model (``python bench/variants_speed.py``, docs/howto/variants.md) and checked by
``tests/test_variants.py``. A model whose features local rescoring does not know (a
Transformer, a registered window feature of unknown reach) is always rescored whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nesscan.predictor import Predictor
from nesscan.records import Protein

#: Residues on each side of a window that the default model's window features read.
FEATURE_REACH = 20
#: Window features whose reach is :data:`FEATURE_REACH` or less (``anchor_pssm`` is computed on
#: the whole mutant); a model with any other feature is rescored whole.
LOCAL_FEATURES = frozenset({"consensus", "physico", "track_means", "order", "anchor_pssm"})
#: Window features computed on the whole mutant (whole-protein columns).
WHOLE_PROTEIN_FEATURES = frozenset({"anchor_pssm"})
METHODS = ("local", "whole")
#: Residues on each side of a change whose predicted track is taken as changed (measured:
#: docs/howto/variants.md).
TRACK_MARGIN = 20


@dataclass(frozen=True)
class Change:
    """Where a mutant differs from its reference, 0-based half-open.

    The reference's residues ``start:ref_end`` are the mutant's ``start:end``; before
    ``start`` both are the same, and so are the reference's residues from ``ref_end`` on and
    the mutant's from ``end`` on.
    """

    start: int
    end: int
    ref_end: int

    @property
    def shift(self) -> int:
        """Residues gained (positive) or lost by the mutant."""
        return (self.end - self.start) - (self.ref_end - self.start)


def change_of(reference: str, mutant: str) -> Change:
    """The changed span of ``mutant`` (longest common prefix, then suffix).

    >>> change_of("MKLLAE", "MKGLLAE")
    Change(start=2, end=3, ref_end=2)
    >>> change_of("MKLLAE", "MKLAE")
    Change(start=3, end=3, ref_end=4)
    """
    n = min(len(reference), len(mutant))
    a = np.frombuffer(reference[:n].encode(), np.uint8)
    b = np.frombuffer(mutant[:n].encode(), np.uint8)
    diff = np.flatnonzero(a != b)
    start = int(diff[0]) if len(diff) else n
    limit = n - start
    ra = np.frombuffer(reference[::-1][:limit].encode(), np.uint8)
    rb = np.frombuffer(mutant[::-1][:limit].encode(), np.uint8)
    rdiff = np.flatnonzero(ra != rb)
    suffix = int(rdiff[0]) if len(rdiff) else limit
    return Change(start, len(mutant) - suffix, len(reference) - suffix)


@dataclass
class Reference:
    """A reference protein scored whole, the base of its variants: ``scores`` has one value
    per window (window ``i`` covers residues ``i + 1 .. i + window``; none for a protein shorter
    than the window)."""

    protein: Protein
    scores: np.ndarray
    #: What its variants reuse (the whole-protein PSSM scores of every window, once computed).
    cache: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Rescored:
    """A mutant's window scores and the windows its variant touches.

    ``first``..``last`` (0-based window indices, inclusive) are the mutant's touched windows
    and ``ref_first``..``ref_last`` the reference's windows they replace (empty ranges when
    ``last < first``); ``rescored`` windows were scored again, by ``method``.
    """

    scores: np.ndarray
    first: int
    last: int
    ref_first: int
    ref_last: int
    rescored: int
    method: str


def can_rescore_locally(model: Predictor) -> bool:
    """True for a flat featurizer whose window features all have a known reach."""
    f = model.featurizer
    return bool(f.flat) and all(spec["name"] in LOCAL_FEATURES for spec in f.spec.window_features)


def score_references(model: Predictor, proteins: list[Protein]) -> dict[str, Reference]:
    """Every window of each protein scored whole (one featurizer batch), rounded to float32 as a
    screen's ``windows.parquet`` stores them (so a reference read from a screen,
    :mod:`nesscan.variants.screen`, is the same)."""
    long_enough = [p for p in proteins if len(p.sequence) >= model.window]
    scores = dict(zip((p.accession for p in long_enough), model.score_proteins(long_enough))) if long_enough else {}
    return {p.accession: Reference(p, np.asarray(scores.get(p.accession, np.zeros(0)), np.float32).astype(np.float64))
            for p in proteins}


def touched_span(reference: Reference, mutant: str, margin: int | None = None) -> tuple[Change, int, int]:
    """The change, and the residues ``lo:hi`` of the mutant taken as changed: the change and
    ``margin`` residues on each side (:data:`TRACK_MARGIN`: where the predicted track moves
    most), a deletion's two neighbours standing for its junction."""
    margin = TRACK_MARGIN if margin is None else margin
    ch = change_of(reference.protein.sequence, mutant)
    lo, hi = ch.start, ch.end
    if hi == lo:  # a deletion: the residues on each side of the junction
        lo, hi = lo - 1, hi + 1
    return ch, max(lo - margin, 0), min(hi + margin, len(mutant))


def rescore(model: Predictor, reference: Reference, mutant: str, method: str = "local") -> Rescored:
    """The mutant's window scores by ``method`` (``"local"``: :func:`rescore_local` when the
    model allows it, else whole; ``"whole"``: every window scored again)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    window = model.window
    if mutant == reference.protein.sequence:
        return Rescored(reference.scores.copy(), 0, -1, 0, -1, 0, method)
    if len(mutant) < window:
        return Rescored(np.zeros(0), 0, -1, 0, len(reference.scores) - 1, 0, method)
    if method == "local" and can_rescore_locally(model) and len(reference.scores):
        return rescore_local(model, reference, mutant)
    scores = np.asarray(model.score_proteins([Protein(reference.protein.accession, mutant)])[0], np.float64)
    ch, lo, hi = touched_span(reference, mutant)
    first, last, ref_first, ref_last = _window_range(ch, lo, hi, len(mutant), len(reference.protein.sequence),
                                                     window)
    return Rescored(scores, first, last, ref_first, ref_last, len(scores), "whole")


def _window_range(ch: Change, lo: int, hi: int, n_mut: int, n_ref: int, window: int) -> tuple[int, int, int, int]:
    """Touched windows of the mutant (those whose features read residues ``lo:hi``) and the
    reference windows they stand in for."""
    reach = FEATURE_REACH
    first = max(lo - window - reach + 1, 0)
    last = min(hi + reach - 1, n_mut - window)
    ref_last = min(last - ch.shift, n_ref - window) if last < n_mut - window else n_ref - window
    return first, last, min(first, n_ref - window + 1), ref_last


def rescore_local(model: Predictor, reference: Reference, mutant: str) -> Rescored:
    """Score again the windows of ``mutant`` that its change touches (module docstring); the
    other windows keep their reference scores."""
    f, window, reach = model.featurizer, model.window, FEATURE_REACH
    tracks = f.residues([mutant])[0]
    ch, lo, hi = touched_span(reference, mutant)
    n_mut, n_ref = len(mutant), len(reference.protein.sequence)
    first, last, ref_first, ref_last = _window_range(ch, lo, hi, n_mut, n_ref, window)
    if last < first:
        return Rescored(_splice(reference.scores, np.zeros(0), first, ref_last), first, last, ref_first, ref_last, 0,
                        "local")
    starts = np.arange(first, last + 1)
    s0, s1 = max(first - reach, 0), min(last + window + reach, n_mut)
    segment, seg_tracks = mutant[s0:s1], tracks[s0:s1]
    blocks = []
    for feature, spec in zip(f.window_features, f.spec.window_features):
        if spec["name"] in WHOLE_PROTEIN_FEATURES:
            blocks.append(_whole_protein_block(feature, spec["name"], reference, mutant, ch, starts, window, tracks))
        else:
            blocks.append(feature(segment, starts - s0, window, seg_tracks))
    x = np.concatenate([np.asarray(b, np.float32).reshape(len(starts), -1) for b in blocks], axis=1)
    new = np.asarray(model.score_features(x), np.float64)
    return Rescored(_splice(reference.scores, new, first, ref_last), first, last, ref_first, ref_last, len(new),
                    "local")


def _whole_protein_block(feature, name: str, reference: Reference, mutant: str, ch: Change, starts: np.ndarray,
                         window: int, tracks: np.ndarray) -> np.ndarray:
    """A whole-protein feature's columns for the mutant's windows ``starts``. ``anchor_pssm`` ranks
    each window among every window of the mutant: the reference's scores of every window are
    computed once and kept (``reference.cache``), and only the windows the change reaches are
    scored again (:meth:`~nesscan.features.pssm.AnchorPSSM.all_windows_edited`, exact); another
    feature is computed on the whole mutant."""
    if not hasattr(feature, "all_windows_edited") or getattr(feature, "fixed_lo", None) is None:
        return feature(mutant, starts, window, tracks)
    from nesscan.features.window import codes

    raw_ref = reference.cache.get(name)
    if raw_ref is None:
        raw_ref = reference.cache[name] = feature.all_windows(codes(reference.protein.sequence), window)
    c = codes(mutant)
    raw = feature.all_windows_edited(raw_ref, c, ch.start, ch.end, ch.shift, window)
    return feature.columns(raw, c, starts, window)


def _splice(ref_scores: np.ndarray, new: np.ndarray, first: int, ref_last: int) -> np.ndarray:
    """Reference windows before ``first``, the new scores, reference windows after ``ref_last``."""
    return np.concatenate([ref_scores[:first], new, ref_scores[ref_last + 1:]])
