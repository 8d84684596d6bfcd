"""The protein scores of :func:`nesscan.validate.protein_level.protein_table` on hand-made scores."""

from __future__ import annotations

import numpy as np
import pytest

from nesscan.consensus import count_consensus_many, window_match_counts
from nesscan.records import Protein
from nesscan.validate.protein_level import protein_table

MOTIF = "LQELLKLLEL"  # anchors at NES spacing: whole consensus matches
FLAT = "A" * 30


def _protein(acc: str, seq: str) -> Protein:
    return Protein(accession=acc, sequence=seq)


def test_window_match_counts_equal_a_window_by_window_scan():
    rng = np.random.default_rng(0)
    for _ in range(200):
        seq = "".join(rng.choice(list("LIVFMAKESTDGP"), int(rng.integers(22, 90))))
        ref = count_consensus_many([seq[i:i + 22] for i in range(len(seq) - 21)])
        assert np.array_equal(window_match_counts(seq, 22), ref)
    assert len(window_match_counts("L" * 21, 22)) == 0


def test_anchor_score_ignores_windows_without_a_consensus_match():
    window = 22
    nes = _protein("P1", FLAT + MOTIF + FLAT)  # a motif, and composition-only windows around it
    comp = _protein("P2", FLAT + "AAAAAAAAAA" + FLAT)  # no match anywhere
    n = len(nes.sequence) - window + 1
    hits = window_match_counts(nes.sequence, window) > 0
    assert hits.any() and not hits.all()
    s_nes = np.where(hits, 0.6, 0.2)
    s_nes[np.flatnonzero(~hits)[0]] = 0.95  # a composition-only spike outside the motif
    s_comp = np.full(n, 0.2)
    s_comp[3] = 0.95  # the same spike
    rng = np.random.default_rng(1)
    decoys = {a: np.clip(rng.normal(0.3, 0.1, n), 0, 1) for a in ("P1", "P2")}
    decoy_seqs = {a: "".join(rng.permutation(list(p.sequence))) for a, p in (("P1", nes), ("P2", comp))}
    frame = protein_table({"P1": s_nes, "P2": s_comp}, decoys, decoy_seqs, {"P1": nes, "P2": comp}, {"P1"},
                          window).set_index("accession")
    assert frame.loc["P1", "max_score"] == frame.loc["P2", "max_score"] == pytest.approx(0.95)
    assert frame.loc["P1", "anchor_score"] == pytest.approx(0.6)
    assert frame.loc["P2", "anchor_score"] == 0.0
    assert frame.loc["P1", "calibrated_anchor_score"] > frame.loc["P2", "calibrated_anchor_score"]
    assert list(frame.label) == [1, 0]
    for acc, p in (("P1", nes), ("P2", comp)):
        windows = [p.sequence[i:i + window] for i in range(n)]
        assert frame.loc[acc, "regex_score"] == count_consensus_many(windows).max()
    assert frame.loc["P1", "calibrated_regex_score"] > frame.loc["P2", "calibrated_regex_score"]
