"""The length-matched null of a protein's best window, and p-values against a fixed null.

The best window's score grows with protein length: a protein of ``n`` windows draws
``n`` times from the window-score distribution, so its maximum rises with ``n`` even
when it holds no NES. The correction is a p-value (and ``-log10 p`` as the calibrated
score) against proteins of similar length.

Length-matched null
    :class:`LengthMatchedNull`: the protein's best window against the best windows of
    the ``k`` background proteins closest to it in length (number of windows, on a
    log scale): ``p = (1 + #{neighbour maxima >= max}) / (k + 1)``. The background is
    a set of proteins without (or mostly without) NES: the screened proteome's decoys,
    another proteome, or held-out negatives. It makes no assumption about the
    window-score distribution, which itself shifts with length. The empirical p-value
    has a resolution of ``1 / (k + 1)``, so beyond the ``TAIL_ANCHOR``-th largest
    neighbour maximum the p-value follows a fitted tail (below).

Extreme-value tail (the smoothing beyond the empirical resolution)
    The best of ``n`` window scores is a maximum, whose textbook null is the Gumbel
    (type I extreme-value) law (Gumbel 1958, *Statistics of Extremes*; the same law
    gives the E-values of local alignment scores, Karlin & Altschul 1990, PNAS 87:2264).
    Per query, on the logit scale when the scores are probabilities (the logit of a
    maximum is the maximum of the logits, and is unbounded like a Gumbel variable):
    above the ``r``-th largest neighbour maximum ``a`` (``r = TAIL_ANCHOR``) the upper
    tail of a Gumbel law is exponential with the law's scale ``beta``, so
    ``p = r / (k + 1) * exp(-(x - a) / beta)``, with ``beta`` the maximum-likelihood
    estimate from the neighbours' excesses over ``a`` (the mean excess of the ``r - 1``
    above it; peaks over a threshold, Pickands 1975, Ann. Stat. 3:119). The
    empirical p-value where it has resolution, the fitted tail beyond it (continuous
    at ``a``, strictly decreasing in the score, so the top proteins do not tie). Only
    the tail is fitted, not the whole neighbourhood: the body of real neighbour maxima
    need not be Gumbel. Neighbourhoods of fewer than ``MIN_TAIL_K`` proteins keep the
    empirical p-value. The fit is per length neighbourhood, so the p-value stays
    independent of length; it needs only each background protein's best window and
    window count.

Fixed null
    :func:`cargo_p_values`: the same p-value against one fixed sample (every score of
    the null in one neighbourhood), for the protein-level model's scores against the
    null shipped with the model.

Used by the screen's calibration (:mod:`nesscan.screen.calibration`), the web predict
page and the protein-level validation (:mod:`nesscan.validate.protein_level`); their
evidence: :func:`nesscan.validate.evaluate.auc_by_length_quartile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nesscan.stats import logit


#: rank of the neighbour maximum above which the fitted Gumbel tail replaces the empirical p-value
TAIL_ANCHOR = 10
#: fewest neighbours for a tail fit (smaller neighbourhoods keep the empirical p-value)
MIN_TAIL_K = 20
#: clipping of the scores' logit in the tail fit (:func:`nesscan.stats.logit`)
LOGIT_EPS = 1e-12


@dataclass(frozen=True)
class LengthMatchedNull:
    """Best-window scores of background proteins, sorted by their number of windows."""

    n_windows: np.ndarray  # background proteins' window counts, ascending
    maxima: np.ndarray  # their best-window scores, same order
    k: int  # neighbours per query
    tail: bool = True  # fitted Gumbel tail beyond the TAIL_ANCHOR-th neighbour (see the module docstring)
    logit: bool = False  # fit the tail on the logit scale (the maxima are probabilities)

    def pvalue(self, max_score: Any, n_windows: Any) -> np.ndarray:
        """``(1 + #{maxima of the k nearest-length background proteins >= max_score}) / (k + 1)``.

        Neighbours are the ``k`` consecutive background proteins (in length order) centred
        on the query's ``log(n_windows)``, shifted inwards at the ends of the range.
        """
        m = np.atleast_1d(np.asarray(max_score, float))
        w = np.atleast_1d(np.asarray(n_windows, float))
        k = min(self.k, len(self.n_windows))
        centre = np.searchsorted(np.log(self.n_windows), np.log(np.maximum(w, 1)))
        lo = np.clip(centre - k // 2, 0, len(self.n_windows) - k)
        p = np.empty(len(m))
        for i in range(0, len(m), 4096):  # bounded memory: 4096 x k neighbours at a time
            block = self.maxima[lo[i:i + 4096, None] + np.arange(k)]
            p[i:i + 4096] = self._block_pvalue(block, m[i:i + 4096], k)
        return p

    def _block_pvalue(self, block: np.ndarray, m: np.ndarray, k: int) -> np.ndarray:
        exceed = (block >= m[:, None]).sum(axis=1)
        p = (1.0 + exceed) / (k + 1.0)
        r = TAIL_ANCHOR
        if not self.tail or k < MIN_TAIL_K:
            return p
        z = logit(block, LOGIT_EPS) if self.logit else block
        x = logit(m, LOGIT_EPS) if self.logit else m
        top = -np.partition(-z, r - 1, axis=1)[:, :r]  # the r largest neighbours (unordered)
        anchor = top.min(axis=1)  # the r-th largest
        # Gumbel upper tail: excesses over a high anchor are exponential with the Gumbel's scale;
        # its maximum-likelihood estimate is the mean excess of the r - 1 neighbours above the anchor
        beta = np.maximum((top.sum(axis=1) - r * anchor) / (r - 1), 1e-9)
        beyond = x > anchor
        tail = r / (k + 1.0) * np.exp(-np.maximum(x - anchor, 0.0) / beta)
        return np.where(beyond, tail, p)

    def calibrated_score(self, max_score: Any, n_windows: Any) -> np.ndarray:
        """``-log10`` of :meth:`pvalue` (higher = more NES-like)."""
        return -np.log10(self.pvalue(max_score, n_windows))


def fit_length_matched(maxima: Any, n_windows: Any, k: int = 100, tail: bool = True) -> LengthMatchedNull:
    """A :class:`LengthMatchedNull` from background proteins' best windows and window counts.

    Parameters
    ----------
    maxima, n_windows
        Best-window score and number of windows of each background protein, shape ``(n,)``.
    k
        Neighbours per query (fewer when the background is smaller).
    tail
        Smooth beyond the empirical resolution with a fitted Gumbel tail (module
        docstring); False gives the plain empirical p-value.

    Examples
    --------
    >>> null = fit_length_matched(np.arange(10.0), np.arange(1, 11) * 100, k=4)
    >>> null.pvalue([8.5, 0.0], [1000, 100]).tolist()   # among 6..9 / among 0..3
    [0.4, 1.0]
    """
    mx, nw = np.asarray(maxima, float), np.asarray(n_windows, float)
    if mx.shape != nw.shape or mx.ndim != 1 or len(mx) == 0:
        raise ValueError("maxima and n_windows must be non-empty 1-D arrays of equal length")
    if k < 1 or (nw < 1).any():
        raise ValueError("k and every n_windows must be at least 1")
    order = np.argsort(nw, kind="stable")
    probabilities = bool(((mx >= 0) & (mx <= 1)).all())
    return LengthMatchedNull(n_windows=nw[order], maxima=mx[order], k=int(k), tail=tail, logit=probabilities)


def cargo_p_values(scores: Any, null: Any) -> np.ndarray:
    """Each protein's ``cargo_p_value``: its protein score against a fixed reference null.

    The null is the out-of-fold protein scores of the cargo model's training non-binders
    (:attr:`nesscan.model.cargo.CargoModel.null`, shipped with the model), so a protein's
    p-value does not depend on what else is screened. ``p = (1 + #{null >= score}) / (n0 + 1)``
    where that has resolution, and beyond the ``TAIL_ANCHOR``-th largest null score the
    exponential (Gumbel) tail of :class:`LengthMatchedNull` on the logit scale, so the
    strongest proteins do not tie at ``1 / (n0 + 1)``. NaN scores stay NaN.

    Examples
    --------
    >>> cargo_p_values([0.05, 0.5, np.nan], np.linspace(0.01, 0.4, 40)).round(3).tolist()
    [0.902, 0.007, nan]
    """
    s = np.atleast_1d(np.asarray(scores, np.float64))
    out = np.full(len(s), np.nan)
    ok = np.isfinite(s)
    null = np.asarray(null, np.float64)
    if ok.any() and len(null):
        ref = fit_length_matched(null, np.ones(len(null)), k=len(null))
        out[ok] = ref.pvalue(s[ok], np.ones(int(ok.sum())))
    return out
