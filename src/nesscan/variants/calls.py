"""The window call of one protein on its own, as :func:`nesscan.api.predict` gives it, without
its 4-million-bin histograms.

:func:`nesscan.screen.few_proteins.call_columns` estimates a candidate's error rate with the
screen's binned curves (:mod:`nesscan.screen.fdr_binned`): a histogram of 4,161,537 bins for
the protein's windows and one per reference null, summed from the top. For one protein that
costs about 0.3 s, almost all of it on empty bins. :class:`SparseCurve` computes the same
numbers from the occupied bins alone (sorted bin indices and binary search); a variant run
scores two proteins per variant this way. ``tests/test_variants.py`` checks both give the same
calls and error rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nesscan.predictor import Predictor
from nesscan.screen.assess import Assessment
from nesscan.screen.fdr_binned import score_bins


def _fdr(t_above: np.ndarray, d_above: np.ndarray, n_t: int, n_d: int, c: int) -> np.ndarray:
    """The target-decoy estimate of :mod:`nesscan.screen.fdr_binned`: ``min(1, (D + c) / (n_d + c)
    * n_t / T)``, 0 where ``T = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (d_above + c) / (n_d + c) * n_t / t_above
    return np.where(t_above > 0, np.minimum(est, 1.0), 0.0)


_SORTED: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _sorted_bins(tail: np.ndarray) -> np.ndarray:
    """``np.sort(score_bins(tail))``, computed once per null tail (the same array object)."""
    hit = _SORTED.get(id(tail))
    if hit is not None and hit[0] is tail:
        return hit[1]
    bins = np.sort(score_bins(tail))
    if len(_SORTED) > 64:
        _SORTED.clear()
    _SORTED[id(tail)] = (tail, bins)
    return bins


class SparseCurve:
    """:class:`~nesscan.screen.fdr_binned.BinnedFdrCurve`'s ``q_of`` from sorted bins.

    Parameters
    ----------
    targets
        The protein's call scores (every window).
    null_tail, null_n
        A reference null's call scores at or above its floor, and its number of windows (the
        others count in bin 0, as :meth:`nesscan.screen.nulls.ReferenceNull.add_to` does).
    """

    def __init__(self, targets: np.ndarray, null_tail: np.ndarray, null_n: int, pseudocount: int = 1) -> None:
        self.t_bins = np.sort(score_bins(targets))
        self.d_bins = _sorted_bins(null_tail)
        self.n_t, self.n_d, self.c = len(self.t_bins), int(null_n), pseudocount
        self.rest = self.n_d - len(self.d_bins)
        self.bins = np.unique(self.t_bins)
        fdr = _fdr(*self._above(self.bins), self.n_t, self.n_d, self.c)
        self.q = np.minimum.accumulate(fdr) if len(fdr) else fdr

    def _above(self, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.n_t - np.searchsorted(self.t_bins, bins, side="left")
        d = len(self.d_bins) - np.searchsorted(self.d_bins, bins, side="left") + np.where(bins <= 0, self.rest, 0)
        return t, d

    def q_of(self, scores: float | np.ndarray) -> np.ndarray:
        """q-value of each score: the smallest FDR over thresholds at or below its bin."""
        v = np.atleast_1d(np.asarray(scores, np.float64))
        above = v > 1.0
        bins = score_bins(np.clip(np.nan_to_num(v, nan=0.0), 0.0, 1.0))
        t, d = self._above(bins)
        t, d = np.where(above, 0, t), np.where(above, 0, d)
        idx = np.searchsorted(self.bins, bins, side="right") - 1
        q_below = np.where(idx >= 0, self.q[np.clip(idx, 0, None)] if len(self.q) else 1.0, 1.0)
        own = np.where(t > 0, _fdr(t, d, self.n_t, self.n_d, self.c), 1.0)
        return np.minimum(q_below, own)


def add_calls(assessment: Assessment, nulls: dict) -> Assessment:
    """Give each candidate of ``assessment`` the columns of
    :func:`~nesscan.screen.few_proteins.call_columns` for the protein on its own (``call``,
    ``call_q_value``, ``call_p_value``, ``q_value_shuffle``, ``q_value_natural``); returns it."""
    from nesscan.screen.calls import call_arrays
    from nesscan.screen.few_proteins import call_p_values
    from nesscan.screen.nulls import call_scores

    if not assessment.candidates or assessment.scores is None:
        return assessment
    targets = call_scores([assessment.scores], [assessment.call_factor])
    curves = {name: SparseCurve(targets, r.tail, r.n) for name, r in nulls.items() if r.n and len(targets)}
    s = np.array([_number(c.get("call_score")) for c in assessment.candidates], float)
    columns = call_arrays(s, curves)
    columns["call_p_value"] = call_p_values(s, nulls)
    cols = ["call", "call_q_value", "call_p_value", "q_value_shuffle", "q_value_natural"]
    for k, c in enumerate(assessment.candidates):
        c.update({name: _plain(columns[name][k]) for name in cols})
    return assessment


def _number(v) -> float:
    """A candidate's call score as a float (NaN when missing), as ``pd.to_numeric(errors="coerce")`` reads it."""
    try:
        return float(v) if v is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def _plain(v):
    """A column value as a candidate dict holds it: Python scalars, None for NaN."""
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else float(v)
    return v.item() if isinstance(v, np.generic) else v


def model_nulls(model: Predictor) -> dict:
    """The model's reference nulls a variant run uses (all of them: no screened file to leave out)."""
    from nesscan.screen.nulls import load_nulls, usable_nulls

    return usable_nulls(load_nulls(model.path), "")[0]
