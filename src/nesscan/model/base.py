"""The classifier contract every model family keeps, and the one route from proteins to window scores.

Every classifier answers ``predict_proba(x)`` with one probability (float64) per input row
and saves itself as plain arrays (``state()``), as scikit-learn's estimators do
(Pedregosa F et al. J Mach Learn Res 2011;12:2825): the flat window classifiers
(:class:`nesscan.model.flat.FlatClassifier`), the Transformer
(:class:`nesscan.model.classifier.WindowTransformer`) and the protein-level model
(:class:`nesscan.model.cargo.CargoModel`). A window classifier (:class:`WindowClassifier`)
also names its ``family``, carries the fitted window features' arrays
(``feature_state``) and the protein-level model trained beside it (``protein``), and is
placed on a device (``to_device``; the numpy families stay on the CPU). Callers score
through the contract, never by family: :func:`score_windows` is the one route from whole
proteins to the scores of their windows, for a loaded model
(:meth:`nesscan.predictor.Predictor.score_proteins`) and for a model fitted in memory
(a cross-validation fold, the out-of-fold window models of the protein-level model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

import numpy as np

from nesscan.records import Protein

if TYPE_CHECKING:
    from nesscan.features import Featurizer


@runtime_checkable
class Classifier(Protocol):
    """A fitted classifier: probabilities of rows, and its arrays to save."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(positive) of each row of ``x`` (float64, shape ``(len(x),)``)."""
        ...

    def state(self) -> dict[str, np.ndarray]:
        """Every array that restores the fitted classifier (saved in ``model.safetensors``)."""
        ...


@runtime_checkable
class WindowClassifier(Classifier, Protocol):
    """A classifier of windows (the model of a model directory)."""

    #: ``"logistic"``, ``"gbm"``, ``"ensemble"`` or ``"transformer"``
    family: str
    #: fitted window features' arrays (e.g. the anchor PSSM's ``pssm.*``), {} when none
    feature_state: dict[str, np.ndarray]
    #: the protein-level model trained beside it (:class:`nesscan.model.cargo.CargoModel`), or None
    protein: Any

    def predict_proba(self, x: np.ndarray, *, batch_size: int = 2048, bfloat16: bool = False) -> np.ndarray:
        """NES probability (float64) of each window's input; ``batch_size`` and ``bfloat16``
        apply to a torch classifier only (numpy families score all rows at once, in float64)."""
        ...

    @property
    def device(self) -> str:
        """Device type the classifier computes on (``"cpu"``, ``"cuda"``)."""
        ...

    def to_device(self, device: str | None) -> "WindowClassifier":
        """Move to ``device`` (None: stay); returns itself."""
        ...


def score_windows(featurizer: "Featurizer", classifier: WindowClassifier, proteins: Sequence[Protein],
                  context: str = "protein", batch_windows: int = 512, bfloat16: bool = False) -> list[np.ndarray]:
    """Scores of every window of each protein (each at least ``featurizer.window`` long).

    Parameters
    ----------
    featurizer
        The classifier's featurizer (its fitted features fitted).
    classifier
        Any :class:`WindowClassifier`.
    proteins
        Whole proteins.
    context
        ``"peptide"`` or ``"protein"``: where per-residue features come from
        (:meth:`nesscan.features.Featurizer.protein_inputs`; flat rows always come from the
        whole protein).
    batch_windows
        Windows per batch of a per-residue featurizer (and of the Transformer's forward
        pass); a flat featurizer gives all windows in one batch.
    bfloat16
        Matrix products of a torch classifier in bfloat16.

    Returns
    -------
    list of numpy.ndarray
        One float64 array of ``len(seq) - window + 1`` scores per protein.
    """
    if not proteins:
        return []
    counts, batches = featurizer.protein_inputs(list(proteins), context, batch_windows)
    scores = [classifier.predict_proba(x, batch_size=batch_windows, bfloat16=bfloat16) for x in batches]
    return np.split(np.concatenate(scores or [np.zeros(0)]), np.cumsum(counts)[:-1])
