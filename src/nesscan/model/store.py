"""Model directories: ``config.json`` + ``model.safetensors`` (+ metrics, known NES).

A model directory holds

* ``config.json``: embedder spec, context ("peptide" or "protein"), window, classifier
  parameters, threshold and how it was chosen, seed, SHA-256 of the training inputs
  and of the weights, nesscan version;
* ``model.safetensors``: the classifier's weights (no pickle);
* ``metrics.json``: training history and validation metrics;
* ``known_nes.tsv``: the NESdb ranges the model was trained from (``accession``,
  ``start_1b``, ``end_1b``, ``doubtful``, ``nes_ids``), used to mark screen candidates
  that are already known.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nesscan.atomic import write_text
from nesscan.errors import NesscanError
from nesscan.hashing import sha256_file

CONFIG, WEIGHTS, KNOWN = "config.json", "model.safetensors", "known_nes.tsv"


def default_model_dir() -> Path:
    """The model shipped inside the package (``nesscan/models/default``)."""
    from importlib.resources import files

    return Path(str(files("nesscan") / "models" / "default"))


@dataclass
class NesModel:
    """A loaded classifier with its configuration."""

    config: dict[str, Any]
    module: Any  # nesscan.model.classifier.WindowTransformer
    path: Path
    known_nes: pd.DataFrame
    precision: str = "float32"  # "bfloat16": classifier matrix products under torch.autocast

    @property
    def window(self) -> int:
        return int(self.config["window"])

    @property
    def threshold(self) -> float:
        return float(self.config["threshold"])

    @property
    def context(self) -> str:
        return str(self.config["context"])

    def embedder(self, **options: Any):
        """The embedder this model was trained with (``options`` such as ``device``)."""
        from nesscan.embed import get_embedder

        return get_embedder(self.config["embedder"], **options)

    def to(self, device: str) -> "NesModel":
        """Move the classifier to a torch device (``"cpu"``, ``"cuda"``); returns ``self``."""
        self.module.to(device)
        return self

    def score(self, windows: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """NES probabilities for windows of shape ``(n, window, dim)`` (computed on the
        classifier's device, :meth:`to`)."""
        from nesscan.model.train import predict_logits

        logits = predict_logits(self.module, windows.astype(np.float32, copy=False), batch_size,
                                bfloat16=self.precision == "bfloat16")
        return 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))


def save_model(directory: str | Path, module: Any, config: dict[str, Any],
               known_nes: pd.DataFrame, metrics: dict[str, Any],
               examples: pd.DataFrame | None = None) -> Path:
    """Write a model directory; returns its path. ``config`` gains ``weights_sha256``.

    Every file is written as ``*.tmp`` and renamed, ``config.json`` last: a directory
    whose ``config.json`` matches its weights' checksum is complete.
    """
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG).unlink(missing_ok=True)  # incomplete until the new config lands
    state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    save_file(state, str(directory / (WEIGHTS + ".tmp")))
    os.replace(directory / (WEIGHTS + ".tmp"), directory / WEIGHTS)
    config = {**config, "weights_sha256": sha256_file(directory / WEIGHTS)}
    write_text(directory / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    write_text(directory / KNOWN, known_nes.to_csv(sep="\t", index=False))
    if examples is not None:
        write_text(directory / "examples.tsv", examples.to_csv(sep="\t", index=False))
    write_text(directory / CONFIG, json.dumps(config, indent=2) + "\n")
    return directory


def load_model(directory: str | Path | None = None, embedder_spec: dict | None = None) -> NesModel:
    """Load a model directory (the packaged default when ``directory`` is None).

    Parameters
    ----------
    directory
        A directory written by :func:`save_model`.
    embedder_spec
        If given, the spec of the embedder the caller will use; a different spec from
        the one the model was trained with is an error.

    Raises
    ------
    NesscanError
        Missing files, weights that fail their checksum, or an embedder mismatch.
    """
    from safetensors.torch import load_file

    from nesscan.model.classifier import ClassifierParams, WindowTransformer

    directory = Path(directory) if directory is not None else default_model_dir()
    for name in (CONFIG, WEIGHTS):
        if not (directory / name).is_file():
            raise NesscanError(f"{directory}: not a nesscan model directory (no {name})")
    try:
        config = json.loads((directory / CONFIG).read_text())
        embedder, window, in_dim = config["embedder"], int(config["window"]), int(config["in_dim"])
        params = ClassifierParams(**config["params"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NesscanError(f"{directory / CONFIG}: unreadable model config ({exc})") from None
    if sha256_file(directory / WEIGHTS) != config.get("weights_sha256"):
        raise NesscanError(f"{directory / WEIGHTS}: checksum differs from config.json (corrupt or replaced weights)")
    if embedder_spec is not None and embedder_spec != embedder:
        raise NesscanError(f"model {directory} was trained with embedder {embedder}, not {embedder_spec}")
    module = WindowTransformer(in_dim, window, params)
    try:
        module.load_state_dict(load_file(str(directory / WEIGHTS)))
    except RuntimeError:
        raise NesscanError(f"{directory}: weights do not fit this nesscan version's classifier "
                           f"(model written by nesscan {config.get('nesscan_version', '?')}); retrain it") from None
    module.eval()
    known_path = directory / KNOWN
    known = pd.read_csv(known_path, sep="\t") if known_path.is_file() else pd.DataFrame(
        columns=["accession", "start_1b", "end_1b", "doubtful", "nes_ids"])
    return NesModel(config=config, module=module, path=directory, known_nes=known)
