"""The feature registries: per-residue tracks and per-window features, by name.

Kept apart from :mod:`nesscan.features` so that the modules registering built-in
features (:mod:`nesscan.features.metapredict`, :mod:`nesscan.features.window`,
:mod:`nesscan.features.pssm`) import only this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import numpy as np

from nesscan.embed.base import Embedder

if TYPE_CHECKING:
    from nesscan.runtime import Runtime


class WindowFeature(Protocol):
    """Values describing a whole window (e.g. its net charge)."""

    dim: int

    def __call__(self, windows: Sequence[str]) -> np.ndarray:
        """float32 array of shape ``(len(windows), dim)``."""


class ParentWindowFeature(Protocol):
    """Values of windows computed from their whole parent protein (``parent = True``).

    The flat-feature classifiers (:mod:`nesscan.model.flat`) take one row of these per
    window (:mod:`nesscan.features.flat`); a synthetic window (anchor mutant, shuffle)
    is featurised on its *mutated parent*
    (:func:`nesscan.features.metapredict.mutated_parent`) through the same call.
    ``fitted = True`` marks a feature with parameters learnt from training windows
    (``fit``/``state``/``load_state``, e.g. :class:`nesscan.features.pssm.AnchorPSSM`),
    refit inside every training fold and saved with the classifier's weights.
    """

    dim: int
    parent: bool
    fitted: bool
    names: list[str]

    def __call__(self, parent: str, starts: np.ndarray, window: int, tracks: np.ndarray | None) -> np.ndarray:
        """float32 array of shape ``(len(starts), dim)``: windows ``parent[a:a + window]``."""


TrackFactory = Callable[[dict, "Runtime"], Embedder]
WindowFactory = Callable[[dict, "Runtime"], WindowFeature]

#: name -> factory(spec, runtime) of per-residue tracks other than the embedders.
TRACKS: dict[str, TrackFactory] = {}
#: name -> factory(spec, runtime) of per-window features.
WINDOW_FEATURES: dict[str, WindowFactory] = {}


def register_track(name: str) -> Callable[[TrackFactory], TrackFactory]:
    """Decorator: register a per-residue track factory under ``name``."""
    def add(factory: TrackFactory) -> TrackFactory:
        TRACKS[name] = factory
        return factory
    return add


def register_window_feature(name: str) -> Callable[[WindowFactory], WindowFactory]:
    """Decorator: register a per-window feature factory under ``name``."""
    def add(factory: WindowFactory) -> WindowFactory:
        WINDOW_FEATURES[name] = factory
        return factory
    return add
