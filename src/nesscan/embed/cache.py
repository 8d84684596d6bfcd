"""Per-residue embeddings cached on disk, keyed by a hash of (embedder spec, sequence).

Embedding is the costly step of a screen with a language model; a re-run (another
threshold, another classifier trained on the same embedder, a screen resumed after its
work folder was removed, the same protein in two proteomes) should not pay it again.
The metapredict tracks of the default model (:mod:`nesscan.features.metapredict`) are
cached the same way under ``--embedding-cache``.

Layout: ``DIR/<spec hash>/<h[:2]>/<h>.npy`` where ``<spec hash>`` is the SHA-256 of the
embedder's :meth:`~nesscan.embed.base.Embedder.spec` (model, layer, chunking) plus its
precision, and ``h`` the SHA-256 of the sequence. Each file is one float32 array of shape
``(len(sequence), dim)``, written atomically, so a killed run never leaves a torn
entry. Size: 4 bytes x dim per residue (ESM-2 8M: 1.3 kB per residue, 15 GB for a
human proteome; 650M: 5 kB per residue): the cache is opt-in (``--embedding-cache``).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nesscan.atomic import write_bytes
from nesscan.embed.base import Embedder, Progress


def spec_key(embedder: Embedder) -> str:
    """Hash of what determines an embedder's numbers: its spec and its precision."""
    ident = {"spec": embedder.spec(), "dtype": getattr(embedder, "dtype", "float32")}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:20]


class CachedEmbedder(Embedder):
    """An embedder that looks each sequence up in a cache directory first.

    Parameters
    ----------
    inner
        The embedder that computes what the cache lacks.
    directory
        Cache root (created on first write).

    Examples
    --------
    >>> from nesscan.embed.physchem import PhyschemEmbedder
    >>> import tempfile
    >>> cached = CachedEmbedder(PhyschemEmbedder(), tempfile.mkdtemp())
    >>> first = cached.embed(["MKLLV"]); again = cached.embed(["MKLLV"])
    >>> cached.hits, cached.misses, bool((first[0] == again[0]).all())
    (1, 1, True)
    """

    def __init__(self, inner: Embedder, directory: str | Path) -> None:
        self.inner = inner
        self.directory = Path(directory) / spec_key(inner)
        self.name, self.dim, self.contextual = inner.name, inner.dim, inner.contextual
        self.hits = self.misses = 0

    def spec(self) -> dict[str, Any]:
        """The inner embedder's spec: a cache changes no number."""
        return self.inner.spec()

    def __getattr__(self, item: str) -> Any:  # device, dtype, layer... of the inner embedder
        if item == "inner":
            raise AttributeError(item)
        return getattr(self.inner, item)

    def _path(self, sequence: str) -> Path:
        h = hashlib.sha256(sequence.encode()).hexdigest()
        return self.directory / h[:2] / f"{h}.npy"

    def _read(self, sequence: str) -> np.ndarray | None:
        path = self._path(sequence)
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError):  # absent, or unreadable: recompute and rewrite
            return None
        return arr if arr.shape == (len(sequence), self.dim) and arr.dtype == np.float32 else None

    def embed(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        """Embed sequences, computing (in one call to the inner embedder) only those the
        cache lacks; see :meth:`nesscan.embed.base.Embedder.embed`."""
        out: list[np.ndarray | None] = [self._read(s) for s in sequences]
        todo = sorted({s for s, a in zip(sequences, out) if a is None})
        self.hits += sum(a is not None for a in out)
        self.misses += len(todo)
        if todo:
            computed = dict(zip(todo, self.inner.embed(todo)))
            for seq, arr in computed.items():
                buf = io.BytesIO()
                np.save(buf, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
                path = self._path(seq)
                path.parent.mkdir(parents=True, exist_ok=True)
                write_bytes(path, buf.getvalue())
            out = [computed[s] if a is None else a for s, a in zip(sequences, out)]
        if progress is not None:
            progress(len(sequences), len(sequences))
        return out  # type: ignore[return-value]
