"""Training the protein-level model (:mod:`nesscan.model.cargo`) beside a window model.

The cargo model and the protein score are fitted on the labelled proteins of the training
splits (``train`` + ``val``; the ``test`` split's proteins stay held out, as the window
model's windows do). The protein score's window evidence must not come from a window model
that saw the protein: the labelled proteins are cut into folds of whole homology clusters
(the same folds as the cargo model's inner cross-validation), and each fold's proteins are
scored by a window model refitted, with the window model's chosen hyper-parameters
(:func:`nesscan.model.select.refit_window_model`), on the training windows of the other
folds' clusters only: the non-binders' own windows (the ``nonbinder`` set), an NESdb
parent's NES and a mitochondrial protein's windows all leave with their protein.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.features import Featurizer
from nesscan.features.protein import plddt_of, window_evidence
from nesscan.model.cargo import CargoModel, fit_cargo_model
from nesscan.records import Protein


def out_of_fold_evidence(table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
                         chosen: Mapping[str, Mapping[str, Any]], labelled: pd.DataFrame,
                         labelled_proteins: Mapping[str, Protein], plddt: Sequence[np.ndarray],
                         folds: Sequence[np.ndarray], seed: int = 0,
                         log: Callable[[str], None] = lambda msg: None) -> np.ndarray:
    """Window evidence of each labelled protein from a window model that never saw its cluster.

    Parameters
    ----------
    table
        Window examples the window models may train on (with ``cluster``).
    proteins
        Their parent proteins.
    chosen
        The window model's chosen hyper-parameters (``selection["chosen"]``).
    labelled
        The labelled proteins (``accession``, ``cluster``), in the order of ``plddt``.
    folds
        Indices into ``labelled`` of each fold's proteins.

    Returns
    -------
    numpy.ndarray
        :func:`~nesscan.features.protein.window_evidence` rows, one per labelled protein.
    """
    from nesscan.features.protein import EVIDENCE
    from nesscan.model.base import score_windows
    from nesscan.model.select import refit_window_model

    out = np.zeros((len(labelled), len(EVIDENCE)))
    window = featurizer.window
    for i, held in enumerate(folds):
        clusters = set(labelled.cluster.iloc[held])
        fz, classifier = refit_window_model(table[~table.cluster.isin(clusters)], proteins, featurizer, chosen, seed)
        here = [labelled_proteins[a] for a in labelled.accession.iloc[held]]
        scores = score_windows(fz, classifier, here)
        out[held] = window_evidence(scores, [plddt[j] for j in held], [len(p.sequence) for p in here], window)
        log(f"window evidence: fold {i + 1}/{len(folds)} ({len(here)} proteins) scored by a model without them")
    return out


def protein_folds(labelled: pd.DataFrame, k: int, seed: int) -> list[np.ndarray]:
    """Folds of whole clusters, labels stratified (``StratifiedGroupKFold``): index arrays."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = labelled.label.to_numpy().astype(int)
    k = int(min(k, np.bincount(y, minlength=2).min(), labelled.cluster.nunique()))
    splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
    return [te for _, te in splitter.split(np.zeros(len(y)), y, labelled.cluster.to_numpy())]


def train_protein_model(cargo: Any, table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
                        chosen: Mapping[str, Mapping[str, Any]], seed: int = 0, folds: int = 3,
                        log: Callable[[str], None] = lambda msg: None) -> tuple[CargoModel, dict[str, Any]]:
    """The protein-level model of a window model trained on ``table`` (train + val windows).

    Parameters
    ----------
    cargo
        The cargo table of :func:`nesscan.pipeline.prepare` (``table`` with ``cluster``
        and ``split``; ``proteins``).
    table, proteins
        The window model's training examples and their parents.
    featurizer
        The window model's featurizer (its pLDDT track is the protein features' too).
    chosen
        The window model's chosen hyper-parameters.

    Returns
    -------
    model, selection
        The fitted :class:`~nesscan.model.cargo.CargoModel` and its record for ``config.json``.
    """
    labelled = cargo.table[cargo.table.split.isin(["train", "val"])].reset_index(drop=True)
    here = [cargo.proteins[a] for a in labelled.accession]
    log(f"protein model: {len(labelled)} labelled proteins ({int(labelled.label.sum())} cargo) of the "
        "training splits")
    plddt = plddt_of(featurizer, [p.sequence for p in here])
    parts = protein_folds(labelled, folds, seed)
    evidence = out_of_fold_evidence(table, proteins, featurizer, chosen, labelled, cargo.proteins, plddt, parts,
                                    seed, log)
    model, selection, _ = fit_cargo_model([p.sequence for p in here], plddt, labelled.label.to_numpy(),
                                          labelled.cluster.tolist(), evidence, seed, folds, log)
    return model, selection
