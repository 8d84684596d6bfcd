"""NES class and anchor annotation of candidates; q-value column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nesscan.screen.annotate import NO_CONSENSUS, add_q_values, annotate_candidates, nes_class
from fdr_oracle import fdr_curve

# A 22-residue class-1a window: Φ at 1-based 4, 8, 11, 13 (L-x3-L-x2-I-x-V), no other Φ.
CLASS_1A = "SEDLKEGLSELGIETTPQSDGK"
assert len(CLASS_1A) == 22


def test_class_1a_window() -> None:
    assert nes_class(CLASS_1A) == ("1a", "4,8,11,13")


def test_no_consensus() -> None:
    assert nes_class("A" * 22) == (NO_CONSENSUS, "")
    assert nes_class("") == (NO_CONSENSUS, "")


def test_reverse_class_anchors_are_ascending() -> None:
    # the mirror of the 1a window is a 1a-R window; anchors still listed N to C
    name, anchors = nes_class(CLASS_1A[::-1])
    assert name == "1a-R"
    assert anchors == ",".join(str(23 - int(a)) for a in reversed("4,8,11,13".split(",")))


def test_known_nes_classes() -> None:
    # PKI (Wen et al. 1995): LALKLAGLDI, Φ1-x3-Φ2-x2-Φ3-x-Φ4 with Φ = L, L, L, I
    assert nes_class("NSNELALKLAGLDIN") == ("1a", "5,9,12,14")
    # lower case is read as upper case
    assert nes_class(CLASS_1A.lower()) == ("1a", "4,8,11,13")


def test_annotate_candidates_absolute_anchors() -> None:
    table = pd.DataFrame({
        "accession": ["P1", "P2", "P3"],
        "start": [1, 100, 57],
        "end": [22, 121, 78],
        "sequence": [CLASS_1A, "A" * 22, CLASS_1A],
        "score": [0.99, 0.95, 0.91],
    }, index=[5, 7, 9])
    out = annotate_candidates(table)
    assert list(out.index) == [5, 7, 9]
    assert out.nes_class.tolist() == ["1a", NO_CONSENSUS, "1a"]
    # window anchors 4, 8, 11, 13 -> protein residues start + anchor - 1
    assert out.anchors.tolist() == ["4,8,11,13", "", "60,64,67,69"]
    assert "nes_class" not in table.columns  # a copy, input untouched
    assert out.drop(columns=["nes_class", "anchors"]).equals(table)


def test_annotate_candidates_empty_and_missing_columns() -> None:
    empty = pd.DataFrame({"start": pd.Series([], dtype="int32"), "sequence": pd.Series([], dtype=object)})
    out = annotate_candidates(empty)
    assert len(out) == 0 and {"nes_class", "anchors"} <= set(out.columns)
    with pytest.raises(ValueError, match="sequence"):
        annotate_candidates(pd.DataFrame({"start": [1]}))


def test_add_q_values_from_a_curve() -> None:
    targets = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    decoys = np.array([0.75, 0.55, 0.1, 0.1, 0.1, 0.1])
    curve = fdr_curve(targets, decoys, plus_one=False)
    table = pd.DataFrame({"score": [0.95, 0.7, 0.5]})
    out = add_q_values(table, curve.q_of)
    assert out.q_value.tolist() == pytest.approx([0.0, 0.2, 2 / 6])
    assert "q_value" not in table.columns
    with pytest.raises(ValueError, match="returned"):
        add_q_values(table, lambda s: s[:1])
