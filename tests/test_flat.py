"""The flat window-feature family (issue 11): features from the parent, stored classifiers,
nested selection, determinism, the shipped default."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.features import Featurizer
from nesscan.features.flat import example_contexts, example_matrix, flat_spec
from nesscan.hashing import sha256_file
from nesscan.model.flat import FlatClassifier, fit_flat, gbm_arrays, gbm_estimator
from nesscan.model.store import default_model_dir
from nesscan.predictor import Predictor, Runtime
from nesscan.records import Protein


@pytest.fixture(scope="module")
def real_rows(real_split):
    """Flat features (no tracks: no network) of 3,000 real training windows."""
    ex, table = real_split
    rows = table[(table.split == "train") & (table.source != "nesdb_doubtful")].sample(3000, random_state=0)
    fz = Featurizer(flat_spec("none"), Runtime(), 22)
    pssm = next(w for w in fz.window_features if getattr(w, "fitted", False))  # the anchor PSSM
    pos = rows[(rows.label == 1) & rows.centred.astype(bool)]
    pssm.fit([(ex.proteins[a].sequence, int(s)) for a, s in zip(pos.accession, pos.start)],
             list(rows.sequence[rows.source == "mito_random"]), 22)
    return example_matrix(fz, rows, ex.proteins), rows.label.to_numpy()


def test_the_tree_evaluator_equals_sklearn_on_real_features(real_rows) -> None:
    x, y = real_rows
    est = gbm_estimator(0.1, 3, 50, seed=0).fit(x[:2000], y[:2000])
    assert est.is_categorical_ is None
    ours = FlatClassifier("gbm", gbm_arrays(est)).predict_proba(x[2000:])
    assert np.abs(ours - est.predict_proba(x[2000:])[:, 1]).max() < 1e-9
    x_nan = x[2000:].copy()
    x_nan[::7, 3] = np.nan  # missing values follow the stored side
    ours = FlatClassifier("gbm", gbm_arrays(est)).predict_proba(x_nan)
    assert np.abs(ours - est.predict_proba(x_nan)[:, 1]).max() < 1e-9


def test_the_logistic_arrays_equal_sklearn(real_rows) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = real_rows
    x = x.astype(np.float64)
    ref = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, class_weight="balanced",
                                                             solver="newton-cholesky", tol=1e-8))
    ref.fit(x[:2000], y[:2000])
    ours = fit_flat(x[:2000], y[:2000], "logistic", {"logistic": {"C": 0.01}}).predict_proba(x[2000:])
    assert np.abs(ours - ref.predict_proba(x[2000:])[:, 1]).max() < 1e-9
    # the optimum, not a point on an optimiser's path: another solver run to a tight tolerance agrees
    other = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, class_weight="balanced", solver="lbfgs",
                                                               tol=1e-12, max_iter=10_000))
    other.fit(x[:2000], y[:2000])
    assert np.abs(ours - other.predict_proba(x[2000:])[:, 1]).max() < 1e-6


def test_the_ensemble_is_the_mean_of_its_parts(real_rows) -> None:
    x, y = real_rows
    hyper = {"logistic": {"C": 0.01}, "gbm": {"learning_rate": 0.1, "max_depth": 3, "max_iter": 20}}
    both = fit_flat(x, y, "ensemble", hyper)
    assert np.allclose(both.predict_proba(x[:50]), 0.5 * (both.logistic(x[:50]) + both.gbm(x[:50])))
    with pytest.raises(ValueError, match="lacks"):
        FlatClassifier("ensemble", {k: v for k, v in both.arrays.items() if k.startswith("lr.")})


def test_synthetic_windows_are_featurised_on_their_mutated_parent() -> None:
    parent = Protein(accession="P1", sequence="MSTEEKRPLDGSAKLAALEELLKRLSGDDSPTKEQNNGA" * 2)
    window = "A" * 22
    rows = pd.DataFrame({"sequence": [parent.sequence[5:27], window], "accession": "P1", "start": 5,
                         "source": ["nesdb_other", "shuffled"]})
    ctx = example_contexts(rows, {"P1": parent})
    assert ctx.sequences[ctx.index[1]] == parent.sequence[:5] + window + parent.sequence[27:]
    fz = Featurizer(flat_spec("none"), Runtime(), 22)
    next(w for w in fz.window_features if getattr(w, "fitted", False)).fit([(parent.sequence, 10)],
                                                                           [parent.sequence[:22]], 22)
    mutated = Protein(accession="M", sequence=ctx.sequences[ctx.index[1]])
    alone = example_matrix(fz, rows.iloc[[1]].assign(accession="M", source="nesdb_other"), {"M": mutated})
    assert np.array_equal(example_matrix(fz, rows, {"P1": parent})[1], alone[0])
    with pytest.raises(ValueError, match="is not residues"):
        example_matrix(fz, rows.assign(source="nesdb_other"), {"P1": parent})


@pytest.fixture(scope="module")
def flat_models(tiny_data: Path, tmp_path_factory) -> tuple[Path, Path]:
    """Two ensembles trained on the synthetic data with the same seed."""
    from nesscan.pipeline import train

    root = tmp_path_factory.mktemp("flat")
    return train(tiny_data, root / "a", seed=0), train(tiny_data, root / "b", seed=0)


@pytest.mark.slow
def test_training_is_byte_reproducible_and_records_its_selection(flat_models) -> None:
    a, b = flat_models
    assert sha256_file(a / "model.safetensors") == sha256_file(b / "model.safetensors")
    config = json.loads((a / "config.json").read_text())
    assert config["format"] == 2 and config["context"] == "protein"
    assert config["classifier"]["family"] == "ensemble"
    assert set(config["classifier"]["chosen"]) == {"logistic", "gbm"}
    # locnes_neg is trained on but neither selects nor sets the threshold (not in "all negatives")
    assert config["classifier"]["metric_excludes"] == ["locnes_neg"]
    examples = pd.read_csv(a / "examples.tsv", sep="\t", keep_default_na=False)
    assert (examples.source[examples.split.isin(["train", "val"])] == "locnes_neg").sum() > 0
    assert config["threshold"] >= 0.9 and "99th percentile" in config["threshold_rule"]
    assert [w["name"] for w in config["features"]["window"]] == ["consensus", "physico", "track_means",
                                                                 "anchor_pssm", "order"]
    assert (a / "model.safetensors").read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle


@pytest.mark.slow
def test_a_saved_flat_model_scores_proteins_and_windows_alike(flat_models, tiny_data: Path) -> None:
    from nesscan.io import read_fasta

    model = Predictor.load(flat_models[0])
    assert model.flat and model.device == "cpu"
    proteins = [p for p in read_fasta(tiny_data / "proteomes" / "tiny.fasta") if len(p.sequence) >= 22][:4]
    per_protein = model.score_proteins(proteins)
    for p, scores in zip(proteins, per_protein):
        assert len(scores) == len(p.sequence) - 21
        rows = pd.DataFrame({"sequence": [p.sequence[a:a + 22] for a in range(len(scores))],
                             "accession": p.accession, "start": range(len(scores)), "source": "nesdb"})
        assert np.allclose(model.score_windows(rows, {p.accession: p}), scores, atol=1e-12)
    assert model.score_proteins([]) == []


@pytest.mark.slow
def test_cross_validation_of_the_flat_family_reports_the_in_fold_pssm(tiny_data: Path) -> None:
    from nesscan.pipeline import prepare
    from nesscan.validate.cv import cross_validate

    ex, table = prepare(tiny_data, seed=0)
    fz = Featurizer(flat_spec("none"), Runtime(), 22)
    res = cross_validate(table, ex.proteins, fz, "protein", "logistic", k=2, seed=0, n_boot=20)
    assert {"model", "pssm", "composition"} <= set(res.metrics["summary"]["all"])
    assert all("chosen" in f and "threshold" in f for f in res.metrics["folds"])
    assert res.window_scores


def test_the_shipped_default_is_the_window_feature_ensemble() -> None:
    config = json.loads((default_model_dir() / "config.json").read_text())
    assert config["classifier"]["family"] == "ensemble"
    assert [t["name"] for t in config["features"]["tracks"]] == ["metapredict_plddt"]
    model = Predictor.load()
    assert model.flat and model.featurizer.dim == 80


def test_the_shipped_default_calls_the_nes_of_pki_alpha() -> None:
    pkia = Protein(accession="P61925", sequence="MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES")
    model = Predictor.load()
    (scores,) = model.score_proteins([pkia])
    best = int(scores.argmax())
    assert scores[best] >= model.threshold and best + 1 <= 36 and best + 22 >= 50  # covers the NES, 36-50 (1-based)


def test_pssm_ranks_and_z_scores_are_the_pairwise_definition_in_linear_memory() -> None:
    """``pssm_rank_frac`` is the share of the protein's windows scoring higher, computed by
    sorting (a pairwise table took 1.2 GB for titin's 35,000 windows); ties stay ties; a
    sequence whose windows all score the same has z-score 0."""
    from nesscan.features.pssm import PSSM_NAMES, AnchorPSSM

    rng = np.random.default_rng(5)
    letters = list("ACDEFGHIKLMNPQRSTVWY")
    positives = [("".join(rng.choice(letters, 40)) + "LxxxLxxLxL".replace("x", "E") + "".join(rng.choice(letters, 40)),
                  35) for _ in range(30)]
    background = ["".join(rng.choice(letters, 22)) for _ in range(200)]
    pssm = AnchorPSSM().fit(positives, background, 22)
    seq = "".join(rng.choice(letters, 600)) + "LQALKLEGLDL" * 3
    starts = np.arange(len(seq) - 21)
    x = pssm.transform(seq, starts)
    scores = x[:, PSSM_NAMES.index("pssm_score")].astype(np.float64)
    every = np.round(pssm.window_scores(seq), 9)
    brute = (every[None, :] > np.round(every[starts], 9)[:, None]).mean(axis=1)
    assert np.allclose(x[:, PSSM_NAMES.index("pssm_rank_frac")], brute, atol=1e-6)
    assert np.allclose(scores, every[starts], atol=1e-5)
    one = pssm.transform("LQALKLEGLDL" * 2, np.array([0]))  # one window: no spread
    assert one[0, PSSM_NAMES.index("pssm_z")] == 0 and one[0, PSSM_NAMES.index("pssm_rank_frac")] == 0
