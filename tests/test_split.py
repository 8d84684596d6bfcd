"""Homology-aware splits: MMseqs2 clusters, whole clusters per split, orthologues together."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nesscan.dataset.split as split
from nesscan.dataset.examples import build_examples
from nesscan.io import read_mito, read_nesdb
from nesscan.dataset.split import SPLITS, assign_splits

pytestmark = pytest.mark.skipif(split.shutil.which("mmseqs") is None, reason="MMseqs2 (mmseqs) not on PATH")


@pytest.fixture(scope="module")
def tiny_clusters(tiny_data: Path):
    """Clusters of the synthetic proteins, exactly as ``pipeline.prepare`` computes them
    (through the session cache, so the one MMseqs2 run is shared with the pipeline tests)."""
    ex = build_examples(read_nesdb(tiny_data / "nesdb" / "NesDB_all_CRM1_with_peptides.csv"),
                        read_mito(tiny_data / "negatives" / "mitochondrial_proteins.csv"))
    return ex, split.cluster_proteins(ex.proteins)


@pytest.mark.slow  # MMseqs2 (tiny_clusters): ~12 s whatever the input size
def test_cluster_groups_a_mutant_and_separates_random_proteins(tiny_clusters) -> None:
    ex, clusters = tiny_clusters
    assert list(clusters.columns) == ["accession", "cluster"]
    assert sorted(clusters.accession) == sorted(ex.proteins)  # every protein exactly once
    of = clusters.set_index("accession").cluster
    assert of["M00000"] == of["M00001"], "a 90%-identical mutant must share its parent's cluster"
    assert of["M00000"] in ("M00000", "M00001")  # the representative is a member
    others = of.drop(["M00000", "M00001"])
    assert others.nunique() == len(others), "unrelated random proteins must be singletons"
    assert (others.index == others.values).all()


def test_cluster_without_mmseqs_is_a_one_line_error(monkeypatch) -> None:
    from nesscan.errors import NesscanError
    from nesscan.records import Protein

    monkeypatch.setattr(split.shutil, "which", lambda name: None)
    with pytest.raises(NesscanError, match="MMseqs2 not found") as err:
        split.cluster_proteins({"A": Protein("A", "MKVLA" * 10)})
    assert "\n" not in str(err.value)


def _toy_clusters(rng: np.random.Generator, n_clusters: int = 60) -> tuple[pd.DataFrame, dict[str, int]]:
    rows, positives = [], {}
    for c in range(n_clusters):
        members = [f"C{c:03d}_{k}" for k in range(int(rng.integers(1, 5)))]
        rows += [{"accession": m, "cluster": members[0]} for m in members]
        if c % 3 == 0:  # a third of the clusters hold positives, 1-4 each
            positives[members[-1]] = int(rng.integers(1, 5))
    return pd.DataFrame(rows), positives


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_assign_splits_keeps_clusters_whole_and_spreads_positives(seed: int) -> None:
    clusters, positives = _toy_clusters(np.random.default_rng(seed))
    out = assign_splits(clusters, positives, seed=seed)
    assert sorted(out.accession) == sorted(clusters.accession)
    assert set(out.split) <= set(SPLITS)
    assert (out.groupby("cluster").split.nunique() == 1).all(), "a cluster sits in two splits"
    pos = out.assign(pos=out.accession.map(lambda a: positives.get(a, 0))).groupby("split").pos.sum()
    assert all(pos.get(s, 0) > 0 for s in SPLITS), f"a split without positives: {pos.to_dict()}"
    share = pos / pos.sum()
    assert share["train"] > share["val"] and share["train"] > share["test"]
    assert abs(share["train"] - 0.7) < 0.15
    # the same seed gives the same assignment
    assert assign_splits(clusters, positives, seed=seed).equals(out)


@pytest.mark.slow  # MMseqs2 (tiny_clusters): ~12 s whatever the input size
def test_split_of_the_synthetic_data(tiny_clusters) -> None:
    ex, clusters = tiny_clusters
    t = ex.examples
    centred = t[(t.label == 1) & t.centred].accession.value_counts().to_dict()
    out = assign_splits(clusters, centred, seed=0).set_index("accession")
    assert out.loc["M00000", "split"] == out.loc["M00001", "split"]
    by_split = t[(t.label == 1) & t.centred].accession.map(out.split).value_counts()
    assert all(by_split.get(s, 0) > 0 for s in SPLITS)


# ------------------------------------------------------------------------------- real data


def _accessions_by_id(annotations, pattern: str) -> set[str]:
    import re

    rx = re.compile(pattern, re.IGNORECASE)
    return {a.protein.accession for a in annotations if rx.search(a.nes_id)}


@pytest.mark.slow
def test_real_split_no_accession_in_two_splits(real_split) -> None:
    _, table = real_split
    assert set(table.split) == set(SPLITS)
    assert table.split.notna().all() and table.cluster.notna().all()
    assert (table.groupby("accession").split.nunique() == 1).all()
    assert (table.groupby("cluster").split.nunique() == 1).all()
    pos = table[(table.label == 1) & table.centred & (table.source == "nesdb")]
    counts = pos.split.value_counts()
    assert all(counts.get(s, 0) >= 20 for s in SPLITS), counts.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("names", [
    ("HDAC4", "HDAC5"),  # paralogues named in the data README
    ("DDX3X", "An3"),  # human DDX3X and its Xenopus orthologue An3 (86% identical NES peptides)
    ("SOX9", "Sox10"),
])
def test_real_homologues_share_a_split(real_split, data_dir: Path, names: tuple[str, str]) -> None:
    _, table = real_split
    annotations = read_nesdb(data_dir / "nesdb" / "NesDB_all_CRM1_with_peptides.csv")
    accs = set()
    for name in names:
        found = _accessions_by_id(annotations, rf"^{name} \(NES ID")
        assert found, f"no NESdb entry named {name}"
        accs |= found
    where = table.drop_duplicates("accession").set_index("accession").loc[sorted(accs)]
    assert where.split.nunique() == 1, where[["cluster", "split"]].to_dict()


@pytest.mark.slow
def test_real_smad4_orthologues_share_a_split(real_split, data_dir: Path) -> None:
    _, table = real_split
    annotations = read_nesdb(data_dir / "nesdb" / "NesDB_all_CRM1_with_peptides.csv")
    accs = _accessions_by_id(annotations, r"smad4")
    if len(accs) < 2:
        pytest.skip(f"the NESdb export holds one Smad4 accession only ({sorted(accs)}): "
                    "no Xenopus Smad4 to pair with the human one")
    where = table.drop_duplicates("accession").set_index("accession").loc[sorted(accs)]
    assert where.split.nunique() == 1, where[["cluster", "split"]].to_dict()
