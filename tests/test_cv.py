"""Homology-clustered k-fold cross-validation (nesscan.validate.cv) on synthetic data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nesscan.validate.cv import balanced_assignment, cluster_folds, cross_validate, format_cv_table
from nesscan.dataset.split import assign_splits


def test_balanced_assignment_is_the_rule_of_assign_splits():
    rng = np.random.default_rng(3)
    clusters = pd.DataFrame({"accession": [f"P{i:03d}" for i in range(120)]})
    clusters["cluster"] = [f"P{(i // int(rng.integers(1, 4))) * 1:03d}" for i in range(120)]
    positives = {f"P{i:03d}": int(rng.integers(1, 3)) for i in rng.choice(120, 30, replace=False)}
    for seed in (0, 1):
        expected = assign_splits(clusters, positives, seed=seed).set_index("accession").split
        stats = clusters.assign(pos=clusters.accession.map(lambda a: positives.get(a, 0))).groupby("cluster").agg(
            pos=("pos", "sum"), n=("accession", "size"))
        got = clusters.set_index("accession").cluster.map(balanced_assignment(stats, (0.7, 0.15, 0.15), seed))
        assert got.map({0: "train", 1: "val", 2: "test"}).sort_index().equals(expected.sort_index())


def _table(n_clusters: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_clusters):
        for m in range(int(rng.integers(1, 4))):
            acc = f"A{c:03d}_{m}"
            n_pos = int(rng.integers(0, 3)) if c % 2 == 0 else 0
            for j in range(n_pos):
                rows.append(dict(accession=acc, cluster=f"C{c:03d}", label=1, centred=True, source="nesdb"))
                rows.append(dict(accession=acc, cluster=f"C{c:03d}", label=1, centred=False, source="nesdb"))
            rows.append(dict(accession=acc, cluster=f"C{c:03d}", label=0, centred=True, source="mito_random"))
    return pd.DataFrame(rows)


def test_cluster_folds_keeps_clusters_whole_and_balances_positives():
    table = _table()
    folds = cluster_folds(table, k=4, seed=1)
    assert folds.shape == (len(table),) and set(folds.tolist()) == {0, 1, 2, 3}
    assert (table.assign(f=folds).groupby("cluster").f.nunique() == 1).all()
    centred_pos = table.assign(f=folds)[(table.label == 1) & table.centred].groupby("f").size()
    biggest = table[(table.label == 1) & table.centred].groupby("cluster").size().max()
    assert centred_pos.max() - centred_pos.min() <= biggest
    assert np.array_equal(folds, cluster_folds(table, k=4, seed=1))  # seeded


def test_cluster_folds_rejects_bad_input():
    table = _table(5)
    with pytest.raises(ValueError, match="cluster"):
        cluster_folds(table.drop(columns="cluster"))
    with pytest.raises(ValueError, match="at least 2"):
        cluster_folds(table, k=1)
    with pytest.raises(ValueError, match="cannot fill"):
        cluster_folds(table, k=6)


@pytest.fixture(scope="module")
def tiny_examples(tiny_data):
    """Synthetic examples with one cluster per protein (the M00000/M00001 pair shares one)."""
    from nesscan.dataset.examples import build_examples
    from nesscan.io import read_mito, read_nesdb

    ex = build_examples(read_nesdb(tiny_data / "nesdb" / "NesDB_all_CRM1_with_peptides.csv"),
                        read_mito(tiny_data / "negatives" / "mitochondrial_proteins.csv"))
    table = ex.examples.assign(cluster=ex.examples.accession.replace({"M00001": "M00000"}))
    return ex, table


@pytest.fixture(scope="module")
def cv_result(tiny_examples):
    from nesscan.embed import get_embedder
    from nesscan.model.classifier import ClassifierParams

    # enough training to learn the planted motif (3 epochs of fast_params only test plumbing)
    fast_params = ClassifierParams(d_model=16, n_heads=2, n_layers=1, d_ff=32, max_epochs=15, patience=5,
                                   lr=3e-3, batch_size=32)

    ex, table = tiny_examples
    calls = []
    res = cross_validate(table, ex.proteins, get_embedder("physchem"), "peptide", fast_params, k=3, seed=0,
                         n_boot=50, progress=lambda d, n: calls.append((d, n)))
    return res, calls


@pytest.mark.slow
def test_cross_validate_scores_every_centred_example_once_out_of_fold(tiny_examples, cv_result):
    _, table = tiny_examples
    res, calls = cv_result
    assert calls == [(1, 3), (2, 3), (3, 3)]
    pred = res.predictions
    centred = table[table.centred.astype(bool)]
    assert len(pred) == len(centred)
    assert sorted(zip(pred.accession, pred.start, pred.source)) == sorted(
        zip(centred.accession, centred.start, centred.source))
    folds = dict(zip(table.accession, cluster_folds(table, 3, 0)))
    assert (pred.fold == pred.accession.map(folds)).all()
    for col in ("model", "composition", "consensus_count", "hydrophobic_count", "length"):
        assert np.isfinite(pred[col]).all()
    assert ((pred.model >= 0) & (pred.model <= 1)).all()


@pytest.mark.slow
def test_cross_validate_metrics_schema_and_signal(tiny_examples, cv_result):
    _, table = tiny_examples
    res, _ = cv_result
    m = res.metrics
    json.dumps(m)  # JSON-serialisable
    assert m["k"] == 3 and len(m["folds"]) == 3
    assert "nesdb_doubtful" not in m["train_sources"]
    negative_sets = set(table.source[table.label == 0])
    assert {"mito_nterm", "mito_random", "nesdb_other", "locnes_neg"} <= negative_sets
    assert set(m["summary"]) == {"all"} | negative_sets  # every negative set reported on its own
    # locnes_neg (in_all=False): trained on, its own row, never pooled into "all"; core_shuffled
    # (in_all=False, not trained on): its own row; the separate rows last, by name
    assert "locnes_neg" in m["train_sources"] and list(m["summary"])[-2:] == ["core_shuffled", "locnes_neg"]
    assert "core_shuffled" not in m["train_sources"] and m["summary"]["core_shuffled"]["n_neg"] > 0
    assert set(m["separate"]) == {"locnes_neg", "core_shuffled"}
    pred = res.predictions
    neg = pred[pred.label == 0]
    pooled = ~neg.source.isin(["locnes_neg", "core_shuffled"])
    assert m["summary"]["all"]["n_neg"] == pooled.sum() == sum(f["n_test_neg"] for f in m["folds"])
    assert m["summary"]["locnes_neg"]["n_neg"] == (neg.source == "locnes_neg").sum() > 0
    assert m["doubtful_positives"]["n_neg"] == m["summary"]["all"]["n_neg"]  # the negatives of "all"
    for f in m["folds"]:
        assert f["n_train"] > 0 and f["n_val"] > 0 and f["n_test_pos"] > 0
        assert set(f["auc"]["all"]) == {"model", "composition", "consensus_count", "hydrophobic_count", "length"}
    block = m["summary"]["all"]
    vals = [f["auc"]["all"]["model"] for f in m["folds"]]
    assert block["model"]["mean"] == pytest.approx(np.mean(vals))
    assert block["model"]["sd"] == pytest.approx(np.std(vals, ddof=1))
    assert block["model"]["pooled_lo"] <= block["model"]["pooled_auc"] <= block["model"]["pooled_hi"]
    assert block["length"]["pooled_auc"] == 0.5
    # the planted leucine-rich motif is learnable: consensus counting and the model both see it
    assert block["consensus_count"]["pooled_auc"] > 0.8
    assert block["model"]["pooled_auc"] > 0.7
    d = m["doubtful_positives"]
    assert d["n_pos"] == 4 and d["model"]["auc_lo"] <= d["model"]["auc"] <= d["model"]["auc_hi"]
    text = format_cv_table(m)
    assert text.startswith("All negatives:") and "Negative set mito_nterm" in text
    assert "Negative set locnes_neg (not in all negatives: may hold unannotated NESs" in text


@pytest.mark.slow
def test_cross_validate_window_scores_cover_parents_mito_proteins_and_their_decoys(tiny_examples, cv_result):
    ex, table = tiny_examples
    res, _ = cv_result
    parents = set(table.accession[table.label == 1])
    mito = set(table.accession[table.source.isin(["mito_nterm", "mito_random"])])
    assert mito - parents and set(res.window_scores) == parents | mito
    assert set(res.decoy_scores) == set(res.decoy_sequences) == set(res.window_scores)
    for acc, s in res.window_scores.items():
        seq = ex.proteins[acc].sequence
        assert s.shape == res.decoy_scores[acc].shape == (len(seq) - 21,)
        decoy = res.decoy_sequences[acc]
        assert sorted(decoy) == sorted(seq) and (decoy != seq or len(set(seq)) == 1)  # a shuffle of it


@pytest.mark.slow
def test_protein_level_is_out_of_fold_and_reports_every_score(tiny_examples, cv_result, tmp_path):
    from nesscan.validate.protein_level import PROTEIN_SCORES, protein_auc_by_length

    ex, table = tiny_examples
    res, _ = cv_result
    nes = set(table.accession[table.label == 1])
    level = protein_auc_by_length(res, ex.proteins, tmp_path, nes, 22, n_boot=20, seed=0)
    assert level["scored_out_of_fold"] and level["decoy_proteins"] == len(res.decoy_scores)
    assert level["overall"]["n_pos"] == len(nes) and level["overall"]["n_neg"] == len(set(res.window_scores) - nes)
    assert set(level["overall"]["auc"]) == {*PROTEIN_SCORES, "length"}
    rows = pd.read_csv(tmp_path / "cv" / "proteins.tsv", sep="\t").set_index("accession")
    for acc, s in res.window_scores.items():
        assert rows.loc[acc, "max_score"] == pytest.approx(s.max(), rel=1e-5)
        assert rows.loc[acc, "anchor_score"] <= rows.loc[acc, "max_score"] + 1e-9
    assert json.loads((tmp_path / "protein_level.json").read_text())["overall"]["n_pos"] == len(nes)


def test_cross_validate_never_trains_on_doubtful(tiny_examples, fast_params):
    from nesscan.embed import get_embedder

    ex, table = tiny_examples
    with pytest.raises(ValueError, match="never trained"):
        cross_validate(table, ex.proteins, get_embedder("physchem"), "peptide", fast_params, k=3,
                       train_sources=["nesdb", "nesdb_doubtful", "mito_random"])
