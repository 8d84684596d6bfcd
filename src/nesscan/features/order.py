"""Motif order beyond composition: the ``order`` window feature.

A composition-preserving shuffle of an NES keeps every composition feature, so a window
model that leans on composition scores it like the NES. These columns see the *order* of
the window's residues, each as an excess over its expectation under a random permutation
of the same residues (a shuffle scores 0 on average, whatever its composition):

``phi_pair_1`` .. ``phi_pair_7``
    Pairs of hydrophobic residues (Φ = L, I, V, F, M) ``d`` apart inside the window,
    minus the expected count ``(W - d) n (n - 1) / (W (W - 1))`` for ``n`` Φ among ``W``
    residues. NES anchors are spaced 2-3 apart (Φ1-Φ2-Φ3, Kosugi et al. 2008 JBC
    283:27473; their i, i+3/i+4, i+7 helical faces, Güttler et al. 2010 NSMB 17:1367),
    rarely adjacent.
``phi_center_12``, ``phi_center_8``, ``phi_max_12``
    Φ in the central 12 / 8 residues, and in the best 12-residue stretch, minus the
    expectation: an NES packs its anchors into 8-15 residues.
``phi_span``
    Residues from the first to the last Φ of the window, minus its expectation.
``acidic_center``, ``proline_center``
    D/E and P in the central 12 residues minus the expectation (acidic residues flank
    NESs, prolines break the helix the groove binds).
``phi_moment_100``, ``phi_moment_160``
    Magnitude of the Φ-indicator moment at 100° (α-helix) and 160° (extended strand)
    per residue, minus its expectation under permutation (``n (W - n) / (W (W - 1))``
    times ``W``, then square-rooted): the CRM1 groove binds a helix followed by an
    extended stretch (Güttler et al. 2010).

Everything is vectorised over all window starts of a parent (cumulative sums), as in
:mod:`nesscan.features.window`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nesscan.features.registry import register_window_feature
from nesscan.features.window import _wsum

PAIR_DISTANCES = tuple(range(1, 8))
ORDER_NAMES = ([f"phi_pair_{d}" for d in PAIR_DISTANCES]
               + ["phi_center_12", "phi_center_8", "phi_max_12", "phi_span", "acidic_center", "proline_center",
                  "phi_moment_100", "phi_moment_160"])


def _indicator(sequence: str, letters: bytes) -> np.ndarray:
    arr = np.frombuffer(sequence.upper().encode("ascii", "replace"), np.uint8)
    return np.isin(arr, np.frombuffer(letters, np.uint8)).astype(np.float64)


def _expected_span(n: np.ndarray, w: int) -> np.ndarray:
    """Expected distance from the first to the last of ``n`` marked positions among ``w``
    placed at random: ``(w + 1)(n - 1)/(n + 1)`` (order statistics), 0 for ``n < 2``."""
    return np.where(n >= 2, (w + 1) * (n - 1) / (n + 1), 0.0)


def order_features(sequence: str, starts: np.ndarray, window: int = 22) -> np.ndarray:
    """The :data:`ORDER_NAMES` columns of each window ``[start, start + window)`` of ``sequence``.

    Examples
    --------
    >>> import numpy as np
    >>> f = order_features("AAAALAALAALAALAAAAAAAA", np.array([0]))  # Φ spaced 3 apart
    >>> round(float(f[0, ORDER_NAMES.index("phi_pair_3")]), 2)
    2.51
    """
    starts = np.asarray(starts, np.int64)
    L = len(sequence)
    h = _indicator(sequence, b"LIVFM")
    w = np.clip(np.minimum(starts + window, L) - np.clip(starts, 0, L), 1, None).astype(np.float64)
    n = _wsum(h, starts, window)
    cols = []
    for d in PAIR_DISTANCES:
        prod = h[:-d] * h[d:] if L > d else np.zeros(0)
        obs = _wsum(prod, starts, window - d)
        cols.append(obs - np.clip(w - d, 0, None) * n * (n - 1) / np.maximum(w * (w - 1), 1))
    off12, off8 = (window - 12) // 2, (window - 8) // 2
    cols.append(_wsum(h, starts + off12, 12) - n * 12 / w)
    cols.append(_wsum(h, starts + off8, 8) - n * 8 / w)
    per12 = np.concatenate([_wsum(h, np.arange(L), 12), np.zeros(window)])
    m12 = sliding_window_view(per12, max(window - 11, 1))[np.clip(starts, 0, max(L - 1, 0))].max(axis=1)
    cols.append(m12 - n * np.minimum(12, w) / w)
    idx = np.flatnonzero(h)
    a = np.clip(starts, 0, L)
    b = np.minimum(starts + window, L)
    first = np.searchsorted(idx, a, side="left")
    last = np.searchsorted(idx, b, side="left") - 1
    has2 = n >= 2
    span = np.where(has2, idx[np.clip(last, 0, max(len(idx) - 1, 0))] - idx[np.clip(first, 0, max(len(idx) - 1, 0))]
                    if len(idx) else 0.0, 0.0)
    cols.append(span - _expected_span(n, window) * np.where(has2, 1.0, 0.0))
    for letters in (b"DE", b"P"):
        x = _indicator(sequence, letters)
        cols.append(_wsum(x, starts + off12, 12) - _wsum(x, starts, window) * 12 / w)
    k = np.arange(L)
    var = n * (w - n) / np.maximum(w - 1, 1)  # permutation expectation of |moment|^2 (angles away from 0)
    for deg in (100.0, 160.0):
        ang = np.deg2rad(deg) * k
        z = np.stack([h * np.cos(ang), h * np.sin(ang)], axis=1)
        s = _wsum(z, starts, window)
        cols.append((np.hypot(s[:, 0], s[:, 1]) - np.sqrt(var)) / np.sqrt(w))
    out = np.column_stack(cols)
    out[w < window] = 0.0  # a window cut short by the parent's end (a protein shorter than a window)
    return out.astype(np.float32)


class _Order:
    """``order``: :func:`order_features` of each window of the (mutated) parent."""

    parent = True
    fitted = False
    names = list(ORDER_NAMES)
    dim = len(ORDER_NAMES)

    def __call__(self, parent: str, starts: np.ndarray, window: int, tracks: np.ndarray | None) -> np.ndarray:
        return order_features(parent, starts, window)


@register_window_feature("order")
def _order(spec: dict, runtime: Any) -> _Order:
    return _Order()
