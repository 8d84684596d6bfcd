"""Model directories: ``config.json`` + ``model.safetensors`` (+ metrics, known NES, examples).

A model directory holds

* ``config.json``: a :class:`~nesscan.model.config.ModelConfig`: feature spec, context
  ("peptide" or "protein"), window, classifier parameters, threshold and how it was
  chosen, seed, SHA-256 of the training inputs and of the weights, nesscan version;
* ``model.safetensors``: the classifier's arrays (no pickle; its ``state()``,
  :class:`~nesscan.model.base.WindowClassifier`): the Transformer's tensors, or a flat
  classifier's arrays, its fitted features' parameters (:mod:`nesscan.model.flat`) and the
  protein-level model's (:mod:`nesscan.model.cargo`);
* ``metrics.json``: a flat classifier's inner selection and feature names, or the
  Transformer's training history and validation metrics;
* ``known_nes.tsv``: the NESdb ranges the model was trained from (``accession``,
  ``start_1b``, ``end_1b``, ``doubtful``, ``nes_ids``), used to mark screen candidates
  that are already known;
* ``examples.tsv`` (written by ``nesscan train``): every example with its split, so that
  ``nesscan evaluate`` scores exactly the held-out ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nesscan.atomic import write_text
from nesscan.errors import NesscanError
from nesscan.hashing import sha256_file
from nesscan.model.config import ModelConfig

CONFIG, WEIGHTS, KNOWN = "config.json", "model.safetensors", "known_nes.tsv"


def default_model_dir() -> Path:
    """The model shipped inside the package (``nesscan/models/default``)."""
    from importlib.resources import files

    return Path(str(files("nesscan") / "models" / "default"))


def save_model(directory: str | Path, module: Any, config: ModelConfig,
               known_nes: pd.DataFrame, metrics: dict[str, Any],
               examples: pd.DataFrame | None = None) -> Path:
    """Write a model directory; returns its path. The written config gains ``weights_sha256``.

    Every file is written as ``*.tmp`` and renamed, ``config.json`` last: a directory
    whose ``config.json`` matches its weights' checksum is complete.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG).unlink(missing_ok=True)  # incomplete until the new config lands
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in sorted(module.state().items())},
              str(directory / (WEIGHTS + ".tmp")))
    os.replace(directory / (WEIGHTS + ".tmp"), directory / WEIGHTS)
    config = config.replace(weights_sha256=sha256_file(directory / WEIGHTS))
    write_text(directory / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    write_text(directory / KNOWN, known_nes.to_csv(sep="\t", index=False))
    if examples is not None:
        write_text(directory / "examples.tsv", examples.to_csv(sep="\t", index=False))
    write_text(directory / CONFIG, json.dumps(config.to_json(), indent=2) + "\n")
    return directory


def read_config(directory: str | Path | None = None) -> tuple[ModelConfig, Path]:
    """Read and validate a model directory's ``config.json`` alone (the packaged default
    when ``directory`` is None), without its weights.

    Returns
    -------
    config, path
        The validated config and the directory.

    Raises
    ------
    NesscanError
        A directory without ``config.json`` or ``model.safetensors``, an unreadable or
        invalid config.
    """
    directory = Path(directory) if directory is not None else default_model_dir()
    for name in (CONFIG, WEIGHTS):
        if not (directory / name).is_file():
            raise NesscanError(f"{directory}: not a nesscan model directory (no {name})")
    try:
        raw = json.loads((directory / CONFIG).read_text())
    except ValueError as exc:
        raise NesscanError(f"{directory / CONFIG}: unreadable model config ({exc})") from None
    return ModelConfig.from_json(raw, str(directory / CONFIG)), directory


def read_model(directory: str | Path | None = None) -> tuple[ModelConfig, Any, pd.DataFrame, Path]:
    """Read a model directory (the packaged default when ``directory`` is None); load it
    with :meth:`nesscan.predictor.Predictor.load`.

    Returns
    -------
    config, module, known_nes, path
        The validated config, the classifier (a
        :class:`~nesscan.model.flat.FlatClassifier`, or the
        :class:`~nesscan.model.classifier.WindowTransformer` in eval mode on the CPU), the
        known NES ranges and the directory.

    Raises
    ------
    NesscanError
        Missing files, an invalid config, weights that fail their checksum or do not fit
        the classifier.
    """
    from safetensors.numpy import load_file

    config, directory = read_config(directory)
    if sha256_file(directory / WEIGHTS) != config.weights_sha256:
        raise NesscanError(f"{directory / WEIGHTS}: checksum differs from config.json (corrupt or replaced weights)")
    try:
        module = classifier_from_state(config, load_file(str(directory / WEIGHTS)))
    except (RuntimeError, ValueError, KeyError):
        raise NesscanError(f"{directory}: weights do not fit this nesscan version's classifier "
                           f"(model written by nesscan {config.nesscan_version or '?'}); retrain it") from None
    from nesscan.model.known import read_known_nes

    known = read_known_nes(directory / KNOWN)
    return config, module, known, directory


def classifier_from_state(config: ModelConfig, state: dict[str, np.ndarray]) -> Any:
    """The :class:`~nesscan.model.base.WindowClassifier` of ``config.family`` from its saved
    arrays, with the protein-level model beside it when ``config`` records one.

    Raises
    ------
    RuntimeError, ValueError, KeyError
        Arrays that do not fit the classifier.
    """
    if config.family == "transformer":
        from nesscan.model.classifier import WindowTransformer

        module: Any = WindowTransformer.from_state(config.in_dim, config.window, config.params, state)
    else:
        from nesscan.model.flat import FlatClassifier

        module = FlatClassifier.from_state(config.family, state)
    if config.protein_model:
        from nesscan.model.cargo import CargoModel

        module.protein = CargoModel.from_state(state, config.protein_model["groups"])
    return module
