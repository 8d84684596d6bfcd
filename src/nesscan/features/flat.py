"""Flat feature rows of windows from their whole parent: the input of :mod:`nesscan.model.flat`.

Every window is featurised on the sequence it lives in (its *context*): the parent
protein for a real window, the parent with the window written over it for a synthetic
one (anchor mutant, shuffle; :func:`nesscan.features.metapredict.mutated_parent`). The
per-residue tracks run once per context (whole protein), and each parent window feature
(:class:`nesscan.features.ParentWindowFeature`) is called once per context with all of
its window starts (vectorised), so a protein's windows cost a few numpy passes.

References
----------
Xu D et al. LocNES. Bioinformatics 2015;31:1357 (features of a window in its protein:
rank of its PSSM score among the protein's windows, disorder context).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.records import Protein

if TYPE_CHECKING:
    from nesscan.features import Featurizer
    from nesscan.features.spec import FeatureSpec


@dataclass(frozen=True)
class Contexts:
    """Windows as (context sequence, start).

    Attributes
    ----------
    sequences
        Unique context sequences.
    index
        Context of each window (index into ``sequences``).
    starts
        0-based start of each window in its context.
    """

    sequences: list[str]
    index: np.ndarray
    starts: np.ndarray


def example_contexts(examples: pd.DataFrame, proteins: Mapping[str, Protein]) -> Contexts:
    """Contexts of example windows (``sequence``, ``accession``, ``start`` and ``source``).

    Raises
    ------
    ValueError
        When a window is not the residues of its context at its start (a table that does
        not belong to ``proteins``).
    """
    from nesscan.dataset.negatives import SYNTHETIC_SOURCES
    from nesscan.features.metapredict import mutated_parent

    keys: dict[str, int] = {}
    sequences: list[str] = []
    index = np.empty(len(examples), np.int64)
    sources = examples.source if "source" in examples else pd.Series([""] * len(examples))
    for i, (acc, start, seq, source) in enumerate(zip(examples.accession, examples.start, examples.sequence,
                                                      sources)):
        parent = proteins[acc].sequence
        context = mutated_parent(parent, int(start), seq) if source in SYNTHETIC_SOURCES else parent
        if context[int(start):int(start) + len(seq)] != seq:
            raise ValueError(f"window {seq} is not residues {start}.. of {acc}")
        key = context if source in SYNTHETIC_SOURCES else acc
        if key not in keys:
            keys[key] = len(sequences)
            sequences.append(context)
        index[i] = keys[key]
    return Contexts(sequences, index, examples.start.to_numpy(np.int64))


def protein_contexts(proteins: Sequence[Protein], window: int) -> Contexts:
    """Every window (stride 1) of each protein, in protein order."""
    counts = [max(len(p.sequence) - window + 1, 0) for p in proteins]
    index = np.repeat(np.arange(len(proteins)), counts)
    starts = np.concatenate([np.arange(n) for n in counts]) if proteins else np.zeros(0, np.int64)
    return Contexts([p.sequence for p in proteins], index, starts.astype(np.int64))


def context_tracks(featurizer: "Featurizer", contexts: Contexts) -> list[np.ndarray]:
    """Per-residue tracks of every context (one whole-protein pass each)."""
    return featurizer.residues(contexts.sequences)


def feature_blocks(featurizer: "Featurizer", contexts: Contexts, which: Sequence[int] | None = None,
                   tracks: list[np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """Columns of the window features ``which`` (indices into ``featurizer.window_features``;
    all when None) for every window of ``contexts``.

    Returns
    -------
    dict
        Feature index -> float32 ``(n_windows, dim)``.
    """
    chosen = list(range(len(featurizer.window_features))) if which is None else list(which)
    feats = [featurizer.window_features[j] for j in chosen]
    n = len(contexts.starts)
    out = {j: np.empty((n, f.dim), np.float32) for j, f in zip(chosen, feats)}
    if n == 0:
        return out
    if tracks is None and any(not f.fitted for f in feats):
        tracks = context_tracks(featurizer, contexts)
    order = np.argsort(contexts.index, kind="stable")
    bounds = np.searchsorted(contexts.index[order], np.arange(len(contexts.sequences) + 1))
    w = featurizer.window
    for c, seq in enumerate(contexts.sequences):
        rows = order[bounds[c]:bounds[c + 1]]
        if len(rows) == 0:
            continue
        starts = contexts.starts[rows]
        track = tracks[c] if tracks is not None else None
        for j, f in zip(chosen, feats):
            out[j][rows] = f(seq, starts, w, track)
    return out


def flat_matrix(featurizer: "Featurizer", contexts: Contexts, blocks: Mapping[int, np.ndarray] | None = None
                ) -> np.ndarray:
    """All window-feature columns in spec order (``blocks`` already computed are reused)."""
    blocks = dict(blocks or {})
    missing = [j for j in range(len(featurizer.window_features)) if j not in blocks]
    if missing:
        blocks.update(feature_blocks(featurizer, contexts, missing))
    cols = [blocks[j] for j in range(len(featurizer.window_features))]
    return np.concatenate(cols, axis=1) if cols else np.zeros((len(contexts.starts), 0), np.float32)


def example_matrix(featurizer: "Featurizer", examples: pd.DataFrame, proteins: Mapping[str, Protein]) -> np.ndarray:
    """Flat rows ``(len(examples), featurizer.dim)`` of example windows."""
    return flat_matrix(featurizer, example_contexts(examples, proteins))


def protein_matrices(featurizer: "Featurizer", proteins: Sequence[Protein]) -> tuple[list[int], np.ndarray]:
    """Flat rows of every window of each protein: windows per protein and the stacked rows."""
    ctx = protein_contexts(proteins, featurizer.window)
    counts = np.bincount(ctx.index, minlength=len(proteins)).tolist()
    return counts, flat_matrix(featurizer, ctx)


#: Track sets of the flat family (``--tracks``): metapredict networks run per protein.
TRACK_SETS = {"plddt": ("metapredict_plddt",), "full": ("metapredict_plddt", "metapredict_disorder"),
              "none": ()}


def flat_spec(tracks: str = "plddt") -> "FeatureSpec":
    """The flat family's features: consensus, physico-chemistry, track window means (when
    tracks), the fitted anchor PSSM (the research study's order) and the motif order beyond
    composition (:mod:`nesscan.features.order`)."""
    from nesscan.features.spec import FeatureSpec

    names = TRACK_SETS[tracks]
    window: list[dict] = [{"name": "consensus"}, {"name": "physico"}]
    if names:
        window.append({"name": "track_means", "columns": [n.removeprefix("metapredict_") for n in names]})
    window.append({"name": "anchor_pssm"})  # {"excess": True} is an option, off here (README: its measurement)
    window.append({"name": "order"})
    return FeatureSpec(tuple({"name": n} for n in names), tuple(window))
