"""Homology-aware train/validation/test splits.

All proteins (positive parents and negative proteins together) are clustered with
MMseqs2 (Steinegger & Soeding 2017, Nat Biotechnol 35:1026, doi:10.1038/nbt.3988)
``easy-cluster`` at 30% identity over 50% coverage, and whole clusters are assigned to
splits, so that NES orthologues (e.g. HDAC4/HDAC5, Smad4 human/Xenopus) never sit on
both sides. Split table schema: ``accession``, ``cluster`` (representative accession),
``split`` ("train", "val" or "test").
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.records import Protein

SPLITS = ("train", "val", "test")


def cluster_proteins(proteins: Mapping[str, Protein], min_seq_id: float = 0.3,
                     coverage: float = 0.5, threads: int = 2) -> pd.DataFrame:
    """Cluster proteins by sequence identity with MMseqs2.

    Parameters
    ----------
    proteins
        Accession -> protein.
    min_seq_id
        Minimum sequence identity (0-1) of a cluster member to its representative.
    coverage
        Minimum fraction of aligned residues (``--cov-mode 1``: of the member).

    Returns
    -------
    pandas.DataFrame
        Columns ``accession`` and ``cluster`` (the representative's accession).
    """
    exe = shutil.which("mmseqs")
    if exe is None:
        raise NesscanError("MMseqs2 not found on PATH: install it (Debian: apt-get install mmseqs2; "
                           "or run the repository's install.sh)")
    with tempfile.TemporaryDirectory(prefix="nesscan-mmseqs-") as tmp:
        tmpdir = Path(tmp)
        fasta = tmpdir / "in.fasta"
        fasta.write_text("".join(f">{acc}\n{p.sequence}\n" for acc, p in proteins.items()))
        cmd = [exe, "easy-cluster", str(fasta), str(tmpdir / "out"), str(tmpdir / "work"),
               "--min-seq-id", str(min_seq_id), "-c", str(coverage), "--cov-mode", "1",
               "--threads", str(threads), "-v", "1"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise NesscanError(f"mmseqs easy-cluster failed (exit {result.returncode}): {last}")
        table = pd.read_csv(tmpdir / "out_cluster.tsv", sep="\t", header=None,
                            names=["cluster", "accession"], dtype=str)
    return table[["accession", "cluster"]]


def assign_splits(clusters: pd.DataFrame, positives: Mapping[str, int],
                  fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
                  seed: int = 0) -> pd.DataFrame:
    """Assign whole clusters to train/val/test.

    Clusters holding positives are placed first, largest first, each into the split
    furthest below its target share of positives; the others fill splits by protein
    count the same way. Ties are broken by a seeded shuffle.

    Parameters
    ----------
    clusters
        Output of :func:`cluster_proteins`.
    positives
        Accession -> number of (centred) positive examples of that protein.
    fractions
        Target shares of train, val, test.
    seed
        Seed of the tie-breaking shuffle.
    """
    per_cluster = clusters.assign(pos=clusters.accession.map(lambda a: positives.get(a, 0)))
    stats = per_cluster.groupby("cluster").agg(pos=("pos", "sum"), n=("accession", "size"))
    choice = balanced_assignment(stats, fractions, seed).map(dict(enumerate(SPLITS)))
    return clusters.assign(split=clusters.cluster.map(choice)).sort_values("accession").reset_index(drop=True)


def balanced_assignment(stats: pd.DataFrame, shares: Sequence[float], seed: int = 0) -> pd.Series:
    """Greedy assignment of groups (clusters) to bins with target shares.

    Groups are shuffled with ``seed`` (tie-breaking), then sorted by ``pos`` and ``n``,
    largest first (stable). A group with positives goes to the bin furthest below its
    target share of positives; a group without goes to the bin furthest below its
    target share of ``n``. Used by :func:`assign_splits` and :func:`nesscan.validate.cv.cluster_folds`.

    Parameters
    ----------
    stats
        One row per group (the index), columns ``pos`` (positives in the group) and
        ``n`` (its size, e.g. proteins).
    shares
        Target share of each bin (normalised to sum 1).
    seed
        Seed of the tie-breaking shuffle.

    Returns
    -------
    pandas.Series
        Bin index (0-based int) per group, indexed like ``stats``.

    Examples
    --------
    >>> s = pd.DataFrame({"pos": [2, 1, 1, 0, 0], "n": [1, 1, 1, 3, 1]}, index=list("abcde"))
    >>> balanced_assignment(s, [0.5, 0.5]).sort_index().tolist()
    [0, 1, 1, 0, 1]
    """
    rng = np.random.default_rng(seed)
    target = np.asarray(shares, float) / float(np.sum(shares))
    order = stats.iloc[rng.permutation(len(stats))].sort_values(["pos", "n"], ascending=False, kind="stable")
    filled_pos, filled_n = np.zeros(len(target)), np.zeros(len(target))
    total_pos, total_n = max(order.pos.sum(), 1), max(order.n.sum(), 1)
    choice: dict[Any, int] = {}
    for group, pos, n in zip(order.index, order.pos.to_numpy(), order.n.to_numpy()):
        k = int(np.argmax(target - (filled_pos / total_pos if pos > 0 else filled_n / total_n)))
        filled_pos[k] += pos
        filled_n[k] += n
        choice[group] = k
    return pd.Series(choice).reindex(stats.index).astype(int)
