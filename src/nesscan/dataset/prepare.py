"""The training data of a data folder: examples, their homology clusters and splits, and the
cargo table's proteins beside them (:func:`prepare`); the files read and their checksums."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from nesscan.dataset.examples import WINDOW, ExampleSet, build_examples
from nesscan.errors import NesscanError
from nesscan.hashing import sha256_file

if TYPE_CHECKING:
    from nesscan.model.config import ModelConfig

NESDB_FILE = "nesdb/NesDB_all_CRM1_with_peptides.csv"
MITO_FILE = "negatives/mitochondrial_proteins.csv"


def prepare(data: Path, seed: int = 0, window: int = WINDOW, offsets: int = 3) -> tuple[ExampleSet, pd.DataFrame]:
    """Read the inputs, cut the examples and split them by homology cluster.

    When the data folder holds the CRM1 cargo table (:data:`nesscan.io.cargo.CARGO_FILE`),
    its non-binders give the ``nonbinder`` negative set, and its labelled proteins are
    clustered together with every protein an example is cut from, so that a protein's
    homologues share its split and folds whether they are window examples or cargo
    labels. Validation and test windows identical to a training window are dropped.

    Returns
    -------
    example_set, examples
        The examples table gains a ``split`` column ("train", "val", "test") and a
        ``cluster`` column (MMseqs2 representative of the parent protein). With a cargo
        table, ``example_set.cargo`` is it, its ``table`` with the same two columns.
    """
    from dataclasses import replace

    from nesscan.io import read_cargo, read_mito, read_nesdb
    from nesscan.io.cargo import CARGO_FILE
    from nesscan.dataset.split import assign_splits, cluster_proteins

    cargo = read_cargo(data / CARGO_FILE) if (data / CARGO_FILE).is_file() else None
    nonbinders = [] if cargo is None else [cargo.proteins[a] for a in cargo.table.accession[cargo.table.label == 0]]
    ex = build_examples(read_nesdb(data / NESDB_FILE), read_mito(data / MITO_FILE), window=window,
                        offsets=offsets, seed=seed, nonbinders=nonbinders)
    every = dict(ex.proteins)
    for acc, p in (cargo.proteins.items() if cargo is not None else ()):
        every.setdefault(acc, p)
    clusters = cluster_proteins(every)
    centred_pos = ex.examples[(ex.examples.label == 1) & ex.examples.centred].accession.value_counts()
    # clusters of NESdb and mitochondrial proteins are split as without a cargo table (NES positives
    # balanced); the other clusters, cargo labels (non-binders' windows with them), are split on their own,
    # cargo balanced, so neither skews the other's shares
    base = set(ex.examples.accession[ex.examples.source != "nonbinder"])
    with_examples = clusters.cluster.isin(set(clusters.cluster[clusters.accession.isin(base)]))
    split = assign_splits(clusters[with_examples], centred_pos.to_dict(), seed=seed)
    if cargo is not None:
        positives = dict(zip(cargo.table.accession, cargo.table.label))
        split = pd.concat([split, assign_splits(clusters[~with_examples], positives, seed=seed)])
    split = split.set_index("accession")
    table = ex.examples.assign(split=ex.examples.accession.map(split.split),
                               cluster=ex.examples.accession.map(split.cluster))
    # identical windows of different proteins (e.g. shared presequences) stay on the training side
    seen = set(table.loc[table.split == "train", "sequence"])
    repeated = (table.split != "train") & table.sequence.isin(seen)
    ex.summary["held_out_windows_identical_to_training_dropped"] = int(repeated.sum())
    if cargo is not None:
        ex.summary["cargo"] = dict(cargo.counts)
        labelled = cargo.table.assign(cluster=cargo.table.accession.map(split.cluster),
                                      split=cargo.table.accession.map(split.split))
        ex = replace(ex, cargo=replace(cargo, table=labelled))
    return ex, table[~repeated].reset_index(drop=True)


def training_files(data: Path) -> dict[str, str]:
    """Data file (relative to ``data``) -> SHA-256, of every file :func:`prepare` reads there:
    NESdb and the mitochondrial set, and, when present, the cargo table and the proteome its
    entry names map to (recorded in a model's ``config.json``)."""
    from nesscan.io.cargo import CARGO_FILE, HUMAN_PROTEOME_FILE

    files = [NESDB_FILE, MITO_FILE] + ([CARGO_FILE, HUMAN_PROTEOME_FILE] if (data / CARGO_FILE).is_file() else [])
    return {rel: sha256_file(data / rel) for rel in files}


def training_proteins(data: Path, config: "ModelConfig") -> dict:
    """Parent proteins of a model's examples (and its cargo table's proteins), from the same
    files it was trained on.

    Raises
    ------
    NesscanError
        When a data file's SHA-256 differs from the one recorded in the model config.
    """
    from nesscan.io import read_cargo, read_mito, read_nesdb
    from nesscan.io.cargo import CARGO_FILE

    for rel, digest in config.training_data.items():
        if sha256_file(data / rel) != digest:
            raise NesscanError(f"{data / rel}: differs from the file this model was trained on (SHA-256)")
    proteins = {a.protein.accession: a.protein for a in read_nesdb(data / NESDB_FILE)}
    for p in read_mito(data / MITO_FILE):
        proteins.setdefault(p.accession, p)
    if CARGO_FILE in config.training_data:
        for acc, p in read_cargo(data / CARGO_FILE).proteins.items():
            proteins.setdefault(acc, p)
    return proteins


def nes_sites_of(data: Path) -> pd.DataFrame:
    """Known NES ranges of the data folder's NESdb (:func:`nesscan.dataset.examples.nes_sites`)."""
    return nes_sites_of_file(Path(data) / NESDB_FILE)


def nes_sites_of_file(path: Path) -> pd.DataFrame:
    """Known NES ranges of an NESdb CSV file."""
    from nesscan.dataset.examples import nes_sites
    from nesscan.io import read_nesdb

    return nes_sites(read_nesdb(path))
