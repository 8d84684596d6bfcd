"""Site localisation: does a protein's top-scoring window sit on its annotated NES?

Rules (chosen before measuring, and the same for every scorer):

Windows
    Every window of ``window`` residues, stride 1. Window ``a`` (0-based start) covers
    residues ``a .. a + window - 1``.
Hit
    A window *hits* an annotated range (1-based inclusive) when it shares at least
    ``min(len(range), min_overlap)`` residues with it; ``min_overlap = 8`` is the span
    of the shortest Kosugi consensus (class 2, Φ1-X-Φ2-X2-Φ3-X-Φ4): a window that
    holds 8 residues of the range holds a whole core-length stretch of it, and one
    that holds a short range holds all of it. A window touching a range by one
    residue is not a hit.
Targets and proteins
    Every range given for a protein is a target (doubtful ones and ranges longer than
    the window included: a window on them is on the annotated export region). A
    protein is evaluated when it has at least one *precise* range (at most ``window``
    residues, and not doubtful when ``sites`` has a ``doubtful`` column) and is at
    least ``window`` long. Which proteins are held out (test split or out-of-fold) is
    the caller's choice: pass only their sites.
Top-1, top-3
    Top-1: the best window hits. Top-3: one of the three best *distinct peaks* hits:
    windows are taken best first, skipping any that overlaps a window already taken,
    so the three are different sites, not one site shifted by a residue.
Random expectation
    What a scorer with random scores achieves: top-1 is the fraction of a protein's
    windows that hit (exact), top-3 is estimated by ranking ``n_random`` random score
    permutations with the same peak picking; both are averaged over proteins.
Consensus-regex baseline
    :func:`consensus_window_scores`: windows ranked by the number of Kosugi consensus
    matches inside them, ties broken by the number of hydrophobic (L, I, V, F, M)
    residues, then at random (seeded).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from nesscan.records import Protein

MIN_OVERLAP = 8
"""Residues of overlap that make a window hit a range longer than this (Kosugi class 2 span)."""


def hit_mask(n_windows: int, ranges_1b: list[tuple[int, int]], window: int = 22,
             min_overlap: int = MIN_OVERLAP) -> np.ndarray:
    """Which windows (0-based starts ``0 .. n_windows-1``) hit any of the ranges.

    Examples
    --------
    >>> np.flatnonzero(hit_mask(40, [(21, 30)], window=22)).tolist()[:3]
    [6, 7, 8]
    """
    starts = np.arange(n_windows)
    hit = np.zeros(n_windows, bool)
    for s, e in ranges_1b:
        overlap = np.minimum(starts + window, e) - np.maximum(starts, s - 1)
        hit |= overlap >= min(e - s + 1, min_overlap)
    return hit


def distinct_peaks(scores: np.ndarray, window: int, n: int = 3) -> list[int]:
    """Starts of the ``n`` best windows that do not overlap each other (best first).

    Examples
    --------
    >>> distinct_peaks(np.array([0.1, 0.9, 0.8, 0.2, 0.7]), window=2, n=3)
    [1, 4]
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    taken: list[int] = []
    for a in order.tolist():
        if all(abs(a - b) >= window for b in taken):
            taken.append(a)
            if len(taken) == n:
                break
    return taken


def consensus_window_scores(sequence: str, window: int = 22, seed: int = 0) -> np.ndarray:
    """Consensus-regex baseline score of every window (higher = ranked first).

    ``count * (window + 1) + hydrophobic + u``, with ``u`` uniform in [0, 1): the
    consensus match count decides, the hydrophobic count breaks its ties, and ``u``
    (seeded) breaks the rest at random.
    """
    from nesscan.validate.baselines import consensus_count_score, hydrophobic_count_score

    n = len(sequence) - window + 1
    if n <= 0:
        return np.zeros(0)
    windows = [sequence[a:a + window] for a in range(n)]
    u = np.random.default_rng(seed).random(n)
    return consensus_count_score(windows) * (window + 1) + hydrophobic_count_score(windows) + u


def wilson_interval(hits: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); ``(nan, nan)`` for ``n = 0``."""
    if n == 0:
        return float("nan"), float("nan")
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def localise(proteins: Mapping[str, Protein], sites: pd.DataFrame, score_windows: Callable[[str], np.ndarray],
             window: int = 22, min_overlap: int = MIN_OVERLAP, top: int = 3, n_random: int = 200,
             seed: int = 0) -> dict[str, Any]:
    """Top-1 / top-``top`` site localisation of a window scorer (rules in the module docstring).

    Parameters
    ----------
    proteins
        Accession -> protein.
    sites
        Annotated ranges: ``accession``, ``start_1b``, ``end_1b`` (1-based inclusive),
        optionally ``doubtful`` (:func:`nesscan.dataset.examples.nes_sites`). Only these
        proteins are evaluated: pass the held-out ones.
    score_windows
        ``score_windows(accession)`` -> scores of every window (stride 1) of that
        protein, shape ``(len(sequence) - window + 1,)``; e.g. ``dict.__getitem__`` of
        :attr:`nesscan.validate.cv.CrossValidation.window_scores`.
    window, min_overlap
        Window length and the hit rule's overlap.
    top
        Number of distinct peaks of the top-k criterion.
    n_random, seed
        Random-permutation rankings per protein for the top-k random expectation.

    Returns
    -------
    dict
        JSON-serialisable: ``window``, ``min_overlap``, ``top``, ``n_proteins``,
        ``n_sites``; ``top1`` and ``topk`` each ``{hits, fraction, ci_lo, ci_hi,
        random}`` (Wilson 95% CI; ``random`` the random expectation);
        ``per_protein``: list of ``{accession, length, n_windows, n_ranges,
        best_start_1b, top1_hit, topk_hit, random_top1, random_topk}``.
    """
    rng = np.random.default_rng(seed)
    precise = (sites.end_1b - sites.start_1b + 1) <= window
    if "doubtful" in sites.columns:
        precise &= ~sites.doubtful.astype(bool)
    chosen = sorted(set(sites.accession[precise]))
    rows = []
    for acc in chosen:
        seq = proteins[acc].sequence if acc in proteins else ""
        if len(seq) < window:
            continue
        ranges = [(int(s), int(e)) for s, e in sites.loc[sites.accession == acc, ["start_1b", "end_1b"]].itertuples(
            index=False)]
        n = len(seq) - window + 1
        scores = np.asarray(score_windows(acc), float)
        if scores.shape != (n,):
            raise ValueError(f"{acc}: {scores.shape[0] if scores.ndim else 0} window scores, expected {n}")
        hit = hit_mask(n, ranges, window, min_overlap)
        peaks = distinct_peaks(scores, window, top)
        random_k = np.mean([hit[distinct_peaks(rng.random(n), window, top)].any() for _ in range(n_random)])
        rows.append({"accession": acc, "length": len(seq), "n_windows": n, "n_ranges": len(ranges),
                     "best_start_1b": peaks[0] + 1, "top1_hit": bool(hit[peaks[0]]),
                     "topk_hit": bool(hit[peaks].any()), "random_top1": float(hit.mean()),
                     "random_topk": float(random_k)})
    out: dict[str, Any] = {"window": window, "min_overlap": min_overlap, "top": top, "n_proteins": len(rows),
                           "n_sites": int(sites.accession.isin([r["accession"] for r in rows]).sum())}
    for key, col in (("top1", "top1"), ("topk", "topk")):
        hits = sum(r[f"{col}_hit"] for r in rows)
        lo, hi = wilson_interval(hits, len(rows))
        out[key] = {"hits": int(hits), "fraction": hits / len(rows) if rows else float("nan"), "ci_lo": lo,
                    "ci_hi": hi, "random": float(np.mean([r[f"random_{col}"] for r in rows])) if rows
                    else float("nan")}
    out["per_protein"] = rows
    return out


def consensus_scorer(proteins: Mapping[str, Protein], window: int = 22, seed: int = 0) -> Callable[[str], np.ndarray]:
    """``score_windows`` callable of the consensus-regex baseline, for :func:`localise`."""
    return lambda acc: consensus_window_scores(proteins[acc].sequence, window, seed)
