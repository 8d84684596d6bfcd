"""The window call of issue 23: order features, core shuffles, reference nulls, calls and headline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.features.order import ORDER_NAMES, order_features
from nesscan.shuffle import shuffle_sequence

STANDARD = "ACDEFGHIKLMNPQRSTVWY"


def _naive_pairs(window: str, d: int) -> float:
    h = np.array([c in "LIVFM" for c in window], float)
    n, w = h.sum(), len(window)
    return (h[:-d] * h[d:]).sum() - (w - d) * n * (n - 1) / (w * (w - 1))


def test_order_features_match_a_window_by_window_count():
    rng = np.random.default_rng(3)
    seq = "".join(rng.choice(list(STANDARD), 200))
    f = order_features(seq, np.arange(len(seq) - 21))
    for a in (0, 17, 120, len(seq) - 22):
        for d in (1, 3, 7):
            assert f[a, ORDER_NAMES.index(f"phi_pair_{d}")] == pytest.approx(_naive_pairs(seq[a:a + 22], d), abs=1e-5)
        h = [i for i, c in enumerate(seq[a:a + 22]) if c in "LIVFM"]
        center = sum(1 for i in h if 5 <= i < 17) - len(h) * 12 / 22
        assert f[a, ORDER_NAMES.index("phi_center_12")] == pytest.approx(center, abs=1e-5)


@pytest.mark.slow
def test_order_features_average_to_about_zero_over_shuffles_of_a_window():
    """Each column is an excess over its expectation under a permutation: shuffles of an NES
    average near 0, the NES itself (anchors 3-4 apart, packed in the centre) does not."""
    nes = "SEDLQRKLEELDLKLSGSEKPT"  # anchors L4 L8 L11 L13 L15 (a class-1-like spacing)
    rng = np.random.default_rng(0)
    shuffles = np.vstack([order_features(shuffle_sequence(nes, rng), np.array([0])) for _ in range(4000)])
    mean = shuffles.mean(axis=0)
    for name in ("phi_pair_1", "phi_pair_2", "phi_pair_3", "phi_pair_4", "phi_center_12", "phi_center_8",
                 "acidic_center", "proline_center"):
        assert abs(mean[ORDER_NAMES.index(name)]) < 0.05, name  # exact expectation 0; 4,000 draws
    own = order_features(nes, np.array([0]))[0]
    assert own[ORDER_NAMES.index("phi_center_12")] > mean[ORDER_NAMES.index("phi_center_12")] + 1.0


def test_order_features_are_zero_for_a_window_cut_short():
    assert not order_features("MLLKL", np.array([0])).any()


def test_pssm_excess_is_the_order_part_of_the_best_placement():
    """``{"excess": true}`` adds one column: the best placement's score minus its expectation when
    the window's residues are in random order (so it averages about 0 over a window's shuffles)."""
    from nesscan.features.pssm import PSSM_NAMES, AnchorPSSM

    rng = np.random.default_rng(4)
    parents = ["".join(rng.choice(list(STANDARD), 120)) for _ in range(30)]
    nes = "SEDLQRKLEELDLKLSGSEKPT"
    positives = [(p[:40] + nes + p[62:], 40) for p in parents]
    plain = AnchorPSSM().fit(positives, [p[:22] for p in parents])
    excess = AnchorPSSM(excess=True).fit(positives, [p[:22] for p in parents])
    assert plain.dim == len(PSSM_NAMES) and excess.names[-1] == "pssm_excess" and excess.dim == plain.dim + 1
    seq = positives[0][0]
    a, b = plain.transform(seq, np.array([40])), excess.transform(seq, np.array([40]))
    assert np.array_equal(a, b[:, :-1])
    shuffled = [seq[:40] + shuffle_sequence(nes, rng) + seq[62:] for _ in range(300)]
    mean_excess = np.mean([excess.transform(s, np.array([40]))[0, -1] for s in shuffled])
    assert b[0, -1] > mean_excess + 1.0  # the trained-on order scores well above its shuffles


def test_core_shuffles_keep_flanks_and_core_composition():
    from nesscan.dataset.core_shuffled import core_shuffled_negatives

    pos = pd.DataFrame([dict(sequence="PQSTEDKRAAELQRLLEELSLK", label=1, source="nesdb", accession="P1",
                             start=100, centred=True, range_1b="110-120")])
    rows = core_shuffled_negatives(pos, n_per=5, rng=1)
    assert len(rows) == 5 and len({r["sequence"] for r in rows}) == 5
    for r in rows:
        s = r["sequence"]
        assert s[:9] == pos.sequence[0][:9] and s[20:] == pos.sequence[0][20:]
        assert sorted(s[9:20]) == sorted(pos.sequence[0][9:20]) and s != pos.sequence[0]
        assert r["source"] == "core_shuffled" and r["start"] == 100 and r["label"] == 0
    short = pos.assign(range_1b="110-113")  # a 4-residue core is not shuffled
    assert core_shuffled_negatives(short) == []


def test_core_shuffled_set_is_registered_reported_only_and_kept_out_of_all():
    from nesscan.dataset.negatives import SYNTHETIC_SOURCES, separate_sources, untrained_sources

    assert "core_shuffled" in SYNTHETIC_SOURCES
    assert "core_shuffled" in separate_sources() and "core_shuffled" in untrained_sources()


# --------------------------------------------------------------------------- reference nulls


def test_reference_null_round_trip_and_damage(tmp_path: Path):
    from nesscan.errors import NesscanError
    from nesscan.screen.nulls import NULL_FILE, TAIL_FLOOR, load_nulls, reference_null, save_nulls

    scores = np.random.default_rng(0).random(5000).astype(np.float32)
    save_nulls(tmp_path, [reference_null("shuffle", scores, "test shuffles"),
                          reference_null("natural", scores[:100], "test natural")])
    nulls = load_nulls(tmp_path)
    assert nulls["shuffle"].n == 5000 and nulls["natural"].n == 100
    assert np.array_equal(nulls["shuffle"].tail, np.sort(scores[scores >= TAIL_FLOOR]))
    assert load_nulls(tmp_path / "absent") == {}
    (tmp_path / NULL_FILE).write_bytes(b"not a safetensors file")
    with pytest.raises(NesscanError, match="unreadable reference null"):
        load_nulls(tmp_path)


def test_reference_null_counts_its_windows_in_a_histogram():
    from nesscan.screen.fdr_binned import ScoreHistogram
    from nesscan.screen.nulls import reference_null

    h = ScoreHistogram()
    reference_null("shuffle", np.array([0.1, 0.2, 0.5, 0.95], np.float32), "x").add_to(h)
    assert h.n == 4 and h.at_or_above()[0] == 4
    from nesscan.screen.fdr_binned import score_bins

    assert h.at_or_above()[score_bins(np.array([0.5]))[0]] == 2


# --------------------------------------------------------------------------- calls


def _curves(target_scores, null_scores):
    from nesscan.screen.calls import fit_call_curves
    from nesscan.screen.fdr_binned import ScoreHistogram
    from nesscan.screen.nulls import reference_null

    t, own = ScoreHistogram(), ScoreHistogram()
    t.add(np.asarray(target_scores, np.float32))
    refs = {name: reference_null(name, np.asarray(s, np.float32), f"{name} test") for name, s in null_scores.items()}
    return fit_call_curves(t, own, refs)


def test_a_call_must_hold_against_both_nulls():
    from nesscan.screen.calls import annotate_calls, order_candidates

    rng = np.random.default_rng(1)
    targets = np.r_[rng.random(2000) * 0.5, [0.99, 0.98, 0.97, 0.6]]
    curves, info = _curves(targets, {"shuffle": rng.random(50000) * 0.5,
                                     "natural": np.r_[rng.random(50000) * 0.5, [0.985] * 30]})
    cands = pd.DataFrame({"accession": list("ABCD"), "start": 1, "score": [0.99, 0.98, 0.97, 0.95],
                          "call_score": [0.99, 0.98, 0.97, 0.0], "known_nes": [False, True, False, False],
                          "known_nes_ids": ["", "X (NES ID: 1)", "", ""]})
    out = order_candidates(annotate_calls(cands, curves))
    assert list(out.columns[:4]) == ["call", "call_q_value", "accession", "entry_name"] or \
        list(out.columns[:3]) == ["call", "call_q_value", "accession"]
    by = out.set_index("accession")
    assert by.loc["A", "call"] == "called"  # above every null window
    assert by.loc["B", "q_value_shuffle"] <= 0.1 < by.loc["B", "q_value_natural"]  # 30 natural windows above it
    assert by.loc["B", "call"] == "not called" and by.loc["B", "call_q_value"] == by.loc["B", "q_value_natural"]
    assert by.loc["D", "call"] == "protein set aside"
    assert out.call.iloc[0] == "called"  # trusted rows first


def test_call_summary_counts_and_headline():
    from nesscan.screen.calls import annotate_calls, call_summary

    rng = np.random.default_rng(2)
    curves, info = _curves(np.r_[rng.random(500) * 0.5, [0.99, 0.98]], {"shuffle": rng.random(8000) * 0.5})
    cands = pd.DataFrame({"accession": ["A", "B"], "start": [1, 1], "score": [0.99, 0.98], "call_score": [0.99, 0.98],
                          "known_nes": [False, True], "known_nes_ids": ["", "X (NES ID: 1)"]})
    summary = call_summary(annotate_calls(cands, curves), curves, info, n_known=4)
    assert summary["default_nulls"] == ["shuffle"] and summary["calls"] == 2 and summary["novel_calls"] == 1
    assert summary["known_nes_recovered"] == 1 and summary["nulls"]["shuffle"]["n_windows"] == 8000
    assert summary["headline"].startswith("1 novel NES candidate in 1 protein at an estimated FDR of 10%")
    assert "1 of the 4 known NESdb NESs" in summary["headline"]


# --------------------------------------------------------------------------- screens


def test_one_protein_gets_an_error_rate_from_the_reference_null(tiny_cargo_model: Path, tiny_cargo_data: Path,
                                                                 tmp_path: Path):
    """The model's shipped shuffle null gives a call q-value to a file of one protein (no decoys
    of its own), and the screen leads its candidates with the call."""
    from nesscan.cli import main
    from nesscan.io.fasta import iter_fasta
    from nesscan.screen.nulls import load_nulls

    nulls = load_nulls(tiny_cargo_model)
    assert set(nulls) == {"shuffle"} and nulls["shuffle"].n > 1000  # no E. coli file in the tiny data
    proteins = list(iter_fasta(tiny_cargo_data / "proteomes" / "human_swissprot_assembled.fasta.gz"))
    one = next(p for p in proteins if p.accession.startswith("C"))  # a cargo with a planted NES
    fasta = tmp_path / "one.fasta"
    fasta.write_text(f">sp|{one.accession}|{one.entry_name} x\n{one.sequence}\n")
    assert main(["screen", str(fasta), "-o", str(tmp_path / "s"), "--model", str(tiny_cargo_model),
                 "--decoy-fraction", "0"]) == 0
    fdr = json.loads((tmp_path / "s" / "fdr.json").read_text())
    call = fdr["call"]
    assert call["nulls"]["shuffle"]["own_decoy_windows"] == 0 and call["default_nulls"] == ["shuffle"]
    assert call["nulls"]["shuffle"]["n_windows"] == nulls["shuffle"].n
    cands = pd.read_csv(tmp_path / "s" / "candidates.csv")
    assert list(cands.columns[:2]) == ["call", "call_q_value"]
    if len(cands):
        assert cands.q_value_shuffle.notna().all() and cands.q_value_natural.isna().all()
    assert call["headline"].endswith(".")


def test_train_refuses_a_missing_natural_null_before_any_work(tiny_data: Path, tmp_path: Path, capsys):
    from nesscan.cli import main

    rc = main(["train", "--data", str(tiny_data), "-o", str(tmp_path / "m"), "--natural-null", str(tmp_path / "no.fa")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc != 0 and len(err) == 1 and "no.fa: no such file" in err[0] and not (tmp_path / "m").exists()
