"""False-discovery rates of screen calls, estimated from decoys, in memory that does not
grow with the screen (score histograms).

Decoys
------
A decoy protein is a composition-preserving shuffle of a screened (target) protein
(:func:`nesscan.shuffle.shuffle_sequence`): it keeps the protein's length and residues,
so the decoy set has the proteome's own length distribution and, summed over proteins,
exactly its amino-acid composition; order, hence helices, amphipathic periodicity and
consensus spacing, is destroyed except by chance. Decoy windows are the windows of the
decoy proteins. The screen makes a decoy for a seeded share of the proteins
(``--decoy-fraction``, 0.25 by default: a quarter of the cost of the screen). Fewer
decoys make the estimate noisier where it matters, near the top: with ``n_d`` decoy
windows, ``n_t`` target windows and ``T`` calls, the smallest FDR the estimate can
resolve is about ``n_t / (n_d * T)``: with a decoy for a quarter of the proteins, an FDR
of 5% needs at least 80 calls.

The estimate and its assumption
-------------------------------
At threshold ``t``, with ``T(t)`` targets and ``D(t)`` decoys scoring ``>= t``::

    FDR(t) = min(1, (D(t) + c) / (n_d + c) * n_t / T(t))

with ``c = 1`` by default (``plus_one=True``) and ``c = 0`` for the plain estimate.
``(D(t) + 1) / (n_d + 1)`` is the empirical (conformal) p-value of a score ``t`` against
the decoys; it is never too small when null windows and decoys are exchangeable, and the
Benjamini-Hochberg procedure on such p-values controls the FDR (Bates et al. 2023, Ann
Stat 51:149, doi:10.1214/22-AOS2244); the q-values here are BH's adjusted p-values (the
running minimum of the FDR from the top). The ``+1`` matters at the top, where no decoy
is left: without it, the single best target window of a screen whose scores are no
better than its decoys' gets an estimated FDR of 0 (measured on a yeast sample with the
physchem model: one call "at FDR 5%", alone above every decoy); with it, ``T`` calls
above every decoy get ``~n_t / (n_d T)``, 1 for that lone window.

Units: the curve counts *windows*. Overlapping windows are strongly dependent and a
screen reports runs of them as one candidate, so the window FDR is the share of false
windows among called windows (the screen reports candidate runs beside it:
:mod:`nesscan.screen.calibration`).

``D(t) / n_d`` estimates the probability that a window that is *not* an NES scores
``>= t``, which assumes decoy windows score like the proteome's real non-NES windows.
Multiplying by all ``n_t`` windows (not only the non-NES ones, which are unknown)
overcounts the false calls by the fraction of true NES windows, a fraction of a percent
in a proteome: negligible, and conservative. Decoys **easier** than real negatives (they
score lower) make the FDR too *low* (anti-conservative), and shuffles are likely
offenders: real non-NES windows include amphipathic helices and consensus-matching
hydrophobic stretches (buried helices of folded domains, signal peptides, transmembrane
segments) that a shuffle rarely builds. A real proteome with no NES function checks the
same assumption from the other side: E. coli has no nucleus and no CRM1, so every call
in it is a false positive (``calls_per_100_proteins_*`` in its ``fdr.json``); it is not a
perfect null either, because its composition differs from a eukaryote's and bacterial
proteins do carry sequences that would act as NESs in a eukaryotic cell.

Histograms
----------
A proteome screen has one score per window (11 M for a human proteome, 180 M for 16 of
them); keeping them all to sort them costs 4-8 bytes a window. Scores are probabilities
in [0, 1], and the bit pattern of a non-negative float32 orders like its value, so the
top ``32 - SHIFT`` bits of each score name a bin, bins are ordered like scores, and a
histogram of bin counts (``HIST_BINS`` int64 counters, 33 MB) gives exact counts of the
scores at or above any bin's lower edge.

Resolution: with ``SHIFT = 8``, 15 of float32's 23 mantissa bits are kept, so two scores
share a bin only when they differ by less than ``2**-15`` (3.1e-5) of their value: the
curve's thresholds are the lower edges of the occupied bins, and a score is compared
with a threshold at that resolution. Every count reported at a threshold that is a bin
edge (the FDR thresholds the screen reports are) is exact: ``tests/test_fdr_binned.py``
checks the curve against an exact one computed from sorted scores (``tests/fdr_oracle.py``).
A q-value moves only through the scores that share a bin with a threshold: on 100,000
random target and 25,000 decoy scores, 61% of q-values were equal to the exact ones, the
99th percentile of the relative difference was 1.6e-4 and the largest 2.6%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


SHIFT = 8
"""Low bits of a float32 score dropped to make its bin."""
HIST_BINS = (0x3F800000 >> SHIFT) + 1
"""Bins from 0.0 to 1.0 inclusive (``0x3F800000`` is the float32 1.0)."""


def _fdr(t_above: np.ndarray, d_above: np.ndarray, n_t: int, n_d: int, c: int) -> np.ndarray:
    """``min(1, (D + c) / (n_d + c) * n_t / T)``, 0 where nothing is called (``T = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (d_above + c) / (n_d + c) * n_t / t_above
    return np.where(t_above > 0, np.minimum(est, 1.0), 0.0)


def score_bins(scores: np.ndarray) -> np.ndarray:
    """Bin index of each score (float32 bit pattern without its ``SHIFT`` low bits).

    Raises
    ------
    ValueError
        A score is NaN or outside [0, 1].

    Examples
    --------
    >>> score_bins(np.array([0.0, 0.5, 1.0])).tolist()
    [0, 4128768, 4161536]
    """
    s = np.ascontiguousarray(scores, dtype=np.float32).ravel()
    if len(s) and not (np.all(s >= 0) and np.all(s <= 1)):  # NaN fails both
        raise ValueError("scores must be probabilities in [0, 1] (no NaN)")
    return (s.view(np.uint32) >> SHIFT).astype(np.int64)


def bin_floor(bins: np.ndarray) -> np.ndarray:
    """Lowest score (float64) of each bin: every score of bin ``b`` is ``>=`` it.

    Examples
    --------
    >>> bin_floor(score_bins(np.array([0.5, 0.75]))).tolist()
    [0.5, 0.75]
    """
    return (np.asarray(bins, np.uint32) << np.uint32(SHIFT)).view(np.float32).astype(np.float64)


class ScoreHistogram:
    """Counts of scores per bin; add scores chunk by chunk.

    Examples
    --------
    >>> h = ScoreHistogram(); h.add(np.array([0.2, 0.9])); h.add(np.array([0.9]))
    >>> h.n, int(h.counts.sum())
    (3, 3)
    """

    def __init__(self) -> None:
        self.counts = np.zeros(HIST_BINS, np.int64)

    @property
    def n(self) -> int:
        """Scores added."""
        return int(self.counts.sum())

    def add(self, scores: np.ndarray) -> None:
        """Count ``scores`` (probabilities in [0, 1], any shape)."""
        bins = score_bins(scores)
        if len(bins):
            self.counts += np.bincount(bins, minlength=HIST_BINS)

    def at_or_above(self) -> np.ndarray:
        """Scores in bin ``b`` or above, for every ``b``; shape ``(HIST_BINS,)``."""
        return np.cumsum(self.counts[::-1])[::-1]


@dataclass(frozen=True, eq=False)
class BinnedFdrCurve:
    """Target-decoy FDR and q-value at the lower edge of every occupied target bin.

    ``thresholds`` ascending; ``n_targets_above``, ``n_decoys_above``: targets and decoys
    in that bin or above; ``fdr``: the estimate of the module docstring there; ``q``: the
    smallest FDR over this and all lower thresholds; ``pseudocount``: ``c`` (1 or 0).
    """

    thresholds: np.ndarray
    n_targets_above: np.ndarray
    n_decoys_above: np.ndarray
    fdr: np.ndarray
    q: np.ndarray
    n_targets: int
    n_decoys: int
    pseudocount: int
    _bins: np.ndarray  # occupied target bins, ascending
    _t_suffix: np.ndarray
    _d_suffix: np.ndarray

    def _counts(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        v = np.atleast_1d(np.asarray(values, np.float64))
        above = v > 1.0  # nothing scores above 1
        bins = score_bins(np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0))
        t = np.where(above, 0, self._t_suffix[bins])
        d = np.where(above, 0, self._d_suffix[bins])
        return bins, t, d

    def fdr_at(self, threshold: float | np.ndarray) -> np.ndarray:
        """Estimated FDR of calling every target in the threshold's bin or above (0 if none)."""
        _, t, d = self._counts(threshold)
        return _fdr(t, d, self.n_targets, self.n_decoys, self.pseudocount)

    def q_of(self, scores: float | np.ndarray) -> np.ndarray:
        """q-value of each score: the smallest FDR over thresholds at or below its bin."""
        bins, t, d = self._counts(scores)
        idx = np.searchsorted(self._bins, bins, side="right") - 1
        q_below = np.where(idx >= 0, self.q[np.clip(idx, 0, None)] if len(self.q) else 1.0, 1.0)
        own = np.where(t > 0, _fdr(t, d, self.n_targets, self.n_decoys, self.pseudocount), 1.0)
        return np.minimum(q_below, own)


def binned_fdr_curve(targets: ScoreHistogram, decoys: ScoreHistogram, plus_one: bool = True) -> BinnedFdrCurve:
    """The target-decoy FDR curve (module docstring) from two histograms.

    Examples
    --------
    >>> t, d = ScoreHistogram(), ScoreHistogram()
    >>> t.add(np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])); d.add(np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1]))
    >>> c = binned_fdr_curve(t, d, plus_one=False)
    >>> c.n_targets_above.tolist(), c.n_decoys_above.tolist()
    ([6, 5, 4, 3, 2, 1], [2, 1, 1, 0, 0, 0])
    >>> c.q.round(3).tolist()
    [0.333, 0.2, 0.2, 0.0, 0.0, 0.0]
    """
    n_t, n_d = targets.n, decoys.n
    if n_d == 0:
        raise ValueError("binned_fdr_curve needs at least one decoy score")
    t_suffix, d_suffix = targets.at_or_above(), decoys.at_or_above()
    bins = np.flatnonzero(targets.counts)
    c = int(bool(plus_one))
    t_above, d_above = t_suffix[bins], d_suffix[bins]
    fdr = _fdr(t_above, d_above, n_t, n_d, c)
    q = np.minimum.accumulate(fdr) if len(fdr) else fdr
    return BinnedFdrCurve(thresholds=bin_floor(bins), n_targets_above=t_above, n_decoys_above=d_above,
                          fdr=fdr, q=q, n_targets=n_t, n_decoys=n_d, pseudocount=c,
                          _bins=bins, _t_suffix=t_suffix, _d_suffix=d_suffix)
