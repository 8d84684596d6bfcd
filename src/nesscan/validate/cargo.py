"""The protein level out of fold: which proteins CRM1 exports, on the cargo table.

Every labelled protein of the cargo table (Kirli et al. 2015; cargo 1, non-binder 0) is
scored by models that never saw it nor a homologue:

* the outer folds are whole MMseqs2 clusters, the window cross-validation's folds
  (:func:`nesscan.validate.cv.cluster_folds`) for clusters that hold window examples, a
  balanced assignment of the rest (cargo labels balanced), so a protein's fold is the
  same at both levels;
* in outer fold ``f`` the protein model is trained exactly as ``nesscan train`` trains
  it (:func:`nesscan.model.cargo.fit_cargo_model`: feature groups, hyper-parameters and
  the protein score chosen and fitted inside fold ``f``'s training proteins), its window
  evidence coming from window models refitted without the protein's inner fold
  (:func:`nesscan.model.cargo_train.out_of_fold_evidence`, on the window examples of the
  other outer folds only), and the held-out proteins' window evidence from a window model
  refitted on the other outer folds, with the hyper-parameters the window
  cross-validation chose in fold ``f``.

Beside the two scores on the same folds: length alone; composition, and composition and
length, each fitted by the same nested procedure; the best window and the best exposed
window (the window model's evidence alone). Reported: pooled out-of-fold AUC with a
stratified bootstrap CI, AUC within length quartiles, the paired bootstrap difference
(same resampled proteins) of each score against composition + length, Cargo A alone
against the non-binders, and the proteins whose input abundance was measured (the cargo
classes of low abundance are partly defined by not being seen in the input, see the data
README).

Writes ``cv/cargo_metrics.json`` (schema: :func:`cargo_metrics`) and
``cv/cargo_predictions.tsv`` (one row per labelled protein: ``accession``, ``category``,
``label``, ``length``, ``fold`` and one column per score).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.features import Featurizer
from nesscan.records import Protein

SCORES = ("protein_score", "cargo_probability", "comp_length", "composition", "best_window",
          "best_exposed_window", "length")
"""Score columns of the predictions, the model's first."""
BASELINE = "comp_length"


def cargo_folds(labelled: pd.DataFrame, window_fold: Mapping[str, int], k: int, seed: int) -> np.ndarray:
    """Outer fold of each labelled protein: its cluster's window fold, else a balanced one."""
    from nesscan.dataset.split import balanced_assignment

    fold = labelled.cluster.map(window_fold)
    rest = labelled[fold.isna()]
    if len(rest):
        stats = rest.groupby("cluster").agg(pos=("label", "sum"), n=("label", "size"))
        fold[fold.isna()] = rest.cluster.map(balanced_assignment(stats, [1.0] * k, seed))
    return fold.to_numpy(int)


def _paired(y: np.ndarray, a: np.ndarray, b: np.ndarray, n_boot: int, seed: int, alpha: float = 0.05
            ) -> dict[str, float]:
    """AUC(a) - AUC(b) with a paired, class-stratified bootstrap interval."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    diff = roc_auc_score(y, a) - roc_auc_score(y, b)
    boots = []
    for _ in range(n_boot):
        i = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        boots.append(roc_auc_score(y[i], a[i]) - roc_auc_score(y[i], b[i]))
    lo, hi = (np.quantile(boots, [alpha / 2, 1 - alpha / 2]) if boots else (diff, diff))
    return {"diff": float(diff), "lo": float(lo), "hi": float(hi)}


def cargo_metrics(pred: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """The protein-level figures of out-of-fold predictions.

    Returns
    -------
    dict
        ``n_proteins``, ``n_cargo``, ``n_non_binders``; ``by_length``: the output of
        :func:`nesscan.screen.protein_score.auc_by_length_quartile` for :data:`SCORES`
        (overall and per length quartile, with CIs); ``vs_comp_length``: score -> the
        paired difference against composition + length (``diff``, ``lo``, ``hi``), and
        ``vs_comp_length_by_quartile`` the same within each length quartile;
        ``cargo_a``: AUC of each score, Cargo A against non-binders; ``measured_input``:
        the same for the proteins whose input abundance was measured (above the cargoes'
        commonest value, the table's placeholder of "not quantified"); each None when a
        class has fewer than 10 proteins.
    """
    from nesscan.screen.protein_score import auc_by_length_quartile
    from nesscan.validate.evaluate import roc_auc_ci

    y = pred.label.to_numpy(int)
    names = [s for s in SCORES if s != "length"]
    out: dict[str, Any] = {"n_proteins": int(len(pred)), "n_cargo": int(y.sum()), "n_non_binders": int((y == 0).sum()),
                           "by_length": auc_by_length_quartile(pred, names, n_boot=n_boot, seed=seed),
                           "vs_comp_length": {s: _paired(y, pred[s].to_numpy(float), pred[BASELINE].to_numpy(float),
                                                         n_boot, seed)
                                              for s in ("protein_score", "cargo_probability")}}
    edges = out["by_length"]["quartile_edges"]
    quartile = np.searchsorted(edges, pred.length.to_numpy(float), side="left")
    out["vs_comp_length_by_quartile"] = [
        {s: _paired(y[quartile == q], pred[s].to_numpy(float)[quartile == q], pred[BASELINE].to_numpy(float)[quartile == q],
                    n_boot, seed) for s in ("protein_score", "cargo_probability")} for q in range(4)]

    def aucs(keep: np.ndarray) -> dict[str, Any] | None:
        yy = y[keep]
        if min(yy.sum(), (yy == 0).sum()) < 10:  # too few of a class for an AUC worth reporting
            return None
        return {"n_pos": int(yy.sum()), "n_neg": int((yy == 0).sum()),
                **{s: list(roc_auc_ci(yy, pred[s].to_numpy(float)[keep], n_boot=n_boot, seed=seed)) for s in SCORES}}

    out["cargo_a"] = aucs(((pred.category == "Cargo A") | (y == 0)).to_numpy())
    if "input_fraction_ppm" in pred and pred.input_fraction_ppm[y == 1].notna().any():
        # the cargoes' commonest input fraction is the table's placeholder of "not quantified in the input"
        floor = float(pred.input_fraction_ppm[y == 1].mode().iloc[0])
        out["measured_input"] = aucs((pred.input_fraction_ppm > floor).to_numpy())
    return out


def cross_validate_cargo(cargo: Any, table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
                         window_fold: Mapping[str, int], fold_chosen: Sequence[Mapping[str, Any]], seed: int = 0,
                         inner_folds: int = 3, log: Callable[[str], None] = lambda msg: None) -> pd.DataFrame:
    """Out-of-fold scores of every labelled protein (see the module docstring).

    Parameters
    ----------
    cargo
        The cargo table of :func:`nesscan.pipeline.prepare` (``table`` with ``cluster``).
    table, proteins
        The window examples (``cluster``) and their parents.
    featurizer
        A flat featurizer of the window model's spec (its pLDDT track gives the proteins').
    window_fold
        Cluster -> outer fold of the window cross-validation.
    fold_chosen
        Per outer fold, the window hyper-parameters its selection chose.

    Returns
    -------
    pandas.DataFrame
        The predictions table (module docstring).
    """
    from nesscan.features.protein import EVIDENCE, plddt_of
    from nesscan.model.cargo import FEATURE_SETS, fit_cargo_model
    from nesscan.model.cargo_train import out_of_fold_evidence, protein_folds

    k = len(fold_chosen)
    labelled = cargo.table.reset_index(drop=True)
    fold = cargo_folds(labelled, window_fold, k, seed)
    seqs = [cargo.proteins[a].sequence for a in labelled.accession]
    plddt = plddt_of(featurizer, seqs)
    window_of = table.cluster.map(window_fold).to_numpy()
    cols = {s: np.full(len(labelled), np.nan) for s in SCORES}
    cols["length"] = labelled.length.to_numpy(float)
    for f in range(k):
        test, train = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        pool = table[window_of != f]
        evidence = np.zeros((len(labelled), len(EVIDENCE)))
        evidence[test] = out_of_fold_evidence(pool, proteins, featurizer, fold_chosen[f], labelled.iloc[test],
                                              cargo.proteins, [plddt[i] for i in test],
                                              [np.arange(len(test))], seed)
        inner = labelled.iloc[train].reset_index(drop=True)
        evidence[train] = out_of_fold_evidence(pool, proteins, featurizer, fold_chosen[f], inner, cargo.proteins,
                                               [plddt[i] for i in train], protein_folds(inner, inner_folds, seed),
                                               seed)
        y, clusters = inner.label.to_numpy(), inner.cluster.tolist()
        fitted, held = ([seqs[i] for i in train], [plddt[i] for i in train]), ([seqs[i] for i in test],
                                                                                [plddt[i] for i in test])
        for name, sets in (("cargo_probability", FEATURE_SETS),
                           ("comp_length", {"composition+length": ("composition", "length")}),
                           ("composition", {"composition": ("composition",)})):
            model = fit_cargo_model(*fitted, y, clusters, evidence[train], seed, inner_folds, feature_sets=sets)[0]
            cols[name][test] = model.cargo_probability(*held)
            if name == "cargo_probability":
                cols["protein_score"][test] = model.protein_score(cols[name][test], evidence[test])
                groups = model.groups
        cols["best_window"][test], cols["best_exposed_window"][test] = evidence[test, 0], evidence[test, 1]
        log(f"protein level: fold {f + 1}/{k} done ({len(test)} proteins; feature set {groups})")
    keep = [c for c in ("accession", "entry_name", "category", "label", "length", "cluster", "input_fraction_ppm")
            if c in labelled]
    return labelled[keep].assign(fold=fold, **cols)
