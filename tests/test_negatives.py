"""Hard negative sets: consensus windows of NES-free proteins, anchor mutants, shuffles."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from nesscan.consensus import HYDROPHOBIC, count_consensus_many, find_consensus
from nesscan.dataset import registry
from nesscan.dataset.examples import WINDOW, build_examples, positive_starts
from nesscan.dataset.hard_negatives import (
    ANCHOR_SOURCE,
    CONSENSUS_SOURCE,
    LOCNES_SOURCE,
    SHUFFLED_SOURCE,
    anchor_mutants,
    anchor_positions,
    consensus_negatives,
    locnes_negatives,
    shuffled_negatives,
)
from nesscan.dataset.positives import centred_positives, nes_sites
from nesscan.records import NesAnnotation, Protein

STANDARD = "ACDEFGHIKLMNPQRSTVWY"
COLUMNS = ["sequence", "label", "source", "accession", "start", "centred", "range_1b"]


def _random_protein(rng: np.random.Generator, acc: str, length: int) -> Protein:
    return Protein(acc, "".join(rng.choice(list(STANDARD), length)))


@pytest.fixture(scope="module")
def synthetic_inputs():
    """30 random proteins, one NES each (a planted class-1a motif, or a short range with
    no consensus in it), and 40 random mitochondrial proteins: ``(annotations, mito)``."""
    rng = np.random.default_rng(7)
    anns, mito = [], []
    for i in range(30):
        p = _random_protein(rng, f"P{i:03d}", int(rng.integers(60, 200)))
        seq = list(p.sequence)
        at = int(rng.integers(15, len(seq) - 25))
        if i % 3:  # a class-1a motif, L-x3-L-x2-L-x-L, in a 12-residue range
            for k, aa in enumerate("ELSEKLKQLALD"):
                seq[at + k] = aa
            rng_1b = (at + 1, at + 12)
        else:  # a 5-residue range: fallback rule
            rng_1b = (at + 1, at + 5)
        p = Protein(p.accession, "".join(seq))
        anns.append(NesAnnotation(f"N{i} (NES ID: {i})", p, (rng_1b,), i == 29))
    for i in range(40):
        mito.append(_random_protein(rng, f"M{i:03d}", int(rng.integers(15, 300))))
    return anns, mito


@pytest.fixture(scope="module")
def synthetic(synthetic_inputs):
    """The synthetic inputs built into an example table by ``build_examples``: ``(es, mito)``."""
    anns, mito = synthetic_inputs
    return build_examples(anns, mito, seed=0), mito


def _check_rows(rows: list[dict], source: str, positives: set[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    assert list(df.columns) == COLUMNS
    assert len(df) > 0
    assert (df.sequence.str.len() == WINDOW).all()
    assert (df.label == 0).all() and (df.source == source).all()
    assert df.centred.all() and (df.range_1b == "").all()
    assert not df.sequence.isin(positives).any(), "a negative equals a positive"
    assert not df.sequence.duplicated().any()
    return df


# ----------------------------------------------------------------------- anchor_positions


def test_anchor_positions_hand_cases() -> None:
    pki = "NSNELALKLAGLDIN"  # PKI NES: 1a (anchors 4, 8, 11, 13) and 2 match; 1a preferred
    assert anchor_positions(pki, 0, len(pki)) == ((4, 8, 11, 13), "consensus:1a")
    # the match must lie wholly in the range: cut off Φ4 and only the fallback applies
    assert anchor_positions(pki, 0, 13) == ((4, 6, 8, 11), "all_hydrophobic")
    assert anchor_positions("AALKLAA", 2, 5) == ((2, 4), "all_hydrophobic")
    assert anchor_positions("AAKKAA", 1, 4) == ((), "all_hydrophobic")
    assert anchor_positions("LLLL", -3, 99) == ((0, 1, 2, 3), "all_hydrophobic")  # clipped


# ----------------------------------------------------------------------- consensus_negatives


def test_consensus_negatives_hold_a_centred_match(synthetic) -> None:
    es, mito = synthetic
    positives = set(es.examples.loc[es.examples.label == 1, "sequence"])
    rows = consensus_negatives(mito, per_protein=2, rng=0, exclude=positives)
    df = _check_rows(rows, CONSENSUS_SOURCE, positives)
    by_acc = {p.accession: p for p in mito}
    assert (count_consensus_many(list(df.sequence)) > 0).all()
    for acc, group in df.groupby("accession"):
        seq = by_acc[acc].sequence
        assert len(group) <= 2
        starts = sorted(group.start)
        assert all(b - a >= WINDOW for a, b in zip(starts, starts[1:])), "windows of a protein overlap"
        centred = {positive_starts(m.start + 1, m.end, len(seq), WINDOW, 1)[0] for m in find_consensus(seq)}
        for row in group.itertuples():
            assert row.sequence == seq[row.start:row.start + WINDOW]
            assert row.start in centred, "window is not the centred window of a match"
    assert all(len(by_acc[a].sequence) >= WINDOW for a in df.accession)


def test_consensus_negatives_seeded_and_filtered() -> None:
    rng = np.random.default_rng(3)
    proteins = [Protein(f"X{i}", "".join(rng.choice(list("LIVAKE"), 300))) for i in range(5)]
    a = consensus_negatives(proteins, per_protein=3, rng=11)
    assert a == consensus_negatives(proteins, per_protein=3, rng=11)
    assert a == consensus_negatives(proteins, per_protein=3, rng=np.random.default_rng(11))
    assert a != consensus_negatives(proteins, per_protein=3, rng=12)
    assert Counter(r["accession"] for r in a) == {f"X{i}": 3 for i in range(5)}
    only_1a = consensus_negatives(proteins, per_protein=3, rng=11, classes={"1a"})
    for r in only_1a:
        assert any(m.nes_class == "1a" for m in find_consensus(r["sequence"]))
    excluded = consensus_negatives(proteins, per_protein=3, rng=11, exclude={a[0]["sequence"]})
    assert a[0]["sequence"] not in {r["sequence"] for r in excluded}
    assert consensus_negatives([Protein("S", "LAALAALAL")]) == []  # shorter than the window
    assert consensus_negatives([Protein("N", "A" * 50)]) == []  # no match


# ----------------------------------------------------------------------- anchor_mutants


def _check_mutants(df: pd.DataFrame, examples: pd.DataFrame, proteins) -> None:
    parents = centred_positives(examples).set_index(["accession", "start"])
    for row in df.itertuples():
        parent = parents.loc[(row.accession, row.start)]
        assert parent.sequence == proteins[row.accession].sequence[row.start:row.start + WINDOW]
        s, e = (int(x) for x in parent.range_1b.split("-"))
        lo, hi = s - 1 - row.start, e - row.start
        diff = [i for i, (a, b) in enumerate(zip(parent.sequence, row.sequence)) if a != b]
        assert diff, "a mutant equals its parent"
        assert all(lo <= i < hi for i in diff), "a mutation outside the NES range"
        assert all(parent.sequence[i] in HYDROPHOBIC and row.sequence[i] == "A" for i in diff)
        expected, rule = anchor_positions(parent.sequence, lo, hi)
        assert tuple(diff) == expected
        if rule.startswith("consensus"):
            assert len(diff) == 4
        else:  # every Φ of the range is gone
            assert not any(c in HYDROPHOBIC for c in row.sequence[lo:hi])


def test_anchor_mutants_synthetic(synthetic) -> None:
    es, _ = synthetic
    ex = es.examples
    positives = set(ex.loc[ex.label == 1, "sequence"])
    rows = anchor_mutants(ex, es.proteins)
    df = _check_rows(rows, ANCHOR_SOURCE, positives)
    _check_mutants(df, ex, es.proteins)
    assert anchor_mutants(ex, es.proteins) == rows  # deterministic
    # one mutant per centred positive unless its range holds no Φ residue
    cp = centred_positives(ex)
    with_phi = sum(any(c in HYDROPHOBIC for c in es.proteins[r.accession].sequence[int(r.range_1b.split("-")[0]) - 1:
                                                                               int(r.range_1b.split("-")[1])])
                   for r in cp.itertuples())
    assert len(df) == with_phi
    # the planted 1a motifs are mutated at their four anchors (L -> A)
    planted = [r for r in rows if "ELSEKLKQLALD".replace("L", "A") in r["sequence"]]
    assert len(planted) >= 15


def test_anchor_mutants_rejects_window_leaving_parent() -> None:
    p = Protein("P", "A" * 10 + "LAAALAALAL" + "A" * 5)
    bad = pd.DataFrame([dict(sequence="x", label=1, source="nesdb", accession="P", start=10,
                             centred=True, range_1b="11-20")])
    with pytest.raises(ValueError, match="leaves"):
        anchor_mutants(bad, {"P": p})


# ----------------------------------------------------------------------- shuffled_negatives


def test_shuffled_negatives_preserve_composition(synthetic) -> None:
    es, _ = synthetic
    ex = es.examples
    positives = set(ex.loc[ex.label == 1, "sequence"])
    rows = shuffled_negatives(ex, n_per=2, rng=5)
    df = _check_rows(rows, SHUFFLED_SOURCE, positives)
    parents = centred_positives(ex).set_index(["accession", "start"])
    assert len(df) == 2 * len(parents)
    for row in df.itertuples():
        parent = parents.loc[(row.accession, row.start)].sequence
        assert sorted(row.sequence) == sorted(parent) and row.sequence != parent
    assert shuffled_negatives(ex, n_per=2, rng=5) == rows
    assert shuffled_negatives(ex, n_per=2, rng=6) != rows


def test_shuffled_negatives_give_up_on_uniform_windows() -> None:
    one = pd.DataFrame([dict(sequence="L" * 21 + "A", label=1, source="nesdb", accession="P",
                             start=0, centred=True, range_1b="1-10")])
    rows = shuffled_negatives(one, n_per=30, rng=0)  # only 21 distinct other permutations
    assert len(rows) == 21 and len({r["sequence"] for r in rows}) == 21


# ----------------------------------------------------------------------- locnes_negatives


def _check_locnes(df: pd.DataFrame, proteins, sites: pd.DataFrame) -> None:
    """Every ``locnes_neg`` row is its parent's slice, holds a whole strict consensus match,
    touches no annotated range of its protein; at most 3 disjoint windows per protein."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for site in sites.itertuples(index=False):
        ranges.setdefault(site.accession, []).append((site.start_1b - 1, site.end_1b))  # 0-based, end excl.
    assert len(df) > 0 and (df.source == LOCNES_SOURCE).all() and (df.label == 0).all()
    for acc, group in df.groupby("accession"):
        seq = proteins[acc].sequence
        assert len(group) <= 3
        starts = sorted(group.start)
        assert all(b - a >= WINDOW for a, b in pairwise(starts)), "windows of a protein overlap"
        matches = find_consensus(seq)
        for row in group.itertuples():
            a, b = row.start, row.start + WINDOW
            assert row.sequence == seq[a:b]
            assert any(a <= m.start and m.end <= b for m in matches), "no whole consensus match in the window"
            assert find_consensus(row.sequence)
            assert all(e <= a or b <= s for s, e in ranges.get(acc, [])), f"{acc}:{a} touches an annotated NES"


def test_locnes_negatives_shift_off_an_nes_and_avoid_every_range() -> None:
    # a 1a match at 30-39 (0-based) whose centred window (24) would reach the NES at 43-54:
    # the nearest window that holds the whole match and touches no NES residue starts at 21
    seq = "G" * 30 + "LSSSLTTLSL" + "GGG" + "LQALKLEGLDLK" + "G" * 30
    sites = pd.DataFrame({"accession": ["X"], "start_1b": [44], "end_1b": [55]})
    rows = locnes_negatives([Protein("X", seq)], sites)
    assert [(r["start"], r["sequence"]) for r in rows] == [(21, seq[21:43])]
    # a range over the whole protein leaves nothing
    whole = pd.DataFrame({"accession": ["X"], "start_1b": [1], "end_1b": [len(seq)]})
    assert locnes_negatives([Protein("X", seq)], whole) == []

    rng = np.random.default_rng(5)
    proteins = [Protein(f"P{i}", "".join(rng.choice(list("LIVAKESD"), 250))) for i in range(6)]
    sites = pd.DataFrame({"accession": ["P0", "P0", "P1", "P3"], "start_1b": [30, 100, 1, 200],
                          "end_1b": [45, 180, 250, 209]})  # P0: a short and a long range; P1: all of it
    rows = locnes_negatives(proteins, sites, rng=3)
    df = pd.DataFrame(rows)
    _check_locnes(df, {p.accession: p for p in proteins}, sites)
    counts = Counter(df.accession)
    assert "P1" not in counts and counts["P2"] == counts["P4"] == counts["P5"] == 3
    assert not df.sequence.duplicated().any()
    # seeded: same seed, same rows; another seed, other rows
    assert rows == locnes_negatives(proteins, sites, rng=3) == locnes_negatives(proteins, sites,
                                                                                 rng=np.random.default_rng(3))
    assert rows != locnes_negatives(proteins, sites, rng=4)
    assert len(locnes_negatives(proteins, sites, per_protein=1, rng=3)) == 5
    excluded = locnes_negatives(proteins, sites, rng=3, exclude={rows[0]["sequence"]})
    assert rows[0]["sequence"] not in {r["sequence"] for r in excluded}


def test_locnes_neg_is_built_from_its_own_generator(synthetic_inputs, synthetic, monkeypatch) -> None:
    """Moved first in the registry, ``locnes_neg`` leaves every other set's rows unchanged:
    it never draws from the shared generator."""
    anns, mito = synthetic_inputs
    ex = synthetic[0].examples
    assert (ex.source == LOCNES_SOURCE).sum() > 0
    entries = registry.REGISTRY
    at = [e.name for e in entries].index(LOCNES_SOURCE)
    assert [e.name for e in entries[at + 1:]] == ["nonbinder", "core_shuffled"]  # registered last but two
    monkeypatch.setattr(registry, "REGISTRY", [entries[at], *entries[:at], *entries[at + 1:]])
    moved = build_examples(anns, mito, seed=0).examples
    assert moved[moved.source != LOCNES_SOURCE].reset_index(drop=True).equals(
        ex[ex.source != LOCNES_SOURCE].reset_index(drop=True))


# ----------------------------------------------------------------------- real data


def test_hard_negatives_on_real_data(real_examples) -> None:
    annotations, mito, es = real_examples
    ex = es.examples
    positives = set(ex.loc[ex.label == 1, "sequence"])
    known = {a.protein.accession for a in annotations}
    clean = [p for p in mito if p.accession not in known]
    cons = _check_rows(consensus_negatives(clean, rng=0, exclude=positives), CONSENSUS_SOURCE, positives)
    anc = _check_rows(anchor_mutants(ex, es.proteins), ANCHOR_SOURCE, positives)
    shuf = _check_rows(shuffled_negatives(ex, rng=0), SHUFFLED_SOURCE, positives)
    n_centred = len(centred_positives(ex))
    assert len(cons) > 2000 and not cons.accession.isin(known).any()
    assert 0.9 * n_centred < len(anc) <= n_centred
    assert len(shuf) == n_centred
    _check_mutants(anc, ex, es.proteins)
    # by construction: anchor mutants lose hydrophobics, shuffles keep composition
    assert (count_consensus_many(list(anc.sequence)) > 0).mean() < 0.1
    assert (count_consensus_many(list(cons.sequence)) > 0).all()


def test_locnes_neg_on_real_data(real_examples) -> None:
    annotations, mito, es = real_examples
    ex = es.examples
    loc = ex[ex.source == LOCNES_SOURCE]
    parents = {a.protein.accession for a in annotations}
    assert len(loc) > 600 and loc.accession.isin(parents).all() and loc.centred.all()
    _check_locnes(loc, es.proteins, nes_sites(annotations))  # every NESdb range, doubtful ones included
    # one window, one source: none equals a positive, an nesdb_other window of the same protein, or any row
    assert not loc.sequence.isin(set(ex.sequence[ex.source != LOCNES_SOURCE])).any()
    assert not loc.sequence.duplicated().any()
    # registered after every set but two (no non-binders here): every earlier row is where it was; and the
    # same seed gives the same rows
    later = int(ex.source.isin(["nonbinder", "core_shuffled"]).sum())
    assert (ex.index[ex.source == LOCNES_SOURCE] >= len(ex) - len(loc) - later).all()
    assert (ex.index[ex.source == LOCNES_SOURCE] < len(ex) - later).all()
    assert build_examples(annotations, mito, seed=0).examples.equals(ex)
