"""The work folder of a screen, ``OUT/.partial/``: one file per finished chunk, so a
killed screen can resume (``nesscan screen ... --resume``).

The folder holds

``manifest.json``
    What the chunks were computed from: SHA-256 of the FASTA and of the model's
    weights, threshold, known-NES table checksum, decoy fraction, seed, chunk size.
    A resume against a different manifest is refused.
``chunk-00000.npz``, ``chunk-00001.npz``, ...
    One per finished chunk (written as ``*.tmp`` and renamed, so a file under its final
    name is complete): the chunk's target window scores (float32), known-NES window
    mask, decoy scores, lengths and call factors, and its protein and candidate rows (JSON).

Chunks are cut deterministically from the FASTA (same file, same chunk size, same
chunks), so a resumed screen recomputes exactly the chunks that were not finished, and
the final outputs are assembled from the chunk files alone: their bytes do not depend on
where a screen was interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from nesscan.atomic import write_bytes
from nesscan.errors import NesscanError

PARTIAL = ".partial"
MANIFEST = "manifest.json"
#: rows per row group of ``windows.parquet`` (fixed, whatever the chunking)
ROW_GROUP = 1 << 20


@dataclass(frozen=True)
class ChunkResult:
    """Everything the screen keeps from one chunk of proteins.

    Attributes
    ----------
    scores
        float32 scores of every window of the chunk's proteins that are at least one
        window long, protein after protein in file order.
    known
        Boolean per window: overlaps a known NES.
    decoys
        float64 scores of the chunk's decoy proteins, concatenated.
    decoy_lengths
        Windows per decoy protein.
    decoy_factors
        Per decoy protein, its parent's call factor (:func:`nesscan.screen.nulls.call_factor`).
    proteins
        One ``proteins.csv`` row (dict) per protein of the chunk, in file order.
    candidates
        The chunk's ``candidates.csv`` rows (dicts).
    residues
        Residues in the chunk.
    """

    scores: np.ndarray
    known: np.ndarray
    decoys: np.ndarray
    decoy_lengths: np.ndarray
    proteins: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    residues: int
    decoy_factors: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def target_call_scores(self) -> np.ndarray:
        """Every target window's call score (:mod:`nesscan.screen.nulls`): its score times its
        protein's call factor."""
        rows = [r for r in self.proteins if r["n_windows"] > 0]
        factors = np.repeat([float(r.get("call_factor", 1.0)) for r in rows], [r["n_windows"] for r in rows])
        return (self.scores.astype(np.float64) * factors).astype(np.float32)

    def decoy_call_scores(self) -> np.ndarray:
        """Every decoy window's call score (its parent's call factor)."""
        factors = np.repeat(self.decoy_factors.astype(np.float64), self.decoy_lengths)
        return (self.decoys.astype(np.float64) * factors).astype(np.float32)

    def target_arrays(self) -> list[np.ndarray]:
        """The window scores split per protein (proteins with windows only)."""
        counts = [r["n_windows"] for r in self.proteins if r["n_windows"] > 0]
        return np.split(self.scores, np.cumsum(counts)[:-1]) if counts else []

    def decoy_arrays(self) -> list[np.ndarray]:
        """The decoy scores split per decoy protein."""
        lengths = self.decoy_lengths.tolist()
        return np.split(self.decoys, np.cumsum(lengths)[:-1]) if lengths else []


class ChunkStore:
    """``OUT/.partial/``: the finished chunks of a screen and the manifest they belong to.

    Parameters
    ----------
    out_dir
        The screen's output directory.
    manifest
        JSON-serialisable description of the screen's inputs and settings.
    resume
        Keep the chunks of an earlier run with the same manifest (a different manifest
        is a :class:`~nesscan.errors.NesscanError`); when False any earlier work folder
        is discarded.
    """

    def __init__(self, out_dir: str | os.PathLike, manifest: dict[str, Any], resume: bool = False) -> None:
        self.dir = Path(out_dir) / PARTIAL
        manifest = json.loads(json.dumps(manifest))  # normalised as read back from disk
        self.manifest = manifest
        old = self._read_manifest() if resume else None
        if old is not None and old != manifest:
            changed = sorted(k for k in set(old) | set(manifest) if old.get(k) != manifest.get(k))
            raise NesscanError(f"{self.dir} holds an interrupted screen with a different "
                               f"{', '.join(changed)}; rerun without --resume to start over")
        if old is None:
            self.discard()
            self.dir.mkdir(parents=True)
            write_bytes(self.dir / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.dir / MANIFEST).read_text())
        except (OSError, ValueError):
            return None  # no work folder, or killed before its manifest landed

    def path(self, index: int) -> Path:
        """The file of chunk ``index``."""
        return self.dir / f"chunk-{index:05d}.npz"

    def has(self, index: int) -> bool:
        """Whether chunk ``index`` was finished."""
        return self.path(index).is_file()

    def save(self, index: int, chunk: ChunkResult) -> None:
        """Write chunk ``index`` atomically."""
        import io

        meta = json.dumps({"proteins": chunk.proteins, "candidates": chunk.candidates,
                           "residues": chunk.residues}).encode()
        buf = io.BytesIO()
        np.savez(buf, scores=chunk.scores.astype(np.float32), known=chunk.known.astype(bool),
                 decoys=chunk.decoys.astype(np.float64), decoy_lengths=chunk.decoy_lengths.astype(np.int64),
                 decoy_factors=chunk.decoy_factors.astype(np.float64), meta=np.frombuffer(meta, np.uint8))
        write_bytes(self.path(index), buf.getvalue())

    def load(self, index: int) -> ChunkResult:
        """Read chunk ``index``."""
        try:
            with np.load(self.path(index)) as z:
                meta = json.loads(z["meta"].tobytes().decode())
                return ChunkResult(scores=z["scores"], known=z["known"], decoys=z["decoys"],
                                   decoy_lengths=z["decoy_lengths"], decoy_factors=z["decoy_factors"],
                                   proteins=meta["proteins"],
                                   candidates=meta["candidates"], residues=int(meta["residues"]))
        except (OSError, ValueError, KeyError) as exc:
            raise NesscanError(f"{self.path(index)}: unreadable ({exc}); rerun without --resume") from None

    def discard(self) -> None:
        """Remove the work folder."""
        shutil.rmtree(self.dir, ignore_errors=True)


def write_windows(store: ChunkStore, n_chunks: int, path: Path, window: int) -> None:
    """Write ``windows.parquet`` at ``path`` from the chunk files, one chunk in memory at a
    time, in row groups of :data:`ROW_GROUP` rows (bytes independent of the chunking)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("accession", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
                        ("score", pa.float32())])
    pending: list[pa.Table] = []
    n_pending = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for table in _window_tables(store, n_chunks, window, schema):
            pending.append(table)
            n_pending += len(table)
            while n_pending >= ROW_GROUP:
                merged = pa.concat_tables(pending)
                writer.write_table(merged.slice(0, ROW_GROUP).combine_chunks(), row_group_size=ROW_GROUP)
                rest = merged.slice(ROW_GROUP)
                pending, n_pending = [rest], len(rest)
        if n_pending:
            writer.write_table(pa.concat_tables(pending).combine_chunks(), row_group_size=ROW_GROUP)


def _window_tables(store: ChunkStore, n_chunks: int, window: int, schema) -> Iterator:
    import pyarrow as pa

    for index in range(n_chunks):
        chunk = store.load(index)
        rows = [r for r in chunk.proteins if r["n_windows"] > 0]
        if not rows:
            continue
        counts = np.array([r["n_windows"] for r in rows])
        # 1-based window starts, restarting at each protein
        starts = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1).astype(np.int32)
        accession = pa.array(np.repeat(np.array([r["accession"] for r in rows], dtype=object), counts),
                             pa.string())
        yield pa.table({"accession": accession, "start": starts,
                        "end": starts + np.int32(window - 1), "score": chunk.scores}, schema=schema)
