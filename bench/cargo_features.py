"""Whole-protein feature groups of ``bench/cargo_study.py`` (one row per protein).

Every group is a function ``sequence(s) -> (names, matrix)``; none reads the experiment's
measurements (concentrations, enrichment, nucleus/cytoplasm ratio, molar fractions).

``composition``  20 amino-acid fractions (of the standard residues)
``loglen``       natural log of the length
``dipeptide``    400 overlapping dipeptide fractions                       (group a)
``reduced3``     216 3-mer fractions over a 6-letter reduced alphabet      (group a)
``disorder``     metapredict disorder / pLDDT summaries                    (group b)
``charge``       charge, hydropathy, charge patterning, low complexity     (group c)
``window``       the shipped NES window model's per-window scores          (group d)
``consensus``    Kosugi consensus-pattern matches (no model)               (group d)

Per-residue metapredict tracks and window-model scores are cached in ``cache`` as
``.npz`` files keyed by the SHA-1 of each sequence, so a rerun skips them.
"""

from __future__ import annotations

import hashlib
from itertools import product
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

AA = "ACDEFGHIKLMNPQRSTVWY"
_INDEX = {a: i for i, a in enumerate(AA)}
#: Kyte J, Doolittle RF. J Mol Biol 1982;157:105, doi:10.1016/0022-2836(82)90515-0.
KYTE_DOOLITTLE = dict(A=1.8, R=-4.5, N=-3.5, D=-3.5, C=2.5, Q=-3.5, E=-3.5, G=-0.4, H=-3.2, I=4.5,
                      L=3.8, K=-3.9, M=1.9, F=2.8, P=-1.6, S=-0.8, T=-0.7, W=-0.9, Y=-1.3, V=4.2)
#: A 6-letter reduced alphabet: aliphatic, aromatic, positive, negative, polar, special (G/P/C).
REDUCED = {**dict.fromkeys("AVLIM", 0), **dict.fromkeys("FWY", 1), **dict.fromkeys("KRH", 2),
           **dict.fromkeys("DE", 3), **dict.fromkeys("STNQ", 4), **dict.fromkeys("GPC", 5)}
WINDOW = 22  # the shipped model's window


def codes(seq: str) -> np.ndarray:
    """0..19 for standard residues, -1 otherwise."""
    return np.array([_INDEX.get(c, -1) for c in seq], dtype=np.int64)


def composition(seqs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    rows = []
    for s in seqs:
        c = codes(s)
        c = c[c >= 0]
        rows.append(np.bincount(c, minlength=20) / max(len(c), 1))
    return [f"aa_{a}" for a in AA], np.vstack(rows)


def loglen(seqs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    return ["log_length"], np.log(np.array([len(s) for s in seqs], float))[:, None]


def dipeptide(seqs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    rows = []
    for s in seqs:
        c = codes(s)
        pair = c[:-1] * 20 + c[1:]
        pair = pair[(c[:-1] >= 0) & (c[1:] >= 0)]
        rows.append(np.bincount(pair, minlength=400) / max(len(pair), 1))
    return [a + b for a, b in product(AA, AA)], np.vstack(rows)


def reduced3(seqs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    rows = []
    for s in seqs:
        r = np.array([REDUCED.get(c, -1) for c in s])
        tri = r[:-2] * 36 + r[1:-1] * 6 + r[2:]
        tri = tri[(r[:-2] >= 0) & (r[1:-1] >= 0) & (r[2:] >= 0)]
        rows.append(np.bincount(tri, minlength=216) / max(len(tri), 1))
    return [f"r3_{a}{b}{c}" for a, b, c in product(range(6), repeat=3)], np.vstack(rows)


# --------------------------------------------------------------------------- helpers
def window_means(x: np.ndarray, w: int) -> np.ndarray:
    """Means of ``x`` over every window of ``w`` (stride 1); the whole mean when shorter."""
    if len(x) < w:
        return np.array([x.mean()])
    c = np.concatenate([[0.0], np.cumsum(x, dtype=float)])
    return (c[w:] - c[:-w]) / w


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True."""
    if not mask.any():
        return 0
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())


def _sigma(fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    tot = fp + fn
    return np.divide((fp - fn) ** 2, tot, out=np.zeros_like(tot), where=tot > 0)


def _delta(pos: np.ndarray, neg: np.ndarray, blob: int = 5) -> float:
    """Das & Pappu 2013 (PNAS 110:13392, doi:10.1073/pnas.1304749110) charge-asymmetry deviation."""
    s_all = _sigma(np.array([pos.mean()]), np.array([neg.mean()]))[0]
    return float(np.mean((_sigma(window_means(pos, blob), window_means(neg, blob)) - s_all) ** 2))


def kappa_like(pos: np.ndarray, neg: np.ndarray, blob: int = 5) -> float:
    """delta over the delta of the most segregated of two block arrangements (+ 0 -, + - 0)."""
    n_p, n_n = int(pos.sum()), int(neg.sum())
    if n_p == 0 or n_n == 0:
        return 0.0
    n0 = len(pos) - n_p - n_n
    worst = 0.0
    for order in (("p", "0", "n"), ("p", "n", "0")):
        blocks = {"p": (np.ones(n_p), np.zeros(n_p)), "n": (np.zeros(n_n), np.ones(n_n)),
                  "0": (np.zeros(n0), np.zeros(n0))}
        p = np.concatenate([blocks[k][0] for k in order])
        q = np.concatenate([blocks[k][1] for k in order])
        worst = max(worst, _delta(p, q, blob))
    return _delta(pos, neg, blob) / worst if worst > 0 else 0.0


def low_complexity_fraction(seq: str, w: int = 12, cutoff: float = 2.2) -> float:
    """Fraction of residues covered by a ``w``-residue window whose Shannon entropy (bits) is
    below ``cutoff`` (SEG's first-pass defaults: Wootton & Federhen 1993, Comput Chem 17:149)."""
    c = codes(seq)
    if len(c) < w:
        return 0.0
    onehot = np.zeros((len(c) + 1, 21))
    onehot[np.arange(1, len(c) + 1), np.where(c >= 0, c, 20)] = 1
    cum = np.cumsum(onehot, axis=0)
    counts = (cum[w:] - cum[:-w]) / w
    ent = -np.sum(np.where(counts > 0, counts * np.log2(np.where(counts > 0, counts, 1)), 0), axis=1)
    low = np.flatnonzero(ent < cutoff)
    covered = np.zeros(len(c) + 1)
    np.add.at(covered, low, 1)
    np.add.at(covered, low + w, -1)
    return float((np.cumsum(covered)[:-1] > 0).mean())


def charge(seqs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    names = ["f_pos", "f_neg", "fcr", "ncpr", "kd_mean", "f_hydrophobic", "kappa_like", "ncpr20_max",
             "ncpr20_min", "kd20_max", "low_complexity", "entropy"]
    rows = []
    for s in seqs:
        pos = np.array([c in "KR" for c in s], float)
        neg = np.array([c in "DE" for c in s], float)
        kd = np.array([KYTE_DOOLITTLE.get(c, 0.0) for c in s])
        ncpr20 = window_means(pos - neg, 20)
        comp = np.bincount(codes(s)[codes(s) >= 0], minlength=20) / len(s)
        nz = comp[comp > 0]
        rows.append([pos.mean(), neg.mean(), pos.mean() + neg.mean(), pos.mean() - neg.mean(), kd.mean(),
                     np.mean([c in "LIVFMW" for c in s]), kappa_like(pos, neg), ncpr20.max(), ncpr20.min(),
                     window_means(kd, 20).max(), low_complexity_fraction(s), float(-(nz * np.log2(nz)).sum())])
    return names, np.array(rows, float)


# --------------------------------------------------------------------------- cached tracks
def _key(seq: str) -> str:
    return hashlib.sha1(seq.encode()).hexdigest()


def cached(cache: Path, name: str, seqs: Sequence[str], compute: Callable[[list[str]], list[np.ndarray]],
           log: Callable[[str], None]) -> list[np.ndarray]:
    """Per-sequence arrays from ``cache/<name>.npz``, computing (and saving) the missing ones."""
    path = cache / f"{name}.npz"
    store = dict(np.load(path)) if path.exists() else {}
    missing = sorted({s for s in seqs if _key(s) not in store})
    if missing:
        log(f"{name}: computing {len(missing)} proteins ({sum(map(len, missing)):,} residues)")
        for s, arr in zip(missing, compute(missing)):
            store[_key(s)] = np.asarray(arr)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **store)
        tmp.replace(path)
    return [store[_key(s)] for s in seqs]


def metapredict_tracks(seqs: Sequence[str], cache: Path, log: Callable[[str], None]
                       ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-residue disorder (0-1) and pLDDT (0-100), one torch thread, one protein a call."""
    def run(kind: str) -> Callable[[list[str]], list[np.ndarray]]:
        def compute(batch: list[str]) -> list[np.ndarray]:
            import metapredict as meta
            import torch

            from nesscan.features.metapredict import clean

            torch.set_num_threads(1)
            fn = meta.predict_disorder if kind == "disorder" else meta.predict_pLDDT
            return [np.asarray(fn(clean(s), device="cpu"), np.float32) for s in batch]
        return compute
    return cached(cache, "disorder", seqs, run("disorder"), log), cached(cache, "plddt", seqs, run("plddt"), log)


def disorder(seqs: Sequence[str], dis: Sequence[np.ndarray], plddt: Sequence[np.ndarray]
             ) -> tuple[list[str], np.ndarray]:
    names = ["dis_mean", "dis_frac", "dis_longest_log", "dis_longest_frac", "plddt_mean", "plddt_lt50",
             "plddt_lt70", "plddt50_longest_log"]
    rows = []
    for s, d, p in zip(seqs, dis, plddt):
        longest = longest_run(d > 0.5)
        rows.append([d.mean(), (d > 0.5).mean(), np.log1p(longest), longest / len(s), p.mean() / 100,
                     (p < 50).mean(), (p < 70).mean(), np.log1p(longest_run(p < 50))])
    return names, np.array(rows, float)


def window_scores(seqs: Sequence[str], cache: Path, log: Callable[[str], None]) -> list[np.ndarray]:
    """Scores of every 22-residue window by the shipped default model (empty when shorter)."""
    def compute(batch: list[str]) -> list[np.ndarray]:
        import torch

        from nesscan.predictor import Predictor
        from nesscan.records import Protein

        torch.set_num_threads(1)
        model = Predictor.load()
        ok = [s for s in batch if len(s) >= model.window]
        scored = dict(zip(ok, model.score_proteins([Protein(f"p{i}", s) for i, s in enumerate(ok)])))
        return [np.asarray(scored.get(s, np.zeros(0)), np.float32) for s in batch]
    return cached(cache, "window_default", seqs, compute, log)


def window(seqs: Sequence[str], scores: Sequence[np.ndarray], dis: Sequence[np.ndarray],
           plddt: Sequence[np.ndarray]) -> tuple[list[str], np.ndarray]:
    names = ["win_max", "win_top3", "win_mean", "win_ge05_per100", "win_ge09_per100", "win_best_disordered",
             "win_best_lowplddt"]
    rows = []
    for s, sc, d, p in zip(seqs, scores, dis, plddt):
        if len(sc) == 0:
            rows.append([0.0] * len(names))
            continue
        per100 = 100.0 / len(s)
        dwin, pwin = window_means(d, WINDOW)[: len(sc)], window_means(p, WINDOW)[: len(sc)]
        top = np.sort(sc)[::-1][:3]
        rows.append([sc.max(), top.mean(), sc.mean(), (sc >= 0.5).sum() * per100, (sc >= 0.9).sum() * per100,
                     sc[dwin > 0.5].max(initial=0.0), sc[pwin < 70].max(initial=0.0)])
    return names, np.array(rows, float)


def consensus(seqs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Kosugi et al. 2008 (Traffic 9:2053) consensus classes, :mod:`nesscan.consensus`."""
    from nesscan.consensus import count_consensus_many, window_match_counts

    rows = []
    for s in seqs:
        matches = window_match_counts(s, WINDOW)
        per100 = 100.0 / len(s)
        rows.append([(matches > 0).sum() * per100, count_consensus_many([s])[0] * per100,
                     matches.max(initial=0)])
    return ["cons_windows_per100", "cons_matches_per100", "cons_window_max"], np.array(rows, float)
