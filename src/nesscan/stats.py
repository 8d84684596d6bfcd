"""Small statistics shared by every layer: the logistic function, its inverse, and
Benjamini-Hochberg q-values.

:func:`sigmoid` turns a classifier's log-odds into a probability and :func:`logit` turns
a probability back into log-odds. Each caller of :func:`logit` states its own clipping
``eps`` (probabilities are clipped to ``[eps, 1 - eps]`` first, so 0 and 1 give finite
log-odds): the protein-level model's inputs use ``1e-6``, the extreme-value tail of the
length-matched null ``1e-12`` (:mod:`nesscan.length_null`).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, element-wise, in the dtype of ``x``.

    Parameters
    ----------
    x
        Log-odds: a number or an array (float32 stays float32; cast before the call for
        float64).

    Returns
    -------
    numpy.ndarray or numpy.floating
        Probabilities in ``[0, 1]``, the shape of ``x``.

    Examples
    --------
    >>> sigmoid(np.array([0.0, 2.0])).round(4).tolist()
    [0.5, 0.8808]
    """
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: Any, eps: float) -> np.ndarray:
    """Log-odds ``log(p / (1 - p))`` of probabilities clipped to ``[eps, 1 - eps]`` (float64).

    Parameters
    ----------
    p
        Probabilities, any shape.
    eps
        Clipping bound, so that 0 and 1 give finite log-odds (``log((1 - eps) / eps)``
        at most in absolute value).

    Examples
    --------
    >>> logit([0.5, 0.8808, 0.0], eps=1e-6).round(3).tolist()
    [0.0, 2.0, -13.816]
    """
    p = np.clip(np.asarray(p, np.float64), eps, 1 - eps)
    return np.log(p) - np.log1p(-p)


def bh_q_values(p: Any) -> np.ndarray:
    """Benjamini-Hochberg q-values of the finite p-values (NaN stays NaN, and does not count).

    Benjamini Y, Hochberg Y. J R Stat Soc B 1995;57:289 (doi:10.1111/j.2517-6161.1995.tb02031.x).

    >>> bh_q_values([0.01, 0.04, np.nan, 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, nan, 0.053, 0.5]
    """
    p = np.atleast_1d(np.asarray(p, np.float64))
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok) == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * len(ok) / np.arange(1, len(ok) + 1)
    out[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return out
