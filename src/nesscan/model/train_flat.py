"""``nesscan train`` for the flat family: the window model (:mod:`nesscan.model.select`) and,
with a cargo table, the protein-level model beside it (:mod:`nesscan.model.cargo_train`),
written as one model directory."""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from nesscan.features import Featurizer
from nesscan.model.select import THRESHOLD_RULE, fit_window_model


def train_flat(prepared: Any, model_dir: Any, training_data: dict[str, str], known_nes: pd.DataFrame,
               family: str = "ensemble", tracks: str = "plddt", seed: int = 0, runtime: Any = None,
               log: Callable[[str], None] = lambda msg: None, weak_positives: bool = False) -> Any:
    """``nesscan train`` for the flat family (called by :func:`nesscan.pipeline.train`): nested
    selection on the ``train`` + ``val`` splits of ``prepared`` (no early stopping: the
    held-out ``test`` split stays for ``evaluate``), then the model directory (config, arrays in
    ``model.safetensors``, examples with their split).

    Parameters
    ----------
    prepared
        ``(example_set, examples)`` of :func:`nesscan.pipeline.prepare`.
    training_data
        Data file -> SHA-256, recorded in ``config.json``.
    known_nes
        Known NES ranges saved beside the model.
    """
    import time

    from nesscan.version import __version__
    from nesscan.features.flat import flat_spec
    from nesscan.model.classifier import ClassifierParams
    from nesscan.model.config import ModelConfig
    from nesscan.model.store import save_model
    from nesscan.predictor import Runtime

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
