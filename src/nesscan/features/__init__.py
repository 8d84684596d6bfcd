"""Windows -> classifier input: per-residue tracks and per-window features, by registry.

A model's :class:`~nesscan.features.spec.FeatureSpec` lists its per-residue *tracks* (an
embedder, or the metapredict tracks of :mod:`nesscan.features.metapredict`) and its
per-*window* features; :class:`Featurizer` builds each from its registry. Two kinds of
input:

* flat (the default model; every window feature a *parent* one,
  :class:`~nesscan.features.registry.ParentWindowFeature`): one row of ``dim`` values per
  window, computed on the whole parent protein and its tracks
  (:mod:`nesscan.features.flat`; the default's 65 columns: ``consensus``, ``physico``,
  ``track_means`` of ``metapredict_plddt``, ``anchor_pssm``);
* per residue (the Transformer): a ``(window, dim)`` array, the tracks' rows for the
  window's residues, then each window feature's values repeated at every position
  (:meth:`Featurizer.windows`, :meth:`Featurizer.protein_windows`).

Adding a feature is one factory and one registration line::

    @register_track("hydropathy")           # spec {"name": "hydropathy", ...}
    def hydropathy(spec, runtime) -> Embedder: ...

    @register_window_feature("net_charge")  # spec {"name": "net_charge"}
    def net_charge(spec, runtime) -> WindowFeature: ...

A track is any :class:`~nesscan.embed.base.Embedder` (``dim``, ``contextual``, ``spec()``,
``embed()``); a spec whose name is not in :data:`TRACKS` is an embedder of
:data:`nesscan.embed.REGISTRY`. Contexts of the per-residue input: *peptide* context
featurises each window on its own; *protein* context featurises each parent protein once
and slices the window's rows out (identical for tracks that ignore neighbours,
``contextual = False``, so the cheaper path is taken). There, synthetic windows (anchor
mutants, shuffles: their sequence is not their parent's residues) always get peptide
features; flat features compute them on their mutated parent instead
(:func:`nesscan.features.metapredict.mutated_parent`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.embed.base import Embedder, Progress
from nesscan.features.registry import (TRACKS, WINDOW_FEATURES, ParentWindowFeature, TrackFactory,  # noqa: F401
                                       WindowFactory, WindowFeature, register_track,
                                       register_window_feature)
from nesscan.features.spec import CONTEXTS, FeatureSpec
from nesscan.records import Protein

if TYPE_CHECKING:
    from nesscan.runtime import Runtime

#: Runtime options each embedder takes (physchem: none; weight-free, and cheaper than a cache).
EMBEDDER_RUNTIME = {"physchem": (), "esm2": ("device", "dtype", "model", "cache_dir"),
                    "unirep": ("cache_dir",)}

def embedder_track(spec: dict[str, Any], runtime: "Runtime") -> Embedder:
    """The embedder of ``spec`` with the runtime options that apply to it (device,
    precision, weights location, embedding cache; none for physchem)."""
    from nesscan.embed import get_embedder

    options = runtime.embedder_options(spec)
    allowed = EMBEDDER_RUNTIME.get(spec["name"], ("device", "dtype", "model", "cache_dir"))
    return get_embedder(spec, **{k: v for k, v in options.items() if k in allowed})


def build_track(spec: dict[str, Any], runtime: "Runtime") -> Embedder:
    """A per-residue track from its spec (:data:`TRACKS`, else an embedder)."""
    return TRACKS.get(spec["name"], embedder_track)(spec, runtime)


def build_window_feature(spec: dict[str, Any], runtime: "Runtime") -> WindowFeature:
    """A per-window feature from its spec (:data:`WINDOW_FEATURES`)."""
    from nesscan.errors import NesscanError

    if spec["name"] not in WINDOW_FEATURES:
        raise NesscanError(f"unknown window feature {spec['name']!r}; known: {', '.join(WINDOW_FEATURES) or 'none'}")
    return WINDOW_FEATURES[spec["name"]](spec, runtime)


class Featurizer:
    """The classifier's input for windows, built from a :class:`FeatureSpec`.

    Parameters
    ----------
    spec
        The tracks and window features, in column order.
    runtime
        Device, precision, weights location and cache of the tracks.
    window
        Residues per window.
    tracks
        The tracks already built (e.g. an embedder training resolved from a local
        weights folder); built from ``spec`` and ``runtime`` when None.
    """

    def __init__(self, spec: FeatureSpec, runtime: "Runtime | None", window: int,
                 tracks: Sequence[Embedder] | None = None) -> None:
        self.spec, self.window, self.runtime = spec, window, runtime
        self.tracks = list(tracks) if tracks is not None else [build_track(t, runtime) for t in spec.tracks]
        self.window_features = [build_window_feature(w, runtime) for w in spec.window_features]
        #: True: parent window features only, one flat row per window (:mod:`nesscan.features.flat`)
        self.flat = bool(self.window_features) and all(getattr(w, "parent", False) for w in self.window_features)
        if not self.flat and any(getattr(w, "parent", False) for w in self.window_features):
            raise ValueError("parent window features cannot be mixed with per-residue window inputs")
        self.dim = sum(w.dim for w in self.window_features) if self.flat else \
            sum(t.dim for t in self.tracks) + sum(w.dim for w in self.window_features)
        self.contextual = self.flat or any(t.contextual for t in self.tracks)

    @classmethod
    def of_embedder(cls, embedder: Embedder, window: int) -> "Featurizer":
        """One track: an embedder already built (features of a format-1 model; no runtime needed)."""
        return cls(FeatureSpec.of_embedder(embedder.spec()), None, window, tracks=[embedder])

    @property
    def embedder(self) -> Embedder | None:
        """The first track (the embedder of a format-1 model); None without tracks."""
        return self.tracks[0] if self.tracks else None

    @property
    def feature_names(self) -> list[str]:
        """Column names of a flat featurizer's rows."""
        return [n for w in self.window_features for n in getattr(w, "names", [f"{type(w).__name__}_{i}"
                                                                            for i in range(w.dim)])]

    def residues(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        """Per-residue rows of every track, concatenated: one ``(len(seq), track dims)`` array each."""
        if not self.tracks:
            return [np.zeros((len(s), 0), np.float32) for s in sequences]
        if len(self.tracks) == 1:
            return self.tracks[0].embed(sequences, progress)
        per_track = [t.embed(sequences, progress) for t in self.tracks]
        return [np.concatenate(rows, axis=1) for rows in zip(*per_track)]

    def _with_window_features(self, x: np.ndarray, windows: Sequence[str]) -> np.ndarray:
        """``x`` ``(n, window, d)`` with each window feature's columns appended."""
        if not self.window_features:
            return x
        extra = [np.asarray(f(windows), np.float32).reshape(len(windows), f.dim) for f in self.window_features]
        tiled = np.repeat(np.concatenate(extra, axis=1)[:, None, :], x.shape[1], axis=1)
        return np.concatenate([x, tiled], axis=2)

    def examples(self, examples: pd.DataFrame, proteins: Mapping[str, Protein], context: str,
                 progress: Progress | None = None) -> np.ndarray:
        """The classifier's input for example windows: one flat row per window from its parent
        (:func:`nesscan.features.flat.example_matrix`; ``context`` does not apply) for a flat
        featurizer, else per-residue windows (:meth:`windows`)."""
        if self.flat:
            from nesscan.features.flat import example_matrix

            return example_matrix(self, examples, proteins)
        return self.windows(examples, proteins, context, progress)

    def protein_inputs(self, proteins: list[Protein], context: str,
                       batch_windows: int = 512) -> tuple[list[int], Iterator[np.ndarray]]:
        """The classifier's input for every window of each protein (each at least ``window``
        long), in batches: windows per protein, and the batches in protein order. A flat
        featurizer gives all rows at once (:func:`nesscan.features.flat.protein_matrices`),
        a per-residue one batches of ``batch_windows`` (:meth:`protein_windows`)."""
        if self.flat:
            from nesscan.features.flat import protein_matrices

            counts, x = protein_matrices(self, proteins)
            return counts, iter([x])
        return self.protein_windows(proteins, context, batch_windows)

    def windows(self, examples: pd.DataFrame, proteins: Mapping[str, Protein], context: str,
                progress: Progress | None = None) -> np.ndarray:
        """Per-residue features of every example window (the Transformer's input; a flat
        featurizer's rows come from :func:`nesscan.features.flat.example_matrix`).

        Parameters
        ----------
        examples
            Table with ``sequence``, ``accession`` and ``start`` (0-based) columns
            (and ``source``: synthetic sources get peptide features).
        proteins
            Accession -> parent protein (used in protein context).
        context
            "peptide" or "protein".

        Returns
        -------
        numpy.ndarray
            float32, shape ``(len(examples), window, dim)``.
        """
        x = self._residue_windows(examples, proteins, context, progress)
        return self._with_window_features(x, list(examples.sequence))

    def _residue_windows(self, examples: pd.DataFrame, proteins: Mapping[str, Protein], context: str,
                         progress: Progress | None = None) -> np.ndarray:
        if context not in CONTEXTS:
            raise ValueError(f"context must be one of {CONTEXTS}, not {context!r}")
        window = self.window
        out = np.empty((len(examples), window, self.dim - sum(w.dim for w in self.window_features)), np.float32)
        if context == "peptide" or not self.contextual:
            unique = list(dict.fromkeys(examples.sequence))
            vectors = dict(zip(unique, self.residues(unique, progress)))
            for i, seq in enumerate(examples.sequence):
                out[i] = vectors[seq]
            return out
        from nesscan.dataset.negatives import SYNTHETIC_SOURCES

        synthetic = examples.source.isin(SYNTHETIC_SOURCES).to_numpy() if "source" in examples \
            else np.zeros(len(examples), bool)
        if synthetic.any():  # windows that are not residues of their parent: peptide features only
            out[synthetic] = self._residue_windows(examples[synthetic], proteins, "peptide")
            out[~synthetic] = self._residue_windows(examples[~synthetic], proteins, context)
            return out
        accessions = list(dict.fromkeys(examples.accession))
        embedded = dict(zip(accessions, self.residues([proteins[a].sequence for a in accessions], progress)))
        for i, (acc, start) in enumerate(zip(examples.accession, examples.start)):
            out[i] = embedded[acc][start:start + window]
        return out

    def protein_windows(self, proteins: list[Protein], context: str,
                        batch_windows: int = 512) -> tuple[list[int], Iterator[np.ndarray]]:
        """Per-residue features of every window of each protein (each at least ``window``
        long), in batches (the Transformer's input; flat rows:
        :func:`nesscan.features.flat.protein_matrices`).

        Per-residue features of all proteins are computed and stacked once, and windows
        are gathered from them in batches of ``batch_windows`` that span proteins, so
        short proteins don't mean small batches. In peptide context with a contextual
        track every window is featurised on its own, one batch per protein.

        Returns
        -------
        counts, batches
            Windows per protein (``len(seq) - window + 1``), and the ``(n, window, dim)``
            float32 arrays of all windows in protein order.
        """
        window = self.window
        counts = [len(p.sequence) - window + 1 for p in proteins]
        if context == "peptide" and self.contextual:
            def per_protein() -> Iterator[np.ndarray]:
                for p in proteins:
                    peptides = [p.sequence[a:a + window] for a in range(len(p.sequence) - window + 1)]
                    yield self._with_window_features(np.stack(self.residues(peptides)), peptides)
            return counts, per_protein()
        feats = self.residues([p.sequence for p in proteins]) if proteins else []
        width = self.dim - sum(w.dim for w in self.window_features)
        stacked = np.concatenate(feats) if feats else np.zeros((0, width), np.float32)
        offsets = np.cumsum([0] + [len(f) for f in feats])
        starts = np.concatenate([np.arange(n) + o for n, o in zip(counts, offsets)]) if feats else np.zeros(0, int)
        span = np.arange(window)
        residues = "".join(p.sequence for p in proteins) if self.window_features else ""

        def batches() -> Iterator[np.ndarray]:
            for i in range(0, len(starts), batch_windows):
                chosen = starts[i:i + batch_windows]
                x = stacked[chosen[:, None] + span]
                yield self._with_window_features(x, [residues[s:s + window] for s in chosen]) \
                    if self.window_features else x
        return counts, batches()


# registration of the built-in tracks and window features (modules import the registries above)
from nesscan.features import metapredict as _metapredict, order as _order, pssm as _pssm, window as _window  # noqa: E402,F401,I001
