"""Sequence features that say where a protein lives: N-terminal signals and membrane segments.

A protein can be CRM1 cargo only if it reaches the nucleoplasm as a free soluble protein.
Three kinds of sequence evidence say it does not (the first two are read from the
N-terminus, where the targeting signals of the secretory pathway and of mitochondria sit):

``nterm`` (56)
    Amino-acid fractions of residues 1-30 (20); the h-region of a signal peptide: the
    largest Kyte-Doolittle mean over 8-residue windows starting at residues 1-30 and where it
    starts (/30), and over 19-residue windows within residues 1-60 (a signal anchor)
    (Kyte & Doolittle 1982, J Mol Biol 157:105; von Heijne 1985, J Mol Biol 184:99);
    K+R in residues 1-10 (the n-region) and D+E in 1-20; of a mitochondrial presequence:
    the net charge of residues 1-30 and the largest hydrophobic moment of an 18-residue
    alpha helix (100 degrees per residue, Eisenberg consensus scale: Eisenberg et al. 1984,
    J Mol Biol 179:125) starting at residues 1-20, and R, S, D+E and K+R in residues 1-30 beside
    the whole protein's (von Heijne 1986, EMBO J 5:1335: a presequence is basic where the rest
    of the protein is not, unlike a ribosomal protein, basic throughout); the whole protein's
    K+R and D+E; the amino-acid fractions of residues 1-15 (20: most of a presequence's
    signal sits there, Vögtle et al. 2009, Cell 139:428) and the K+R and D+E fractions of
    residues 31-90 (the mature protein after a typical presequence); the natural log of the
    length.
``tm`` (7)
    TopPred's candidate transmembrane segments (:mod:`nesscan.localisation.toppred`):
    how many score >= 1.0, 1.5 and 2.0, the best score, the best score of a segment that
    starts after residue 35 (past a signal peptide), of one that starts at or before it,
    and of one that ends within the last 30 residues (a tail anchor).

:func:`tm_count` is the transmembrane-helix count of the screen's ``tm_helices`` column.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nesscan.features.window import codes

AA = "ACDEFGHIKLMNPQRSTVWY"
#: Kyte J, Doolittle RF. J Mol Biol 1982;157:105 (doi:10.1016/0022-2836(82)90515-0); AA order, then 0.
_KD = np.array([1.8, 2.5, -3.5, -3.5, 2.8, -0.4, -3.2, 4.5, -3.9, 3.8, 1.9, -3.5, -1.6, -3.5, -4.5, -0.8,
                -0.7, 4.2, -0.9, -1.3, 0.0])
#: Eisenberg D, Schwarz E, Komaromy M, Wall R. J Mol Biol 1984;179:125 (doi:10.1016/0022-2836(84)90309-7),
#: the normalised consensus scale; AA order, then 0.
_EIS = np.array([0.62, 0.29, -0.90, -0.74, 1.19, 0.48, -0.40, 1.38, -1.50, 1.06, 0.64, -0.78, 0.12, -0.85,
                 -2.53, -0.18, -0.05, 1.08, 0.81, 0.26, 0.0])
_POS = np.isin(np.arange(21), [AA.index("K"), AA.index("R")])
_NEG = np.isin(np.arange(21), [AA.index("D"), AA.index("E")])
NTERM = 30
SIGNAL_END = 35  # a segment starting at or before this residue may be a signal peptide's h-region

NTERM_NAMES = (*(f"n30_{a}" for a in AA), "h8_max", "h8_pos", "h19_max", "n10_pos", "n20_neg", "n30_charge",
               "moment18_max", "n30_R_minus_all", "n30_S_minus_all", "n30_acid_minus_all", "n30_basic_minus_all", "all_basic",
               "all_acid", *(f"n15_{a}" for a in AA), "mature_basic", "mature_acid", "log_length")
TM_NAMES = ("tm_ge10", "tm_ge15", "tm_ge20", "tm_max", "tm_max_after_signal", "tm_max_signal", "tm_max_tail")
GROUPS: dict[str, tuple[str, ...]] = {"nterm": NTERM_NAMES, "tm": TM_NAMES}
"""Feature group -> column names, in column order."""


def _window_max(x: np.ndarray, w: int, starts: int) -> tuple[float, int]:
    """Largest mean of ``x`` over ``w``-windows starting at 0..starts-1, and where (0-based)."""
    if len(x) < w:
        return (float(x.mean()) if len(x) else 0.0), 0
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    means = (c[w:] - c[:-w])[:starts] / w
    i = int(np.argmax(means))
    return float(means[i]), i


def _moment(h: np.ndarray, w: int = 18, starts: int = 20) -> float:
    """Largest mean hydrophobic moment of a ``w``-residue alpha helix (100 degrees a residue)."""
    if len(h) == 0:
        return 0.0
    angle = np.deg2rad(100.0) * np.arange(len(h))
    cs, sn = np.concatenate([[0.0], np.cumsum(h * np.cos(angle))]), np.concatenate([[0.0], np.cumsum(h * np.sin(angle))])
    w = min(w, len(h))
    m = np.hypot(cs[w:] - cs[:-w], sn[w:] - sn[:-w])[:starts] / w
    return float(m.max())


def _composition(c: np.ndarray) -> np.ndarray:
    """Fractions of the 20 standard residues among residue codes ``c`` (zeros when none)."""
    std = c[c < 20]
    return np.bincount(std, minlength=20)[:20] / max(len(std), 1)


def nterm_features(sequences: Sequence[str]) -> np.ndarray:
    """The ``nterm`` group (:data:`NTERM_NAMES`), shape ``(n, 56)`` float64."""
    out = np.zeros((len(sequences), len(NTERM_NAMES)))
    for i, s in enumerate(sequences):
        c = codes(s)
        head = c[:NTERM]
        std = head[head < 20]
        comp = np.bincount(std, minlength=20)[:20] / max(len(std), 1)
        all_std = c[c < 20]
        whole = np.bincount(all_std, minlength=20)[:20] / max(len(all_std), 1)
        kd = _KD[c[:60]]
        h8, pos = _window_max(kd[:NTERM + 7], 8, NTERM)
        h19, _ = _window_max(kd, 19, 60)
        charge = float(_POS[head].sum() - _NEG[head].sum())
        acid = comp[AA.index("D")] + comp[AA.index("E")]
        basic = comp[AA.index("K")] + comp[AA.index("R")]
        first15, mature = _composition(c[:15]), _composition(c[30:90])
        whole_basic = whole[AA.index("K")] + whole[AA.index("R")]
        out[i] = [*comp, h8, pos / NTERM, h19, float(_POS[c[:10]].sum()), float(_NEG[c[:20]].sum()), charge,
                  _moment(_EIS[c[:37]]), comp[AA.index("R")] - whole[AA.index("R")],
                  comp[AA.index("S")] - whole[AA.index("S")],
                  acid - whole[AA.index("D")] - whole[AA.index("E")], basic - whole_basic, whole_basic,
                  whole[AA.index("D")] + whole[AA.index("E")], *first15, mature[_POS[:20]].sum(),
                  mature[_NEG[:20]].sum(), np.log(max(len(s), 1))]
    return out


def tm_features(segments: Sequence[np.ndarray], lengths: Sequence[int]) -> np.ndarray:
    """The ``tm`` group (:data:`TM_NAMES`) from TopPred segments (``start, end, score`` rows)."""
    out = np.zeros((len(segments), len(TM_NAMES)))
    for i, (seg, n) in enumerate(zip(segments, lengths)):
        if len(seg) == 0:
            continue
        start, end, score = seg[:, 0], seg[:, 1], seg[:, 2]

        def best(mask: np.ndarray) -> float:
            return float(score[mask].max()) if mask.any() else 0.0

        out[i] = [(score >= 1.0).sum(), (score >= 1.5).sum(), (score >= 2.0).sum(), score.max(),
                  best(start > SIGNAL_END), best(start <= SIGNAL_END), best(end > n - 30)]
    return out


def tm_count(segments: np.ndarray, min_score: float) -> int:
    """Transmembrane helices: TopPred segments scoring at least ``min_score``."""
    return int((np.asarray(segments).reshape(-1, 3)[:, 2] >= min_score).sum())


def compartment_features(sequences: Sequence[str], segments: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Both groups, ``nterm`` then ``tm``; TopPred runs when ``segments`` is None."""
    if segments is None:
        from nesscan.localisation.toppred import toppred_segments

        segments = toppred_segments(sequences)
    return np.hstack([nterm_features(sequences), tm_features(segments, [len(s) for s in sequences])])
