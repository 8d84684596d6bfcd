"""Per-window features computed from the whole parent sequence (and its tracks).

Interface of these *parent* window features (:class:`nesscan.features.ParentWindowFeature`):
``f(parent: str, starts: np.ndarray, window: int, tracks: np.ndarray | None)`` returns
a float32 array of shape ``(len(starts), dim)``, where ``parent`` is the whole parent
(or mutated parent for a synthetic window, see
:func:`nesscan.features.metapredict.mutated_parent`), ``starts`` are 0-based window
starts and ``tracks`` the parent's ``(len(parent), d)`` per-residue tracks. Everything
is vectorised over all starts of a protein (cumulative sums, sliding windows), so scoring
every window of a proteome costs a few numpy passes.

Registered features (:data:`nesscan.features.WINDOW_FEATURES`)
---------------------------------------------------------------
``consensus`` (:func:`consensus_features`)
    Best relaxed Kosugi placement inside the window, both orientations (classes of
    :data:`nesscan.consensus.CLASS_OFFSETS`): anchors that are L/I/V/F/M, Leu at
    anchors (NESsential, Fu et al. 2011 NAR 39:e111), Φ0 (hydrophobic at -3/-4 of Φ1;
    Güttler et al. 2010 NSMB 17:1367), acidic residues upstream of Φ1 (NESsential),
    prolines inside the core, class one-hot, number of strict and 3-anchor matches
    (17 columns, :data:`CONSENSUS_NAMES`).
``physico`` (:func:`physico_features`)
    Window composition (20); net charge, D/E, K/R, P, G counts of the window; net charge,
    D/E, K/R, P and Φ (L/I/V/F/M) of its N- and C-terminal 20-residue flanks (normalised
    by the flank actually present); the best 11-residue and the whole-window amphipathic
    moment at 100° (α-helix; Eisenberg et al. 1982 Nature 299:371) and the mean
    hydrophobicity (38 columns, :data:`PHYSICO_NAMES`).
``track_means`` (:func:`track_window_features`)
    Window / core / min / flank means of every per-residue track column (5 columns
    each, :func:`track_names`; :mod:`nesscan.features.metapredict`; LocNES, Xu et al.
    2015 Bioinformatics 31:1357: NESs sit in accessible, often disordered segments).

The fourth built-in window feature, ``anchor_pssm``, is fitted on training windows and
registered in :mod:`nesscan.features.pssm`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nesscan.consensus import CLASS_OFFSETS, CLASS_ORDER
from nesscan.features.registry import register_window_feature

AA = "ACDEFGHIKLMNPQRSTVWY"
_IDX = np.full(256, 20, np.int64)
_IDX[np.frombuffer(AA.encode(), np.uint8)] = np.arange(20)
# Eisenberg consensus hydrophobicity (Eisenberg et al. 1984 J Mol Biol 179:125)
_EIS = dict(A=0.62, R=-2.53, N=-0.78, D=-0.90, C=0.29, Q=-0.85, E=-0.74, G=0.48, H=-0.40, I=1.38,
            L=1.06, K=-1.50, M=0.64, F=1.19, P=0.12, S=-0.18, T=-0.05, W=0.81, Y=0.26, V=1.08)
_EIS_ARR = np.array([_EIS[a] for a in AA] + [0.0])

CONSENSUS_NAMES = (["phi_anchors", "leu_anchors", "phi0", "acidic_up", "pro_core", "n_strict",
                    "n_three"] + [f"class_{c}" for c in CLASS_ORDER])
PHYSICO_NAMES = ([f"comp_{a}" for a in AA] + ["charge", "acidic", "basic", "pro", "gly"]
                 + [f"{side}_{k}" for side in ("nflank", "cflank") for k in ("charge", "acidic", "basic",
                                                                             "pro", "phi")]
                 + ["mu_h_max", "mu_h_window", "hyd_mean"])


def codes(sequence: str) -> np.ndarray:
    """Residue indices into :data:`AA` (20 = non-standard)."""
    return _IDX[np.frombuffer(sequence.upper().encode("ascii", "replace"), np.uint8)]


def _wsum(x: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Sums of ``x`` (1-D or (L, d)) over ``[starts, starts + length)`` clipped to the sequence."""
    c = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)])
    lo = np.minimum(np.maximum(starts, 0), len(x))  # np.clip, without its overhead (integer starts)
    hi = np.minimum(np.maximum(starts + length, 0), len(x))
    return c[hi] - c[lo]


def consensus_features(sequence: str, starts: np.ndarray, window: int = 22) -> np.ndarray:
    """Best relaxed Kosugi placement in each window (columns :data:`CONSENSUS_NAMES`).

    A placement is (class, Φ1 position) with all four anchors inside the window. Its
    key ranks, in order: anchors that are Φ (L/I/V/F/M, 0-4), Leu anchors, Φ0 present,
    fewer prolines in the core. A window shorter than a class span has no placement of
    that class (all zeros).
    """
    starts = np.asarray(starts, np.int64)
    s = sequence.upper()
    n = len(s)
    arr = np.frombuffer(s.encode("ascii", "replace"), np.uint8)
    phi = np.isin(arr, np.frombuffer(b"LIVFM", np.uint8)).astype(np.int64)
    leu = (arr == ord("L")).astype(np.int64)
    phi0s = np.isin(arr, np.frombuffer(b"LIVFMWY", np.uint8)).astype(np.int64)
    acid = np.isin(arr, np.frombuffer(b"DE", np.uint8)).astype(np.float64)
    pro = (arr == ord("P")).astype(np.float64)
    best_key = np.full(len(starts), -1, np.int64)
    out = np.zeros((len(starts), len(CONSENSUS_NAMES)), np.float32)
    nc = len(CLASS_ORDER)
    for ci, name in enumerate(CLASS_ORDER):
        offs = CLASS_OFFSETS[name]
        span = offs[-1] + 1
        m = n - span + 1
        if m <= 0 or window < span:
            continue
        p = np.arange(m)
        nphi = sum(phi[p + o] for o in offs)
        nleu = sum(leu[p + o] for o in offs)
        pad0 = np.concatenate([np.zeros(4, np.int64), phi0s])
        f0 = ((pad0[p + 4 - 3] + pad0[p + 4 - 4]) > 0).astype(np.int64)  # hydrophobic at -3 / -4 of Φ1
        pcore = _wsum(pro, p, span).astype(np.int64)
        aup = _wsum(acid, p - 6, 6)  # D/E in the 6 residues before Φ1
        key = nphi * 1000 + nleu * 100 + f0 * 10 + (9 - np.minimum(pcore, 9))
        # placements whose anchors lie in [a, a + window): Φ1 position in [a, a + window - span]
        w = window - span + 1
        keyp = np.concatenate([key, np.full(w, -1, np.int64)])
        sl = sliding_window_view(keyp, w)
        a = np.minimum(np.maximum(starts, 0), m - 1)
        arg = sl[a].argmax(axis=1)
        k = sl[a, arg]
        pos = np.minimum(np.maximum(a + arg, 0), m - 1)
        better = k > best_key
        best_key = np.where(better, k, best_key)
        vals = np.stack([nphi[pos], nleu[pos], f0[pos], aup[pos], pcore[pos]], axis=1).astype(np.float32)
        out[better, :5] = vals[better]
        out[better, 7:7 + nc] = 0
        out[better, 7 + ci] = 1
        hit4 = np.concatenate([(nphi == 4).astype(np.int64), np.zeros(w, np.int64)])
        hit3 = np.concatenate([(nphi >= 3).astype(np.int64), np.zeros(w, np.int64)])
        out[:, 5] += _wsum(hit4.astype(np.float64), a, w)
        out[:, 6] += _wsum(hit3.astype(np.float64), a, w)
    return out


def physico_features(sequence: str, starts: np.ndarray, window: int = 22, flank: int = 20) -> np.ndarray:
    """Composition, charge, flanks and helical amphipathic moment (:data:`PHYSICO_NAMES`)."""
    starts = np.asarray(starts, np.int64)
    c = codes(sequence)
    onehot = np.zeros((len(c), 21))
    onehot[np.arange(len(c)), c] = 1
    comp = _wsum(onehot, starts, window)[:, :20] / window
    acid = onehot[:, [AA.index("D"), AA.index("E")]].sum(1)
    basic = onehot[:, [AA.index("K"), AA.index("R")]].sum(1)
    pro = onehot[:, AA.index("P")]
    gly = onehot[:, AA.index("G")]
    phi = onehot[:, [AA.index(x) for x in "LIVFM"]].sum(1)
    win = [_wsum(basic - acid, starts, window), _wsum(acid, starts, window), _wsum(basic, starts, window),
           _wsum(pro, starts, window), _wsum(gly, starts, window)]
    flanks = []
    for lo in (starts - flank, starts + window):
        present = np.maximum(_wsum(np.ones(len(c)), lo, flank), 1.0)
        flanks += [_wsum(x, lo, flank) / present for x in (basic - acid, acid, basic, pro, phi)]
    h = _EIS_ARR[c]
    ang = np.deg2rad(100.0) * np.arange(len(c))
    z = np.stack([h * np.cos(ang), h * np.sin(ang)], axis=1)
    seg = 11
    mu = np.hypot(*(_wsum(z, np.arange(len(c)), seg).T)) / seg  # moment of the 11-mer at each start
    mup = np.concatenate([mu, np.zeros(window)])
    mu_max = sliding_window_view(mup, window - seg + 1)[np.clip(starts, 0, len(c) - 1)].max(axis=1)
    mu_win = np.hypot(*(_wsum(z, starts, window).T)) / window
    hyd = _wsum(h, starts, window) / window
    return np.column_stack([comp, *win, *flanks, mu_max, mu_win, hyd]).astype(np.float32)


def track_names(track_cols: tuple[str, ...]) -> list[str]:
    """Column names of :func:`track_window_features` for tracks named ``track_cols``."""
    return [f"{t}_{part}" for t in track_cols for part in ("window", "core", "min", "nflank", "cflank")]


def track_window_features(track: np.ndarray, starts: np.ndarray, window: int = 22, flank: int = 20,
                          core: int = 12) -> np.ndarray:
    """Per track column: window mean, central ``core`` mean, window min, flank means.

    Parameters
    ----------
    track
        ``(L, d)`` per-residue track of the whole (mutated) parent.
    """
    starts = np.asarray(starts, np.int64)
    L = len(track)
    cols = []
    off = (window - core) // 2
    for j in range(track.shape[1]):
        x = track[:, j].astype(np.float64)
        mean = _wsum(x, starts, window) / window
        cmean = _wsum(x, starts + off, core) / core
        xp = np.concatenate([x, np.full(window, np.inf)])
        mn = sliding_window_view(xp, window)[np.clip(starts, 0, L - 1)].min(axis=1)
        nf = []
        for lo in (starts - flank, starts + window):
            present = _wsum(np.ones(L), lo, flank)
            nf.append(np.where(present > 0, _wsum(x, lo, flank) / np.maximum(present, 1), mean))
        cols += [mean, cmean, mn, *nf]
    return np.column_stack(cols).astype(np.float32)


class _Block:
    """A registered parent window feature over one of the functions above."""

    parent = True
    fitted = False

    def __init__(self, fn, names: list[str]) -> None:
        self.fn, self.names, self.dim = fn, names, len(names)

    def __call__(self, parent: str, starts: np.ndarray, window: int, tracks: np.ndarray | None) -> np.ndarray:
        return self.fn(parent, starts, window)


class _TrackMeans:
    """``track_means``: :func:`track_window_features` of the featurizer's tracks."""

    parent = True
    fitted = False

    def __init__(self, columns: list[str]) -> None:
        self.names = track_names(tuple(columns))
        self.dim = len(self.names)

    def __call__(self, parent: str, starts: np.ndarray, window: int, tracks: np.ndarray | None) -> np.ndarray:
        if tracks is None or tracks.shape[1] * 5 != self.dim:
            raise ValueError(f"track_means needs {self.dim // 5} per-residue track column(s)")
        return track_window_features(tracks, starts, window)


@register_window_feature("consensus")
def _consensus(spec: dict, runtime: Any) -> _Block:
    return _Block(consensus_features, list(CONSENSUS_NAMES))


@register_window_feature("physico")
def _physico(spec: dict, runtime: Any) -> _Block:
    return _Block(physico_features, list(PHYSICO_NAMES))


@register_window_feature("track_means")
def _track_means(spec: dict, runtime: Any) -> _TrackMeans:
    return _TrackMeans(list(spec.get("columns", [])))
