"""``nesscan train``: one entry per classifier family, each with the same shape.

``train_<family>(prepared, model_dir, training_data, known_nes, *, seed, log, ...)`` fits
the family on the prepared examples and writes one model directory (config, arrays in
``model.safetensors``, metrics, known NESs, examples with their split; :mod:`nesscan.model.store`)
and returns its path; the family's own options follow as keywords.

:func:`train_flat`
    The flat window model (:mod:`nesscan.model.select`: nested selection on the ``train``
    + ``val`` splits, no early stopping, so the held-out ``test`` split stays for
    ``evaluate``) and, with a cargo table, the protein-level model beside it
    (:mod:`nesscan.model.cargo_train`).
:func:`train_transformer`
    The Transformer (:func:`nesscan.model.classifier.fit_transformer`) on the ``train``
    split, early-stopped on ``val``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from nesscan.features import Featurizer
from nesscan.model.classifier import ClassifierParams
from nesscan.model.config import ModelConfig
from nesscan.model.select import THRESHOLD_RULE, fit_window_model
from nesscan.model.store import save_model

Log = Callable[[str], None]


def train_flat(prepared: Any, model_dir: str | Path, training_data: Mapping[str, str], known_nes: pd.DataFrame, *,
               seed: int = 0, log: Log = lambda msg: None, family: str = "ensemble", tracks: str = "plddt",
               runtime: Any = None, weak_positives: bool = False) -> Path:
    """Train the flat family and write its model directory (see the module docstring).

    Parameters
    ----------
    prepared
        ``(example_set, examples)`` of :func:`nesscan.dataset.prepare.prepare`.
    model_dir
        The model directory to write.
    training_data
        Data file -> SHA-256, recorded in ``config.json``.
    known_nes
        Known NES ranges saved beside the model.
    seed, log
        Seed of every fit; progress messages.
    family
        ``"ensemble"``, ``"logistic"`` or ``"gbm"``.
    tracks
        Metapredict tracks of the window features (:data:`nesscan.features.flat.TRACK_SETS`).
    runtime
        :class:`nesscan.runtime.Runtime` of the tracks (the default when None).
    weak_positives
        Also train on each cargo protein's best window (:func:`weak_proteins`).
    """
    from nesscan.version import __version__
    from nesscan.features.flat import flat_spec
    from nesscan.runtime import Runtime

    spec = flat_spec(tracks)
    featurizer = Featurizer(spec, runtime or Runtime(), 22)
    ex, table = prepared
    log(f"examples: {ex.summary['examples_by_source']}")
    train_rows = table[table.split.isin(["train", "val"])]
    log(f"training the {family} on {len(train_rows)} train+val windows ({featurizer.dim} features: "
        f"{', '.join(w['name'] for w in spec.window_features)}; tracks {[t['name'] for t in spec.tracks]})")
    t0 = time.perf_counter()
    weak = weak_proteins(ex.cargo, set(train_rows.accession[train_rows.label == 1]),
                         ("train", "val")) if weak_positives else []
    model, threshold, selection = fit_window_model(train_rows, ex.proteins, featurizer, family, seed, log=log,
                                                   weak=weak)
    log(f"trained in {time.perf_counter() - t0:.1f} s; chosen {selection['chosen']}; threshold {threshold:.3f}")
    protein: dict[str, Any] = {}
    if ex.cargo is not None:  # the protein-level model, beside the window model
        from nesscan.model.cargo_train import train_protein_model

        t0 = time.perf_counter()
        model.protein, protein = train_protein_model(ex.cargo, train_rows, ex.proteins, featurizer,
                                                     selection["chosen"], seed, log=log)
        log(f"protein model trained in {time.perf_counter() - t0:.1f} s: {protein['feature_set']}, inner AUC "
            f"{protein['inner_cargo_auc']:.3f} (protein score {protein['inner_protein_score_auc']:.3f})")
    config = ModelConfig(
        features=spec, in_dim=featurizer.dim, context="protein", window=featurizer.window, params=ClassifierParams(),
        seed=seed, threshold=threshold, threshold_rule=THRESHOLD_RULE, training_data=training_data,
        examples=ex.summary, nesscan_version=__version__, format=2, classifier=selection, protein_model=protein)
    metrics = {"selection": selection, "feature_names": featurizer.feature_names,
               **({"protein_model": protein} if protein else {})}
    return save_model(model_dir, model, config, known_nes, metrics, examples=table)


def train_transformer(prepared: Any, model_dir: str | Path, training_data: Mapping[str, str],
                      known_nes: pd.DataFrame, *, seed: int = 0, log: Log = lambda msg: None,
                      embedder_spec: dict[str, Any] | str = "physchem", context: str = "peptide",
                      params: ClassifierParams = ClassifierParams()) -> Path:
    """Train the Transformer and write its model directory (see the module docstring).

    It trains on the ``train`` split, early-stopped on the ``val`` split's centred windows
    of the negative sets pooled into "all negatives". The threshold is the larger of 0.9
    (the original method's cut-off) and the 99th percentile of those validation negatives'
    scores (a 1% false-positive rate on held-out negatives).

    Parameters
    ----------
    prepared, model_dir, training_data, known_nes, seed, log
        As for :func:`train_flat`.
    embedder_spec
        The per-residue embedder (:func:`nesscan.embed.get_embedder`).
    context
        ``"peptide"`` (each window embedded alone) or ``"protein"`` (sliced from its protein).
    params
        Architecture and optimiser settings.
    """
    from nesscan.version import __version__
    from nesscan.dataset.examples import WINDOW
    from nesscan.dataset.negatives import separate_sources, untrained_sources
    from nesscan.embed import get_embedder
    from nesscan.model.classifier import fit_transformer, predict_logits
    from nesscan.stats import sigmoid

    featurizer = Featurizer.of_embedder(get_embedder(embedder_spec), WINDOW)
    features = featurizer.spec
    ex, table = prepared
    log(f"examples: {ex.summary['examples_by_source']}")
    log(f"proteins per split: {table.drop_duplicates('accession').split.value_counts().to_dict()}")
    trainable = ~table.source.isin(["nesdb_doubtful", *untrained_sources()])
    tr = table[trainable & (table.split == "train")]
    # early stopping and the threshold see the negatives of "all" (not a set registered in_all=False)
    va = table[trainable & (table.split == "val") & table.centred & ~table.source.isin(list(separate_sources()))]
    log(f"embedding {len(tr) + len(va)} windows with {features.embedder} ({context} context)")
    t0 = time.perf_counter()
    x_tr = featurizer.windows(tr, ex.proteins, context)
    x_va = featurizer.windows(va, ex.proteins, context)
    log(f"embedded in {time.perf_counter() - t0:.1f} s; training {len(tr)} windows, validating on {len(va)}")
    module, history = fit_transformer(x_tr, tr.label.to_numpy(), x_va, va.label.to_numpy(), params, seed)
    val_scores = sigmoid(predict_logits(module, x_va))  # float32: the threshold is chosen on these scores
    neg99 = float(np.quantile(val_scores[va.label.to_numpy() == 0], 0.99))
    best = max(history, key=lambda h: h["val_auc"])
    log(f"best epoch {best['epoch']} of {len(history)}: validation AUC {best['val_auc']:.3f}")
    config = ModelConfig(
        features=features, in_dim=featurizer.dim, context=context, window=WINDOW, params=params, seed=seed,
        threshold=max(0.9, neg99), threshold_rule="max(0.9, 99th percentile of validation negatives' scores)",
        training_data=dict(training_data), examples=ex.summary, nesscan_version=__version__)
    metrics = {"history": history, "best_epoch": best["epoch"], "val_auc": best["val_auc"],
               "val_negative_q99": neg99}
    return save_model(model_dir, module, config, known_nes, metrics, examples=table)


def weak_proteins(cargo: Any, exclude: set[str], splits: tuple[str, ...] | None = None,
                  keep: Any = None) -> list:
    """The cargo table's cargo proteins for :func:`nesscan.model.select.fit_window_model`'s weak
    positives: label 1, not in ``exclude`` (proteins with an NESdb NES: their windows are
    labelled), in ``splits`` (all when None) and, when given, where ``keep`` (a boolean mask
    over ``cargo.table``) is True."""
    if cargo is None:
        from nesscan.errors import NesscanError

        raise NesscanError("--weak-positives needs the CRM1 cargo table in the data folder (cargo/)")
    t = cargo.table
    mask = (t.label == 1) & ~t.accession.isin(exclude)
    if splits is not None:
        mask &= t.split.isin(list(splits))
    if keep is not None:
        mask &= keep
    return [cargo.proteins[a] for a in t.accession[mask]]
