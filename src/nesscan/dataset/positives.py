"""Positives: windows that hold a whole NESdb NES.

Each distinct annotated range of a parent protein (``Merged ranges``: 1-based,
inclusive) that is at most ``window`` long gives windows that hold the whole range: the
*centred* one (the range in the middle, clipped to the protein) and up to
``offsets - 1`` more, spread evenly over all valid offsets (training augmentation;
evaluation uses only the centred window, so no NES counts twice). Ranges longer than
``window`` are weak labels (NESdb sometimes gives a whole region): they give no
positive, but their residues are kept out of every negative. Ranges shorter than 8
residues (a mutated anchor with no functional range given) are kept: the centred 22-mer
around them holds the signal's neighbourhood. A range whose NESdb rows are all
``is_NesDB_doubt`` gives ``source = "nesdb_doubtful"`` positives: never trained on,
evaluated separately.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.dataset.window import OFFSETS, WINDOW, example_row
from nesscan.records import NesAnnotation, Protein

NESDB_SOURCE = "nesdb"
DOUBTFUL_SOURCE = "nesdb_doubtful"
POSITIVE_SOURCES: tuple[str, ...] = (NESDB_SOURCE, DOUBTFUL_SOURCE)
"""Sources of the positives (``label == 1``)."""


def nes_sites(annotations: Sequence[NesAnnotation]) -> pd.DataFrame:
    """Distinct NES ranges per protein.

    Returns
    -------
    pandas.DataFrame
        Columns ``accession``, ``start_1b``, ``end_1b`` (1-based inclusive),
        ``doubtful`` (True when every NESdb row naming the range is doubtful),
        ``nes_ids`` ("; "-joined NESdb IDs).
    """
    rows: dict[tuple[str, int, int], dict] = {}
    for ann in annotations:
        for start, end in ann.ranges_1b:
            key = (ann.protein.accession, start, end)
            row = rows.setdefault(key, {"doubtful": True, "nes_ids": []})
            row["doubtful"] &= ann.doubtful
            if ann.nes_id not in row["nes_ids"]:
                row["nes_ids"].append(ann.nes_id)
    return pd.DataFrame(
        [
            {"accession": a, "start_1b": s, "end_1b": e, "doubtful": r["doubtful"],
             "nes_ids": "; ".join(r["nes_ids"])}
            for (a, s, e), r in sorted(rows.items())
        ],
        columns=["accession", "start_1b", "end_1b", "doubtful", "nes_ids"],
    )


def positive_starts(start_1b: int, end_1b: int, length: int, window: int = WINDOW,
                    offsets: int = OFFSETS) -> list[int]:
    """0-based starts of windows holding the whole range; the centred one first.

    Examples
    --------
    >>> positive_starts(11, 20, 100, offsets=3)
    [4, 0, 10]
    """
    s0, e0 = start_1b - 1, end_1b
    lo, hi = max(0, e0 - window), min(s0, length - window)
    if hi < lo:
        return []
    centred = min(max(s0 - (window - (e0 - s0)) // 2, lo), hi)
    spread = np.unique(np.linspace(lo, hi, num=max(offsets, 1)).round().astype(int))
    farthest = sorted((int(a) for a in spread if a != centred), key=lambda a: -abs(a - centred))
    return [centred, *sorted(farthest[: max(offsets - 1, 0)])]


def positive_rows(sites: pd.DataFrame, proteins: Mapping[str, Protein], window: int = WINDOW,
                  offsets: int = OFFSETS, skipped: dict[str, int] | None = None) -> list[dict]:
    """Example rows of the positives of ``sites`` (:func:`nes_sites`), site by site.

    ``skipped`` (if given) counts ``ranges_longer_than_window`` and
    ``proteins_shorter_than_window`` (sites that gave no window).
    """
    skipped = {} if skipped is None else skipped
    rows: list[dict] = []
    for site in sites.itertuples(index=False):
        seq = proteins[site.accession].sequence
        if site.end_1b - site.start_1b + 1 > window:
            skipped["ranges_longer_than_window"] = skipped.get("ranges_longer_than_window", 0) + 1
            continue
        starts = positive_starts(site.start_1b, site.end_1b, len(seq), window, offsets)
        if not starts:
            skipped["proteins_shorter_than_window"] = skipped.get("proteins_shorter_than_window", 0) + 1
        source = DOUBTFUL_SOURCE if site.doubtful else NESDB_SOURCE
        rows += [example_row(seq[a:a + window], source, site.accession, a, label=1, centred=k == 0,
                             range_1b=f"{site.start_1b}-{site.end_1b}") for k, a in enumerate(starts)]
    return rows


def centred_positives(examples: pd.DataFrame) -> pd.DataFrame:
    """The evaluation windows of the positives: rows with ``label == 1`` and ``centred``
    (original index kept)."""
    return examples[(examples.label == 1) & examples.centred.astype(bool)]
