"""Training/evaluation examples: window length, positives holding their NES, clean negatives."""

from __future__ import annotations

import numpy as np
import pytest

from nesscan.dataset.negatives import SYNTHETIC_SOURCES
from nesscan.dataset.examples import POSITIVE_SOURCES, WINDOW, build_examples, nes_sites, positive_starts
from nesscan.records import NesAnnotation, Protein

# ----------------------------------------------------------------- positive_starts, hand cases


def _check_starts(starts: list[int], start_1b: int, end_1b: int, length: int, offsets: int) -> None:
    s0, e0 = start_1b - 1, end_1b
    assert len(starts) == len(set(starts)) and 1 <= len(starts) <= offsets
    for a in starts:
        assert 0 <= a and a + WINDOW <= length, f"window {a} leaves the protein"
        assert a <= s0 and e0 <= a + WINDOW, f"window {a} misses part of {start_1b}-{end_1b}"
    lo, hi = max(0, e0 - WINDOW), min(s0, length - WINDOW)
    centre = s0 - (WINDOW - (e0 - s0)) // 2  # where the range would sit in the middle
    assert starts[0] == min(max(centre, lo), hi), "the first window is the centred one (clipped)"
    assert sorted(starts[1:]) == starts[1:]


def test_positive_starts_docstring_case() -> None:
    assert positive_starts(11, 20, 100, offsets=3) == [4, 0, 10]


@pytest.mark.parametrize("start_1b,end_1b,length", [
    (11, 20, 100), (50, 59, 300), (1, 10, 100), (91, 100, 100), (5, 26, 60), (30, 30, 80),
    (2, 9, 22), (40, 52, 53), (12, 22, 40),
])
@pytest.mark.parametrize("offsets", [1, 3, 5])
def test_positive_starts_properties(start_1b: int, end_1b: int, length: int, offsets: int) -> None:
    starts = positive_starts(start_1b, end_1b, length, offsets=offsets)
    _check_starts(starts, start_1b, end_1b, length, offsets)


def test_positive_starts_centres_the_range() -> None:
    (a,) = positive_starts(50, 59, 300, offsets=1)
    left, right = 49 - a, a + WINDOW - 59  # flanks of a 10-residue range in a 22-mer
    assert left == right == 6
    assert positive_starts(1, 10, 100, offsets=1) == [0]  # clipped at the N-terminus
    assert positive_starts(91, 100, 100, offsets=1) == [78]  # clipped at the C-terminus
    assert positive_starts(1, 22, 22) == [0]  # the range fills the only window


def test_positive_starts_impossible_cases() -> None:
    assert positive_starts(3, 10, 21) == []  # protein shorter than the window
    assert positive_starts(5, 30, 100) == []  # range longer than the window


def test_build_examples_on_hand_made_proteins() -> None:
    rng = np.random.default_rng(1)
    seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), 120))
    p = Protein("P1", seq)
    anns = [NesAnnotation("A (NES ID: 1)", p, ((30, 40),), False),
            NesAnnotation("A (NES ID: 2)", p, ((80, 115),), False),  # weak label: longer than window
            NesAnnotation("A (NES ID: 3)", p, ((60, 69),), True)]
    mito = [Protein("P1", seq), Protein("M1", "MAARS" * 12), Protein("M2", "MAAR")]
    ex = build_examples(anns, mito, seed=3)
    t = ex.examples
    assert set(t[t.label == 1].source) == {"nesdb", "nesdb_doubtful"}
    assert set(t[t.label == 1].range_1b) == {"30-40", "60-69"}
    assert ex.summary["ranges_longer_than_window"] == 1
    assert ex.summary["mito_dropped_known_nes_cargo"] == 1  # P1 is an NES cargo
    assert ex.summary["proteins_shorter_than_window"] == 1  # M2
    assert set(t[t.source.str.startswith("mito")].accession) == {"M1"}
    other = t[t.source.isin(["nesdb_other", "locnes_neg"])]
    covered = np.zeros(len(seq), bool)
    for s, e in ((30, 40), (80, 115), (60, 69)):
        covered[s - 1:e] = True
    for a in other.start:
        assert not covered[a:a + WINDOW].any()
    assert (t.sequence.str.len() == WINDOW).all()
    # the same seed gives the same table
    assert build_examples(anns, mito, seed=3).examples.equals(t)


# ------------------------------------------------------------------------------- real data

real_data = pytest.mark.slow


def _ranges(annotations) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for ann in annotations:
        out.setdefault(ann.protein.accession, []).extend(ann.ranges_1b)
    return out


@real_data
def test_every_example_is_22_residues(real_examples) -> None:
    _, _, ex = real_examples
    t = ex.examples
    assert len(t) > 5000
    assert set(t.source) == {"nesdb", "nesdb_doubtful", "mito_random", "mito_nterm", "nesdb_other",
                             "consensus_no_nes", "anchor_mutant", "shuffled", "locnes_neg", "core_shuffled"}
    for source, group in t.groupby("source"):
        lengths = group.sequence.str.len()
        assert (lengths == WINDOW).all(), f"{source}: lengths {sorted(set(lengths))}"
    # and each real (not synthetic) window is the slice of its parent that its start says
    for row in t[~t.source.isin(SYNTHETIC_SOURCES)].itertuples(index=False):
        assert ex.proteins[row.accession].sequence[row.start:row.start + WINDOW] == row.sequence


@real_data
def test_positives_hold_their_whole_range(real_examples) -> None:
    annotations, _, ex = real_examples
    t = ex.examples
    pos = t[t.label == 1]
    assert set(pos.source) == set(POSITIVE_SOURCES)
    known = {(a, s, e) for a, rr in _ranges(annotations).items() for s, e in rr}
    for row in pos.itertuples(index=False):
        s, e = map(int, row.range_1b.split("-"))
        assert (row.accession, s, e) in known
        assert row.start <= s - 1 and e <= row.start + WINDOW, f"{row.accession} {row.range_1b} @ {row.start}"
    # one centred window per usable NES site, and every usable site has one
    sites = nes_sites(annotations)
    usable = {(r.accession, f"{r.start_1b}-{r.end_1b}") for r in sites.itertuples(index=False)
              if positive_starts(r.start_1b, r.end_1b, len(ex.proteins[r.accession].sequence))}
    centred = pos[pos.centred]
    assert not centred.duplicated(["accession", "range_1b"]).any()
    assert set(zip(centred.accession, centred.range_1b)) == usable


@real_data
def test_negatives_avoid_every_annotated_range(real_examples) -> None:
    annotations, _, ex = real_examples
    t = ex.examples
    ranges = _ranges(annotations)
    neg = t[t.label == 0]
    other = neg[neg.source.isin(["nesdb_other", "locnes_neg"])]  # the negatives cut from NESdb parents
    assert set(other.source) == {"nesdb_other", "locnes_neg"}
    for row in other.itertuples(index=False):
        for s, e in ranges[row.accession]:  # doubtful and over-long ranges included
            assert row.start + WINDOW <= s - 1 or row.start >= e, \
                f"{row.accession} negative at {row.start} overlaps {s}-{e}"
    mito = neg[neg.source.isin(["mito_random", "mito_nterm"])]
    assert not set(mito.accession) & set(ranges), "a mitochondrial negative comes from an NESdb cargo"
    assert (mito[mito.source == "mito_nterm"].start == 0).all()
    assert (mito[mito.source == "mito_random"].start > 0).all()


@real_data
def test_pink1_is_not_a_negative(real_examples) -> None:
    _, mito, ex = real_examples
    assert "Q9BXM7" in {p.accession for p in mito}  # it is in the mitochondrial file...
    t = ex.examples
    pink1 = t[t.accession == "Q9BXM7"]
    assert not pink1.source.isin(["mito_random", "mito_nterm"]).any()  # ...but never a mito negative
    assert ex.summary["mito_dropped_known_nes_cargo"] >= 1


@real_data
def test_no_negative_equals_a_positive(real_examples) -> None:
    _, _, ex = real_examples
    t = ex.examples
    positives = set(t.loc[t.label == 1, "sequence"])
    assert not t[(t.label == 0) & t.sequence.isin(positives)].shape[0]
