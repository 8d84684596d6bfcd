"""Per-residue features of example windows, in peptide or protein context.

*peptide* context embeds each 22-residue window on its own, so the vectors carry
nothing of the parent protein (its compartment, its length). *protein* context embeds
each parent protein once and slices the window's rows out. For an embedder whose
vectors ignore neighbours (``contextual = False``) the two are identical and the
cheaper path is taken. Synthetic windows (anchor mutants, shuffles: their sequence
is not their parent's residues) always get peptide features.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from nesscan.embed.base import Embedder, Progress
from nesscan.records import Protein

CONTEXTS = ("peptide", "protein")


def window_features(examples: pd.DataFrame, proteins: Mapping[str, Protein], embedder: Embedder,
                    context: str, window: int, progress: Progress | None = None) -> np.ndarray:
    """Features of every example window.

    Parameters
    ----------
    examples
        Table with ``sequence``, ``accession`` and ``start`` (0-based) columns.
    proteins
        Accession -> parent protein (used in protein context).
    embedder
        Any :class:`~nesscan.embed.base.Embedder`.
    context
        "peptide" or "protein".
    window
        Residues per window.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(len(examples), window, embedder.dim)``.
    """
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {CONTEXTS}, not {context!r}")
    out = np.empty((len(examples), window, embedder.dim), np.float32)
    if context == "peptide" or not embedder.contextual:
        unique = list(dict.fromkeys(examples.sequence))
        vectors = dict(zip(unique, embedder.embed(unique, progress)))
        for i, seq in enumerate(examples.sequence):
            out[i] = vectors[seq]
        return out
    from nesscan.dataset.negatives import SYNTHETIC_SOURCES

    synthetic = examples.source.isin(SYNTHETIC_SOURCES).to_numpy() if "source" in examples else np.zeros(len(examples), bool)
    if synthetic.any():  # windows that are not residues of their parent: peptide features only
        out[synthetic] = window_features(examples[synthetic], proteins, embedder, "peptide", window)
        out[~synthetic] = window_features(examples[~synthetic], proteins, embedder, context, window)
        return out
    accessions = list(dict.fromkeys(examples.accession))
    embedded = dict(zip(accessions, embedder.embed([proteins[a].sequence for a in accessions], progress)))
    for i, (acc, start) in enumerate(zip(examples.accession, examples.start)):
        out[i] = embedded[acc][start:start + window]
    return out
