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
            ) -> dict[str, float] | None:
    """AUC(a) - AUC(b) with a paired, class-stratified bootstrap interval; None when a class
    is missing (a length quartile of a small held-out set)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if not len(pos) or not len(neg):
        return None
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
        :func:`nesscan.validate.evaluate.auc_by_length_quartile` for :data:`SCORES`
        (overall and per length quartile, with CIs); ``vs_comp_length``: score -> the
        paired difference against composition + length (``diff``, ``lo``, ``hi``), and
        ``vs_comp_length_by_quartile`` the same within each length quartile (None where a class is missing);
        ``cargo_a``: AUC of each score, Cargo A against non-binders; ``measured_input``:
        the same for the proteins whose input abundance was measured (above the cargoes'
        commonest value, the table's placeholder of "not quantified"); each None when a
        class has fewer than 10 proteins.
    """
    from nesscan.validate.evaluate import auc_by_length_quartile
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


def cargo_summary(metrics: Mapping[str, Any], where: str) -> str:
    """One line of :func:`cargo_metrics`' figures for the log (``where``: e.g. "out of fold")."""
    overall = metrics["by_length"]["overall"]["auc"]
    quart = [b["auc"]["protein_score"] for b in metrics["by_length"]["quartiles"]]
    return (f"cargo table ({metrics['n_cargo']} cargo, {metrics['n_non_binders']} non-binders), {where}: protein "
            f"score {overall['protein_score']['auc']:.3f}, cargo probability {overall['cargo_probability']['auc']:.3f}, "
            f"composition + length {overall['comp_length']['auc']:.3f}, length {overall['length']['auc']:.3f}; "
            "per length quartile " + " / ".join("n/a" if a is None else f"{a['auc']:.3f}" for a in quart))


def format_cargo_table(metrics: Mapping[str, Any]) -> str:
    """:func:`cargo_metrics` as a text table: each score's AUC [95% CI] over all proteins and
    its AUC per length quartile; the paired difference against composition + length below."""
    blocks = [metrics["by_length"]["overall"], *metrics["by_length"]["quartiles"]]
    head = ["all"] + [f"Q{q + 1} {b['min_length']}-{b['max_length']} aa" for q, b in enumerate(blocks[1:])]
    lines = [f"Protein level: {metrics['n_cargo']} cargo, {metrics['n_non_binders']} non-binders",
             f"{'score':<20} {'all: AUC [95% CI]':<24} " + " ".join(f"{h:<18}" for h in head[1:])]
    for s in SCORES:
        cells = [(b["auc"].get(s) if b["auc"] else None) for b in blocks]
        first = "n/a" if cells[0] is None else f"{cells[0]['auc']:.3f} [{cells[0]['auc_lo']:.3f}, {cells[0]['auc_hi']:.3f}]"
        lines.append(f"{s:<20} {first:<24} " + " ".join(f"{'' if c is None else format(c['auc'], '.3f'):<18}"
                                                         for c in cells[1:]))
    for s, d in metrics["vs_comp_length"].items():
        if d is None:
            continue
        lines.append(f"{s} - comp_length: {d['diff']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}] (paired bootstrap)")
    return "\n".join(line.rstrip() for line in lines)


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


def held_out_cargo(model: Any, cargo: Any, seed: int = 0, inner_folds: int = 3) -> pd.DataFrame:
    """A trained model's protein level on the cargo table's held-out proteins (``nesscan evaluate``).

    The ``test`` split's labelled proteins (never seen by the model: its protein model
    trains on ``train`` + ``val``, and the split keeps homologues together) are scored by
    the model's protein level (:meth:`~nesscan.predictor.Predictor.score_protein_level`).
    Beside it, on the same proteins: composition, and composition and length, each fitted
    on the training splits' labelled proteins by the protein model's own nested procedure
    (:func:`~nesscan.model.cargo.fit_cargo_model` with that one feature set); the best
    window and the best exposed window of the model's window scores; length.

    Parameters
    ----------
    model
        A :class:`~nesscan.predictor.Predictor` with a protein model.
    cargo
        The cargo table of :func:`nesscan.dataset.prepare.prepare` for the model's data
        and seed (``table`` with ``split`` and ``cluster``).

    Returns
    -------
    pandas.DataFrame
        One row per held-out protein, the columns of :func:`cross_validate_cargo`'s table
        without ``fold``; an empty table when the test split holds no labelled protein.
    """
    from nesscan.features.protein import EVIDENCE, plddt_of, window_evidence
    from nesscan.model.cargo import fit_cargo_model

    labelled = cargo.table.reset_index(drop=True)
    test = labelled[labelled.split == "test"].reset_index(drop=True)
    train = labelled[labelled.split.isin(["train", "val"])].reset_index(drop=True)
    keep = [c for c in ("accession", "entry_name", "category", "label", "length", "cluster", "input_fraction_ppm")
            if c in labelled]
    if test.empty:
        return test[keep].assign(**{s: np.zeros(0) for s in SCORES})
    held = [cargo.proteins[a] for a in test.accession]
    seqs = [p.sequence for p in held]
    window_scores = model.score_proteins(held)
    cargo_probability, protein_score = model.score_protein_level(held, window_scores)
    plddt = plddt_of(model.featurizer, seqs)
    evidence = window_evidence(window_scores, plddt, [len(s) for s in seqs], model.window)
    fit_seqs = [cargo.proteins[a].sequence for a in train.accession]
    fit_plddt = plddt_of(model.featurizer, fit_seqs)
    cols = {"protein_score": protein_score, "cargo_probability": cargo_probability}
    for name, sets in (("comp_length", {"composition+length": ("composition", "length")}),
                       ("composition", {"composition": ("composition",)})):
        baseline = fit_cargo_model(fit_seqs, fit_plddt, train.label.to_numpy(), train.cluster.tolist(),
                                   np.zeros((len(train), len(EVIDENCE))), seed, inner_folds, feature_sets=sets)[0]
        cols[name] = baseline.cargo_probability(seqs, plddt)
    cols["best_window"], cols["best_exposed_window"] = evidence[:, 0], evidence[:, 1]
    cols["length"] = test.length.to_numpy(float)
    return test[keep].assign(**cols)
