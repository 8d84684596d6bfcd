"""Metrics, bootstrap CIs, trivial baselines, figures and the metrics table."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from nesscan.validate.baselines import (
    AMINO_ACIDS,
    BASELINE_NAMES,
    CompositionBaseline,
    baseline_scores,
    composition_features,
    consensus_count_score,
    hydrophobic_count_score,
    length_score,
)
from nesscan.validate.evaluate import (
    average_precision,
    evaluate_scores,
    evaluate_with_baselines,
    format_metrics_table,
    group_masks,
    plot_pr,
    plot_roc,
    roc_auc_ci,
)


def windows(n: int, alphabet: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(22)) for _ in range(n)]


NES_LIKE = "LLLIVFMAEKSDTQ"  # hydrophobic-rich
ANY = AMINO_ACIDS


@pytest.fixture(scope="module")
def toy() -> dict:
    train = windows(120, NES_LIKE, 1) + windows(120, ANY, 2)
    train_y = np.r_[np.ones(120), np.zeros(120)].astype(int)
    test = windows(60, NES_LIKE, 3) + windows(50, ANY, 4) + windows(40, "AKRSTPGDEQ", 5)
    y = np.r_[np.ones(60), np.zeros(90)].astype(int)
    groups = np.array(["nesdb"] * 60 + ["mito_random"] * 50 + ["nesdb_other"] * 40)
    model = y + np.random.default_rng(0).normal(0, 1.0, y.size)
    return {"train": train, "train_y": train_y, "test": test, "y": y, "groups": groups,
            "model": model}


def test_auc_perfect_random_inverted() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(200), np.zeros(300)].astype(int)
    perfect = y + rng.uniform(0, 0.5, y.size)
    assert roc_auc_ci(y, perfect) == (1.0, 1.0, 1.0)
    assert roc_auc_ci(y, -perfect) == (0.0, 0.0, 0.0)
    auc, lo, hi = roc_auc_ci(y, rng.normal(size=y.size), n_boot=500, seed=1)
    assert abs(auc - 0.5) < 0.07 and lo < auc < hi and lo < 0.5 < hi


def test_auc_matches_sklearn_with_ties_and_ci_is_reproducible() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    y = (rng.uniform(size=400) < 0.3).astype(int)
    scores = np.round(y * 0.5 + rng.normal(size=400), 1)  # many ties
    auc, lo, hi = roc_auc_ci(y, scores, n_boot=300, seed=7)
    assert auc == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    assert lo < auc < hi and hi - lo < 0.25
    assert roc_auc_ci(y, scores, n_boot=300, seed=7) == (auc, lo, hi)
    assert roc_auc_ci(y, scores, n_boot=300, seed=8) != (auc, lo, hi)
    assert roc_auc_ci([0, 1, 0, 1], [1, 1, 1, 1], n_boot=10) == (0.5, 0.5, 0.5)


def test_auc_rejects_one_class_and_bad_input() -> None:
    with pytest.raises(ValueError, match="both positives"):
        roc_auc_ci([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="only negatives"):
        evaluate_scores([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="equal length"):
        roc_auc_ci([0, 1], [0.1])
    with pytest.raises(ValueError, match="finite"):
        roc_auc_ci([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="only 0"):
        roc_auc_ci([0, 2], [0.1, 0.2])


def test_evaluate_scores_curves() -> None:
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    m = evaluate_scores(y, s, n_boot=50)
    assert m["n_pos"] == 3 and m["n_neg"] == 3
    assert m["fpr"][0] == 0.0 and m["fpr"][-1] == 1.0 and m["tpr"][-1] == 1.0
    assert len(m["precision"]) == len(m["recall"])
    assert m["average_precision"] == pytest.approx(average_precision(y, s))
    json.dumps(m)


def test_simple_baselines() -> None:
    seqs = ["LIVFMAAAAA", "AAAAAAAAAA", "NSNELALKLAGLDIN", ""]
    assert hydrophobic_count_score(seqs).tolist() == [5, 0, 5, 0]
    assert consensus_count_score(seqs).tolist() == [0, 0, 2, 0]
    assert length_score(seqs).tolist() == [10, 10, 15, 0]
    comp = composition_features(["LLAX"])
    assert comp.shape == (1, 20) and comp[0, AMINO_ACIDS.index("L")] == 0.5
    assert comp.sum() == pytest.approx(0.75)  # X counts in the length only


def test_composition_baseline_learns_composition() -> None:
    train = windows(100, NES_LIKE, 10) + windows(100, ANY, 11)
    y = np.r_[np.ones(100), np.zeros(100)]
    model = CompositionBaseline(random_state=0).fit(train, y)
    assert model.C_ in model.Cs
    test = windows(50, NES_LIKE, 12) + windows(50, ANY, 13)
    auc, _, _ = roc_auc_ci(np.r_[np.ones(50), np.zeros(50)], model.decision_function(test))
    assert auc > 0.95
    again = CompositionBaseline(random_state=0).fit(train, y).decision_function(test)
    assert np.array_equal(again, model.decision_function(test))
    with pytest.raises(ValueError, match="labels 0 and 1"):
        CompositionBaseline().fit(train[:3], [1, 1, 1])


def test_baseline_scores_keys(toy: dict) -> None:
    scores = baseline_scores(toy["train"], toy["train_y"], toy["test"])
    assert tuple(scores) == BASELINE_NAMES
    assert all(v.shape == (len(toy["test"]),) for v in scores.values())


def test_evaluate_with_baselines(toy: dict, tmp_path: Path) -> None:
    m = evaluate_with_baselines(toy["y"], toy["model"], toy["train"], toy["train_y"], toy["test"],
                                groups=toy["groups"], seed=0, n_boot=200)
    json.loads(json.dumps(m))  # plain JSON types
    assert set(m) == {"n_pos", "n_neg", "n_boot", "seed", "alpha", "scorers", "groups", "separate"}
    assert m["separate"] == {}
    assert list(m["scorers"]) == ["model", *BASELINE_NAMES]
    for s in m["scorers"].values():
        assert {"auc", "auc_lo", "auc_hi", "average_precision", "n_pos", "n_neg",
                "fpr", "tpr", "precision", "recall"} <= set(s)
        assert s["auc_lo"] <= s["auc"] <= s["auc_hi"]
    assert m["scorers"]["length"]["auc"] == 0.5
    assert m["scorers"]["hydrophobic_count"]["auc"] > 0.8
    assert set(m["groups"]) == {"mito_random", "nesdb_other"}  # positives' group ignored
    other = m["groups"]["nesdb_other"]
    assert (other["n_pos"], other["n_neg"]) == (60, 40)
    assert list(other["scorers"]) == ["model", *BASELINE_NAMES]
    keep = (toy["y"] == 1) | (toy["groups"] == "nesdb_other")
    expected = roc_auc_ci(toy["y"][keep], toy["model"][keep], n_boot=200, seed=0)
    got = other["scorers"]["model"]
    assert (got["auc"], got["auc_lo"], got["auc_hi"]) == expected
    assert evaluate_with_baselines(toy["y"], toy["model"], toy["train"], toy["train_y"],
                                   toy["test"], n_boot=10)["groups"] == {}

    table = format_metrics_table(m)
    assert "ROC AUC [95% CI]" in table
    assert "Negative set nesdb_other: 60 positives, 40 negatives" in table
    for name in ["model", *BASELINE_NAMES]:
        assert table.count(f"\n{name} ") == 3
    model_auc = m["scorers"]["model"]["auc"]
    assert f"{model_auc:.3f}" in table

    for plot, name in ((plot_roc, "roc.png"), (plot_pr, "sub/pr.png")):
        path = tmp_path / name
        plot(m, path, "toy")
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert not path.with_name(path.name + ".tmp").exists()


def test_a_separate_set_has_its_own_row_and_stays_out_of_all(toy: dict) -> None:
    """``locnes_neg`` (registered ``in_all=False``) is reported alone, never pooled: here its
    windows outscore every NES, so pooling them would pull "all" below 1."""
    y = np.r_[toy["y"], np.zeros(30, int)]
    groups = np.r_[toy["groups"], ["locnes_neg"] * 30]
    model = np.r_[toy["y"].astype(float), np.full(30, 2.0)]  # NES 1, other negatives 0, locnes 2
    test = toy["test"] + windows(30, NES_LIKE, 6)
    m = evaluate_with_baselines(y, model, toy["train"], toy["train_y"], test, groups=groups, n_boot=20)
    assert m["scorers"]["model"]["auc"] == 1.0 and (m["n_pos"], m["n_neg"]) == (60, 90)
    assert list(m["groups"]) == ["mito_random", "nesdb_other", "locnes_neg"]  # the separate set last
    assert m["groups"]["locnes_neg"]["scorers"]["model"]["auc"] == 0.0
    assert m["groups"]["locnes_neg"]["n_neg"] == 30 and "lower bound" in m["separate"]["locnes_neg"]
    assert "Negative set locnes_neg (not in all negatives: may hold unannotated NESs" in format_metrics_table(m)
    pooled = evaluate_with_baselines(y, model, toy["train"], toy["train_y"], test, groups=groups, n_boot=20,
                                     separate={})
    assert pooled["scorers"]["model"]["auc"] < 1.0 and pooled["n_neg"] == 120
    masks = group_masks(y, groups, {"locnes_neg"})
    assert list(masks) == ["all", "mito_random", "nesdb_other", "locnes_neg"]
    assert masks["all"].sum() == 150 and masks["locnes_neg"].sum() == 90


def test_evaluate_with_baselines_checks_lengths(toy: dict) -> None:
    with pytest.raises(ValueError, match="test sequences"):
        evaluate_with_baselines(toy["y"], toy["model"], toy["train"], toy["train_y"],
                                toy["test"][:-1], n_boot=10)
    with pytest.raises(ValueError, match="groups"):
        evaluate_with_baselines(toy["y"], toy["model"], toy["train"], toy["train_y"],
                                toy["test"], groups=toy["groups"][:-1], n_boot=10)
