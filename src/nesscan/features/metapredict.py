"""Per-residue metapredict tracks over whole proteins: predicted pLDDT and disorder.

Registered tracks (:data:`nesscan.features.TRACKS`):

``metapredict_plddt``
    Predicted AlphaFold2 pLDDT / 100 per residue (metapredict's pLDDT network).
``metapredict_disorder``
    metapredict V3 disorder score (0..1) per residue; about 3x slower than pLDDT.

Both run once per whole (parent) protein; window features are sliced from the
result, so a window's flanks shape its values (*protein* context). Synthetic windows
(anchor mutants, shuffles) are featurised on their *mutated parent*
(:func:`mutated_parent`) through the same code, never as bare peptides: a model must
not learn "has real flanks" instead of NES biology.

Each protein is predicted on its own on one torch thread (batch neighbours and thread
counts change the last bits of metapredict's output), and values are rounded to 1e-3
(0.1 pLDDT): the same protein gives the same bytes in training, in a screen with any
number of workers and chunk size, and in the web app.

References
----------
Emenecker RJ, Griffith D, Holehouse AS. Metapredict: a fast, accurate, and easy-to-use
predictor of consensus disorder and structure. Biophys J 2021;120:4312.
Lotthammer JM, Ginell GM, Griffith D, Emenecker RJ, Holehouse AS. Direct prediction of
intrinsically disordered protein conformational properties from sequence. Nat Methods
2024;21:465 (metapredict V3 / pLDDT network).
Xu D et al. LocNES. Bioinformatics 2015;31:1357 and Fu SC et al. NESsential. NAR
2011;39:e111: NESs sit in disordered or accessible regions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from nesscan.embed.base import Embedder, Progress
from nesscan.features.registry import register_track

if TYPE_CHECKING:
    from nesscan.runtime import Runtime

_STANDARD = frozenset("ACDEFGHIKLMNPQRSTVWY")
#: In-process results by (track, cleaned sequence): a training run meets each parent many times.
_MEMO: dict[tuple[str, str], np.ndarray] = {}
_MEMO_RESIDUES = 30_000_000  # cleared when it holds more residues than this (about 120 MB)
_MEMO_SIZE = [0]


def mutated_parent(parent: str, start: int, window_sequence: str) -> str:
    """The parent protein with ``window_sequence`` written over residues ``start..``.

    Parameters
    ----------
    parent
        Full parent sequence.
    start
        0-based start of the window in the parent.
    window_sequence
        The (synthetic) window.

    Examples
    --------
    >>> mutated_parent("MKLLAAE", 2, "AA")
    'MKAAAAE'
    """
    end = start + len(window_sequence)
    if start < 0 or end > len(parent):
        raise ValueError(f"window {start}..{end} leaves a {len(parent)}-residue parent")
    return parent[:start] + window_sequence + parent[end:]


def clean(sequence: str) -> str:
    """Upper case, non-standard letters as alanine (metapredict rejects them)."""
    s = sequence.upper()
    return s if set(s) <= _STANDARD else "".join(c if c in _STANDARD else "A" for c in s)


class MetapredictTrack(Embedder):
    """One metapredict network as a per-residue track (see the module docstring).

    Parameters
    ----------
    kind
        ``"plddt"`` or ``"disorder"``.
    batch
        Unused (kept for the signature): every protein is its own call.
    """

    contextual = True
    dim = 1

    def __init__(self, kind: str = "plddt", batch: int = 128) -> None:
        if kind not in ("plddt", "disorder"):
            raise ValueError(f"metapredict track kind must be plddt or disorder, not {kind!r}")
        self.kind, self.batch = kind, batch
        self.name = f"metapredict_{kind}"

    def spec(self) -> dict[str, Any]:
        """``{"name": "metapredict_plddt"}`` or ``..._disorder``."""
        return {"name": self.name}

    def _predict(self, sequences: list[str]) -> list[np.ndarray]:
        """One sequence per metapredict call, on one torch thread: a protein's values then do
        not depend on its batch neighbours or on the number of threads (batched calls and
        other thread counts change the last bits), and one call per protein was measured
        faster than batches of 128 here (242,000 against 201,000 residues/s, one thread)."""
        import metapredict as meta
        import torch

        threads = torch.get_num_threads()
        fn = meta.predict_pLDDT if self.kind == "plddt" else meta.predict_disorder
        scale = 100.0 if self.kind == "plddt" else 1.0
        torch.set_num_threads(1)
        try:
            return [np.round(np.asarray(fn(s, device="cpu"), np.float64) / scale, 3).astype(np.float32)[:, None]
                    for s in sequences]
        finally:
            torch.set_num_threads(threads)

    def embed(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        """``(len(seq), 1)`` float32 per sequence (see :meth:`Embedder.embed`)."""
        cleaned = [clean(s) for s in sequences]
        todo = sorted({s for s in cleaned if (self.kind, s) not in _MEMO}, key=lambda s: (len(s), s))
        if todo:
            if _MEMO_SIZE[0] > _MEMO_RESIDUES:
                _MEMO.clear()
                _MEMO_SIZE[0] = 0
            for s, v in zip(todo, self._predict(todo)):
                _MEMO[(self.kind, s)] = v
                _MEMO_SIZE[0] += len(s)
        if progress is not None:
            progress(len(sequences), len(sequences))
        return [_MEMO[(self.kind, s)] for s in cleaned]


def _factory(kind: str):
    def make(spec: dict, runtime: "Runtime") -> Embedder:
        track: Embedder = MetapredictTrack(kind)
        if runtime.cache_dir:
            from nesscan.embed.cache import CachedEmbedder

            track = CachedEmbedder(track, runtime.cache_dir)
        return track
    return make


register_track("metapredict_plddt")(_factory("plddt"))
register_track("metapredict_disorder")(_factory("disorder"))
