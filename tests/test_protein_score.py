"""The length-matched protein null (nesscan.length_null) and the AUC by length quartile
(nesscan.validate.evaluate.auc_by_length_quartile)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from nesscan.length_null import fit_length_matched
from nesscan.validate.evaluate import auc_by_length_quartile, roc_auc_ci


def _smooth(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """``n`` correlated window scores: a moving average of iid normals (like overlapping windows)."""
    return np.convolve(rng.normal(size=n + width - 1), np.ones(width) / width, mode="valid")


def test_auc_by_length_quartile_separates_length_from_signal():
    rng = np.random.default_rng(4)
    n = 400
    length = rng.integers(50, 2000, n)
    label = (rng.random(n) < 0.1 + 0.6 * (length > 1000)).astype(int)  # NES proteins are longer
    max_score = np.log(length) + rng.normal(size=n) * 0.3  # tracks length only
    table = pd.DataFrame({"length": length, "label": label, "max_score": max_score,
                          "calibrated_score": rng.normal(size=n) + label})
    res = auc_by_length_quartile(table, n_boot=100)
    json.dumps(res)
    assert len(res["quartile_edges"]) == 3 and len(res["quartiles"]) == 4
    assert sum(q["n_pos"] + q["n_neg"] for q in res["quartiles"]) == n
    overall = res["overall"]["auc"]
    assert overall["max_score"]["auc"] == pytest.approx(roc_auc_ci(label, max_score, n_boot=0)[0])
    assert overall["length"]["auc"] > 0.6 and overall["max_score"]["auc"] > 0.6
    for q in res["quartiles"]:  # within a quartile the length-tracker is near chance, the signal is not
        assert q["auc"]["calibrated_score"]["auc"] > 0.65
    assert np.mean([q["auc"]["max_score"]["auc"] for q in res["quartiles"]]) < 0.62
    assert res["spearman_length_negatives"]["max_score"] > 0.8
    assert abs(res["spearman_length_negatives"]["calibrated_score"]) < 0.2
    edges = res["quartile_edges"]
    assert res["quartiles"][0]["max_length"] <= edges[0] < res["quartiles"][1]["min_length"]


def test_auc_by_length_quartile_missing_class_gives_none():
    table = pd.DataFrame({"length": [10, 20, 30, 40, 50, 60, 70, 80], "label": [0, 0, 1, 1, 0, 0, 0, 1],
                          "max_score": np.arange(8.0), "calibrated_score": np.arange(8.0)})
    res = auc_by_length_quartile(table, n_boot=0)
    assert res["quartiles"][0]["auc"]["max_score"] is None  # lengths 10, 20: negatives only
    assert res["quartiles"][1]["auc"]["max_score"] is None  # 30, 40: positives only
    assert res["quartiles"][3]["auc"]["max_score"]["auc"] == 1.0  # 70 (negative) < 80 (positive)


def test_length_matched_null_removes_a_length_shift():
    rng = np.random.default_rng(5)

    def protein(n: int) -> np.ndarray:  # window scores drift upwards with length (as measured)
        return _smooth(rng, n, 8) + 0.6 * np.log(n / 30)

    bg_lengths = rng.integers(30, 1500, 600)
    bg = [protein(n) for n in bg_lengths]
    lengths = rng.integers(30, 1500, 400)
    maxima = np.array([protein(n).max() for n in lengths])
    null = fit_length_matched([b.max() for b in bg], bg_lengths, k=60)
    matched = null.calibrated_score(maxima, lengths)
    assert spearmanr(maxima, lengths).statistic > 0.3  # the raw maximum tracks length
    assert abs(spearmanr(matched, lengths).statistic) < 0.15
    p = null.pvalue(maxima, lengths)
    assert p.min() > 0 and 0.35 < np.median(p) < 0.65
    empirical = fit_length_matched([b.max() for b in bg], bg_lengths, k=60, tail=False).pvalue(maxima, lengths)
    assert empirical.min() >= 1 / 61 and (p[empirical > 10 / 61] == empirical[empirical > 10 / 61]).all()


def test_length_matched_null_ranks_within_neighbours_and_checks_input():
    null = fit_length_matched([5.0, 1.0, 9.0, 3.0], [400, 100, 800, 200], k=2)
    assert null.n_windows.tolist() == [100, 200, 400, 800] and null.maxima.tolist() == [1.0, 3.0, 5.0, 9.0]
    assert null.pvalue([4.0], [110]).tolist() == [1 / 3]  # neighbours 100, 200: none >= 4
    assert null.pvalue([4.0], [800]).tolist() == [1.0]  # neighbours 400, 800: both >= 4
    assert fit_length_matched([1.0], [10], k=50).pvalue(0.0, 10).tolist() == [1.0]  # k shrinks to the background
    with pytest.raises(ValueError):
        fit_length_matched([1.0, 2.0], [10])
    with pytest.raises(ValueError):
        fit_length_matched([1.0], [0])


def _probability_proteins(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    """Best-window scores (probabilities) of proteins without NES whose scores drift with length."""
    out = []
    for n in lengths:
        x = _smooth(rng, int(n), 8) + 0.6 * np.log(n / 30)
        out.append(float((1 / (1 + np.exp(-(x - 1.5)))).max()))
    return np.array(out)


def test_protein_pvalues_rank_the_top_beyond_the_empirical_resolution():
    """Issue 13 item 6: 64 yeast proteins tied at 1/101; the Gumbel tail tells the top apart."""
    rng = np.random.default_rng(11)
    bg_lengths = rng.integers(30, 1500, 1500)
    null = fit_length_matched(_probability_proteins(rng, bg_lengths), bg_lengths, k=100)
    lengths = rng.integers(30, 1500, 40)
    top = 1 - rng.uniform(1e-6, 1e-3, 40)  # NES-like best windows, far above every neighbour
    p = null.pvalue(top, lengths)
    assert (p < 1 / 101).all()
    assert len(np.unique(p)) == len(p)  # no ties at the resolution floor
    same_length = null.pvalue(np.sort(top), np.full(40, 500))
    assert (np.diff(same_length) < 0).all()  # higher best window -> smaller p at equal length


def test_protein_pvalues_stay_calibrated_on_held_out_decoys():
    """Uniform p-values (KS test) on decoy proteins held out from the fit, tail included,
    and no dependence on length."""
    from scipy.stats import kstest

    rng = np.random.default_rng(12)
    lengths = rng.integers(30, 1500, 3000)
    maxima = _probability_proteins(rng, lengths)
    null = fit_length_matched(maxima[:2000], lengths[:2000], k=100)
    p = null.pvalue(maxima[2000:], lengths[2000:])
    assert kstest(p, "uniform").pvalue > 0.01
    assert 0.003 <= (p <= 0.01).mean() <= 0.02  # the fitted tail itself is calibrated
    assert abs(spearmanr(p, lengths[2000:]).statistic) < 0.1
