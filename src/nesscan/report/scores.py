"""Score summaries that scale to a human proteome: window scores are streamed.

A human proteome screen holds ~11 M windows, so ``windows.parquet`` is read in
batches (``pyarrow.parquet.ParquetFile.iter_batches``) and summarised on the fly as a
fine histogram (:class:`Distribution`): quantiles, box-plot statistics and plotted
histograms all come from it, exact to one fine bin (0.0005 on the 0-1 probability
scale). Only windows at or above the lowest call threshold are kept, to count
candidate regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nesscan.errors import InputError

FINE_BINS = 2000
"""Bins of the streamed 0-1 window-score histogram (width 0.0005)."""
ORIGINAL_THRESHOLD = 0.9
"""The fixed call threshold of the original method, always reported."""


@dataclass(frozen=True)
class Distribution:
    """A histogram that stands in for a large sample of scores.

    ``edges`` has shape ``(k + 1,)`` (ascending), ``counts`` shape ``(k,)``.
    """

    edges: np.ndarray
    counts: np.ndarray

    @property
    def n(self) -> int:
        """Number of values counted."""
        return int(self.counts.sum())

    @classmethod
    def from_values(cls, values: Any, lo: float = 0.0, hi: float = 1.0, bins: int = FINE_BINS) -> Distribution:
        """Histogram of finite ``values`` over ``[lo, hi]`` (values outside are clipped)."""
        v = np.asarray(values, dtype=float)
        v = np.clip(v[np.isfinite(v)], lo, hi)
        counts, edges = np.histogram(v, bins=bins, range=(lo, hi if hi > lo else lo + 1.0))
        return cls(edges=edges, counts=counts.astype(np.int64))

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0-1), linear within the bin that holds it; NaN when empty."""
        if self.n == 0:
            return float("nan")
        cum = np.concatenate([[0], np.cumsum(self.counts)]) / self.n
        i = int(np.clip(np.searchsorted(cum, q, side="left"), 1, len(cum) - 1))
        width = cum[i] - cum[i - 1]
        frac = 0.0 if width == 0 else (q - cum[i - 1]) / width
        return float(self.edges[i - 1] + frac * (self.edges[i] - self.edges[i - 1]))

    def mean(self) -> float:
        """Mean, from bin centres."""
        centres = (self.edges[:-1] + self.edges[1:]) / 2
        return float((centres * self.counts).sum() / self.n) if self.n else float("nan")

    def coarse(self, bins: int) -> tuple[np.ndarray, np.ndarray]:
        """``(edges, counts)`` merged into ``bins`` bins (``bins`` must divide ``k``)."""
        k = len(self.counts)
        step = max(1, k // bins)
        return self.edges[::step], self.counts.reshape(-1, step).sum(axis=1)


def stream_windows(path: Path, thresholds: list[float], window: int,
                   batch_rows: int = 1_000_000) -> tuple[Distribution, dict[float, int], dict[float, int]]:
    """Histogram of a ``windows.parquet`` and its candidate regions at each threshold.

    Returns
    -------
    tuple
        ``(distribution, regions, proteins)``: the 0-1 score :class:`Distribution`
        (``FINE_BINS`` bins), and per threshold the number of candidate regions
        (windows of one protein whose starts differ by less than ``window`` join a
        region) and of proteins with at least one region.
    """
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        counts = np.zeros(FINE_BINS, np.int64)
        lowest = min(thresholds)
        kept: list[pd.DataFrame] = []
        for batch in pf.iter_batches(batch_size=batch_rows, columns=["accession", "start", "score"]):
            s = batch.column("score").to_numpy(zero_copy_only=False).astype(float)
            idx = np.clip((s * FINE_BINS).astype(np.int64), 0, FINE_BINS - 1)
            counts += np.bincount(idx, minlength=FINE_BINS)
            hits = np.flatnonzero(s >= lowest)
            if len(hits):
                kept.append(batch.take(hits).to_pandas())
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(path, None, f"unreadable windows table ({exc})") from None
    dist = Distribution(edges=np.linspace(0.0, 1.0, FINE_BINS + 1), counts=counts)
    above = pd.concat(kept) if kept else pd.DataFrame(columns=["accession", "start", "score"])
    regions, proteins = {}, {}
    for t in thresholds:
        hit = above[above.score >= t].sort_values(["accession", "start"], kind="stable")
        new_protein = hit.accession.ne(hit.accession.shift()).to_numpy()
        gap = hit.start.diff().fillna(window).to_numpy() >= window
        regions[t] = int((new_protein | gap).sum())
        proteins[t] = int(hit.accession.nunique())
    return dist, regions, proteins
