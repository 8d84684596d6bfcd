"""False-discovery rates of screen calls, estimated from decoys (a target screen and a
separate decoy screen of the same size, no competition between them).

Decoys
------
A decoy protein is made from every screened (target) protein, so the decoy set has the
proteome's own length distribution and, summed over proteins, exactly its amino-acid
composition:

* ``"shuffle"``: a seeded permutation of the whole protein's residues. Each protein keeps
  its composition (and so does the proteome); order, hence helices, amphipathic
  periodicity and consensus spacing, is destroyed except by chance.
* ``"reverse"``: the protein read C to N. Composition and every local spacing survive
  (a Kosugi class-1a match becomes a 1a-R match, an i/i+3/i+4 hydrophobic face stays a
  face), only the direction changes.

Decoy windows are the windows of the decoy proteins. The screen makes a decoy for a
seeded share of the proteins (``--decoy-fraction``, 0.25 by default: a quarter of the
cost of the screen); one decoy per protein would give as many decoy windows as target
windows. Fewer decoys make the estimate noisier where it matters, near the top: with
``n_d`` decoy windows, ``n_t`` target windows and ``T`` calls, the smallest FDR the
estimate can resolve is about ``n_t / (n_d * T)``: with a decoy for a quarter of the
proteins, an FDR of 5% needs at least 80 calls.

The estimate and its assumption
-------------------------------
At threshold ``t``, with ``T(t)`` targets and ``D(t)`` decoys scoring ``>= t``::

    FDR(t) = min(1, (D(t) + c) / (n_d + c) * n_t / T(t))

with ``c = 1`` by default (``plus_one=True``) and ``c = 0`` for the plain estimate.
``(D(t) + 1) / (n_d + 1)`` is the empirical (conformal) p-value of a score ``t`` against
the decoys; it is never too small when null windows and decoys are exchangeable, and the
Benjamini-Hochberg procedure on such p-values controls the FDR (Bates et al. 2023, Ann
Stat 51:149, doi:10.1214/22-AOS2244); the q-values here are BH's adjusted p-values.
The ``+1`` matters at the top, where no decoy is left: without it, the single best
target window of a screen whose scores are no better than its decoys' gets an estimated
FDR of 0 (measured on a yeast sample with the physchem model: one call "at FDR 5%",
alone above every decoy); with it, ``T`` calls above every decoy get ``~n_t / (n_d T)``,
1 for that lone window.

Units: :func:`fdr_curve` counts *windows*. Overlapping windows are strongly dependent
and a screen reports runs of them as one candidate, so the window FDR is the share of
false windows among called windows (the screen reports candidate runs beside it:
:mod:`nesscan.screen.calibration`).

``D(t) / n_d`` estimates the probability that a window that is *not* an NES scores
``>= t``, which assumes decoy windows score like the proteome's real non-NES windows.
Multiplying by all ``n_t`` windows (not only the non-NES ones, which are unknown)
overcounts the false calls by the fraction of true NES windows, a fraction of a percent
in a proteome: negligible, and conservative. The assumption itself can fail both ways:

* Decoys **easier** than real negatives (they score lower) make the FDR too *low*
  (anti-conservative). Shuffles are the likelier offender: real non-NES windows include
  amphipathic helices and consensus-matching hydrophobic stretches (buried helices of
  folded domains, signal peptides, transmembrane segments) that a shuffle rarely builds.
* Decoys **harder** than real negatives make it too *high* (conservative). Reversal
  keeps those local patterns, and a reversed NES may still look (or even be: Fung et al.
  2015, eLife 4:e10034, doi:10.7554/eLife.10034) like a reverse-oriented NES.

So report both kinds: reverse-decoy FDR is the more conservative figure of the two.
A real proteome with no NES function is a check of the same assumption from the other
side: E. coli has no nucleus and no CRM1, so every call in it is a false positive
(``calls_per_100_proteins_*`` in its ``fdr.json``); it is not a perfect null either, because its composition
differs from a eukaryote's and bacterial proteins do carry sequences that would act as
NESs in a eukaryotic cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

DecoyKind = Literal["shuffle", "reverse"]
DECOY_KINDS: tuple[str, ...] = ("shuffle", "reverse")


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def decoy_sequence(sequence: str, kind: DecoyKind, rng: np.random.Generator | int | None = 0) -> str:
    """One decoy protein: ``sequence`` shuffled (a permutation of all its residues) or reversed.

    Parameters
    ----------
    sequence
        A protein sequence.
    kind
        ``"shuffle"`` or ``"reverse"`` (see the module docstring).
    rng
        Generator or seed for ``"shuffle"`` (unused by ``"reverse"``).

    Examples
    --------
    >>> decoy_sequence("MKLLV", "reverse")
    'VLLKM'
    >>> sorted(decoy_sequence("MKLLV", "shuffle", 1)) == sorted("MKLLV")
    True
    """
    if kind == "reverse":
        return sequence[::-1]
    if kind == "shuffle":
        letters = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
        return _rng(rng).permutation(letters).tobytes().decode("ascii")
    raise ValueError(f"unknown decoy kind {kind!r}; expected one of {DECOY_KINDS}")


def _count_at_or_above(sorted_scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    return len(sorted_scores) - np.searchsorted(sorted_scores, thresholds, side="left")


@dataclass(frozen=True, eq=False)
class FdrCurve:
    """Target-decoy FDR and q-value at every distinct target score.

    Attributes
    ----------
    thresholds
        Distinct target scores, ascending; shape ``(m,)``.
    n_targets_above, n_decoys_above
        Targets and decoys scoring ``>=`` each threshold; shape ``(m,)``.
    fdr
        Estimated FDR at each threshold (see the module docstring), in [0, 1].
    q
        q-value at each threshold: the smallest FDR over this and all lower
        thresholds, so it never decreases as the threshold is lowered.
    n_targets, n_decoys
        Sizes of the two score sets.
    pseudocount
        ``c`` of the module docstring: 1 (``plus_one=True``) or 0.
    """

    thresholds: np.ndarray
    n_targets_above: np.ndarray
    n_decoys_above: np.ndarray
    fdr: np.ndarray
    q: np.ndarray
    n_targets: int
    n_decoys: int
    pseudocount: int
    _sorted_targets: np.ndarray
    _sorted_decoys: np.ndarray

    def fdr_at(self, threshold: float | np.ndarray) -> np.ndarray:
        """Estimated FDR of calling every target scoring ``>= threshold`` (any value).

        Where no target reaches the threshold nothing is called and 0 is returned.
        """
        t = np.atleast_1d(np.asarray(threshold, dtype=np.float64))
        return _fdr(_count_at_or_above(self._sorted_targets, t), _count_at_or_above(self._sorted_decoys, t),
                    self.n_targets, self.n_decoys, self.pseudocount)

    def q_of(self, scores: float | np.ndarray) -> np.ndarray:
        """q-values of arbitrary scores against this curve: ``min FDR(t')`` over ``t' <= score``.

        For the targets' own scores this equals :func:`q_values`; it also serves
        candidates from a larger screen whose curve was estimated on a sample.
        """
        s = np.atleast_1d(np.asarray(scores, dtype=np.float64))
        idx = np.searchsorted(self.thresholds, s, side="right") - 1  # largest threshold <= s
        q_below = np.where(idx >= 0, self.q[np.clip(idx, 0, None)] if len(self.q) else 1.0, 1.0)
        n_t = _count_at_or_above(self._sorted_targets, s)
        own = np.where(n_t > 0, _fdr(n_t, _count_at_or_above(self._sorted_decoys, s),
                                     self.n_targets, self.n_decoys, self.pseudocount), 1.0)
        return np.minimum(q_below, own)


def _fdr(t_above: np.ndarray, d_above: np.ndarray, n_t: int, n_d: int, c: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (d_above + c) / (n_d + c) * n_t / t_above
    return np.where(t_above > 0, np.minimum(est, 1.0), 0.0)


def fdr_curve(target_scores: np.ndarray, decoy_scores: np.ndarray, plus_one: bool = True) -> FdrCurve:
    """Target-decoy FDR estimate at every distinct target score.

    Parameters
    ----------
    target_scores
        Scores of every screened (target) window, any shape (flattened).
    decoy_scores
        Scores of the decoy windows (of :func:`decoy_sequence` proteins); need not number
        the same as the targets: decoy counts are scaled by ``n_targets / n_decoys``.
    plus_one
        Add one to the decoy counts (the finite-sample correction of the module
        docstring); False gives the plain ``D / n_d * n_t / T``.

    Returns
    -------
    FdrCurve

    Examples
    --------
    >>> targets = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    >>> decoys = np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1])
    >>> c = fdr_curve(targets, decoys, plus_one=False)
    >>> c.thresholds.tolist()
    [0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    >>> c.n_targets_above.tolist(), c.n_decoys_above.tolist()
    ([6, 5, 4, 3, 2, 1], [2, 1, 1, 0, 0, 0])
    >>> c.fdr.round(3).tolist(), c.q.round(3).tolist()
    ([0.333, 0.2, 0.25, 0.0, 0.0, 0.0], [0.333, 0.2, 0.2, 0.0, 0.0, 0.0])
    >>> fdr_curve(targets, decoys).fdr.round(3).tolist()  # (D + 1) / 7 * 6 / T
    [0.429, 0.343, 0.429, 0.286, 0.429, 0.857]
    """
    targets = np.sort(np.asarray(target_scores, dtype=np.float64).ravel())
    decoys = np.sort(np.asarray(decoy_scores, dtype=np.float64).ravel())
    if len(decoys) == 0:
        raise ValueError("fdr_curve needs at least one decoy score")
    if np.isnan(targets).any() or np.isnan(decoys).any():
        raise ValueError("fdr_curve: scores contain NaN")
    thresholds = np.unique(targets)
    t_above = _count_at_or_above(targets, thresholds)
    d_above = _count_at_or_above(decoys, thresholds)
    c = int(bool(plus_one))
    fdr = _fdr(t_above, d_above, len(targets), len(decoys), c)
    q = np.minimum.accumulate(fdr) if len(fdr) else fdr
    return FdrCurve(thresholds=thresholds, n_targets_above=t_above, n_decoys_above=d_above, fdr=fdr,
                    q=q, n_targets=len(targets), n_decoys=len(decoys), pseudocount=c,
                    _sorted_targets=targets, _sorted_decoys=decoys)


def q_values(target_scores: np.ndarray, decoy_scores: np.ndarray, plus_one: bool = True) -> np.ndarray:
    """q-value of each target score: the lowest estimated FDR at which it is called.

    Parameters
    ----------
    target_scores, decoy_scores, plus_one
        As for :func:`fdr_curve`.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``target_scores``, in [0, 1]; never smaller for a lower
        score.

    Examples
    --------
    >>> targets = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    >>> q_values(targets, np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1]), plus_one=False).round(3).tolist()
    [0.0, 0.0, 0.0, 0.2, 0.2, 0.333]
    """
    scores = np.asarray(target_scores, dtype=np.float64)
    curve = fdr_curve(scores, decoy_scores, plus_one)
    idx = np.searchsorted(curve.thresholds, scores.ravel(), side="left")
    return curve.q[idx].reshape(scores.shape)


def threshold_at_fdr(target_scores: np.ndarray, decoy_scores: np.ndarray, fdr: float,
                     plus_one: bool = True) -> float:
    """The lowest threshold whose calls have an estimated FDR (q-value) of at most ``fdr``.

    Parameters
    ----------
    target_scores, decoy_scores
        As for :func:`fdr_curve`.
    fdr
        Target false-discovery rate, e.g. 0.05.
    plus_one
        As for :func:`fdr_curve`.

    Returns
    -------
    float
        A target score: call every window scoring ``>=`` it. ``inf`` when no
        threshold reaches ``fdr`` (nothing can be called at that rate).

    Examples
    --------
    >>> targets = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    >>> decoys = np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1])
    >>> [threshold_at_fdr(targets, decoys, a, plus_one=False) for a in (0.25, 0.1)]
    [0.6, 0.8]
    >>> threshold_at_fdr(targets, decoys, 0.3)  # (0 + 1) / 7 * 6 / 3 = 0.286 at 0.8
    0.8
    >>> threshold_at_fdr(targets, np.ones(6), 0.05)
    inf
    """
    curve = fdr_curve(target_scores, decoy_scores, plus_one)
    ok = np.flatnonzero(curve.q <= fdr)
    return float(curve.thresholds[ok[0]]) if len(ok) else float("inf")


