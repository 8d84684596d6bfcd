"""What turns a window into a classifier's input: :class:`FeatureSpec`, and the contexts
a window's per-residue features are computed in (:data:`CONTEXTS`).

A model records its spec in ``config.json`` (:class:`nesscan.model.config.ModelConfig`);
:class:`nesscan.features.Featurizer` builds the features from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

#: ``peptide``: each window featurised on its own; ``protein``: sliced from its parent protein.
CONTEXTS = ("peptide", "protein")


@dataclass(frozen=True)
class FeatureSpec:
    """What turns a window into the classifier's input.

    Attributes
    ----------
    tracks
        Per-residue track specs (dicts with a ``"name"``, e.g. an embedder's
        :meth:`~nesscan.embed.base.Embedder.spec` or ``metapredict_plddt``), in column
        order. With parent window features (the flat classifiers) they are no columns of
        their own: ``track_means`` summarises them.
    window_features
        Per-window feature specs (dicts with a ``"name"``). Parent window features
        (:mod:`nesscan.features.flat`) make the whole input, one flat row per window;
        other window features are appended after the tracks' columns, each value
        repeated at every position of the window.
    """

    tracks: tuple[dict[str, Any], ...]
    window_features: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not self.tracks and not self.window_features:
            raise ValueError("a feature spec needs at least one per-residue track or window feature")
        for spec in (*self.tracks, *self.window_features):
            if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
                raise ValueError(f"a feature spec must be an object with a string 'name', not {spec!r}")
        object.__setattr__(self, "tracks", tuple(dict(s) for s in self.tracks))
        object.__setattr__(self, "window_features", tuple(dict(s) for s in self.window_features))

    @classmethod
    def of_embedder(cls, spec: Mapping[str, Any]) -> "FeatureSpec":
        """One track: an embedder spec (every model of format 1)."""
        return cls(tracks=(dict(spec),))

    @property
    def embedder(self) -> dict[str, Any]:
        """The first per-residue track's spec (the embedder of a format-1 model);
        ``{"name": "none"}`` without tracks."""
        return dict(self.tracks[0]) if self.tracks else {"name": "none"}

    @property
    def single_embedder(self) -> bool:
        """True when format 1 can record this spec (one track, no window feature)."""
        return len(self.tracks) == 1 and not self.window_features
