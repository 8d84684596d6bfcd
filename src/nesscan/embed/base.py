"""The one interface every embedder implements."""

from __future__ import annotations

import abc
from typing import Any, Callable, Sequence

import numpy as np

Progress = Callable[[int, int], None]
"""``progress(done, total)`` callback; the library never prints."""


class Embedder(abc.ABC):
    """Turns protein sequences into per-residue vectors.

    Attributes
    ----------
    name : str
        Registry name ("physchem", "esm2", "unirep", ...).
    dim : int
        Length of each per-residue vector.
    """

    name: str = ""
    contextual: bool = True  # False: a residue's vector ignores its neighbours
    dim: int = 0

    @abc.abstractmethod
    def spec(self) -> dict[str, Any]:
        """Everything that identifies this featurizer, JSON-serialisable.

        Written into a model's ``config.json``; a model is only loaded with an
        embedder whose ``spec()`` is equal. Must contain ``"name"``.
        """

    @abc.abstractmethod
    def embed(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        """Embed sequences.

        Parameters
        ----------
        sequences
            Upper-case one-letter amino-acid sequences of any length >= 1.
        progress
            Optional ``progress(done, total)`` callback, counted in sequences.

        Returns
        -------
        list of numpy.ndarray
            One float32 array of shape ``(len(seq), dim)`` per sequence, row ``i``
            describing residue ``i`` (0-based). No special tokens.
        """
