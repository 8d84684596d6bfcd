"""Calibrating a finished screen: q-values, FDR thresholds, NES classes, protein p-values.

The screen scores, beside every target protein, a decoy for a seeded share of the
proteins (a composition-preserving shuffle of the whole protein, :mod:`nesscan.fdr`).
From the two score sets this module derives:

* a q-value per candidate and the thresholds at FDR 5% and 10% (target-decoy,
  :func:`nesscan.fdr.fdr_curve`, decoy counts scaled to the targets);
* the number of calls (runs of overlapping windows, as in ``candidates.csv``) at the
  fixed 0.9 of the original method, at the model's threshold and at FDR 5%/10%, and how
  many of them are novel (no NESdb NES overlapped): written to ``fdr.json``;
* the Kosugi class and anchor residues of each candidate (:mod:`nesscan.annotate`);
* a protein-level score that does not track length: the best window's p-value against
  the best windows of the decoy proteins of nearest length
  (:func:`nesscan.protein_score.fit_length_matched`), as ``protein_pvalue`` and
  ``calibrated_score`` (``-log10 p``) in ``proteins.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class ScoreCollector:
    """Scores gathered during a screen (4 bytes per window) for the calibration."""

    targets: list[np.ndarray] = field(default_factory=list)  # per protein, in file order
    decoys: list[np.ndarray] = field(default_factory=list)  # per decoy protein

    def target_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """All target scores (float32) and each protein's offset into them (n + 1 values)."""
        offsets = np.cumsum([0] + [len(s) for s in self.targets])
        flat = np.concatenate(self.targets).astype(np.float32) if self.targets else np.zeros(0, np.float32)
        return flat, offsets


def count_runs(scores: np.ndarray, offsets: np.ndarray, threshold: float, window: int = 22,
               keep: np.ndarray | None = None) -> int:
    """Calls at ``threshold``: runs of overlapping windows at or above it, within proteins.

    Parameters
    ----------
    scores, offsets
        All window scores and protein offsets (from :meth:`ScoreCollector.target_scores`).
    keep
        Optional boolean mask over windows; runs whose best window is not kept are
        not counted (used to count novel calls).
    """
    idx = np.flatnonzero(scores >= threshold)
    if len(idx) == 0:
        return 0
    protein = np.searchsorted(offsets, idx, side="right") - 1
    new = np.r_[True, (np.diff(idx) >= window) | (np.diff(protein) != 0)]
    if keep is None:
        return int(new.sum())
    run_id = np.cumsum(new) - 1
    best = pd.Series(scores[idx]).groupby(run_id).idxmax().to_numpy()
    return int(keep[idx[best]].sum())


def calibrate(collector: ScoreCollector, candidates: pd.DataFrame, proteins: pd.DataFrame,
              model_threshold: float, known_mask: np.ndarray, window: int = 22,
              decoy_kind: str = "shuffle") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """q-values, classes, protein p-values and the call counts of a finished screen.

    Parameters
    ----------
    collector
        Target and decoy scores of the screen.
    candidates, proteins
        The screen's tables (``proteins`` in file order, with ``max_score`` and
        ``n_windows``).
    model_threshold
        The threshold the candidates were called at.
    known_mask
        Boolean per window (same order as the target scores): True where the window
        overlaps a known NESdb NES.

    Returns
    -------
    candidates, proteins, summary
        Tables with the added columns, and the ``fdr.json`` summary.
    """
    from nesscan.annotate import add_q_values, annotate_candidates
    from nesscan.fdr import fdr_curve
    from nesscan.protein_score import fit_length_matched

    scores, offsets = collector.target_scores()
    decoys = np.concatenate(collector.decoys) if collector.decoys else np.zeros(0, np.float32)
    candidates = annotate_candidates(candidates)
    summary: dict = {"decoys": decoy_kind, "n_target_windows": int(len(scores)),
                     "n_decoy_windows": int(len(decoys)), "n_proteins": int(len(proteins)),
                     "n_decoy_proteins": len(collector.decoys)}
    thresholds = {"0.9": 0.9, "model_threshold": float(model_threshold)}
    if len(decoys) and len(scores):
        curve = fdr_curve(scores, decoys)
        candidates = add_q_values(candidates, curve.q_of)
        for level in (0.05, 0.10):
            ok = curve.thresholds[curve.q <= level]
            t = float(ok.min()) if len(ok) else float("inf")
            thresholds[f"fdr_{int(level * 100)}"] = t
            summary[f"threshold_at_fdr_{int(level * 100)}"] = t if np.isfinite(t) else None
        summary["fdr_at_0.9"] = float(curve.fdr_at(0.9)[0])
        summary["fdr_at_model_threshold"] = float(curve.fdr_at(model_threshold)[0])
        maxima = np.array([d.max() for d in collector.decoys if len(d)])
        n_win = np.array([len(d) for d in collector.decoys if len(d)])
        null = fit_length_matched(maxima, n_win, k=min(100, max(len(maxima) - 1, 1)))
        ok_rows = proteins.n_windows.to_numpy() > 0
        pval = np.full(len(proteins), np.nan)
        pval[ok_rows] = null.pvalue(proteins.max_score.to_numpy(float)[ok_rows],
                                    proteins.n_windows.to_numpy()[ok_rows])
        proteins = proteins.assign(protein_pvalue=pval, calibrated_score=-np.log10(pval) + 0.0)
    else:
        candidates = candidates.assign(q_value=np.nan)
        proteins = proteins.assign(protein_pvalue=np.nan, calibrated_score=np.nan)
    for name, t in thresholds.items():
        calls = count_runs(scores, offsets, t, window) if np.isfinite(t) else 0
        novel = count_runs(scores, offsets, t, window, keep=~known_mask) if np.isfinite(t) else 0
        summary[f"calls_at_{name}"] = calls
        summary[f"novel_calls_at_{name}"] = novel
        summary[f"calls_per_100_proteins_at_{name}"] = 100.0 * calls / max(len(proteins), 1)
    summary["thresholds"] = {k: (v if np.isfinite(v) else None) for k, v in thresholds.items()}
    return candidates, proteins, summary
