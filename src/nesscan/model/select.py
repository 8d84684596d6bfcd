"""Training of the flat-feature family with nested selection inside the training data.

:func:`fit_window_model` is the one training function of the ``logistic`` / ``gbm`` /
``ensemble`` classifiers: ``nesscan train`` calls it on the train + validation splits,
and every outer fold of :mod:`nesscan.validate.cv` calls it on that fold's training
part, so the selection below is nested inside each outer fold.

1. Inner cross-validation: ``inner_folds`` folds of whole homology clusters
   (``GroupKFold`` on the examples' ``cluster``). In each inner fold the anchor PSSM
   (:class:`nesscan.features.pssm.AnchorPSSM`) is refit on the inner-training centred
   positives (background: residues of the inner-training ``mito_random`` and
   ``nesdb_other`` windows), and every grid point (:data:`GRID`: logistic ``C``;
   boosted-trees learning rate at depth 3, 200 trees; each with offset augmentation
   off/on) is fit on the inner-training rows and scores the inner held-out centred
   windows.
2. Each component's hyper-parameters maximise the *mean over negative sources* of the
   inner out-of-fold AUC (positives vs each negative set), as in the research study.
   Only the sets pooled into "all negatives" count: a set registered with
   ``in_all=False`` (``locnes_neg``, :func:`nesscan.dataset.registry.separate_sources`) is
   trained on in every fit but neither selects hyper-parameters nor sets the threshold
   (it may hold unannotated NESs), so the mean stays over the same sets as before it.
3. Threshold: ``max(0.9, 99th percentile of the chosen family's inner out-of-fold
   negative scores)`` (the ensemble's are the mean of its chosen components'; negatives
   of the same sets as in 2).
4. The PSSM and the chosen components are refit on all the training rows.

Doubtful NESdb positives, and sets registered with ``trained=False``, are never trained on. Everything is seeded: the same rows and
seed give the same arrays.

References
----------
Xu D et al. LocNES. Bioinformatics 2015;31:1357 (PSSM + context features, SVM);
Fu SC et al. NESsential. Nucleic Acids Res 2011;39:e111.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.features import Featurizer
from nesscan.features.flat import Contexts, example_contexts, feature_blocks, flat_matrix
from nesscan.model.flat import FlatClassifier, fit_flat
from nesscan.records import Protein

#: Inner-CV grid per component (offset augmentation off/on is crossed with each point).
GRID: dict[str, list[dict[str, Any]]] = {
    "logistic": [{"C": c} for c in (0.003, 0.01, 0.03)],
    "gbm": [{"learning_rate": lr, "max_depth": 3, "max_iter": 200} for lr in (0.05, 0.1)],
}
AUGMENT = (False, True)
BACKGROUND_SOURCES = ("mito_random", "nesdb_other")
THRESHOLD_RULE = ("max(0.9, 99th percentile of the inner cluster-grouped CV out-of-fold negatives' scores "
                  "of the chosen hyper-parameters)")
DOUBTFUL = "nesdb_doubtful"


def components(family: str) -> list[str]:
    """Components a family fits (``ensemble``: both)."""
    return ["logistic", "gbm"] if family == "ensemble" else [family]


def mean_source_auc(y: np.ndarray, score: np.ndarray, source: np.ndarray) -> float:
    """Mean over negative sources of the AUC of positives against that source."""
    from sklearn.metrics import roc_auc_score

    aucs = []
    for s in sorted(set(source[y == 0].tolist())):
        keep = (y == 1) | (source == s)
        if 0 < y[keep].sum() < keep.sum():
            aucs.append(roc_auc_score(y[keep], score[keep]))
    return float(np.mean(aucs)) if aucs else float("nan")


def _pssm_index(featurizer: Featurizer) -> list[int]:
    return [j for j, f in enumerate(featurizer.window_features) if getattr(f, "fitted", False)]


def fit_features(featurizer: Featurizer, rows: pd.DataFrame, ctx: Contexts, mask: np.ndarray) -> None:
    """Fit the featurizer's fitted window features on the training rows ``mask``."""
    sub = rows[mask]
    pos = mask & (rows.label.to_numpy() == 1) & rows.centred.to_numpy(bool)
    positives = [(ctx.sequences[c], int(a)) for c, a in zip(ctx.index[pos], ctx.starts[pos])]
    background = list(sub.sequence[sub.source.isin(BACKGROUND_SOURCES)])
    if not background:
        background = list(sub.sequence[sub.label == 0])
    for j in _pssm_index(featurizer):
        featurizer.window_features[j].fit(positives, background, featurizer.window)


def _train_rows(rows: pd.DataFrame, mask: np.ndarray, augment: bool) -> np.ndarray:
    keep = mask if augment else mask & rows.centred.to_numpy(bool)
    return np.flatnonzero(keep)


def fit_window_model(table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
                     family: str = "ensemble", seed: int = 0, inner_folds: int = 3,
                     log: Callable[[str], None] = lambda msg: None,
                     weak: Sequence[Protein] = ()) -> tuple[FlatClassifier, float, dict[str, Any]]:
    """Nested-selected flat classifier trained on ``table`` (see the module docstring).

    Parameters
    ----------
    table
        Training examples (``sequence``, ``accession``, ``start``, ``source``, ``label``,
        ``centred``, ``cluster``); ``nesdb_doubtful`` rows are dropped.
    proteins
        Accession -> parent protein.
    featurizer
        A flat featurizer; its fitted features (the PSSM) are refit here, ending fitted
        on all of ``table``.
    family
        ``"logistic"``, ``"gbm"`` or ``"ensemble"``.
    weak
        Weakly labelled proteins (CRM1 cargoes: at least one window binds, nobody knows
        which), for one round of multiple-instance learning (mi-SVM, Andrews et al. 2003,
        NIPS 15:577): after the selection and the refit, each protein's best window under
        the model becomes a positive (source ``cargo_weak``) and the classifier is refit
        once more with the chosen hyper-parameters (the PSSM stays fitted on NESdb NESs).
        They never select nor set the threshold. Empty: no weak positives (the default).

    Returns
    -------
    classifier, threshold, selection
        The refit classifier (with the PSSM state in ``feature_state``), the threshold,
        and the selection record (grid, inner scores, chosen points) for ``config.json``.
    """
    from sklearn.model_selection import GroupKFold

    from nesscan.dataset.negatives import separate_sources, untrained_sources

    rows = table[~table.source.isin([DOUBTFUL, *untrained_sources()])].reset_index(drop=True)
    rows = rows.assign(centred=rows.centred.astype(bool))
    y = rows.label.to_numpy().astype(int)
    source = rows.source.to_numpy().astype(str)
    centred = rows.centred.to_numpy(bool)
    pooled = ~np.isin(source, list(separate_sources()))  # rows that select and set the threshold
    ctx = example_contexts(rows, proteins)
    fitted = _pssm_index(featurizer)
    tracks = featurizer.residues(ctx.sequences)
    fixed = feature_blocks(featurizer, ctx, [j for j in range(len(featurizer.window_features)) if j not in fitted],
                           tracks)
    n_groups = rows.cluster.nunique()
    k = min(inner_folds, n_groups)
    oof: dict[tuple[str, int, bool], np.ndarray] = {}
    for i, (tr, te) in enumerate(GroupKFold(k).split(rows, y, rows.cluster.to_numpy())):
        mask = np.zeros(len(rows), bool)
        mask[tr] = True
        fit_features(featurizer, rows, ctx, mask)
        x = flat_matrix(featurizer, ctx, {**fixed, **feature_blocks(featurizer, ctx, fitted)})
        test = te[centred[te]]
        for comp in components(family):
            for g, point in enumerate(GRID[comp]):
                for aug in AUGMENT:
                    r = _train_rows(rows, mask, aug)
                    model = fit_flat(x, y, comp, {comp: point}, seed, {comp: r})
                    oof.setdefault((comp, g, aug), np.full(len(rows), np.nan))[test] = model.predict_proba(x[test])
        log(f"inner fold {i + 1}/{k} done")
    scored = np.isfinite(next(iter(oof.values()))) & pooled
    inner = {f"{c}|{g}|{a}": mean_source_auc(y[scored], s[scored], source[scored]) for (c, g, a), s in oof.items()}
    chosen: dict[str, dict[str, Any]] = {}
    for comp in components(family):
        keys = [(comp, g, a) for g in range(len(GRID[comp])) for a in AUGMENT]
        best = max(keys, key=lambda key: (inner[f"{key[0]}|{key[1]}|{key[2]}"], -key[1], not key[2]))
        chosen[comp] = {**GRID[comp][best[1]], "augment": bool(best[2]),
                        "inner_auc": inner[f"{best[0]}|{best[1]}|{best[2]}"]}
    family_oof = np.mean([oof[(c, GRID[c].index({k: v for k, v in chosen[c].items()
                                                  if k not in ("augment", "inner_auc")}), chosen[c]["augment"])]
                          for c in components(family)], axis=0)
    neg99 = float(np.quantile(family_oof[scored & (y == 0)], 0.99))
    threshold = max(0.9, neg99)
    all_rows = np.ones(len(rows), bool)
    fit_features(featurizer, rows, ctx, all_rows)
    x = flat_matrix(featurizer, ctx, {**fixed, **feature_blocks(featurizer, ctx, fitted)})
    hyper = {c: {k: v for k, v in chosen[c].items() if k not in ("augment", "inner_auc")} for c in chosen}
    model = fit_flat(x, y, family, hyper, seed,
                     {c: _train_rows(rows, all_rows, chosen[c]["augment"]) for c in chosen})
    if weak:
        model = _with_weak_positives(model, x, y, rows, weak, featurizer, family, hyper, chosen, seed)
        log(f"weak positives: the best window of {len(weak)} cargo proteins, classifier refit")
    model.feature_state = {k: v for j in fitted for k, v in featurizer.window_features[j].state().items()}
    selection = {"family": family, "inner_folds": k, "grouping": "homology cluster (GroupKFold)",
                 "metric": "mean over negative sources of the inner out-of-fold AUC (centred windows)",
                 "metric_excludes": sorted(set(source[~pooled].tolist())),
                 "grid": {c: GRID[c] for c in components(family)}, "augmentation": list(AUGMENT),
                 "chosen": chosen, "inner_family_auc": mean_source_auc(y[scored], family_oof[scored], source[scored]),
                 "inner_negative_q99": neg99, "training_rows": int(len(rows)),
                 "training_centred_positives": int((centred & (y == 1)).sum()),
                 **({"weak_positives": {"proteins": len(weak), "source": WEAK_SOURCE,
                                        "rule": "each cargo protein's best window under the refit model, one round"}}
                    if weak else {})}
    return model, threshold, selection


WEAK_SOURCE = "cargo_weak"


def _with_weak_positives(model: FlatClassifier, x: np.ndarray, y: np.ndarray, rows: pd.DataFrame,
                         weak: Sequence[Protein], featurizer: Featurizer, family: str, hyper: dict[str, Any],
                         chosen: dict[str, dict[str, Any]], seed: int) -> FlatClassifier:
    """One multiple-instance round: the best window of each weak protein becomes a positive."""
    from nesscan.dataset.window import example_row
    from nesscan.model.base import score_windows

    w = featurizer.window
    best = [(p, int(np.argmax(s))) for p, s in zip(weak, score_windows(featurizer, model, list(weak))) if len(s)]
    extra = pd.DataFrame([example_row(p.sequence[a:a + w], WEAK_SOURCE, p.accession, a, label=1) for p, a in best])
    xw = flat_matrix(featurizer, example_contexts(extra, {p.accession: p for p, _ in best}))
    every = np.ones(len(rows), bool)
    added = len(x) + np.arange(len(xw))
    return fit_flat(np.concatenate([x, xw]), np.concatenate([y, np.ones(len(xw), int)]), family, hyper, seed,
                    {c: np.concatenate([_train_rows(rows, every, chosen[c]["augment"]), added]) for c in chosen})


def refit_window_model(table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
                       chosen: Mapping[str, Mapping[str, Any]], seed: int = 0) -> tuple[Featurizer, FlatClassifier]:
    """A window model fitted on ``table`` with hyper-parameters chosen before (``chosen``: the
    ``selection["chosen"]`` of :func:`fit_window_model`), with no selection of its own: the
    out-of-fold window models that give the protein-level model its window evidence.

    Returns a copy of ``featurizer`` with its PSSM refit on ``table`` (the one given is left
    as it is) and the classifier.
    """
    import copy

    from nesscan.dataset.negatives import untrained_sources

    fz = copy.deepcopy(featurizer)
    rows = table[~table.source.isin([DOUBTFUL, *untrained_sources()])].reset_index(drop=True)
    rows = rows.assign(centred=rows.centred.astype(bool))
    ctx = example_contexts(rows, proteins)
    every = np.ones(len(rows), bool)
    fit_features(fz, rows, ctx, every)
    x = flat_matrix(fz, ctx)
    hyper = {c: {k: v for k, v in p.items() if k not in ("augment", "inner_auc")} for c, p in chosen.items()}
    family = "ensemble" if len(chosen) == 2 else next(iter(chosen))
    model = fit_flat(x, rows.label.to_numpy().astype(int), family, hyper, seed,
                     {c: _train_rows(rows, every, bool(p["augment"])) for c, p in chosen.items()})
    model.feature_state = {k: v for j in _pssm_index(fz) for k, v in fz.window_features[j].state().items()}
    return fz, model
