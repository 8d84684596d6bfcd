"""Site localisation (nesscan.validate.site): hit rule, distinct peaks, random expectation, baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nesscan.records import Protein
from nesscan.validate.site import (consensus_scorer, consensus_window_scores, distinct_peaks, hit_mask, localise,
                          wilson_interval)


def test_hit_mask_needs_eight_residues_or_the_whole_short_range():
    # 10-residue range 21-30 (0-based 20..29): windows sharing >= 8 residues start at 6..22
    assert np.flatnonzero(hit_mask(60, [(21, 30)])).tolist() == list(range(6, 23))
    # 5-residue range 31-35 (0-based 30..34): the whole range inside the window: starts 13..30
    assert np.flatnonzero(hit_mask(60, [(31, 35)])).tolist() == list(range(13, 31))
    # a 40-residue region: any window sharing 8 residues with it
    hits = np.flatnonzero(hit_mask(100, [(31, 70)]))  # 0-based 30..69
    assert hits.min() == 30 + 8 - 22 and hits.max() == 70 - 8 and len(hits) == hits.max() - hits.min() + 1
    # touching by one residue is not a hit, unless min_overlap says so
    assert not hit_mask(60, [(23, 32)])[0] and hit_mask(60, [(22, 32)], min_overlap=1)[0]


def test_distinct_peaks_skips_windows_overlapping_a_better_one():
    scores = np.array([0.0, 0.9, 0.95, 0.94, 0.1, 0.2, 0.3, 0.0, 0.8, 0.0])
    assert distinct_peaks(scores, window=3, n=3) == [2, 8, 5]  # 3, 1 and 6 overlap a better one
    assert distinct_peaks(scores, window=1, n=3) == [2, 3, 1]
    assert distinct_peaks(np.array([1.0, 0.5]), window=22, n=3) == [0]


def test_consensus_window_scores_rank_by_count_then_hydrophobics():
    pki = "NSNELALKLAGLDIN"  # PKI NES: a 1a and a class-2 match
    seq = "A" * 30 + pki + "A" * 30
    s = consensus_window_scores(seq, window=22, seed=0)
    assert s.shape == (len(seq) - 21,)
    assert 30 + len(pki) - 22 <= int(np.argmax(s)) <= 30
    assert np.array_equal(s, consensus_window_scores(seq, window=22, seed=0))  # seeded
    # no consensus anywhere: the hydrophobic count decides
    plain = "A" * 25 + "LxL".replace("x", "A") + "A" * 25
    t = consensus_window_scores(plain, window=22)
    assert t[np.argmax(t)] >= 2 and plain[np.argmax(t):np.argmax(t) + 22].count("L") == 2


def test_wilson_interval():
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    assert np.isnan(wilson_interval(0, 0)[0])


def _proteins(n: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    proteins, rows = {}, []
    for i in range(n):
        length = int(rng.integers(80, 300))
        s = int(rng.integers(1, length - 15))
        proteins[f"P{i}"] = Protein(f"P{i}", "".join(rng.choice(list("ADEGKNQRST"), length)))
        rows.append(dict(accession=f"P{i}", start_1b=s, end_1b=s + 9, doubtful=False))
    return proteins, pd.DataFrame(rows)


def test_localise_oracle_antioracle_and_random_expectation():
    proteins, sites = _proteins()
    masks = {a: hit_mask(len(p.sequence) - 21, [(int(s), int(e))]).astype(float)
             for (a, p), (s, e) in zip(proteins.items(), sites[["start_1b", "end_1b"]].itertuples(index=False))}
    oracle = localise(proteins, sites, masks.__getitem__, n_random=100)
    assert oracle["n_proteins"] == 12 and oracle["top1"]["hits"] == 12 and oracle["topk"]["fraction"] == 1.0
    anti = localise(proteins, sites, lambda a: -masks[a], n_random=100)
    assert anti["top1"]["hits"] == 0
    expected = np.mean([m.mean() for m in masks.values()])
    assert oracle["top1"]["random"] == pytest.approx(expected)
    assert expected < oracle["topk"]["random"] < 3 * expected + 0.05
    assert anti["topk"]["random"] == oracle["topk"]["random"]  # same seed, same draws
    row = oracle["per_protein"][0]
    assert set(row) >= {"accession", "best_start_1b", "top1_hit", "topk_hit", "random_top1", "random_topk"}


def test_localise_chooses_proteins_with_a_precise_confident_range():
    proteins, sites = _proteins(4)
    sites.loc[0, "end_1b"] = sites.loc[0, "start_1b"] + 40  # only a long region: protein skipped
    sites.loc[1, "doubtful"] = True  # only a doubtful range: skipped
    # protein 2 also has a long region; as a target it counts
    extra = pd.DataFrame([dict(accession="P2", start_1b=1, end_1b=60, doubtful=False)])
    sites = pd.concat([sites, extra], ignore_index=True)
    res = localise(proteins, sites, lambda a: np.zeros(len(proteins[a].sequence) - 21), n_random=10)
    assert [r["accession"] for r in res["per_protein"]] == ["P2", "P3"]
    assert res["per_protein"][0]["n_ranges"] == 2
    with pytest.raises(ValueError, match="window scores"):
        localise(proteins, sites, lambda a: np.zeros(3))


def test_consensus_baseline_finds_planted_motifs():
    rng = np.random.default_rng(1)
    proteins, rows = {}, []
    for i in range(10):
        core = "".join(rng.choice(list("ADEGKNQRST"), 200))
        motif = "LQRSLEALKLDL"  # class 1a-like, several matches
        s = int(rng.integers(10, 170))
        proteins[f"P{i}"] = Protein(f"P{i}", core[:s] + motif + core[s + len(motif):])
        rows.append(dict(accession=f"P{i}", start_1b=s + 1, end_1b=s + len(motif)))
    res = localise(proteins, pd.DataFrame(rows), consensus_scorer(proteins), n_random=20)
    assert res["top1"]["hits"] == 10 and res["top1"]["random"] < 0.15
