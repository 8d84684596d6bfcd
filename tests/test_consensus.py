"""Kosugi consensus classes on hand-made and known NES sequences."""

from __future__ import annotations

import random

import pytest

from nesscan.consensus import (
    CLASS_GAPS,
    CLASS_ORDER,
    ConsensusMatch,
    best_class,
    count_consensus_many,
    find_consensus,
)

# Kosugi et al. 2008: X between Φ1-Φ2, Φ2-Φ3, Φ3-Φ4.
EXPECTED_FORWARD = {
    "1a": (3, 2, 1), "1b": (2, 2, 1), "1c": (3, 3, 1), "1d": (2, 3, 1),
    "2": (1, 2, 1), "3": (2, 3, 2),
}


def build(gaps: tuple[int, ...], phi: str = "L", x: str = "A") -> str:
    """A minimal instance: Φ, then each gap of X followed by Φ."""
    return phi + "".join(x * g + phi for g in gaps)


def test_class_table() -> None:
    for name, gaps in EXPECTED_FORWARD.items():
        assert CLASS_GAPS[name] == gaps
    for name in ("1a", "1b", "1c", "1d"):
        assert CLASS_GAPS[f"{name}-R"] == EXPECTED_FORWARD[name][::-1]
    # 2 and 3 are palindromic: their mirrors are themselves, not separate classes.
    assert [n for n, g in EXPECTED_FORWARD.items() if g[::-1] == g] == ["2", "3"]
    assert "2-R" not in CLASS_GAPS and "3-R" not in CLASS_GAPS
    assert len(CLASS_ORDER) == 10 and len(set(CLASS_GAPS.values())) == 10


@pytest.mark.parametrize("name", list(CLASS_GAPS))
def test_each_class_matches_its_own_pattern_only(name: str) -> None:
    seq = "AA" + build(CLASS_GAPS[name]) + "AA"
    matches = find_consensus(seq)
    assert [m.nes_class for m in matches] == [name]
    gaps = CLASS_GAPS[name]
    expected = (2, 3 + gaps[0], 4 + gaps[0] + gaps[1], 5 + sum(gaps))
    assert matches[0] == ConsensusMatch(name, 2, expected[-1] + 1, expected)
    assert all(seq[a] == "L" for a in matches[0].anchors)


def test_every_phi_residue_counts() -> None:
    for phi in "LIVFM":
        assert [m.nes_class for m in find_consensus(build(CLASS_GAPS["1a"], phi=phi))] == ["1a"]
    for other in "AWYCGPKDETSRQNH":
        assert find_consensus(build(CLASS_GAPS["1a"], phi=other)) == []


def test_no_match() -> None:
    assert find_consensus("A" * 40) == []
    assert find_consensus("") == []
    assert count_consensus_many(["A" * 22]).tolist() == [0]
    assert best_class("A" * 22) is None
    assert find_consensus("LALL") == []  # shorter than any class


def test_pki_nes() -> None:
    # PKIA NES (LALKLAGLDI): class 1a at L4 and, overlapping, class 2 at L6.
    matches = find_consensus("NSNELALKLAGLDIN")
    assert [(m.nes_class, m.anchors) for m in matches] == [
        ("1a", (4, 8, 11, 13)),
        ("2", (6, 8, 11, 13)),
    ]
    assert matches[0].start == 4 and matches[0].end == 14
    assert best_class("NSNELALKLAGLDIN").nes_class == "1a"
    assert count_consensus_many(["NSNELALKLAGLDIN"]).tolist() == [2]


def test_hiv_rev_nes() -> None:
    # HIV-1 Rev NES LQLPPLERLTL: class 1b (L2 L5 L8 L10); its first four L also fit 1b-R.
    matches = find_consensus("LQLPPLERLTLD")
    assert [(m.nes_class, m.anchors) for m in matches] == [
        ("1b-R", (0, 2, 5, 8)),
        ("1b", (2, 5, 8, 10)),
    ]
    assert best_class("LQLPPLERLTLD").nes_class == "1b"  # forward preferred


@pytest.mark.parametrize("name", ["1a", "1b", "1c", "1d", "2", "3"])
def test_reversed_forward_instance_matches_reverse_class(name: str) -> None:
    rng = random.Random(name)
    filler = "AGSTDEKRNQ"  # no Φ
    core = "".join(c if c == "L" else rng.choice(filler) for c in build(CLASS_GAPS[name]))
    seq = "".join(rng.choice(filler) for _ in range(3)) + core + "PG"
    forward = find_consensus(seq)
    backward = find_consensus(seq[::-1])
    assert [m.nes_class for m in forward] == [name]
    assert [m.nes_class for m in backward] == [name if name in ("2", "3") else f"{name}-R"]
    mirrored = tuple(sorted(len(seq) - 1 - a for a in forward[0].anchors))
    assert backward[0].anchors == mirrored


def test_overlapping_matches_sorted() -> None:
    seq = "L" * 14  # every class matches at every start that fits
    matches = find_consensus(seq)
    starts = [(m.start, CLASS_ORDER.index(m.nes_class)) for m in matches]
    assert starts == sorted(starts)
    expected = sum(14 - (sum(g) + 3) for g in CLASS_GAPS.values())
    assert len(matches) == expected == count_consensus_many([seq])[0]
    assert best_class(seq) == ConsensusMatch("1c", 0, 11, (0, 4, 8, 10))  # longest forward span


def test_count_many_equals_the_number_of_matches() -> None:
    rng = random.Random(0)
    aa = "ACDEFGHIKLMNPQRSTVWY"
    seqs = ["".join(rng.choice(aa) for _ in range(n)) for n in [22] * 300 + [5, 30, 0, 11]]
    counts = count_consensus_many(seqs)
    assert counts.tolist() == [len(find_consensus(s)) for s in seqs]
    assert counts.sum() > 0
