"""Calibrating a finished screen: q-values, FDR thresholds, NES classes, protein p-values.

The screen scores, beside every target protein, a decoy for a seeded share of the
proteins (a composition-preserving shuffle of the whole protein, :mod:`nesscan.screen.fdr_binned`).
From the two score sets this module derives:

* a q-value per candidate and the thresholds at FDR 5% and 10% (target-decoy,
  decoy counts scaled to the targets, from score histograms: :mod:`nesscan.screen.fdr_binned`);
* the number of calls (runs of overlapping windows, as in ``candidates.csv``) at the
  fixed 0.9 of the original method, at the model's threshold and at FDR 5%/10%, and how
  many of them are novel (no NESdb NES overlapped): written to ``fdr.json``;
* the Kosugi class and anchor residues of each candidate (:mod:`nesscan.screen.annotate`);
* a protein-level score that does not track length: the best window's p-value against
  the best windows of the decoy proteins of nearest length
  (:func:`nesscan.length_null.fit_length_matched`), as ``protein_pvalue`` and
  ``calibrated_score`` (``-log10 p``) in ``proteins.csv``;
* with a protein-level model (:mod:`nesscan.model.cargo`), per protein that the
  compartment gate (:mod:`nesscan.localisation.model`) lets through, its
  ``cargo_p_value`` (its ``protein_score`` against the fixed null shipped with the model,
  :func:`nesscan.length_null.cargo_p_values`), its ``cargo_q_value_batch``
  (Benjamini-Hochberg over the screened proteins that can be cargo) and its
  ``call_status``; in ``fdr.json`` the proteins called at q 5% / 10% and the proteins set
  aside per predicted compartment.

Memory does not grow with the screen: :class:`Calibrator` takes the chunks one by one,
:meth:`Calibrator.fit` gives a :class:`Calibration`, and a second pass over the chunks
applies it (protein rows, call counts) chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from nesscan.screen.fdr_binned import BinnedFdrCurve
    from nesscan.length_null import LengthMatchedNull


def count_runs(scores: np.ndarray, offsets: np.ndarray, threshold: float, window: int = 22,
               keep: np.ndarray | None = None) -> int:
    """Calls at ``threshold``: runs of overlapping windows at or above it, within proteins.

    Parameters
    ----------
    scores, offsets
        Window scores of whole proteins, one after the other, and each protein's offset into
        them (n + 1 values).
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


class Calibrator:
    """What the calibration needs, gathered chunk by chunk in memory that does not grow
    with the screen: histograms of target and decoy window scores
    (:mod:`nesscan.screen.fdr_binned`, 67 MB), and each decoy protein's best score and window
    count (16 bytes per decoy protein).
    """

    def __init__(self) -> None:
        from nesscan.screen.fdr_binned import ScoreHistogram

        self.targets, self.decoys = ScoreHistogram(), ScoreHistogram()
        self.call_targets, self.call_decoys = ScoreHistogram(), ScoreHistogram()  # call scores (screen.nulls)
        self.decoy_maxima: list[float] = []
        self.decoy_windows: list[int] = []
        self.n_proteins = 0
        self.protein_scores: list[float] = []  # 8 bytes per protein
        self.set_aside: dict[str, int] = {}  # proteins the compartment gate sets aside, per compartment

    def add(self, target_scores: np.ndarray, decoy_scores: list[np.ndarray], n_proteins: int,
            protein_scores: list[float | None] = (), compartments: list[str | None] = ()) -> None:
        """Count one chunk: its target window scores, its decoy proteins' scores, its proteins
        and their protein scores (None where a protein has none) and predicted compartments
        (a protein outside ``nucleocytoplasmic`` is set aside: not part of the batch's q-values)."""
        compartments = list(compartments) or [None] * len(protein_scores)
        for v, c in zip(protein_scores, compartments):
            gated = c not in (None, "", "nucleocytoplasmic")
            if gated:
                self.set_aside[str(c)] = self.set_aside.get(str(c), 0) + 1
            self.protein_scores.append(np.nan if v is None or gated else float(v))
        self.targets.add(target_scores)
        for d in decoy_scores:
            if len(d):
                self.decoys.add(d)
                self.decoy_maxima.append(float(np.max(d)))
                self.decoy_windows.append(len(d))
        self.n_proteins += n_proteins

    def add_calls(self, targets: np.ndarray, decoys: np.ndarray) -> None:
        """Count one chunk's call scores (:mod:`nesscan.screen.nulls`) of target and decoy windows."""
        self.call_targets.add(targets)
        self.call_decoys.add(decoys)

    def fit(self, model_threshold: float, decoy_kind: str = "shuffle",
            protein_null: np.ndarray | None = None, reference_nulls: dict | None = None) -> "Calibration":
        """The FDR curve, the call thresholds, the length-matched protein null, with the
        protein model's ``protein_null`` the protein q-values, and the call-score curves
        against each null (the model's ``reference_nulls`` and the screen's own decoys)."""
        from nesscan.screen.fdr_binned import binned_fdr_curve
        from nesscan.length_null import fit_length_matched

        summary: dict = {"decoys": decoy_kind, "n_target_windows": self.targets.n,
                         "n_decoy_windows": self.decoys.n, "n_proteins": self.n_proteins,
                         "n_decoy_proteins": len(self.decoy_maxima)}
        thresholds = {"0.9": 0.9, "model_threshold": float(model_threshold)}
        curve = null = None
        if self.decoys.n and self.targets.n:
            curve = binned_fdr_curve(self.targets, self.decoys)
            for level in (0.05, 0.10):
                ok = curve.thresholds[curve.q <= level]
                t = float(ok.min()) if len(ok) else float("inf")
                thresholds[f"fdr_{int(level * 100)}"] = t
                summary[f"threshold_at_fdr_{int(level * 100)}"] = t if np.isfinite(t) else None
            summary["fdr_at_0.9"] = float(curve.fdr_at(0.9)[0])
            summary["fdr_at_model_threshold"] = float(curve.fdr_at(model_threshold)[0])
            summary["lowest_q_value"] = float(np.min(curve.q)) if len(curve.q) else None
            maxima = np.array(self.decoy_maxima)
            null = fit_length_matched(maxima, np.array(self.decoy_windows),
                                      k=min(100, max(len(maxima) - 1, 1)))
        protein_q = None
        scores = np.array(self.protein_scores, np.float64)
        if protein_null is not None:
            summary["proteins_set_aside_by_compartment"] = dict(sorted(self.set_aside.items()))
            summary["proteins_set_aside"] = int(sum(self.set_aside.values()))
        if protein_null is not None and np.isfinite(scores).any():
            from nesscan.length_null import cargo_p_values
            from nesscan.stats import bh_q_values

            ok = np.isfinite(scores)
            p = cargo_p_values(scores[ok], protein_null)
            q = bh_q_values(p)
            order = np.argsort(scores[ok], kind="stable")
            protein_q = (scores[ok][order], p[order], q[order])
            summary["protein_null_size"] = int(len(protein_null))
            summary["proteins_assessed"] = int(ok.sum())
            summary["lowest_cargo_q_value_batch"] = float(q.min())
            for level in (5, 10):
                called = q <= level / 100
                summary[f"protein_calls_at_q_{level}"] = int(called.sum())
                summary[f"protein_calls_per_100_assessed_at_q_{level}"] = 100.0 * called.sum() / max(ok.sum(), 1)
                summary[f"protein_calls_per_100_proteins_at_q_{level}"] = 100.0 * called.sum() / max(len(scores), 1)
                summary[f"protein_score_threshold_at_q_{level}"] = float(scores[ok][called].min()) if called.any() \
                    else None
        from nesscan.screen.calls import fit_call_curves

        call_curves, call_info = fit_call_curves(self.call_targets, self.call_decoys, reference_nulls or {})
        return Calibration(curve, null, thresholds, summary, protein_q=protein_q, call_curves=call_curves,
                           call_info=call_info)


@dataclass
class Calibration:
    """A fitted calibration; applied to a screen's tables chunk by chunk."""

    curve: BinnedFdrCurve | None  # None without decoys
    null: LengthMatchedNull | None
    thresholds: dict[str, float]
    summary: dict
    calls: dict[str, int] = field(default_factory=dict)
    #: assessed proteins' scores (ascending), their p-values against the model's fixed null and their
    #: batch q-values, or None without a protein model
    protein_q: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: call-score FDR curve per null, and what each null holds (:mod:`nesscan.screen.calls`)
    call_curves: dict = field(default_factory=dict)
    call_info: dict = field(default_factory=dict)

    def candidates(self, candidates: pd.DataFrame) -> pd.DataFrame:
        """Add ``nes_class``, ``anchors``, ``q_value`` (the window score against the screen's
        decoys) and the call columns (:func:`nesscan.screen.calls.annotate_calls`) to candidate rows."""
        from nesscan.screen.annotate import add_q_values, annotate_candidates
        from nesscan.screen.calls import annotate_calls

        candidates = annotate_candidates(candidates)
        if self.curve is None:
            candidates = candidates.assign(q_value=np.nan)
        else:
            candidates = add_q_values(candidates, self.curve.q_of)
        return annotate_calls(candidates, self.call_curves)

    def call_summary(self, candidates: pd.DataFrame, n_known: int, left_out: list[str] | tuple = ()) -> dict:
        """``fdr.json``'s ``call`` section (:func:`nesscan.screen.calls.call_summary`)."""
        from nesscan.screen.calls import call_summary

        return call_summary(candidates, self.call_curves, self.call_info, n_known, left_out)

    def proteins(self, proteins: pd.DataFrame) -> pd.DataFrame:
        """Add ``protein_pvalue`` and ``calibrated_score`` (the best window, length-matched) and,
        with a protein model, ``cargo_p_value``, ``cargo_q_value_batch`` and ``call_status``
        to protein rows (``gate_reason`` is consumed)."""
        from nesscan.model.cargo import call_status

        pval = np.full(len(proteins), np.nan)
        if self.null is not None:
            ok = proteins.n_windows.to_numpy() > 0
            pval[ok] = self.null.pvalue(proteins.max_score.to_numpy(float)[ok], proteins.n_windows.to_numpy()[ok])
        reason = proteins.get("gate_reason", pd.Series("", index=proteins.index)).fillna("").astype(str).to_numpy()
        scores = pd.to_numeric(proteins.protein_score, errors="coerce").to_numpy(float)
        assessed = np.isfinite(scores) & (reason == "")
        cargo_p = np.full(len(proteins), np.nan)
        qval = np.full(len(proteins), np.nan)
        if self.protein_q is not None:
            ranked, p, q = self.protein_q
            at = np.clip(np.searchsorted(ranked, scores[assessed]), 0, len(q) - 1)
            cargo_p[assessed], qval[assessed] = p[at], q[at]
        status = call_status(reason, scores, qval, proteins.status.to_numpy() == "ok")
        out = proteins.drop(columns=["gate_reason"], errors="ignore")
        return out.assign(protein_pvalue=pval, calibrated_score=-np.log10(pval) + 0.0, cargo_p_value=cargo_p,
                          cargo_q_value_batch=qval, call_status=status)

    def count(self, scores: np.ndarray, offsets: np.ndarray, known_mask: np.ndarray, window: int) -> None:
        """Add one chunk's calls (and novel calls) at every threshold."""
        for name, t in self.thresholds.items():
            ok = bool(np.isfinite(t))
            self.calls[f"calls_at_{name}"] = self.calls.get(f"calls_at_{name}", 0) + (
                count_runs(scores, offsets, t, window) if ok else 0)
            self.calls[f"novel_calls_at_{name}"] = self.calls.get(f"novel_calls_at_{name}", 0) + (
                count_runs(scores, offsets, t, window, keep=~known_mask) if ok else 0)

    def fdr_summary(self) -> dict:
        """The ``fdr.json`` summary (after every chunk was counted)."""
        summary = dict(self.summary)
        n = max(self.summary["n_proteins"], 1)
        for name in self.thresholds:
            calls = self.calls.get(f"calls_at_{name}", 0)
            summary[f"calls_at_{name}"] = calls
            summary[f"novel_calls_at_{name}"] = self.calls.get(f"novel_calls_at_{name}", 0)
            summary[f"calls_per_100_proteins_at_{name}"] = 100.0 * calls / n
        summary["thresholds"] = {k: (v if np.isfinite(v) else None) for k, v in self.thresholds.items()}
        return summary


#: estimated FDR at the threshold above which the CLI warns that calls cannot be told from decoys
FDR_WARNING = 0.5


def calls_summary(fdr: dict | None) -> tuple[str, str | None]:
    """The FDR half of ``nesscan screen``'s summary line, and a one-line warning (or None)
    when the estimated FDR at the model threshold is above :data:`FDR_WARNING`.

    >>> calls_summary({"calls_at_model_threshold": 40, "calls_at_fdr_10": 0, "fdr_at_model_threshold": 0.9,
    ...                "lowest_q_value": 0.8, "thresholds": {"model_threshold": 0.95, "fdr_10": None}})[1]
    'warning: estimated FDR at the threshold 0.950 is 0.90 (lowest q-value 0.80): these calls cannot be told from shuffled decoys'
    """
    if not fdr or "fdr_at_model_threshold" not in fdr:
        return "window score alone: no FDR estimate (no decoys of its own; the call uses the model's reference nulls)", None
    thresholds = fdr.get("thresholds", {})
    t10 = thresholds.get("fdr_10")
    at10 = (f"{fdr.get('calls_at_fdr_10', 0)} calls at FDR 10% (score >= {t10:.3f})" if t10 is not None
            else "0 calls at FDR 10% (no threshold reaches it)")
    text = (f"{fdr.get('calls_at_model_threshold', 0)} calls at the threshold "
            f"(estimated FDR {fdr['fdr_at_model_threshold']:.2f}), {at10}")
    warning = None
    if fdr["fdr_at_model_threshold"] > FDR_WARNING:
        lowest = fdr.get("lowest_q_value")
        low = f" (lowest q-value {lowest:.2f})" if lowest is not None else ""
        thr = thresholds.get("model_threshold")
        at = f" {thr:.3f}" if thr is not None else ""
        warning = (f"warning: estimated FDR at the threshold{at} is {fdr['fdr_at_model_threshold']:.2f}{low}: "
                   "these calls cannot be told from shuffled decoys")
    return text, warning
