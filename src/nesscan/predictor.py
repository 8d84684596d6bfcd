"""The one route from proteins or windows to NES scores: :class:`Predictor` and its :class:`Runtime`.

A :class:`Predictor` is a model's :class:`~nesscan.model.config.ModelConfig`, its
classifier weights and a :class:`~nesscan.features.Featurizer` built under a
:class:`Runtime` (where and how the numbers are computed, which changes none of what
the model is). Evaluation, the cross-validation folds' whole-protein scores (site
localisation, the protein-level check), screens and the web predict page score through
it; training and the folds' own windows use the same :class:`~nesscan.features.Featurizer`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from nesscan.embed.base import Progress
from nesscan.errors import NesscanError
from nesscan.features import Featurizer
from nesscan.model.config import ModelConfig
from nesscan.records import Protein
from nesscan.runtime import PRECISIONS, Runtime  # noqa: F401  (Runtime is part of this module's API)

def uses_device(config: ModelConfig) -> bool:
    """True when a model computes with torch on the runtime's device: a Transformer
    classifier, or a track that is a torch embedder (ESM-2). False for the default
    (a numpy classifier; metapredict runs on the CPU), which ``--device`` leaves on the CPU.

    Examples
    --------
    >>> from nesscan.model.store import read_config
    >>> uses_device(read_config()[0])
    False
    """
    from nesscan.features import EMBEDDER_RUNTIME, TRACKS

    if config.family == "transformer":
        return True
    return any(t["name"] not in TRACKS and "device" in EMBEDDER_RUNTIME.get(t["name"], ("device",))
               for t in config.features.tracks)


class Predictor:
    """A model ready to score: config, classifier, featurizer.

    Parameters
    ----------
    config
        The model's configuration.
    runtime
        Device, precision, cache and weights location.
    module
        The classifier, any :class:`~nesscan.model.base.WindowClassifier`: a
        :class:`~nesscan.model.flat.FlatClassifier` (the default family) or a
        :class:`~nesscan.model.classifier.WindowTransformer`.
    known_nes
        Known NES ranges the model was trained from (``accession``, ``start_1b``,
        ``end_1b``, ``doubtful``, ``nes_ids``); empty when None.
    path
        The model directory (None for a model not loaded from one).
    featurizer
        Shared featurizer (e.g. across cross-validation folds); built from the config when None.
    """

    def __init__(self, config: ModelConfig, runtime: Runtime, module: Any, known_nes: pd.DataFrame | None = None,
                 path: Path | None = None, featurizer: Featurizer | None = None) -> None:
        self.config, self.runtime, self.module, self.path = config, runtime, module, path
        self.known_nes = known_nes if known_nes is not None else pd.DataFrame(
            columns=["accession", "start_1b", "end_1b", "doubtful", "nes_ids"])
        self.featurizer = featurizer or Featurizer(config.features, runtime, config.window)
        device = runtime.torch_device()  # a missing GPU asked for is an error, whatever the family
        if featurizer is None:  # fitted window features (the anchor PSSM) saved with the classifier
            for f in self.featurizer.window_features:
                if getattr(f, "fitted", False):
                    f.load_state(module.feature_state)
        module.to_device(device)  # the numpy families stay on the CPU

    @property
    def flat(self) -> bool:
        """True for a flat-feature classifier (``logistic``, ``gbm``, ``ensemble``): for the
        few choices of policy that differ by family (scoring never does)."""
        return self.config.family != "transformer"

    @property
    def window(self) -> int:
        """Residues per window."""
        return self.config.window

    @property
    def threshold(self) -> float:
        """The model's calibrated candidate threshold."""
        return self.config.threshold

    @property
    def context(self) -> str:
        """"peptide" or "protein"."""
        return self.config.context

    @property
    def device(self) -> str:
        """Device type of a torch embedder, else of the classifier (``"cpu"``, ``"cuda"``);
        ``"cpu"`` for a flat classifier (numpy, metapredict on the CPU)."""
        own = getattr(self.featurizer.embedder, "device", None)
        return own or self.module.device

    @classmethod
    def load(cls, model_dir: str | os.PathLike | None = None, runtime: Runtime | None = None,
             embedder_spec: Mapping[str, Any] | None = None) -> "Predictor":
        """Load a model directory (the packaged default when None) under ``runtime``.

        ``embedder_spec``, when given, must be the spec the model was trained with.

        Raises
        ------
        NesscanError
            Missing files, an invalid config, weights failing their checksum or not
            fitting the classifier, an embedder mismatch.
        """
        from nesscan.model.store import read_model

        config, module, known, path = read_model(model_dir)
        if embedder_spec is not None and dict(embedder_spec) != config.embedder:
            raise NesscanError(f"model {path} was trained with embedder {config.embedder}, not {dict(embedder_spec)}")
        return cls(config, runtime or Runtime(), module, known, path)

    def features(self, examples: pd.DataFrame, proteins: Mapping[str, Protein],
                 progress: Progress | None = None) -> np.ndarray:
        """Classifier input of example windows in the model's context (:meth:`Featurizer.examples`)."""
        return self.featurizer.examples(examples, proteins, self.context, progress)

    def score_features(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """NES probabilities (float64) of windows of shape ``(n, window, dim)`` (``(n, dim)`` rows
        for a flat classifier)."""
        return self.module.predict_proba(x, batch_size=batch_size, bfloat16=self.runtime.precision == "bfloat16")

    def score_windows(self, examples: pd.DataFrame, proteins: Mapping[str, Protein]) -> np.ndarray:
        """NES probabilities of example windows (``sequence``, ``accession``, ``start``, ``source``)."""
        return self.score_features(self.features(examples, proteins))

    @property
    def compartment(self) -> Any:
        """The compartment gate (:class:`nesscan.localisation.model.CompartmentModel`): the
        model directory's own, else the packaged one; loaded on first use."""
        if getattr(self, "_compartment", None) is None:
            from nesscan.localisation.model import load_compartment_model

            self._compartment = load_compartment_model(self.path)
        return self._compartment

    def compartment_sha256(self) -> str:
        """SHA-256 of the compartment gate's weights (part of a screen's manifest)."""
        from nesscan.hashing import sha256_file
        from nesscan.localisation.model import WEIGHTS, packaged_dir

        own = self.path / WEIGHTS if self.path is not None else None
        return sha256_file(own if own is not None and own.is_file() else packaged_dir() / WEIGHTS)

    @property
    def protein_model(self) -> Any:
        """The protein-level model trained beside the window model
        (:class:`nesscan.model.cargo.CargoModel`), or None (a model trained without a cargo
        table, or a Transformer)."""
        return self.module.protein

    def score_protein_level(self, proteins: list[Protein], window_scores: list[np.ndarray]
                            ) -> tuple[np.ndarray, np.ndarray]:
        """``(cargo_probability, protein_score)`` of whole proteins (float64, NaN without a
        protein model), from their window scores (:meth:`score_proteins`) and their
        predicted pLDDT (the window features' track: not computed again).

        See :mod:`nesscan.model.cargo`: the cargo probability is the whole-protein model's;
        the protein score combines it with the window evidence, and is the ranking to sort
        proteins by.
        """
        if self.protein_model is None or not proteins:
            nan = np.full(len(proteins), np.nan)
            return nan, nan.copy()
        from nesscan.features.protein import plddt_of

        plddt = plddt_of(self.featurizer, [p.sequence for p in proteins])
        return self.protein_model.score([p.sequence for p in proteins], plddt, window_scores, self.window)

    def score_proteins(self, proteins: list[Protein], batch_windows: int = 512) -> list[np.ndarray]:
        """Scores of every window of each protein (each at least :attr:`window` long):
        :func:`nesscan.model.base.score_windows` in the model's context and precision.

        A flat classifier scores all windows of ``proteins`` at once (``batch_windows`` is
        not used); the Transformer, ``batch_windows`` windows a batch (512 keep its
        activations in cache).

        Returns
        -------
        list of numpy.ndarray
            One float array of ``len(seq) - window + 1`` scores per protein.
        """
        from nesscan.model.base import score_windows

        return score_windows(self.featurizer, self.module, proteins, self.context, batch_windows,
                             bfloat16=self.runtime.precision == "bfloat16")
