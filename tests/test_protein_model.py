"""The protein-level model: whole-protein features, the cargo model and protein score, their
q-values, training beside the window model (window evidence out of fold), the screen's new
columns and the out-of-fold protein level of ``nesscan run`` (``nesscan.features.protein``,
``nesscan.model.cargo``, ``nesscan.model.cargo_train``, ``nesscan.validate.cargo``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.errors import NesscanError
from nesscan.features.protein import EVIDENCE, GROUPS, feature_names, protein_features, window_evidence
from nesscan.model.cargo import CargoModel, fit_cargo_model
from nesscan.length_null import cargo_p_values
from nesscan.stats import bh_q_values
from nesscan.predictor import Predictor

STANDARD = "ACDEFGHIKLMNPQRSTVWY"


# ------------------------------------------------------------------------------- features


def test_protein_features_are_what_they_say() -> None:
    seq = "MKKLLEEDDRRAAAAGGGGP" * 3  # 60 residues
    plddt = np.r_[np.full(30, 0.9), np.full(30, 0.3)]
    x = protein_features([seq], [plddt])[0]
    names = feature_names(tuple(GROUPS))
    assert len(x) == len(names) == 37
    row = dict(zip(names, x))
    assert abs(sum(row[f"aa_{a}"] for a in STANDARD) - 1) < 1e-9 and row["aa_A"] == pytest.approx(0.2)
    assert row["log_length"] == pytest.approx(np.log(60))
    assert row["plddt_mean"] == pytest.approx(0.6) and row["plddt_lt50"] == pytest.approx(0.5)
    assert row["plddt50_longest_frac"] == pytest.approx(0.5)
    assert row["f_pos"] == pytest.approx(0.2) and row["f_neg"] == pytest.approx(0.2) and row["ncpr"] == 0
    only = protein_features([seq], [plddt], ["length", "charge"])
    assert only.shape == (1, 12) and only[0, 0] == pytest.approx(np.log(60))
    with pytest.raises(ValueError, match="unknown protein feature group"):
        protein_features([seq], [plddt], ["dipeptide"])


def test_window_evidence_of_a_protein_shorter_than_the_window_is_zero() -> None:
    ev = window_evidence([np.zeros(0), np.array([0.95, 0.2])], [np.full(10, 0.2), np.full(23, 0.2)], [10, 23])
    assert ev.shape == (2, len(EVIDENCE)) and ev[0].tolist() == [0, 0, 0]
    assert ev[1].tolist() == pytest.approx([0.95, 0.95, 100 / 23])


# ------------------------------------------------------------------------------- q-values


def _bh_oracle(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg by the definition: q_i = min over p_j >= p_i of p_j * m / #{p <= p_j}."""
    ok = np.isfinite(p)
    m = ok.sum()
    out = np.full(len(p), np.nan)
    for i in np.flatnonzero(ok):
        out[i] = min(min(pj * m / (p[ok] <= pj).sum(), 1.0) for pj in p[ok] if pj >= p[i])
    return out


def test_batch_q_values_equal_benjamini_hochberg_by_its_definition() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = np.round(rng.random(int(rng.integers(1, 60))), 2)  # ties
        p[rng.random(len(p)) < 0.1] = np.nan
        assert np.allclose(bh_q_values(p), _bh_oracle(p), equal_nan=True)


def test_a_protein_p_value_is_its_score_against_the_fixed_null_whatever_else_is_scored() -> None:
    rng = np.random.default_rng(4)
    null = np.sort(rng.beta(2, 5, 300))
    scores = rng.random(50)
    p = cargo_p_values(scores, null)
    empirical = (1 + (null[None, :] >= scores[:, None]).sum(axis=1)) / (len(null) + 1)
    body = (null >= scores[:, None]).sum(axis=1) >= 10  # where the null has resolution: the empirical p-value
    assert np.allclose(p[body], empirical[body])
    assert ((p[~body] > 0) & (p[~body] <= 10 / (len(null) + 1) + 1e-12)).all()  # the fitted tail, below the body
    assert np.allclose([cargo_p_values([s], null)[0] for s in scores[:5]], p[:5])  # alone = in a batch
    top = np.sort(scores[scores > null.max()])
    assert len(top) < 2 or (np.diff(cargo_p_values(top, null)) < 0).all()  # no ties beyond the null


# ------------------------------------------------------------------------------- the model


def _synthetic(n: int = 160, seed: int = 0):
    rng = np.random.default_rng(seed)
    seqs, plddt, y = [], [], []
    for i in range(n):
        label = i % 2
        p = np.full(20, 0.05)
        for aa in ("EDKS" if label else "LIVA"):
            p[STANDARD.index(aa)] += 0.1
        p /= p.sum()
        length = int(rng.integers(80, 300))
        seqs.append("".join(rng.choice(list(STANDARD), length, p=p)))
        plddt.append(np.clip(rng.normal(0.5 if label else 0.8, 0.1, length), 0, 1))
        y.append(label)
    return seqs, plddt, np.array(y), [f"c{i}" for i in range(n)]


@pytest.mark.slow
def test_a_cargo_model_is_fitted_chosen_inside_its_folds_and_saved_as_arrays() -> None:
    seqs, plddt, y, clusters = _synthetic()
    evidence = np.column_stack([np.full(len(y), 0.5), np.full(len(y), 0.4), np.zeros(len(y))])
    model, sel, oof = fit_cargo_model(seqs, plddt, y, clusters, evidence, seed=0)
    assert sel["feature_set"] in sel["inner_auc_by_feature_set"] and sel["inner_folds"] == 3
    assert sel["inner_cargo_auc"] > 0.9 and sel["null_size"] == int((y == 0).sum())
    assert set(sel["combiner"]["weights_per_unit"]) == {"cargo_logit", "best_window_logit",
                                                         "best_exposed_window_logit", "log1p_windows_ge_09_per_100"}
    assert np.isfinite(oof["cargo_probability"]).all() and np.isfinite(oof["protein_score"]).all()
    assert np.array_equal(model.null, np.sort(oof["protein_score"][y == 0]))
    p, score = model.score(seqs[:5], plddt[:5], [np.zeros(0)] * 5, 22)
    back = CargoModel.from_state(json.loads(json.dumps({k: v.tolist() for k, v in model.state().items()})) and
                                 {k: np.asarray(v) for k, v in model.state().items()}, sel["groups"])
    p2, score2 = back.score(seqs[:5], plddt[:5], [np.zeros(0)] * 5, 22)
    assert np.array_equal(p, p2) and np.array_equal(score, score2)
    assert all(k.startswith("cargo.") for k in model.state())
    again, _, _ = fit_cargo_model(seqs, plddt, y, clusters, evidence, seed=0)  # seeded: the same arrays
    assert all(np.array_equal(v, again.state()[k]) for k, v in model.state().items())


def test_inner_folds_keep_a_cluster_whole() -> None:
    from nesscan.model.cargo_train import protein_folds

    labelled = pd.DataFrame({"label": [0, 1] * 30, "cluster": [f"k{i // 4}" for i in range(60)]})
    folds = protein_folds(labelled, 3, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(60))
    for f in folds:
        inside = set(labelled.cluster.iloc[f])
        others = set(labelled.cluster.drop(labelled.index[f]))
        assert not inside & others


# ------------------------------------------------------------------------------- training


@pytest.mark.slow
def test_the_window_evidence_comes_from_models_that_never_saw_the_protein(tiny_cargo_data, tmp_path,
                                                                         monkeypatch) -> None:
    """Every fold's window model is refit without the clusters of the proteins it scores."""
    import nesscan.model.base as base
    import nesscan.model.select as select
    from nesscan.model.train import train_flat
    from nesscan.pipeline import nes_sites_of, prepare, training_files

    trained_on, scored = [], []
    refit, score = select.refit_window_model, base.score_windows

    def spy_refit(table, proteins, featurizer, chosen, seed=0):
        trained_on.append(set(table.cluster))
        return refit(table, proteins, featurizer, chosen, seed)

    def spy_score(featurizer, classifier, proteins):
        scored.append({p.accession for p in proteins})
        return score(featurizer, classifier, proteins)

    monkeypatch.setattr(select, "refit_window_model", spy_refit)
    monkeypatch.setattr(base, "score_windows", spy_score)
    ex, table = prepare(tiny_cargo_data, seed=0)
    train_flat((ex, table), tmp_path / "m", training_files(tiny_cargo_data), nes_sites_of(tiny_cargo_data))
    cluster_of = dict(zip(ex.cargo.table.accession, ex.cargo.table.cluster))
    assert len(trained_on) == len(scored) == 3
    assert sum(len(s) for s in scored) == int(ex.cargo.table.split.isin(["train", "val"]).sum())
    for clusters, accessions in zip(trained_on, scored):
        assert accessions and not {cluster_of[a] for a in accessions} & clusters


def test_train_writes_a_protein_model_beside_the_window_model(tiny_cargo_model: Path, tiny_cargo_data: Path) -> None:
    config = json.loads((tiny_cargo_model / "config.json").read_text())
    block = config["protein_model"]
    assert block["groups"][:2] == ["composition", "length"] and block["cargo"] > 0 and block["non_binders"] > 0
    assert "cargo/elife-11466-supp2-v4.xlsx" in config["training_data"]
    assert config["examples"]["cargo"]["proteins"] == 92 and config["examples"]["cargo"]["ambiguous"] == 1
    model = Predictor.load(tiny_cargo_model)
    assert model.protein_model is not None
    from nesscan.io import read_cargo

    cargo = read_cargo(tiny_cargo_data / "cargo" / "elife-11466-supp2-v4.xlsx")
    some = cargo.table.groupby("label").head(10)
    proteins = [cargo.proteins[a] for a in some.accession]
    p, score = model.score_protein_level(proteins, model.score_proteins(proteins))
    assert ((0 < p) & (p < 1)).all() and ((0 < score) & (score < 1)).all()
    labels = some.label.to_numpy()
    assert p[labels == 1].mean() > p[labels == 0].mean()
    tr = Predictor.load(Path(__file__).parent / "models" / "physchem_transformer")
    nan, nan2 = tr.score_protein_level(proteins[:2], tr.score_proteins(proteins[:2]))
    assert np.isnan(nan).all() and np.isnan(nan2).all()


def test_a_model_whose_protein_arrays_are_missing_is_refused(tiny_cargo_model: Path, tmp_path: Path) -> None:
    import shutil

    from safetensors.numpy import load_file, save_file

    from nesscan.hashing import sha256_file

    model = Path(shutil.copytree(tiny_cargo_model, tmp_path / "m"))
    state = {k: v for k, v in load_file(str(model / "model.safetensors")).items() if k != "cargo.null"}
    save_file(state, str(model / "model.safetensors"))
    config = json.loads((model / "config.json").read_text())
    config["weights_sha256"] = sha256_file(model / "model.safetensors")
    (model / "config.json").write_text(json.dumps(config))
    with pytest.raises(NesscanError, match="weights do not fit"):
        Predictor.load(model)
    config["protein_model"] = {"groups": "composition"}
    (model / "config.json").write_text(json.dumps(config))
    with pytest.raises(NesscanError, match="protein_model"):
        Predictor.load(model)


def test_weak_positives_need_a_cargo_table_and_a_flat_classifier(tiny_data: Path, tmp_path: Path, capsys) -> None:
    from nesscan.cli import main

    assert main(["train", "--data", str(tiny_data), "-o", str(tmp_path / "m"), "--weak-positives"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cargo table" in err[0]
    assert main(["train", "--data", str(tiny_data), "-o", str(tmp_path / "t"), "--weak-positives",
                 "--classifier", "transformer"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "flat classifiers only" in err[0]


@pytest.mark.slow
def test_weak_positives_add_each_cargo_best_window_once(tiny_cargo_data: Path, tmp_path: Path) -> None:
    from nesscan.pipeline import prepare, train

    ex, table = prepare(tiny_cargo_data, seed=0)
    t = ex.cargo.table
    expected = ((t.label == 1) & t.split.isin(["train", "val"]) & ~t.accession.isin(table.accession[table.label == 1]))
    model = train(tiny_cargo_data, tmp_path / "weak", seed=0, weak_positives=True, prepared=(ex, table))
    selection = json.loads((model / "config.json").read_text())["classifier"]
    assert selection["weak_positives"]["proteins"] == int(expected.sum()) > 10


# ------------------------------------------------------------------------------- screen and run


def test_a_screen_with_a_protein_model_fills_the_protein_columns(tiny_cargo_model: Path, tiny_cargo_data: Path,
                                                                tmp_path: Path) -> None:
    from nesscan import pipeline

    fasta = tiny_cargo_data / "proteomes" / "human_swissprot_assembled.fasta.gz"
    pipeline.screen(fasta, tmp_path / "s", tiny_cargo_model, workers=1)
    prot = pd.read_csv(tmp_path / "s" / "proteins.csv")
    ok = prot.status == "ok"
    assessed = ok & (prot.compartment == "nucleocytoplasmic")
    # the gate sets aside only the planted non-binders, 60% hydrophobic (L, I, V, F, A, G, T), never a charged cargo
    assert (prot.compartment[prot.accession.str.startswith("C")] == "nucleocytoplasmic").all()
    assert set(prot.accession[ok & ~assessed].str[0]) == {"B"} and assessed.sum() > 0.6 * ok.sum()
    for col in ("cargo_probability", "protein_score"):
        assert prot.loc[ok, col].between(0, 1).all() and prot.loc[~ok, col].isna().all(), col
    for col in ("cargo_p_value", "cargo_q_value_batch"):
        assert prot.loc[assessed, col].between(0, 1).all() and prot.loc[~assessed, col].isna().all(), col
    ranked = prot[assessed].sort_values("protein_score")
    assert (np.diff(ranked.cargo_q_value_batch.to_numpy()) <= 1e-12).all()  # a higher score never has a higher q
    assert (np.diff(ranked.cargo_p_value.to_numpy()) <= 1e-12).all()
    assert set(prot.call_status[assessed]) <= {"called", "not called"}
    assert prot.call_status[ok & ~assessed].str.startswith("not assessed: predicted").all()
    cands = pd.read_csv(tmp_path / "s" / "candidates.csv")
    by_acc = prot.set_index("accession")
    assert len(cands) and np.allclose(cands.cargo_probability, by_acc.loc[cands.accession, "cargo_probability"],
                                      atol=1e-5)
    fdr = json.loads((tmp_path / "s" / "fdr.json").read_text())
    assert fdr["proteins_assessed"] == int(assessed.sum()) and fdr["protein_null_size"] > 0
    assert fdr["proteins_set_aside"] == int((ok & ~assessed).sum())
    assert fdr["protein_calls_at_q_10"] == int((prot.cargo_q_value_batch <= 0.1).sum()) == \
        int((prot.call_status == "called").sum())
    cargo_ids = prot.accession.str.startswith("C")  # the planted cargoes score above the non-binders
    assert prot.protein_score[cargo_ids].median() > prot.protein_score[prot.accession.str.startswith("B")].median()


@pytest.mark.slow
def test_nesscan_run_scores_the_cargo_table_out_of_fold(tiny_cargo_data: Path, tmp_path: Path) -> None:
    from nesscan import pipeline
    from nesscan.validate.cargo import SCORES
    from nesscan.validate.cv import cluster_folds

    out = pipeline.run(tiny_cargo_data, tmp_path / "run", proteomes=[], folds=3, n_boot=50, seed=0)
    pred = pd.read_csv(out / "cv" / "cargo_predictions.tsv", sep="\t")
    metrics = json.loads((out / "cv" / "cargo_metrics.json").read_text())
    assert len(pred) == pred.accession.nunique() == metrics["n_proteins"] == 92
    assert set(pred.fold) == {0, 1, 2} and pred[list(SCORES)].notna().all().all()
    assert pred.groupby("cluster").fold.nunique().max() == 1  # a cluster never spans folds
    ex, table = pipeline.prepare(tiny_cargo_data, seed=0)
    window_fold = dict(zip(table.cluster, cluster_folds(table.reset_index(drop=True), 3, 0)))
    shared = pred[pred.cluster.isin(window_fold)]
    assert len(shared) and (shared.fold == shared.cluster.map(window_fold)).all()
    overall = metrics["by_length"]["overall"]["auc"]
    assert overall["protein_score"]["auc"] > 0.8 and len(metrics["by_length"]["quartiles"]) == 4
    assert set(metrics["vs_comp_length"]) == {"protein_score", "cargo_probability"}
    assert len(metrics["vs_comp_length_by_quartile"]) == 4
    record = json.loads((out / "run.json").read_text())
    assert "protein_score" in record["results"]["cargo_pooled_auc"]
    assert (out / "evaluation" / "cargo_metrics.json").is_file()  # and on the held-out split
    assert "protein_score" in record["results"]["test_cargo_auc"]


def test_evaluate_scores_the_held_out_cargo_proteins(tiny_cargo_model: Path, tiny_cargo_data: Path,
                                                     tmp_path: Path) -> None:
    """``nesscan evaluate`` of a model with a protein level: the cargo table's test-split
    proteins, none of which its protein model trained on, scored as a screen scores them,
    beside the baselines; a data folder giving other splits is one error that keeps the
    window-level files."""
    from nesscan import pipeline
    from nesscan.validate.cargo import SCORES

    out = tmp_path / "eval"
    metrics = pipeline.evaluate(tiny_cargo_model, out, data=tiny_cargo_data, n_boot=20)
    ex, _ = pipeline.prepare(tiny_cargo_data, seed=0)
    held = ex.cargo.table[ex.cargo.table.split == "test"]
    pred = pd.read_csv(out / "cargo_predictions.tsv", sep="\t")
    assert sorted(pred.accession) == sorted(held.accession) and set(pred.label) == {0, 1}
    config = json.loads((tiny_cargo_model / "config.json").read_text())
    assert config["protein_model"]["proteins"] == (ex.cargo.table.split != "test").sum()
    assert pred[list(SCORES)].notna().all().all()
    model = Predictor.load(tiny_cargo_model)
    proteins = [ex.cargo.proteins[a] for a in pred.accession]
    p, score = model.score_protein_level(proteins, model.score_proteins(proteins))
    np.testing.assert_allclose(pred.cargo_probability, p, rtol=1e-5)
    np.testing.assert_allclose(pred.protein_score, score, rtol=1e-5)
    saved = json.loads((out / "metrics.json").read_text())
    cargo = json.loads((out / "cargo_metrics.json").read_text())
    assert saved["protein_level"] == metrics["protein_level"]
    assert saved["protein_level"]["auc"] == cargo["by_length"]["overall"]["auc"]
    assert "Cargo table, held-out test split" in (out / "metrics.txt").read_text()

    other = tmp_path / "other"
    with pytest.raises(NesscanError, match="does not give the splits"):
        pipeline.evaluate(tiny_cargo_model, other, data=tiny_cargo_data, n_boot=20,
                          prepared=pipeline.prepare(tiny_cargo_data, seed=1))
    assert "protein_level" not in json.loads((other / "metrics.json").read_text())
    assert not (other / "cargo_metrics.json").exists()
