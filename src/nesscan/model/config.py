"""A model's ``config.json`` as typed values: :class:`ModelConfig` and its
:class:`~nesscan.features.spec.FeatureSpec`.

This module is the only code that reads or writes the keys of ``config.json``.

Format 1 (a Transformer over one per-residue embedder, e.g. the physchem Transformer)
records the embedder under ``"embedder"``::

    {"format": 1, "nesscan_version": ..., "embedder": {"name": "physchem"}, "in_dim": 45,
     "context": "peptide", "window": 22, "params": {...}, "seed": 0, "threshold": 0.917,
     "threshold_rule": ..., "training_data": {path: sha256}, "examples": {...},
     "weights_sha256": ...}

Format 2 replaces ``"embedder"`` with ``"features": {"tracks": [spec, ...], "window":
[spec, ...]}`` (per-residue tracks and per-window features, in spec order). The shipped
default is format 2: a flat classifier (``"classifier": {"family": "ensemble", ...}``, its
inner selection; ``"params": {}``) over the window features ``consensus``, ``physico``,
``track_means`` and ``anchor_pssm`` (``"in_dim": 65``, ``"context": "protein"``) computed
with the track ``metapredict_plddt``, and, when it was trained with a cargo table, the protein-level
model's record under ``"protein_model"`` (:mod:`nesscan.model.cargo`; its arrays are in the
weights). :meth:`ModelConfig.to_json` writes format 1 whenever
the features are one track and no window feature, so such a model's ``config.json``
keeps the bytes it had.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass, field
from typing import Any

from nesscan.errors import NesscanError
from nesscan.features.spec import CONTEXTS, FeatureSpec
from nesscan.model.classifier import ClassifierParams

#: ``config.json`` formats this version reads.
FORMATS = (1, 2)


@dataclass(frozen=True)
class ModelConfig:
    """A model directory's ``config.json`` (see the module docstring)."""

    features: FeatureSpec
    in_dim: int
    context: str
    window: int
    params: ClassifierParams
    seed: int
    threshold: float
    threshold_rule: str
    training_data: dict[str, str] = field(default_factory=dict)
    examples: dict[str, Any] = field(default_factory=dict)
    nesscan_version: str = ""
    weights_sha256: str | None = None  # None until the weights are written
    format: int = 1
    #: Flat-feature classifier (format 2 only): ``{"family": "ensemble" | "logistic" | "gbm",
    #: ...chosen hyper-parameters and the inner selection}``; empty for the Transformer.
    classifier: dict[str, Any] = field(default_factory=dict)
    #: The protein-level model trained beside a flat classifier (format 2 only):
    #: ``{"groups": [...], ...its selection}`` (:func:`nesscan.model.cargo.fit_cargo_model`); empty without.
    protein_model: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.context not in CONTEXTS:
            raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, not {self.context!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {self.threshold}")
        if self.window < 1 or self.in_dim < 1:
            raise ValueError(f"window and in_dim must be positive (got {self.window}, {self.in_dim})")
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format}")

    @property
    def embedder(self) -> dict[str, Any]:
        """The embedder spec of a format-1 model; a format-2 model's first per-residue track
        (``{"name": "metapredict_plddt"}`` for the default)."""
        return self.features.embedder

    @property
    def family(self) -> str:
        """Classifier family: ``"transformer"``, or a flat one (``"logistic"``, ``"gbm"``, ``"ensemble"``)."""
        return str(self.classifier.get("family", "transformer"))

    def replace(self, **changes: Any) -> "ModelConfig":
        """A copy with ``changes`` (e.g. ``weights_sha256``)."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The ``config.json`` object, keys in their written order (format 1 when the
        features allow it, else 2)."""
        spec = self.features
        out: dict[str, Any] = {"format": 1 if spec.single_embedder else 2, "nesscan_version": self.nesscan_version}
        if spec.single_embedder:
            out["embedder"] = spec.embedder
        else:
            out["features"] = {"tracks": [dict(t) for t in spec.tracks],
                               "window": [dict(w) for w in spec.window_features]}
        if self.classifier:
            out["classifier"] = self.classifier
        if self.protein_model:
            out["protein_model"] = self.protein_model
        out.update({"in_dim": self.in_dim, "context": self.context, "window": self.window,
                    "params": {} if self.classifier else self.params.to_dict(), "seed": self.seed, "threshold": self.threshold,
                    "threshold_rule": self.threshold_rule, "training_data": dict(self.training_data),
                    "examples": self.examples})
        if self.weights_sha256 is not None:
            out["weights_sha256"] = self.weights_sha256
        return out

    @classmethod
    def from_json(cls, data: Any, where: str) -> "ModelConfig":
        """Validate a parsed ``config.json``.

        Parameters
        ----------
        data
            The parsed JSON.
        where
            The file, named in errors.

        Raises
        ------
        NesscanError
            One line naming ``where``: not an object, unknown format, a missing key, a
            value of the wrong type, a threshold outside 0-1, an unknown context.
        """
        def fail(problem: str) -> NesscanError:
            return NesscanError(f"{where}: unreadable model config ({problem})")

        if not isinstance(data, dict):
            raise fail("model config is not a JSON object")
        fmt = data.get("format")
        if isinstance(fmt, bool) or fmt not in FORMATS:
            raise fail(f"unknown model config format {fmt!r} (this nesscan reads {', '.join(map(str, FORMATS))})")

        def get(key: str, kind: type | tuple[type, ...], what: str) -> Any:
            if key not in data:
                raise fail(f"missing key {key!r}")
            value = data[key]
            if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
                raise fail(f"{key!r} must be {what}, not {value!r}")
            if not isinstance(value, kind):
                raise fail(f"{key!r} must be {what}, not {value!r}")
            return value

        try:
            if fmt == 1:
                features = FeatureSpec.of_embedder(get("embedder", dict, "an object"))
            else:
                block = get("features", dict, "an object")
                tracks, windows = block.get("tracks"), block.get("window", [])
                if not isinstance(tracks, list) or not isinstance(windows, list):
                    raise fail("'features' must hold lists 'tracks' and 'window'")
                features = FeatureSpec(tuple(tracks), tuple(windows))
            classifier = data.get("classifier", {}) if fmt == 2 else {}
            if not isinstance(classifier, dict) or (classifier and classifier.get("family") not in
                                                    ("logistic", "gbm", "ensemble")):
                raise fail(f"'classifier' must be an object with a family logistic, gbm or ensemble, not {classifier!r}")
            protein = data.get("protein_model", {}) if fmt == 2 else {}
            if not isinstance(protein, dict) or (protein and not (
                    isinstance(protein.get("groups"), list) and all(isinstance(g, str) for g in protein["groups"]))):
                raise fail("'protein_model' must be an object with a list of feature 'groups'")
        except ValueError as exc:
            raise fail(str(exc)) from None
        threshold = get("threshold", numbers.Real, "a number between 0 and 1")
        if not 0.0 <= float(threshold) <= 1.0:
            raise fail(f"'threshold' must be a number between 0 and 1, not {threshold!r}")
        context = get("context", str, "a string")
        if context not in CONTEXTS:
            raise fail(f"unknown context {context!r} (one of {', '.join(CONTEXTS)})")
        params = _params(get("params", dict, "an object"), fail)
        training = get("training_data", dict, "an object")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in training.items()):
            raise fail("'training_data' must map file names to SHA-256 strings")
        try:
            return cls(features=features, in_dim=get("in_dim", int, "an integer"), context=context,
                       window=get("window", int, "an integer"), params=params, seed=get("seed", int, "an integer"),
                       threshold=float(threshold), threshold_rule=get("threshold_rule", str, "a string"),
                       training_data=dict(training), examples=get("examples", dict, "an object"),
                       nesscan_version=get("nesscan_version", str, "a string"),
                       weights_sha256=get("weights_sha256", str, "a string"), format=fmt,
                       classifier=dict(classifier), protein_model=dict(protein))
        except ValueError as exc:
            raise fail(str(exc)) from None


def _params(raw: dict[str, Any], fail: Any) -> ClassifierParams:
    """:class:`ClassifierParams` from its JSON object, each field of its declared type."""
    fields = {f.name: f for f in dataclasses.fields(ClassifierParams)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise fail(f"unknown classifier parameter(s) {', '.join(unknown)}")
    for name, value in raw.items():
        kind = type(fields[name].default)
        ok = (isinstance(value, numbers.Real) if kind is float else isinstance(value, kind)) \
            and not isinstance(value, bool)
        if not ok:
            raise fail(f"classifier parameter {name!r} must be {kind.__name__}, not {value!r}")
    return ClassifierParams(**raw)
