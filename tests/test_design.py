"""nesscan.design and ``nesscan mutate --design``: scans of an NES, the NES-dead design and its control.

The model is the one shipped with nesscan; the proteins are written here (UniProt, CC BY 4.0):
PKI-alpha (P61925), whose NES LALKLAGLDI is residues 38-47 (class 1a, anchors L38 L42 L45 I47), and
p53 (P04637), whose window 336-357 ``nesscan predict P04637`` calls.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

PKI = "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES"
P53 = ("MEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQAMDDLMLSPDDIEQWFTEDPGPDEAPRMPEAAPPVAPAPAAPTPAAPAPAPSWPLSSSVPSQKTY"
       "QGSYGFRLGFLHSGTAKSVTCTYSPALNKMFCQLAKTCPVQLWVDSTPPPGTRVRAMAIYKQSQHMTEVVRRCPHHERCSDSDGLAPPQHLIRVEGNLRVEYLDD"
       "RNTFRHSVVVPYEPPEVGSDCTTIHYNYMCNSSCMGGMNRRPILTIITLEDSSGNLLGRNSFEVRVCACPGRDRRTEEENLRKKGEPHHELPPGSTKRALPNNTSS"
       "SPQPKKKPLDGEYFTLQIRGRERFEMFRELNEALELKDAQAGKEPGGSRAHSSHLKSKKGQSTSRHKKLMFKTEGPDSD")
P53_NES = (336, 357)


@pytest.fixture(scope="module")
def model():
    import nesscan

    return nesscan.load_model()


@pytest.fixture(scope="module")
def p53_design(model):
    from nesscan.design import design_dead_mutant
    from nesscan.records import Protein

    return design_dead_mutant(Protein("P04637", P53), *P53_NES, model)


# ------------------------------------------------------------------------------ no model


def test_one_protein_curve_gives_the_screen_curves_q_values() -> None:
    from nesscan.design.rescore import OneProteinCurve
    from nesscan.screen.fdr_binned import ScoreHistogram, binned_fdr_curve

    rng = np.random.default_rng(0)
    targets, null = (rng.random(300) ** 2).astype(np.float32), rng.random(5000) ** 2
    null[:40] = targets[:40]  # shared bins
    t, d = ScoreHistogram(), ScoreHistogram()
    t.add(targets)
    d.add(null)
    probe = np.concatenate([targets, rng.random(50), [0.0, 0.3, 1.0]])
    assert np.array_equal(binned_fdr_curve(t, d).q_of(probe), OneProteinCurve(targets, d.at_or_above(), d.n).q_of(probe))


def test_mutate_refuses_a_wrong_wild_type_and_a_bad_letter() -> None:
    from nesscan.design.rescore import mutate
    from nesscan.errors import NesscanError

    assert mutate(PKI, [(38, "L", "A")])[37] == "A"
    with pytest.raises(NesscanError, match="residue 38 is L, not K"):
        mutate(PKI, [(38, "K", "A")])
    with pytest.raises(NesscanError, match="standard"):
        mutate(PKI, [(38, "L", "B")])


def test_scans_refuse_bad_ranges_and_residues_before_scoring(model) -> None:
    from nesscan.design import alanine_scan, design_dead_mutant
    from nesscan.errors import NesscanError

    with pytest.raises(NesscanError, match="not inside the 76-residue protein"):
        alanine_scan(PKI, 70, 80, model)
    with pytest.raises(NesscanError, match="residues 'AZ'"):
        alanine_scan(PKI, 38, 47, model, residues="AZ")
    with pytest.raises(NesscanError, match="fewer than the model's 22-residue window"):
        alanine_scan(PKI[:20], 5, 10, model)
    with pytest.raises(NesscanError, match="max_substitutions"):
        design_dead_mutant(PKI, 38, 47, model, max_substitutions=0)


# ------------------------------------------------------------------------------ scans


@pytest.mark.slow
def test_alanine_scan_of_pki_drops_most_at_the_anchors(model) -> None:
    from nesscan.design import alanine_scan
    from nesscan.design.scan import COLUMNS

    scan = alanine_scan(PKI, 38, 47, model)
    assert list(scan.columns) == COLUMNS
    assert scan.position.tolist() == [38, 40, 41, 42, 44, 45, 46, 47]  # A39 and A43 are alanine already
    assert sorted(scan.position[scan.anchor]) == [38, 42, 45, 47]
    assert (scan.window_score_before > model.threshold).all()  # PKI's NES is a candidate (not called:
    assert set(scan.call_before) == {"not called"}  # its cargo probability is low)
    drop = scan.set_index("position").delta
    assert drop[[38, 42, 45]].max() < drop.drop([38, 42, 45, 47]).min()  # three anchors drop most
    assert drop[[42, 45]].max() < -0.2 and (scan.delta <= 0.01).all()
    assert scan.substitution.iloc[0] == "p.L38A"


@pytest.mark.slow
def test_saturation_scan_gives_19_rows_a_position(model) -> None:
    from nesscan.design import saturation_scan

    scan = saturation_scan(PKI, 45, 46, model)
    assert len(scan) == 38 and set(scan.groupby("position").mut.nunique()) == {19}
    assert (scan.wt != scan.mut).all()
    leu45 = scan[scan.position == 45].set_index("mut").delta
    assert leu45[["I", "M", "F"]].max() > leu45[["D", "K", "P", "G"]].max()  # hydrophobic kept, charge not


# ------------------------------------------------------------------------------ design


@pytest.mark.slow
def test_p53_design_takes_its_nes_below_the_call_with_at_most_three_substitutions(p53_design, model) -> None:
    d = p53_design
    assert d.wild_type.called and d.designed is not None and d.control is not None, d.note
    m = d.designed
    assert 1 <= len(m.substitutions) <= 3
    assert all(old in "LIVFM" and new == "A" for _, old, new in m.substitutions)
    assert not m.mutant.called and m.new_calls == ()
    assert abs(m.cargo_change) <= 0.05
    c = d.control
    assert len(c.substitutions) == len(m.substitutions)
    assert c.mutant.called and c.new_calls == () and abs(c.cargo_change) <= 0.05
    assert not {p for p, _, _ in c.substitutions} & {340, 344, 348, 350}  # not an anchor
    assert [old in "LIVFMWYC" for _, old, _ in c.substitutions] == [True] * len(c.substitutions)


@pytest.mark.slow
def test_a_design_is_what_nesscan_predict_says_of_each_mutant_alone(p53_design, model) -> None:
    import nesscan
    from nesscan.records import Protein

    for m in p53_design.mutants:
        alone = nesscan.predict(Protein("mutant", m.mutant.sequence), model=model, order=False, homologues=False)[0]
        on_nes = [c for c in alone.candidates if c["end"] - P53_NES[0] + 1 >= 8 and P53_NES[1] - c["start"] + 1 >= 8]
        called = [c for c in on_nes if c["call"] == "called"]
        if m.kind == "designed":
            assert called == []
        else:
            assert len(called) == 1 and called[0]["call_q_value"] == pytest.approx(m.mutant.target_q_value)
        assert [(c["start"], c["end"]) for c in alone.called if c not in on_nes] == []


@pytest.mark.slow
def test_design_refuses_a_target_that_is_not_called(model) -> None:
    from nesscan.design import design_dead_mutant
    from nesscan.errors import NesscanError

    with pytest.raises(NesscanError, match="is not called by the model"):
        design_dead_mutant(PKI, 38, 47, model)


# ------------------------------------------------------------------------------ CLI


def _one_line_error(argv: list[str], capsys) -> str:
    from nesscan.cli import main

    assert main([str(a) for a in argv]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nesscan mutate: error: "), lines
    return lines[0]


@pytest.mark.parametrize("spec", ["P04637", "P04637:336", "P04637:357-336", "P04637:0-5", ":1-5", "P04637:a-b"])
def test_a_bad_design_spec_is_one_error_line(spec: str, tmp_path: Path, capsys) -> None:
    fasta = tmp_path / "p53.fasta"
    fasta.write_text(f">sp|P04637|P53_HUMAN p53\n{P53}\n")
    line = _one_line_error(["mutate", fasta, "--design", spec, "-o", tmp_path / "out"], capsys)
    assert "ACCESSION:START-END" in line and not (tmp_path / "out").exists()


def test_design_of_an_absent_protein_or_a_usage_error_is_one_error_line(tmp_path: Path, capsys) -> None:
    fasta = tmp_path / "p53.fasta"
    fasta.write_text(f">sp|P04637|P53_HUMAN p53\n{P53}\n")
    assert "Q00000: not found in" in _one_line_error(["mutate", fasta, "--design", "Q00000:1-22", "-o",
                                                      tmp_path / "out"], capsys)
    assert "not inside the 393-residue protein" in _one_line_error(["mutate", fasta, "--design", "P04637:336-999",
                                                                   "-o", tmp_path / "out"], capsys)
    assert not (tmp_path / "out").exists()  # refused before the folder is made
    from nesscan.cli import main

    for argv, needle in ((["mutate", fasta, "--design", "P04637:336-357"], "required: -o/--output"),
                         (["mutate", fasta, "-o", tmp_path / "out"], "one of the arguments --variants --design"),
                         (["mutate", fasta, "-o", tmp_path / "out", "--design", "P04637:336-357", "--variants",
                           fasta], "not allowed with")):
        with pytest.raises(SystemExit) as exit_:  # a usage error, as every command's
            main([str(a) for a in argv])
        assert exit_.value.code == 2 and needle in capsys.readouterr().err.strip().splitlines()[-1]
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_mutate_design_end_to_end(tmp_path: Path, capsys) -> None:
    from nesscan.cli import main
    from nesscan.design.dead import DESIGN_COLUMNS
    from nesscan.design.scan import COLUMNS
    from nesscan.io.fasta import read_fasta

    fasta = tmp_path / "two.fasta"
    fasta.write_text(f">sp|P61925|PKIA_HUMAN PKI-alpha\n{PKI}\n>sp|P04637|P53_HUMAN p53\n{P53}\n")
    out = tmp_path / "out"
    assert main(["mutate", str(fasta), "--design", "P53_HUMAN:336-357", "-o", str(out)]) == 0
    assert "P04637:336-357 called" in capsys.readouterr().err
    design = pd.read_csv(out / "design.csv")
    assert list(design.columns) == DESIGN_COLUMNS and design.kind.tolist() == ["designed", "control"]
    assert design.n_substitutions.max() <= 3 and (design.new_calls == "none").all()
    assert design.call_after.tolist()[1] == "called" and design.call_after.tolist()[0] != "called"
    assert design.substitutions.str.match(r"^p\.(\[)?[A-Z]\d+A").all()
    mutants = read_fasta(out / "mutants.fasta")
    assert [p.accession for p in mutants] == ["P04637_designed", "P04637_control"]
    assert all(len(p.sequence) == len(P53) and p.sequence != P53 for p in mutants)
    importance = pd.read_csv(out / "importance.csv")
    assert list(importance.columns) == COLUMNS and importance.position.between(336, 357).all()
    line = _one_line_error(["mutate", fasta, "--design", "P04637:336-357", "-o", out], capsys)
    assert "--overwrite" in line
    assert main(["mutate", str(fasta), "--design", "PKIA_HUMAN:38-47", "-o", str(out), "--overwrite"]) == 1
    assert "is not called by the model" in capsys.readouterr().err


@pytest.mark.slow
def test_one_substitution_moves_windows_far_from_it(model) -> None:
    """Why a mutant is rescored whole (nesscan.design.rescore): one alanine in p53's NES moves the
    scores of windows that do not hold it (the PSSM ranks windows protein-wide, pLDDT is predicted
    over the whole protein)."""
    from nesscan.records import Protein

    wt, mut = model.score_proteins([Protein("wt", P53), Protein("mut", P53[:349] + "A" + P53[350:])])
    far = np.r_[0:300]  # the windows starting at residues 1-300 end by residue 321: none holds residue 350
    assert np.abs(mut[far] - wt[far]).max() > 0.01
