"""Whole-protein features: the input of the protein-level cargo model (:mod:`nesscan.model.cargo`).

Whether CRM1 exports a protein is a property of the whole protein (where it lives, what
it does), which a 22-residue window cannot see. Four groups, each a function of the
sequence and of its per-residue predicted pLDDT (the track the window model already
computes, :mod:`nesscan.features.metapredict`, so a screen computes nothing twice):

``composition`` (20)
    Amino-acid fractions (of the standard residues).
``length`` (1)
    Natural log of the length.
``plddt`` (5)
    Predicted pLDDT (AlphaFold2 confidence, /100) summaries: mean, fraction below 0.5
    and below 0.7, longest run below 0.5 (log1p of residues, and as a fraction of the
    length). Low pLDDT marks disordered, exposed segments, where NESs sit and which
    CRM1 cargoes (regulators, adaptors) are rich in.
``charge`` (11)
    Fraction positive (K, R), negative (D, E), their sum and difference, Kyte-Doolittle
    mean (Kyte & Doolittle 1982, J Mol Biol 157:105), fraction L/I/V/F/M/W, the largest
    and smallest net charge and the largest hydropathy over 20-residue windows, the
    fraction of residues in low-complexity 12-residue windows (Shannon entropy below
    2.2 bits, SEG's first pass: Wootton & Federhen 1993, Comput Chem 17:149), and the
    sequence entropy.

Chosen in the research study ``bench/cargo_study.py`` (nested, homology-grouped CV on the
cargo table of Kirli et al. 2015): dipeptide and reduced 3-mer composition added
nothing; metapredict's disorder network added 0.003 AUC over the pLDDT summaries at
about three times their cost, so the pLDDT track stands for both. Which groups a model
uses is chosen inside its training folds (:func:`nesscan.model.cargo.fit_cargo_model`).

:func:`window_evidence` summarises a protein's window scores (the NES model's evidence)
for the combined protein score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from nesscan.features.window import codes

if TYPE_CHECKING:
    from nesscan.features import Featurizer

AA = "ACDEFGHIKLMNPQRSTVWY"
#: Kyte J, Doolittle RF. J Mol Biol 1982;157:105 (doi:10.1016/0022-2836(82)90515-0).
_KD = np.array([1.8, 2.5, -3.5, -3.5, 2.8, -0.4, -3.2, 4.5, -3.9, 3.8, 1.9, -3.5, -1.6, -3.5, -4.5, -0.8,
                -0.7, 4.2, -0.9, -1.3, 0.0])  # AA order, then non-standard
_POS = np.isin(np.arange(21), [AA.index("K"), AA.index("R")])
_NEG = np.isin(np.arange(21), [AA.index("D"), AA.index("E")])
_PHI = np.isin(np.arange(21), [AA.index(a) for a in "LIVFMW"])

GROUPS: dict[str, tuple[str, ...]] = {
    "composition": tuple(f"aa_{a}" for a in AA),
    "length": ("log_length",),
    "plddt": ("plddt_mean", "plddt_lt50", "plddt_lt70", "plddt50_longest_log", "plddt50_longest_frac"),
    "charge": ("f_pos", "f_neg", "fcr", "ncpr", "kd_mean", "f_hydrophobic", "ncpr20_max", "ncpr20_min",
               "kd20_max", "low_complexity", "entropy"),
}
"""Feature group -> column names, in column order."""

EVIDENCE = ("best_window", "best_exposed_window", "windows_ge_09_per_100")
"""Columns of :func:`window_evidence`."""


def _window_means(x: np.ndarray, w: int) -> np.ndarray:
    """Means of ``x`` over every ``w``-residue window (the whole mean when shorter)."""
    if len(x) < w:
        return np.array([x.mean()]) if len(x) else np.zeros(1)
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    return (c[w:] - c[:-w]) / w


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True."""
    if not mask.any():
        return 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return int((edges[1::2] - edges[::2]).max())


def _low_complexity(c: np.ndarray, w: int = 12, cutoff: float = 2.2) -> float:
    """Fraction of residues inside a ``w``-residue window of Shannon entropy (bits) below ``cutoff``."""
    if len(c) < w:
        return 0.0
    onehot = np.zeros((len(c) + 1, 21))
    onehot[np.arange(1, len(c) + 1), c] = 1
    cum = np.cumsum(onehot, axis=0)
    p = (cum[w:] - cum[:-w]) / w
    ent = -np.sum(p * np.log2(np.where(p > 0, p, 1.0)), axis=1)
    low = np.flatnonzero(ent < cutoff)
    cover = np.zeros(len(c) + 1)
    np.add.at(cover, low, 1)
    np.add.at(cover, low + w, -1)
    return float((np.cumsum(cover)[:-1] > 0).mean())


def _one(sequence: str, plddt: np.ndarray) -> np.ndarray:
    c = codes(sequence)
    n = len(c)
    counts = np.bincount(c, minlength=21).astype(np.float64)
    comp = counts[:20] / max(counts[:20].sum(), 1.0)
    p = np.asarray(plddt, np.float64).reshape(-1)
    longest = _longest_run(p < 0.5)
    pos, neg = _POS[c].astype(np.float64), _NEG[c].astype(np.float64)
    kd = _KD[c]
    ncpr20 = _window_means(pos - neg, 20)
    nz = comp[comp > 0]
    return np.concatenate([
        comp, [np.log(n)],
        [p.mean(), (p < 0.5).mean(), (p < 0.7).mean(), np.log1p(longest), longest / n],
        [pos.mean(), neg.mean(), pos.mean() + neg.mean(), pos.mean() - neg.mean(), kd.mean(), _PHI[c].mean(),
         ncpr20.max(), ncpr20.min(), _window_means(kd, 20).max(), _low_complexity(c), -(nz * np.log2(nz)).sum()],
    ])


def protein_features(sequences: Sequence[str], plddt: Sequence[np.ndarray],
                     groups: Sequence[str] = tuple(GROUPS)) -> np.ndarray:
    """Feature rows of whole proteins.

    Parameters
    ----------
    sequences
        Protein sequences (at least one residue each).
    plddt
        Each protein's predicted pLDDT / 100, shape ``(len(sequence),)`` or ``(len, 1)``
        (the ``metapredict_plddt`` track).
    groups
        Which of :data:`GROUPS` to return, in this order.

    Returns
    -------
    numpy.ndarray
        float64 ``(len(sequences), n_columns)``, rounded to 1e-9 (the last bits of a
        kernel do not reach a tree split).

    Examples
    --------
    >>> x = protein_features(["MKKLLEE" * 4], [np.full(28, 0.4)], ["length", "plddt"])
    >>> x.shape, round(float(x[0, 0]), 3), x[0, 1:3].tolist()
    ((1, 6), 3.332, [0.4, 1.0])
    """
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown protein feature group(s) {unknown} (known: {', '.join(GROUPS)})")
    if len(sequences) != len(plddt):
        raise ValueError(f"{len(sequences)} sequences but {len(plddt)} pLDDT tracks")
    starts = np.cumsum([0] + [len(GROUPS[g]) for g in GROUPS])
    bounds = dict(zip(GROUPS, zip(starts[:-1], starts[1:])))
    cols = np.concatenate([np.arange(*bounds[g]) for g in groups]) if groups else np.zeros(0, int)
    rows = [_one(s, t)[cols] for s, t in zip(sequences, plddt)]
    return np.round(np.vstack(rows), 9) if rows else np.zeros((0, len(cols)))


def feature_names(groups: Sequence[str]) -> list[str]:
    """Column names of :func:`protein_features` for ``groups``."""
    return [name for g in groups for name in GROUPS[g]]


def window_evidence(scores: Sequence[np.ndarray], plddt: Sequence[np.ndarray], lengths: Sequence[int],
                    window: int = 22) -> np.ndarray:
    """The NES model's evidence per protein, from its window scores (:data:`EVIDENCE`).

    ``best_window``: the best window score; ``best_exposed_window``: the best window whose
    mean predicted pLDDT is below 0.7 (exposed, often disordered: where NESs bind CRM1;
    0 when none); ``windows_ge_09_per_100``: windows scoring at least 0.9 per 100
    residues. A protein shorter than the window has none (zeros).

    Examples
    --------
    >>> window_evidence([np.array([0.2, 0.95, 0.5])], [np.r_[np.full(16, 1.0), np.full(8, 0.1)]], [24], 22)
    array([[0.95      , 0.5       , 4.16666667]])
    """
    out = np.zeros((len(scores), len(EVIDENCE)))
    for i, (s, p, n) in enumerate(zip(scores, plddt, lengths)):
        s = np.asarray(s, np.float64)
        if len(s) == 0:
            continue
        exposed = _window_means(np.asarray(p, np.float64).reshape(-1), window)[:len(s)] < 0.7
        out[i] = [s.max(), s[exposed].max(initial=0.0), 100.0 * (s >= 0.9).sum() / n]
    return np.round(out, 9)


def plddt_of(featurizer: "Featurizer", sequences: Sequence[str]) -> list[np.ndarray]:
    """Predicted pLDDT / 100 per residue of whole proteins: the featurizer's
    ``metapredict_plddt`` track when it has one (computed once: the track keeps its results),
    else that track built on its own (a model trained with ``--tracks none``)."""
    from nesscan.features import build_track

    track = next((t for t, spec in zip(featurizer.tracks, featurizer.spec.tracks)
                  if spec.get("name") == "metapredict_plddt"), None)
    if track is None:
        track = build_track({"name": "metapredict_plddt"}, featurizer.runtime)
    return [np.asarray(v, np.float64).reshape(-1) for v in track.embed(list(sequences))]
