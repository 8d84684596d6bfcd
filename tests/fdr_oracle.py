"""The exact target-decoy FDR curve from sorted scores: the test oracle of
:mod:`nesscan.screen.fdr_binned` (whose module docstring gives the estimate).

It keeps every score (memory grows with the screen), which is why the screen uses the
binned curve; here it checks the binned one and its hand-worked cases check the formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
        Estimated FDR at each threshold (see :mod:`nesscan.screen.fdr_binned`), in [0, 1].
    q
        q-value at each threshold: the smallest FDR over this and all lower
        thresholds, so it never decreases as the threshold is lowered.
    n_targets, n_decoys
        Sizes of the two score sets.
    pseudocount
        ``c`` of :mod:`nesscan.screen.fdr_binned`: 1 (``plus_one=True``) or 0.
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
        Scores of the decoy windows; need not number
        the same as the targets: decoy counts are scaled by ``n_targets / n_decoys``.
    plus_one
        Add one to the decoy counts (the finite-sample correction of
        :mod:`nesscan.screen.fdr_binned`); False gives the plain ``D / n_d * n_t / T``.

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
