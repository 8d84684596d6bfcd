"""The report's protein-level section: which proteins CRM1 exports.

Reads ``cv/cargo_metrics.json`` (:func:`nesscan.validate.cargo.cargo_metrics`) and
``cv/cargo_predictions.tsv`` (out-of-fold scores of every labelled protein of the CRM1
cargo table) of ``nesscan run``, and each screen's protein scores
(:mod:`nesscan.report.protein_calls`). Writes Figure 5 (``fig5_cargo_roc``: out-of-fold
ROC curves of the protein score and its baselines), Table 6 (AUC overall, per length
quartile, Cargo A alone, proteins of measured abundance), Table 7 (paired differences
against composition + length), and says what the scores mean and what they do not.

The section is left out when the run has none of its inputs (an older run folder, or a
run without a cargo table); each absent part of a partial run gets a "Not computed" line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nesscan.report.data import RunData
from nesscan.report.protein_calls import has_protein_scores, screen_blocks
from nesscan.report.render import Block, FigureRef, Heading, Para, Table
from nesscan.report.tables import NA, fmt_auc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Score columns of ``cargo_predictions.tsv`` in words (:data:`nesscan.validate.cargo.SCORES`).
SCORE_LABELS = {"protein_score": "protein score", "cargo_probability": "cargo probability",
                "comp_length": "composition + length", "composition": "composition",
                "best_window": "best window", "best_exposed_window": "best exposed window", "length": "length"}
#: The curves of Figure 5, in legend order, with their style (colour, line style, width).
CURVES = {"protein_score": ("black", "-", 2.4), "cargo_probability": ("tab:blue", "-", 1.8),
          "comp_length": ("tab:orange", "--", 1.5), "composition": ("tab:green", "--", 1.3),
          "best_window": ("tab:red", ":", 1.8), "length": ("0.45", "-.", 1.3)}
#: Scores compared with composition + length by a paired bootstrap (``vs_comp_length``).
PAIRED = ("protein_score", "cargo_probability")
STEM = "fig5_cargo_roc"

MEANING = ("Two scores per protein sit beside the window scores. The cargo probability is P(CRM1 cargo) from "
           "the whole protein alone: a high value says the protein looks like the proteins CRM1 exports (its "
           "amino-acid composition, predicted disorder and pLDDT, charge and length). It does not locate an NES, "
           "and a cargo need not carry one of its own: some ride out on a partner that does. The windows locate "
           "NESs. The protein score combines the cargo probability with the window evidence (best window, best "
           "window in an exposed segment, windows scoring 0.9 or more per 100 residues) and is the ranking to "
           "sort proteins by; its q-value compares it with the out-of-fold protein scores of the training "
           "non-binders. Both are fitted at the cargo table's mix of cargo and non-binders, so they rank "
           "proteins; they are not proteome-wide rates.")
LABELS_NOTE = ("The labels come from one experiment: CRM1 affinity chromatography of Xenopus oocyte extract with "
               "and without RanGTP (Kirli et al. 2015, eLife 4:e11466), mapped to human orthologues. They are "
               "noisy: a non-binder may be a cargo too scarce in the extract to be seen, and the low-abundance "
               "cargo class is partly defined by abundance (by not being seen in the input). The rows Cargo A "
               "(the most confident class) and proteins whose input abundance was measured check that the scores "
               "do not just track abundance.")


def _label(score: str) -> str:
    return SCORE_LABELS.get(score, score.replace("_", " "))


def _auc_entry(m: Any) -> dict[str, Any] | None:
    """``{auc, auc_lo, auc_hi}`` from a dict of that shape or a ``[auc, lo, hi]`` list."""
    if isinstance(m, dict):
        return m
    if isinstance(m, (list, tuple)) and len(m) == 3 and m[0] is not None:
        return {"auc": m[0], "auc_lo": m[1], "auc_hi": m[2]}
    return None


def _curve(pred: pd.DataFrame, score: str) -> tuple[np.ndarray, np.ndarray, float] | None:
    from sklearn.metrics import roc_auc_score, roc_curve

    if score not in pred:
        return None
    s = pd.to_numeric(pred[score], errors="coerce").to_numpy(float)
    y = pd.to_numeric(pred["label"], errors="coerce").to_numpy(float)
    ok = np.isfinite(s) & np.isfinite(y)
    if len(np.unique(y[ok])) < 2:
        return None
    fpr, tpr, _ = roc_curve(y[ok].astype(int), s[ok])
    return fpr, tpr, float(roc_auc_score(y[ok].astype(int), s[ok]))


def roc_figure(pred: pd.DataFrame, metrics: dict[str, Any] | None) -> Figure:
    """Figure 5: out-of-fold ROC curves on the cargo table (one per score of :data:`CURVES`
    in ``pred``), labelled with their AUC (and 95% CI from ``metrics`` when given)."""
    from matplotlib.figure import Figure

    overall = ((metrics or {}).get("by_length") or {}).get("overall") or {}
    fig = Figure(figsize=(6.4, 5.6))
    ax = fig.add_subplot()
    y = pd.to_numeric(pred["label"], errors="coerce")
    for score, (color, ls, lw) in CURVES.items():
        curve = _curve(pred, score)
        if curve is None:
            continue
        fpr, tpr, auc = curve
        ci = _auc_entry((overall.get("auc") or {}).get(score))
        text = fmt_auc(ci) if ci is not None else f"{auc:.3f}"
        ax.plot(fpr, tpr, color=color, ls=ls, lw=lw, label=f"{_label(score)}: AUC {text}",
                zorder=3 if score == "protein_score" else 2)
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="chance")
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), xlabel="False positive rate (fraction of non-binders)",
           ylabel="True positive rate (fraction of cargo)",
           title=f"CRM1 cargo table, out of fold: {int((y == 1).sum()):,} cargo vs {int((y == 0).sum()):,} "
                 "non-binders")
    ax.title.set_fontsize(10)
    ax.legend(loc="lower right", fontsize=7.5, title="score, AUC [95% CI]", title_fontsize=7.5)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return fig


def roc_caption(pred: pd.DataFrame) -> str:
    """Figure 5's caption, with the numbers of ``pred``."""
    y = pd.to_numeric(pred["label"], errors="coerce")
    folds = int(pred["fold"].nunique()) if "fold" in pred else None
    return (f"Figure 5. Which proteins CRM1 exports: ROC of out-of-fold scores on the CRM1 cargo table (Kirli et "
            f"al. 2015), {int((y == 1).sum()):,} cargo (classes A, B and low-abundance) against "
            f"{int((y == 0).sum()):,} non-binders, each protein scored by models that never saw it nor a homologue "
            + (f"({folds} outer folds of whole homology clusters). " if folds else "(outer folds of whole homology "
               "clusters). ")
            + "Protein score: the cargo probability combined with the window evidence; cargo probability: the "
            "whole-protein model; composition + length and composition: the same nested fit on those features "
            "alone; best window: the window model's best window, from window models that did not see the protein; "
            "length: the protein's length alone. Legend: pooled out-of-fold AUC [95% stratified bootstrap CI].")


def _block_row(label: str, block: dict[str, Any], scores: Sequence[str]) -> tuple[str, ...]:
    aucs = block.get("auc")
    get = (lambda s: aucs.get(s)) if isinstance(aucs, dict) else (lambda s: block.get(s))
    return (label, f"{block.get('n_pos', NA)} / {block.get('n_neg', NA)}",
            *(fmt_auc(_auc_entry(get(s))) for s in scores))


def auc_table(metrics: dict[str, Any]) -> Table:
    """Table 6: pooled out-of-fold AUC [95% CI] of every score, overall, per length quartile,
    Cargo A against the non-binders and the proteins whose input abundance was measured."""
    by = metrics.get("by_length") or {}
    overall = by.get("overall") or {}
    present = set(overall.get("auc") or {})
    scores = [s for s in SCORE_LABELS if s in present] + sorted(present - set(SCORE_LABELS))
    rows = [_block_row("all lengths", overall, scores)] if overall else []
    for i, q in enumerate(by.get("quartiles") or []):
        rows.append(_block_row(f"Q{i + 1}: {q.get('min_length', NA)}-{q.get('max_length', NA)} aa", q, scores))
    if metrics.get("cargo_a"):
        rows.append(_block_row("Cargo A vs non-binders", metrics["cargo_a"], scores))
    if metrics.get("measured_input"):
        rows.append(_block_row("input abundance measured", metrics["measured_input"], scores))
    rho = by.get("spearman_length_negatives") or {}
    rho_text = ", ".join(f"{_label(s)} {rho[s]:.2f}" for s in ("protein_score", "cargo_probability")
                         if isinstance(rho.get(s), (int, float)))
    caption = (f"Table 6: which proteins CRM1 exports, pooled out-of-fold ROC AUC [95% bootstrap CI] on the cargo "
               f"table ({metrics.get('n_cargo', NA)} cargo, {metrics.get('n_non_binders', NA)} non-binders), overall "
               "and within length quartiles (length alone is scored overall only), for Cargo A alone against the "
               "non-binders, and for the proteins whose abundance in the input extract was measured (the "
               "low-abundance cargo class is partly defined by not being measured)"
               + (f". Spearman rho with length on the non-binders: {rho_text}" if rho_text else ""))
    return Table(caption, ("proteins", "cargo / non-binders", *(_label(s) for s in scores)), tuple(rows))


def _diff(d: Any) -> str:
    if not isinstance(d, dict) or d.get("diff") is None:
        return NA
    return f"{d['diff']:+.3f} [{d.get('lo', float('nan')):+.3f}, {d.get('hi', float('nan')):+.3f}]"


def difference_table(metrics: dict[str, Any]) -> Table | None:
    """Table 7: AUC of the protein score and the cargo probability minus that of composition +
    length on the same proteins (paired bootstrap), overall and per length quartile; None
    when ``metrics`` has no ``vs_comp_length``."""
    overall = metrics.get("vs_comp_length")
    if not overall:
        return None
    quartiles = (metrics.get("by_length") or {}).get("quartiles") or []
    rows = [("all lengths", *(_diff(overall.get(s)) for s in PAIRED))]
    for i, q in enumerate(metrics.get("vs_comp_length_by_quartile") or []):
        span = quartiles[i] if i < len(quartiles) else {}
        rows.append((f"Q{i + 1}: {span.get('min_length', NA)}-{span.get('max_length', NA)} aa",
                     *(_diff(q.get(s)) for s in PAIRED)))
    return Table("Table 7: what the protein model adds to composition and length: AUC difference against "
                 "composition + length on the same out-of-fold proteins, with a 95% paired, class-stratified "
                 "bootstrap interval (an interval above 0: better than composition and length alone)",
                 ("proteins", *(f"{_label(s)} - (composition + length)" for s in PAIRED)), tuple(rows))


def _has_predictions(pred: pd.DataFrame | None) -> bool:
    return pred is not None and "label" in pred and any(s in pred for s in CURVES)


def protein_section(data: RunData) -> tuple[list[Block], dict[str, Figure]]:
    """Blocks and figures of the protein-level section; both empty when the run has none of
    its inputs (no cargo metrics or predictions, no protein model, no screen protein scores)."""
    pred = data.cargo_predictions
    has_pred = _has_predictions(pred)
    if not (data.cargo or has_pred or data.model.get("protein_model")
            or any(has_protein_scores(s) for s in data.screens)):
        return [], {}
    blocks: list[Block] = [Heading(2, "Which proteins CRM1 exports"), Para(MEANING), Para(LABELS_NOTE)]
    figs: dict[str, Figure] = {}
    if has_pred:
        figs[STEM] = roc_figure(pred, data.cargo)
        blocks.append(FigureRef(STEM, roc_caption(pred)))
    else:
        blocks.append(Para("Not computed in this run (no cv/cargo_predictions.tsv): no out-of-fold ROC of the "
                           "protein level."))
    if data.cargo:
        blocks.append(auc_table(data.cargo))
        diff = difference_table(data.cargo)
        if diff is not None:
            blocks.append(diff)
    else:
        blocks.append(Para("Not computed in this run (no cv/cargo_metrics.json)."))
    blocks.append(Heading(3, "Proteins per screen"))
    blocks += screen_blocks(data.screens, data.control, int(data.model.get("window", 22)),
                            float(data.model.get("threshold", 0.9)))
    return blocks, figs
