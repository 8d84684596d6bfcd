"""`nesscan structure` without an AlphaFold model: metapredict's predicted pLDDT stands in, flagged
``predicted_plddt`` with ``plddt_source = metapredict``; a protein with a model is unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.structure import COLUMNS, annotate_structures
from nesscan.structure.residues import residue_profile
from nesscan.structure.score import predicted_structural_score

CDC7 = "AF-O00311-F1-model_v4.pdb"
# `nesscan structure` on this CDC7 window before predicted pLDDT existed (commit 5c5d7f9)
BEFORE = {"structure_status": "ok", "structure_model": CDC7, "anchor_source": "consensus",
          "rsa_window": 0.39939225668317513, "rsa_anchors": 0.16772227327113637,
          "plddt_window": 83.86045454545454, "plddt_anchors": 91.5275, "helix_fraction": 0.4090909090909091,
          "strand_fraction": 0.18181818181818182, "structural_score": 0.38049932187148694,
          "combined_score": 0.7701248304678718,
          "structure_explanation": ("partly buried mixed helix/strand/coil in a confident domain, "
                                    "anchors' RSA 0.17 (window 0.40), pLDDT 84")}  # worded since it names its RSA
# a protein with no model in data/structures: a made-up accession with a disordered-looking N-terminus
# and a folded-looking rest (metapredict decides; the test only compares against metapredict itself)
NOMODEL = "Q00001"


@pytest.fixture(scope="module")
def cdc7(data_dir: Path) -> str:
    return residue_profile(data_dir / "structures" / CDC7).sequence


def _table(cdc7: str) -> pd.DataFrame:
    other = cdc7[300:520]  # a real protein stretch, under an accession with no model
    return pd.DataFrame([
        {"accession": "O00311", "start": 452, "end": 473, "sequence": cdc7[451:473], "score": 0.9},
        {"accession": NOMODEL, "start": 41, "end": 62, "sequence": other[40:62], "score": 0.8},
    ]), other


def _metapredict_mean(sequence: str, lo: int, hi: int) -> float:
    """Mean predicted pLDDT (0-100) of residues lo..hi (0-based, exclusive), straight from metapredict."""
    import metapredict

    return float(np.mean(np.asarray(metapredict.predict_pLDDT(sequence), float)[lo:hi]))


def _check(out: pd.DataFrame, protein: str, from_protein: bool) -> None:
    model = out.iloc[0]
    assert model.plddt_source == "alphafold"
    for col, value in BEFORE.items():
        if isinstance(value, float):
            assert float(model[col]) == pytest.approx(value, rel=1e-3), col
        else:
            assert model[col] == value, col
    row = out.iloc[1]
    assert row.structure_status == "missing_model;predicted_plddt"
    assert row.plddt_source == "metapredict"
    assert not (isinstance(row.structure_model, str) and row.structure_model)  # no model read
    assert 0.0 <= row.plddt_window <= 100.0 and 0.0 <= row.plddt_anchors <= 100.0
    expected = _metapredict_mean(protein, 40, 62) if from_protein else _metapredict_mean(protein[40:62], 0, 22)
    assert row.plddt_window == pytest.approx(expected, abs=0.1)  # the track rounds to 0.1 pLDDT
    for col in ("rsa_window", "rsa_anchors", "helix_fraction", "strand_fraction"):
        assert pd.isna(row[col]), col
    assert row.structural_score == pytest.approx(predicted_structural_score(row.plddt_window), rel=1e-3)
    assert row.combined_score == pytest.approx(0.75 * 0.8 + 0.25 * row.structural_score, rel=1e-3)
    assert row.structure_explanation.startswith(
        f"no AlphaFold model: predicted pLDDT {row.plddt_window:.0f} (metapredict), ")
    which = "full protein sequence" if from_protein else "window sequence alone"
    assert which in row.structure_note


def test_predicted_plddt_stands_in_for_a_missing_model(data_dir: Path, cdc7: str) -> None:
    table, other = _table(cdc7)
    out = annotate_structures(table, data_dir / "structures", {NOMODEL: other})
    _check(out, other, from_protein=True)
    # without the protein's sequence only the window is predicted, and the note says so
    alone = annotate_structures(table, data_dir / "structures")
    _check(alone, other, from_protein=False)


def test_predicted_words() -> None:
    from nesscan.structure.score import explain_predicted

    assert explain_predicted(45.0) == "no AlphaFold model: predicted pLDDT 45 (metapredict), likely disordered"
    assert predicted_structural_score(30.0) == 0.75 and predicted_structural_score(95.0) == 0.5


def test_every_model_corrupt_also_predicts(tmp_path: Path, cdc7: str) -> None:
    (tmp_path / "AF-O00311-F1-model_v4.pdb").write_text("this is not a PDB file\nEND\n")
    table = pd.DataFrame([{"accession": "O00311", "start": 452, "end": 473, "sequence": cdc7[451:473],
                           "score": 0.9}])
    out = annotate_structures(table, tmp_path, {"O00311": cdc7})
    assert out.structure_status[0] == "corrupt_model;predicted_plddt" and out.plddt_source[0] == "metapredict"
    assert out.plddt_window[0] == pytest.approx(_metapredict_mean(cdc7, 451, 473), abs=0.1)
    assert out.structure_explanation[0].startswith("model unreadable: predicted pLDDT")
    assert "AF-O00311-F1-model_v4.pdb" in out.structure_note[0]


def test_cli_with_fasta(data_dir: Path, cdc7: str, tmp_path: Path) -> None:
    from nesscan.cli import main

    table, other = _table(cdc7)
    cands = tmp_path / "candidates.csv"
    table.to_csv(cands, index=False)
    fasta = tmp_path / "proteins.fasta"
    fasta.write_text(f">sp|{NOMODEL}|TEST_HUMAN test\n{other}\n>sp|O00311|CDC7_HUMAN\n{cdc7}\n")
    assert main(["structure", str(cands), "--structures", str(data_dir / "structures"),
                 "--fasta", str(fasta)]) == 0
    out = pd.read_csv(tmp_path / "structure.csv", keep_default_na=False, na_values=[""])
    assert list(out.columns[-len(COLUMNS):]) == list(COLUMNS)
    _check(out, other, from_protein=True)
