"""Homology-clustered k-fold cross-validation, every AUC beside the trivial baselines.

Whole MMseqs2 clusters (the example table's ``cluster`` column, see
:mod:`nesscan.dataset.split`) go to one fold each, so no NES orthologue is ever scored by a
model that saw its homologue. Folds are filled greedily (:func:`balanced_assignment`)
so that each holds about ``1/k`` of the positives and of the proteins.

For fold ``f`` a flat model (the default family) is trained on all the other folds by
:func:`nesscan.model.select.fit_window_model`, whose inner hyper-parameter selection is
thus nested in the fold; a Transformer is trained on the other folds minus an internal
validation part (whole clusters, ~15% of the training folds' positives and proteins)
used only for early stopping. The fold's model then scores the centred windows of fold
``f``. The composition baseline is fitted on every trainable window of the training
folds (a Transformer's validation part included: if anything this favours the
baseline). Doubtful NESdb positives (source ``nesdb_doubtful``) are never trained on;
they are scored out of fold and reported on their own against the same negatives.

Metrics schema of :func:`cross_validate` (plain JSON types)::

    k, seed, n_boot, alpha, window, train_sources, validation_fraction
    separate   {negative set: note}  sets left out of "all" (reported on their own)
    folds      [{fold, n_train, n_val, n_test_pos, n_test_neg,
                 best_epoch, epochs (Transformer) | threshold, chosen, inner_auc (flat),
                 auc: {group: {scorer: auc or null}}}]
    summary    {group: {scorer: {mean, sd, n_folds, pooled_auc, pooled_lo, pooled_hi},
                        n_pos, n_neg}}
    doubtful_positives   {scorer: {auc, auc_lo, auc_hi}, n_pos, n_neg}  ({} when none)

``group`` is ``"all"`` or a negative-set name (``source``): ``"all"`` pools every
negative set except the ``separate`` ones (by default the sets registered with
``in_all=False``, :func:`nesscan.dataset.registry.separate_sources`: e.g. ``locnes_neg``,
which may hold unannotated NESs), so that a set added as separate leaves it unchanged;
each set, separate ones included (listed last), has its own group. ``n_test_neg`` and the
doubtful positives' negatives are the ``"all"`` ones. Scorers are ``"model"``, for a
flat model ``"pssm"`` (the fold's anchor PSSM score alone), and
:data:`nesscan.validate.baselines.BASELINE_NAMES`. ``sd`` is the sample
standard deviation across folds (ddof 1); ``pooled_*`` is the AUC, with a stratified
bootstrap CI, of all out-of-fold predictions together (scores of different fold
models compared on one scale).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.embed.base import Embedder
from nesscan.features import Featurizer
from nesscan.records import Protein
from nesscan.dataset.split import balanced_assignment

DOUBTFUL = "nesdb_doubtful"
"""Source of doubtful NESdb positives: scored, never trained on."""

MITO_SOURCES = ("mito_nterm", "mito_random")
"""Sources whose proteins are the protein-level negatives (:mod:`nesscan.validate.protein_level`)."""


@dataclass(frozen=True)
class CrossValidation:
    """Result of :func:`cross_validate`."""

    metrics: dict[str, Any]  # JSON-serialisable, schema in the module docstring
    predictions: pd.DataFrame  # centred out-of-fold examples: table columns + fold, model, baselines
    window_scores: dict[str, np.ndarray]  # accession -> out-of-fold scores of every window (NESdb parents
    #: and mitochondrial proteins)
    decoy_scores: dict[str, np.ndarray] = field(default_factory=dict)  # accession -> its shuffled decoy's
    #: window scores, by the same fold model (the protein-level null)
    decoy_sequences: dict[str, str] = field(default_factory=dict)  # accession -> its decoy's sequence


def _cluster_stats(table: pd.DataFrame) -> pd.DataFrame:
    """Per cluster: ``pos`` centred positives (doubtful included) and ``n`` proteins."""
    pos = table[(table.label == 1) & table.centred.astype(bool)].groupby("cluster").size()
    n = table.groupby("cluster").accession.nunique()
    return pd.DataFrame({"pos": pos.reindex(n.index, fill_value=0), "n": n})


def cluster_folds(table: pd.DataFrame, k: int = 5, seed: int = 0) -> np.ndarray:
    """Fold index per example: whole clusters per fold, positives balanced.

    Parameters
    ----------
    table
        Example table (:mod:`nesscan.dataset.examples`) with a ``cluster`` column
        (:func:`nesscan.pipeline.prepare`).
    k
        Number of folds (at least 2).
    seed
        Seed of the tie-breaking shuffle.

    Returns
    -------
    numpy.ndarray
        int array of shape ``(len(table),)`` with values ``0 .. k-1``.
    """
    if "cluster" not in table.columns:
        raise ValueError("table needs a 'cluster' column (see nesscan.pipeline.prepare)")
    if k < 2:
        raise ValueError(f"k must be at least 2, not {k}")
    stats = _cluster_stats(table)
    if len(stats) < k:
        raise ValueError(f"{len(stats)} clusters cannot fill {k} folds")
    fold = balanced_assignment(stats, [1.0] * k, seed)
    return table.cluster.map(fold).to_numpy(dtype=int)


def _aucs(y: np.ndarray, scores: Mapping[str, np.ndarray], groups: np.ndarray,
          separate: Collection[str]) -> dict[str, dict[str, float | None]]:
    """Plain AUC per group (:func:`nesscan.validate.evaluate.group_masks`) and scorer; None if a
    class is missing."""
    from nesscan.validate.evaluate import group_masks, roc_auc_ci

    out: dict[str, dict[str, float | None]] = {}
    for name, keep in group_masks(y, groups, separate).items():
        both = 0 < y[keep].sum() < keep.sum()
        out[name] = {s: (roc_auc_ci(y[keep], sc[keep], n_boot=0)[0] if both else None) for s, sc in scores.items()}
    return out


def cross_validate(table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer | Embedder,
                   context: str,
                   params: Any, *, k: int = 5, seed: int = 0, n_boot: int = 1000, alpha: float = 0.05,
                   validation_fraction: float = 0.15, train_sources: Sequence[str] | None = None,
                   score_windows: bool = True, separate: Mapping[str, str] | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   weak: Mapping[int, Sequence[Protein]] | None = None) -> CrossValidation:
    """Homology-clustered k-fold cross-validation of the window classifier and the baselines.

    Parameters
    ----------
    table
        Example table with a ``cluster`` column (:func:`nesscan.pipeline.prepare`).
    proteins
        Accession -> parent protein (protein context; whole-protein window scores).
    featurizer
        The windows' features (:class:`nesscan.features.Featurizer`, or one embedder,
        :func:`nesscan.embed.get_embedder`).
    context
        "peptide" or "protein" (:mod:`nesscan.features`).
    params
        :class:`nesscan.model.classifier.ClassifierParams` (Transformer), or the family
        name (``"ensemble"``, ``"logistic"``, ``"gbm"``) of a flat featurizer, whose every
        fold model is trained by :func:`nesscan.model.select.fit_window_model` (inner
        hyper-parameter selection nested in the fold; no validation part) and is reported
        beside the in-fold anchor PSSM score alone (scorer ``pssm``).
    k, seed
        Folds and the seed of fold assignment, training and bootstrap.
    n_boot, alpha
        Bootstrap replicates and level of the pooled CIs.
    validation_fraction
        Share of the training folds (whole clusters) held out for early stopping
        (Transformer only).
    train_sources
        Sources trained on; default every source except ``nesdb_doubtful`` and the sets
        registered with ``trained=False`` (scored and reported all the same).
    score_windows
        Also score every window of each NESdb parent (accession with a positive) and of
        each mitochondrial protein (:data:`MITO_SOURCES`), and of one seeded whole-protein
        shuffle of each (the decoy, as in a screen), with the model of the fold holding
        the protein: the input of :func:`nesscan.validate.site.localise` and of the
        out-of-fold protein level (:func:`nesscan.validate.protein_level.protein_level`).
    separate
        Negative set -> note: trained on (when in ``train_sources``) and reported on their own,
        but not pooled into ``"all"`` nor used for early stopping; default the registry's
        (:func:`nesscan.dataset.registry.separate_sources`); only those the table holds are kept.
    progress
        ``progress(folds_done, k)``.
    weak
        Outer fold -> weakly labelled proteins its flat model trains on
        (:func:`nesscan.model.select.fit_window_model`'s ``weak``; none of the fold's clusters).

    Returns
    -------
    CrossValidation
        ``metrics`` (schema in the module docstring), ``predictions`` (every centred
        example with its ``fold`` and one score column per scorer: ``model`` and each
        baseline) and ``window_scores``.
    """
    from nesscan.validate.baselines import baseline_scores

    if separate is None:
        from nesscan.dataset.negatives import separate_sources

        separate = separate_sources()
    separate = {s: note for s, note in separate.items() if s in set(table.source)}  # the sets this table holds
    table = table.reset_index(drop=True)
    table = table.assign(centred=table.centred.astype(bool))
    window = int(table.sequence.str.len().iloc[0])
    from nesscan.dataset.negatives import untrained_sources

    untrained = set(untrained_sources())
    sources = sorted(set(table.source) - {DOUBTFUL} - untrained) if train_sources is None else list(train_sources)
    if DOUBTFUL in sources:
        raise ValueError(f"{DOUBTFUL} positives are never trained on")
    folds = cluster_folds(table, k, seed)
    if isinstance(featurizer, Embedder):
        featurizer = Featurizer.of_embedder(featurizer, window)
    flat = featurizer.flat
    x_all = None if flat else featurizer.windows(table, proteins, context)
    trainable = table.source.isin(sources).to_numpy()
    parents = sorted(set(table.accession[table.label == 1]))
    scored = parents + sorted(set(table.accession[table.source.isin(MITO_SOURCES)]) - set(parents))
    fold_of_protein = pd.Series(folds, index=table.accession).groupby(level=0).first()

    fold_rows, preds, window_scores, decoy_scores, decoy_sequences = [], [], {}, {}, {}
    for f in range(k):
        pool = table[trainable & (folds != f)]
        test = table[(folds == f) & table.centred & (trainable | table.source.isin([DOUBTFUL, *untrained]).to_numpy())]
        if flat:  # nested selection inside the outer fold's training part (no validation part)
            fold = _flat_fold(pool, test, proteins, featurizer, params, seed + f, (weak or {}).get(f, ()))
        else:  # early stopping on a validation part of the training folds
            fold = _transformer_fold(pool, test, featurizer, x_all, table.label.to_numpy(), params, seed + f,
                                     validation_fraction, separate)
        fold_fz, module, extra, scores, tr_idx, va_idx = fold
        scores.update(baseline_scores(list(pool.sequence), pool.label.to_numpy(), list(test.sequence),
                                      random_state=seed))
        preds.append(test.assign(fold=f, **scores))
        main = (test.source != DOUBTFUL).to_numpy()
        y, g = test.label.to_numpy()[main], test.source.to_numpy()[main].astype(str)
        fold_rows.append({"fold": f, "n_train": len(tr_idx), "n_val": len(va_idx), "n_test_pos": int(y.sum()),
                          "n_test_neg": int(((y == 0) & ~np.isin(g, list(separate))).sum()), **extra,
                          "auc": _aucs(y, {s: v[main] for s, v in scores.items()}, g, separate)})
        if score_windows:
            here = [a for a in scored if fold_of_protein[a] == f]
            decoys = _decoys(here, proteins, seed)
            decoy_sequences.update({a[len(DECOY_PREFIX):]: p.sequence for a, p in decoys.items()})
            both = _score_parents(here, {**proteins, **decoys}, module, fold_fz, context, extra=list(decoys))
            window_scores.update({a: s for a, s in both.items() if not a.startswith(DECOY_PREFIX)})
            decoy_scores.update({a[len(DECOY_PREFIX):]: s for a, s in both.items() if a.startswith(DECOY_PREFIX)})
        if progress is not None:
            progress(f + 1, k)

    predictions = pd.concat(preds, ignore_index=True)
    scorer_names = ["model", *[c for c in preds[0].columns if c in ("pssm", *_baseline_names())]]
    metrics = {"k": k, "seed": seed, "n_boot": n_boot, "alpha": alpha, "window": window,
               "train_sources": sources, "validation_fraction": validation_fraction, "separate": separate,
               "folds": fold_rows,
               "summary": _summary(predictions, fold_rows, scorer_names, n_boot, seed, alpha, separate),
               "doubtful_positives": _doubtful(predictions, scorer_names, n_boot, seed, alpha, separate)}
    return CrossValidation(metrics=metrics, predictions=predictions, window_scores=window_scores,
                           decoy_scores=decoy_scores, decoy_sequences=decoy_sequences)


DECOY_PREFIX = "decoy:"
"""Key prefix of a decoy protein while it is scored."""


def _decoys(accessions: Sequence[str], proteins: Mapping[str, Protein], seed: int) -> dict[str, Protein]:
    """One whole-protein shuffle per accession (:func:`nesscan.shuffle.shuffle_sequence`), its
    generator seeded by ``seed`` and the accession's characters: the same decoy whatever the fold."""
    from nesscan.shuffle import shuffle_sequence

    out = {}
    for a in accessions:
        if a in proteins:
            gen = np.random.default_rng([seed, *a.encode()])
            out[DECOY_PREFIX + a] = replace(proteins[a], accession=DECOY_PREFIX + a,
                                            sequence=shuffle_sequence(proteins[a].sequence, gen))
    return out


def _baseline_names() -> tuple[str, ...]:
    from nesscan.validate.baselines import BASELINE_NAMES

    return BASELINE_NAMES


def _summary(pred: pd.DataFrame, fold_rows: list[dict], scorers: list[str], n_boot: int, seed: int,
             alpha: float, separate: Collection[str]) -> dict[str, Any]:
    from nesscan.validate.evaluate import group_masks, roc_auc_ci

    main = pred[pred.source != DOUBTFUL]
    y, g = main.label.to_numpy(), main.source.to_numpy().astype(str)
    out: dict[str, Any] = {}
    for name, keep in group_masks(y, g, separate).items():
        block: dict[str, Any] = {"n_pos": int(y[keep].sum()), "n_neg": int((1 - y[keep]).sum())}
        for s in scorers:
            per_fold = [r["auc"].get(name, {}).get(s) for r in fold_rows]
            vals = np.array([v for v in per_fold if v is not None], float)
            auc, lo, hi = roc_auc_ci(y[keep], main[s].to_numpy()[keep], n_boot=n_boot, seed=seed, alpha=alpha)
            block[s] = {"mean": float(vals.mean()) if len(vals) else None,
                        "sd": float(vals.std(ddof=1)) if len(vals) > 1 else None,
                        "n_folds": int(len(vals)), "pooled_auc": auc, "pooled_lo": lo, "pooled_hi": hi}
        out[name] = block
    return out


def _doubtful(pred: pd.DataFrame, scorers: list[str], n_boot: int, seed: int, alpha: float,
              separate: Collection[str]) -> dict[str, Any]:
    from nesscan.validate.evaluate import roc_auc_ci

    keep = (pred.source == DOUBTFUL) | ((pred.label == 0) & ~pred.source.isin(list(separate)))
    sub = pred[keep]
    if not (sub.source == DOUBTFUL).any():
        return {}
    y = (sub.source == DOUBTFUL).to_numpy().astype(int)
    out: dict[str, Any] = {"n_pos": int(y.sum()), "n_neg": int((1 - y).sum())}
    for s in scorers:
        auc, lo, hi = roc_auc_ci(y, sub[s].to_numpy(), n_boot=n_boot, seed=seed, alpha=alpha)
        out[s] = {"auc": auc, "auc_lo": lo, "auc_hi": hi}
    return out


def _score_parents(accessions: list[str], proteins: Mapping[str, Protein], module: Any, featurizer: Featurizer,
                   context: str, extra: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Scores of every window of each protein with a fold's model
    (:func:`nesscan.model.base.score_windows`, as :meth:`nesscan.predictor.Predictor.score_proteins`)."""
    from nesscan.model.base import score_windows

    window = featurizer.window
    chosen = [proteins[a] for a in [*accessions, *extra] if a in proteins and len(proteins[a].sequence) >= window]
    return {p.accession: s for p, s in zip(chosen, score_windows(featurizer, module, chosen, context))}


Fold = tuple[Featurizer, Any, dict[str, Any], dict[str, np.ndarray], np.ndarray, np.ndarray]
"""One outer fold: its featurizer, classifier, record, test-window scores, training and
validation rows (indices into the example table)."""


def _flat_fold(pool: pd.DataFrame, test: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
               family: Any, seed: int, weak: Sequence[Protein] = ()) -> Fold:
    """One outer fold of a flat classifier: :func:`nesscan.model.select.fit_window_model` on
    ``pool`` (inner selection nested here, no validation part), then the test windows'
    scores and the in-fold anchor PSSM score alone (the ``pssm`` baseline)."""
    from nesscan.model.select import fit_window_model

    fz = Featurizer(featurizer.spec, featurizer.runtime, featurizer.window)
    family = family if isinstance(family, str) else "ensemble"
    module, threshold, selection = fit_window_model(pool, proteins, fz, family, seed, weak=weak)
    x = fz.examples(test, proteins, "protein")
    scores = {"model": module.predict_proba(x)}
    if "pssm_score" in fz.feature_names:
        scores["pssm"] = x[:, fz.feature_names.index("pssm_score")].astype(np.float64)
    extra = {"threshold": threshold, "chosen": selection["chosen"], "inner_auc": selection["inner_family_auc"]}
    return fz, module, extra, scores, pool.index.to_numpy(), np.zeros(0, int)


def _transformer_fold(pool: pd.DataFrame, test: pd.DataFrame, featurizer: Featurizer, x_all: np.ndarray,
                      labels: np.ndarray, params: Any, seed: int, validation_fraction: float,
                      separate: Collection[str]) -> Fold:
    """One outer fold of the Transformer: :func:`nesscan.model.classifier.fit_transformer` on
    ``pool`` less a validation part of whole clusters (``validation_fraction``; its centred
    windows of the sets of "all" stop the training early), then the test windows' scores.
    ``x_all``, ``labels``: every example's features and label."""
    from nesscan.model.classifier import fit_transformer

    val_cluster = balanced_assignment(_cluster_stats(pool), [1 - validation_fraction, validation_fraction], seed)
    is_val = pool.cluster.map(val_cluster).to_numpy() == 1
    tr_idx = pool.index[~is_val].to_numpy()
    va_idx = pool.index[is_val & pool.centred.to_numpy() & ~pool.source.isin(list(separate)).to_numpy()].to_numpy()
    module, history = fit_transformer(x_all[tr_idx], labels[tr_idx], x_all[va_idx], labels[va_idx], params, seed)
    scores = {"model": module.predict_proba(x_all[test.index.to_numpy()])}
    best = max(history, key=lambda h: h["val_auc"])
    return featurizer, module, {"best_epoch": best["epoch"], "epochs": len(history)}, scores, tr_idx, va_idx


def format_cv_table(metrics: dict[str, Any]) -> str:
    """Plain-text table: per group and scorer, mean +- sd across folds and pooled AUC [CI]."""
    level = round(100 * (1 - metrics.get("alpha", 0.05)))
    header = f"{'scorer':<20} {'mean +- sd (folds)':<22} {f'pooled AUC [{level}% CI]':<24}"
    lines: list[str] = []
    separate = metrics.get("separate", {})
    for group, block in metrics["summary"].items():
        label = "All negatives" if group == "all" else f"Negative set {group}"
        if group in separate:
            label += f" (not in all negatives: {separate[group]})"
        lines += ["", f"{label}: {block['n_pos']} positives, {block['n_neg']} negatives "
                  f"({metrics['k']}-fold, homology clusters)", header, "-" * len(header)]
        for name, m in block.items():
            if not isinstance(m, dict):
                continue
            spread = "n/a" if m["mean"] is None else f"{m['mean']:.3f} +- {m['sd'] or 0.0:.3f}"
            pooled = f"{m['pooled_auc']:.3f} [{m['pooled_lo']:.3f}, {m['pooled_hi']:.3f}]"
            lines.append(f"{name:<20} {spread:<22} {pooled:<24}")
    return "\n".join(lines[1:])
