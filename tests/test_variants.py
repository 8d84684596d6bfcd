"""Variant effects (``nesscan mutate``, ``nesscan.mutate``): HGVS parsing and application, one error
line per bad variant with the rest scored, local rescoring against whole rescoring, the per-protein
call against ``nesscan.predict``'s, the NPM1 type A frameshift, the command end to end."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.records import Protein
from nesscan.variants import hgvs
from nesscan.variants.effects import VARIANT_COLUMNS, gained_lost
from nesscan.variants.rescore import Change, change_of
from nesscan.variants.table import read_variants

#: The C-termini of the issue: NPM1 wild type, and its type A mutant (c.860_863dupTCTG, p.Trp288fs).
NPM1_WT_TAIL, NPM1_MUT_TAIL = "DLWQWRKSL", "DLCLAVEEVSLRK"
REF = "MKLLAEWQSTPV"


def _npm1_like() -> tuple[Protein, dict]:
    """A synthetic disordered body with NPM1's wild-type C-terminus, and its type A variant (the
    frameshift at the W of ``DLW``, new tail ``CLAVEEVSLRK``)."""
    rng = np.random.default_rng(7)
    wt = "M" + "".join(rng.choice(list("EEDDKKSSGGAAPPQTNRV"), 230)) + NPM1_WT_TAIL
    w = len(wt) - 6
    assert wt[w - 1] == "W" and wt[:w - 1] + NPM1_MUT_TAIL[2:] == wt[:w - 1] + "CLAVEEVSLRK"
    return Protein("NPM1SYN", wt, gene="NPM1"), {"accession": "NPM1SYN", "variant": f"p.Trp{w}fs",
                                                 "new_tail": NPM1_MUT_TAIL[2:], "name": "NPM1 type A"}


# ----------------------------------------------------------------------------- parsing (no model)


@pytest.mark.parametrize("variant, mutant", [
    ("p.Leu3Ala", "MKALAEWQSTPV"),
    ("p.Leu3Ter", "MK"),
    ("p.Leu3=", REF),
    ("p.Lys2del", "MLLAEWQSTPV"),
    ("p.Lys2_Leu4del", "MAEWQSTPV"),
    ("p.Lys2_Leu3insAla", "MKALLAEWQSTPV"),
    ("p.Lys2delinsAlaAla", "MAALLAEWQSTPV"),
    ("p.Lys2_Leu4delinsGly", "MGAEWQSTPV"),
    ("p.Lys2_Leu3insAlaTerGly", "MKA"),
    ("p.Lys2_Leu4dup", "MKLLKLLAEWQSTPV"),
    ("p.[Met1Val;Trp7del]", "VKLLAEQSTPV"),
])
def test_each_notation_is_applied(variant: str, mutant: str) -> None:
    assert hgvs.apply(REF, hgvs.parse(variant), "P1") == mutant


def test_a_frameshift_takes_its_new_tail_or_the_whole_mutant() -> None:
    edits = hgvs.parse("p.Trp7fs")
    assert hgvs.apply(REF, edits, new_tail="CLAV*") == "MKLLAECLAV"
    assert hgvs.apply(REF, edits, mutant_sequence="MKLLAECLAV") == "MKLLAECLAV"
    with pytest.raises(hgvs.VariantError, match="new_tail"):
        hgvs.apply(REF, edits)
    with pytest.raises(hgvs.VariantError, match="before the frameshift"):
        hgvs.apply(REF, edits, mutant_sequence="MKLLGECLAV")


@pytest.mark.parametrize("one, three", [
    ("p.L3A", "p.Leu3Ala"), ("p.L3*", "p.Leu3Ter"), ("p.L3=", "p.Leu3="), ("p.[L3A;L4G]", "p.[Leu3Ala;Leu4Gly]"),
])
def test_one_letter_substitutions_read_as_their_three_letter_form(one: str, three: str) -> None:
    assert hgvs.parse(one) == hgvs.parse(three)
    assert hgvs.apply(REF, hgvs.parse(one)) == hgvs.apply(REF, hgvs.parse(three))


@pytest.mark.parametrize("variant, message", [
    ("p.L3del", "one-letter code is read for substitutions only"),
    ("p.[L3A;K2del]", "three-letter code"),
    ("p.Trp7CysfsTer12", "p.Trp288fs and give its new residues in the new_tail column"),
    ("p.(Leu3Ala)", "parenthesised"),
    ("c.7G>A", "not a protein variant"),
    ("p.Lys2_Leu4insAla", "not a MAVE-HGVS protein variant"),
])
def test_what_mavehgvs_refuses_is_one_line_with_a_hint(variant: str, message: str) -> None:
    with pytest.raises(hgvs.VariantError, match=message.replace("(", r"\(").replace(".", r"\.")) as err:
        hgvs.parse(variant)
    assert "\n" not in str(err.value)


def test_a_reference_mismatch_and_a_residue_past_the_end() -> None:
    with pytest.raises(hgvs.VariantError, match="reference mismatch: residue 3 of P1 is L, not K"):
        hgvs.apply(REF, hgvs.parse("p.Lys3Ala"), "P1")
    with pytest.raises(hgvs.VariantError, match=r"residue 13 is past the end of P1 \(12 residues\)"):
        hgvs.apply(REF, hgvs.parse("p.Leu13Ala"), "P1")
    with pytest.raises(hgvs.VariantError, match="mutant_sequence is not"):
        hgvs.apply(REF, hgvs.parse("p.Leu3Ala"), "P1", mutant_sequence=REF)


def test_the_variants_table_names_each_row_by_its_line() -> None:
    text = "accession\tvariant\tname\nP1\tp.Leu3Ala\tfirst\nP2\tp.Trp7fs\t\n"
    rows = read_variants(io.StringIO(text))
    assert [(r.line, r.accession, r.variant, r.name) for r in rows] == [(2, "P1", "p.Leu3Ala", "first"),
                                                                          (3, "P2", "p.Trp7fs", "")]
    with pytest.raises(Exception, match="no variant column"):
        read_variants(io.StringIO("accession\thgvs\nP1\tp.Leu3Ala\n"))


def test_gained_and_lost_follow_residues_across_an_indel() -> None:
    ch = change_of("A" * 50 + "KKK" + "A" * 50, "A" * 50 + "A" * 50)  # 3 residues deleted at 51-53
    assert ch == Change(50, 50, 53) and ch.shift == -3
    old = [{"region_start": 60, "region_end": 81, "start": 60, "end": 81, "call": "called"},
           {"region_start": 10, "region_end": 31, "start": 10, "end": 31, "call": "not called"}]
    new = [{"region_start": 57, "region_end": 78, "start": 57, "end": 78, "call": "called"}]
    assert gained_lost(old, new, ch, called=True) == ("", "")
    assert gained_lost(old, new, ch, called=False) == ("", "10-31")
    assert gained_lost([], new, ch, called=True) == ("57-78", "")


def test_the_sparse_call_curve_is_the_binned_one() -> None:
    from nesscan.screen.fdr_binned import ScoreHistogram, binned_fdr_curve
    from nesscan.variants.calls import SparseCurve

    rng = np.random.default_rng(0)
    targets = rng.beta(2, 5, 400).astype(np.float32)
    tail = np.sort(rng.uniform(0.3, 1.0, 300).astype(np.float32))
    t, d = ScoreHistogram(), ScoreHistogram()
    t.add(targets)
    d.add(tail)
    d.counts[0] += 5000
    probe = np.concatenate([targets[:50], [0.0, 0.3, 0.95, 1.0, 1.5]])
    np.testing.assert_array_equal(SparseCurve(targets, tail, 5300).q_of(probe), binned_fdr_curve(t, d).q_of(probe))


# ----------------------------------------------------------------------------- with the shipped model


@pytest.fixture(scope="module")
def model():
    import nesscan

    return nesscan.load_model()


def test_bad_variants_are_one_error_line_each_and_the_rest_is_scored(model) -> None:
    from nesscan.variants.mutate import score_variants

    protein, npm1 = _npm1_like()
    rows = [npm1, {"accession": "NPM1SYN", "variant": "p.Lys2Ala"},          # residue 2 is not K
            {"accession": "NPM1SYN", "variant": "p.Leu999Ala"},               # past the end
            {"accession": "NPM1SYN", "variant": "p.L240del"},                 # not MAVE-HGVS
            {"accession": "NOPE", "variant": "p.Met1Val"},                    # not in the FASTA
            {"accession": "NPM1SYN", "variant": "p.Met1Val"}]
    result = score_variants([protein], read_variants(rows), model)
    t = result.table
    assert list(t.columns) == VARIANT_COLUMNS
    assert t.status.tolist() == ["scored", "error", "error", "error", "error", "scored"]
    assert t.reference_check.tolist()[:3] == ["match", "mismatch", "past end"]
    assert len(result.errors) == 4 and all("\n" not in e for e in result.errors)
    assert result.errors[0].startswith("line 2 (NPM1SYN p.Lys2Ala): reference mismatch")


def test_npm1_type_a_gains_an_nes_window_at_the_c_terminus(model) -> None:
    """Built from the issue's tails on a synthetic body. The shipped model scores the mutant's
    C-terminal window far above the wild type's windows there, but below its own threshold (0.9):
    at that threshold nothing is gained; at 0.5 the C-terminal window is a candidate gained, and the
    wild-type C-terminus has none."""
    from nesscan.variants.mutate import score_variants

    protein, npm1 = _npm1_like()
    strict = score_variants([protein], read_variants([npm1]), model).table.iloc[0]
    assert strict.best_end_after == strict.length_after == len(protein.sequence) + 4  # 7 residues -> 11
    assert strict.best_score_after - strict.best_score_before > 0.3
    assert strict.candidates_gained == "" and strict.called_gained == ""
    loose = score_variants([protein], read_variants([npm1]), model, threshold=0.5).table.iloc[0]
    n = loose.length_after
    assert loose.candidates_gained == f"{n - 21}-{n}" and loose.candidates_lost == ""
    reverse = score_variants([Protein("MUT", protein.sequence[:-9] + NPM1_MUT_TAIL)],
                             read_variants([{"accession": "MUT", "variant": f"p.Cys{n - 10}fs",
                                             "new_tail": NPM1_WT_TAIL[2:]}]), model, threshold=0.5).table.iloc[0]
    assert reverse.candidates_lost == f"{n - 21}-{n}" and reverse.candidates_gained == ""


def test_local_rescoring_is_whole_rescoring_where_it_rescores(model) -> None:
    """Inside the touched windows the two agree to 1e-9; the windows kept differ by what the
    variant does to the whole-protein PSSM columns and the far predicted track (measured on 150
    human missense variants: 0.02 median, 0.14 at most; docs/howto/variants.md). Here, on a synthetic
    disordered protein, under 0.1."""
    from nesscan.variants.rescore import rescore, score_references

    protein, _ = _npm1_like()
    ref = score_references(model, [protein])[protein.accession]
    s = protein.sequence
    for mutant in (s[:100] + "W" + s[101:], s[:60] + s[66:], s[:150] + "LALELL" + s[150:], s[:5] + "W" + s[6:]):
        local, whole = rescore(model, ref, mutant, "local"), rescore(model, ref, mutant, "whole")
        assert local.method == "local" and 0 < local.rescored < len(whole.scores)
        assert (local.first, local.last) == (whole.first, whole.last)
        inside = slice(local.first, local.last + 1)
        np.testing.assert_allclose(local.scores[inside], whole.scores[inside], rtol=0, atol=1e-9)
        assert np.abs(local.scores - whole.scores).max() < 0.1


def test_the_pssm_of_every_window_is_edited_exactly(model) -> None:
    """Local rescoring keeps the reference's PSSM score of every window and rescores the windows a
    change reaches: the mutant's are the whole mutant's, bit for bit (so rank and z-score are exact)."""
    from nesscan.features.window import codes

    (pssm,) = [f for f, spec in zip(model.featurizer.window_features, model.featurizer.spec.window_features)
               if spec["name"] == "anchor_pssm"]
    protein, _ = _npm1_like()
    s = protein.sequence
    ref = pssm.all_windows(codes(s))
    for mutant in (s[:100] + "W" + s[101:], s[:60] + s[66:], s[:150] + "LALELL" + s[150:], "L" + s[1:],
                   s[:-1] + "L", s[:-30], s[:200] + "LPPLL" + s[203:], s[20:]):
        ch = change_of(s, mutant)
        edited = pssm.all_windows_edited(ref, codes(mutant), ch.start, ch.end, ch.shift)
        assert np.array_equal(edited, pssm.all_windows(codes(mutant)))
        starts = np.arange(len(mutant) - 21)
        assert np.array_equal(pssm.columns(edited, codes(mutant), starts), pssm.transform(mutant, starts))


def test_nesscan_mutate_end_to_end(model, tmp_path: Path, capsys) -> None:
    from nesscan.cli import main

    protein, npm1 = _npm1_like()
    fasta = tmp_path / "ref.fasta"
    fasta.write_text(f">{protein.accession}\n{protein.sequence}\n")
    table = tmp_path / "variants.tsv"
    pd.DataFrame([npm1, {"accession": "NPM1SYN", "variant": "p.Lys2Ala", "new_tail": "", "name": ""}]).to_csv(
        table, sep="\t", index=False)
    out = tmp_path / "out"
    assert main(["mutate", str(fasta), "--variants", str(table), "-o", str(out), "--threshold", "0.5"]) == 0
    err = capsys.readouterr().err
    assert err.count("nesscan mutate: line 3 (NPM1SYN p.Lys2Ala): reference mismatch") == 1
    written = pd.read_csv(out / "variants.csv")
    assert list(written.columns) == VARIANT_COLUMNS and written.status.tolist() == ["scored", "error"]
    n = int(written.length_after[0])
    assert written.candidates_gained[0] == f"{n - 21}-{n}"
    assert (out / "mutate.json").is_file()
    assert main(["mutate", str(fasta), "--variants", str(table), "-o", str(out)]) == 1  # not empty
    assert "--overwrite" in capsys.readouterr().err
    bad = tmp_path / "bad.tsv"
    bad.write_text("accession\tvariant\nNPM1SYN\tp.Lys2Ala\n")
    assert main(["mutate", str(fasta), "--variants", str(bad), "-o", str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err.strip().endswith("nesscan mutate: error: no variant could be scored")


# ----------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def human(data_dir: Path) -> dict[str, Protein]:
    from nesscan.io.fasta import iter_fasta

    wanted = {"P06748", "P04637"}
    return {p.accession: p for p in iter_fasta(data_dir / "proteomes" / "human_swissprot_assembled.fasta.gz")
            if p.accession in wanted}


@pytest.mark.slow
def test_npm1_type_a_on_human_npm1(human, model) -> None:
    """P06748 with p.Trp288fs (new tail CLAVEEVSLRK): the best window at the variant moves from
    237-258 (0.22) to the mutant's C-terminal window 277-298 (0.60), below the model's threshold."""
    import nesscan

    v = {"accession": "P06748", "variant": "p.Trp288fs", "new_tail": "CLAVEEVSLRK"}
    row = nesscan.mutate([human["P06748"]], [v], model=model).iloc[0]
    assert (row.best_start_after, row.best_end_after, row.length_after) == (277, 298, 298)
    assert row.best_score_after == pytest.approx(0.599, abs=0.01) and row.best_score_before < 0.3
    assert row.called_gained == "" and row.candidates_gained == ""
    loose = nesscan.mutate([human["P06748"]], [v], model=model, threshold=0.5).iloc[0]
    assert loose.candidates_gained == "277-298" and loose.candidates_lost == ""


@pytest.mark.slow
def test_p53_nes_mutants_lose_the_called_nes_and_the_call_is_predicts(human, model) -> None:
    """p53's NES window 336-357 is called in p53 alone (docs/explanation/calls.md); L348A, a
    mutation known to block its export, loses the call. The per-protein call of a variant run is
    exactly ``nesscan.predict``'s."""
    import nesscan
    from nesscan.screen.assess import assess_proteins
    from nesscan.variants.calls import add_calls, model_nulls

    p53 = human["P04637"]
    row = nesscan.mutate([p53], [{"accession": "P04637", "variant": "p.Leu348Ala"}], model=model).iloc[0]
    assert row.n_called_before == 1 and row.called_lost == "336-357" and row.n_called_after == 0
    (pred,) = nesscan.predict([p53], model=model, order=False, homologues=False)
    (own,) = assess_proteins(model, [p53], model.threshold)
    add_calls(own, model_nulls(model))
    keys = ["call", "call_q_value", "call_p_value", "q_value_shuffle", "q_value_natural"]
    assert [[c[k] for k in keys] for c in own.candidates] == [[c[k] for k in keys] for c in pred.candidates]


# ----------------------------------------------------------------------------- reusing a screen


@pytest.fixture(scope="module")
def small_screen(model, tmp_path_factory) -> tuple[Path, list[Protein]]:
    """A screen (no decoys) of the synthetic NPM1-like protein and two random ones, by the shipped model."""
    from nesscan.screen.proteomes import screen_proteome

    protein, _ = _npm1_like()
    rng = np.random.default_rng(3)
    others = [Protein(f"RND{i}", "M" + "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), n)))
              for i, n in enumerate((90, 160))]
    folder = tmp_path_factory.mktemp("screen")
    fasta = folder / "ref.fasta"
    fasta.write_text("".join(f">{p.accession}\n{p.sequence}\n" for p in [protein, *others]))
    screen_proteome(fasta, folder / "screen", decoy_fraction=0.0, workers=1)
    return folder / "screen", [protein, *others]


def test_a_screen_stands_for_the_reference_pass_and_gives_the_same_table(model, small_screen) -> None:
    from nesscan.variants.mutate import score_variants

    folder, proteins = small_screen
    protein, npm1 = _npm1_like()
    from fqfa.constants import AA_CODES

    r0, r1 = proteins[1].sequence[40], proteins[2].sequence[30]
    rows = read_variants([npm1, {"accession": "NPM1SYN", "variant": "p.Glu10Trp"},
                          {"accession": "RND0", "variant": f"p.{AA_CODES[r0]}41{'Ala' if r0 == 'W' else 'Trp'}"},
                          {"accession": "RND1", "variant": f"p.{AA_CODES[r1]}31del"}])
    plain = score_variants(proteins, rows, model, threshold=0.5)
    reused = score_variants(proteins, rows, model, threshold=0.5, screen=folder)
    assert plain.errors == [] and plain.screen is None and reused.screen.from_screen == 3 and reused.screen.scored_whole == []
    pd.testing.assert_frame_equal(plain.table, reused.table)


def test_a_screen_by_another_model_is_one_error_line(model, small_screen, tmp_path: Path) -> None:
    import json
    import shutil

    from nesscan.errors import NesscanError
    from nesscan.variants.mutate import score_variants

    folder, proteins = small_screen
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    record = json.loads((other / "screen.json").read_text())
    record["config"]["weights_sha256"] = "0" * 64
    (other / "screen.json").write_text(json.dumps(record))
    rows = read_variants([{"accession": "NPM1SYN", "variant": "p.Glu10Trp"}])
    with pytest.raises(NesscanError) as err:
        score_variants(proteins, rows, model, screen=other)
    message = str(err.value)
    assert "\n" not in message and "screened by another model" in message and "000000000000" in message
    del record["config"]["weights_sha256"]  # an older screen: only the model's folder, which proves nothing
    (other / "screen.json").write_text(json.dumps(record))
    with pytest.raises(NesscanError, match="records no model weights"):
        score_variants(proteins, rows, model, screen=other)


def test_a_protein_not_as_screened_is_scored_whole(model, small_screen, tmp_path: Path, capsys) -> None:
    """RND1 five residues longer than screened and a protein the screen lacks are scored whole;
    the table is the one without the screen; mutate.json records what came from where."""
    import json

    from nesscan.cli import main

    folder, proteins = small_screen
    longer = Protein("RND1", proteins[2].sequence + "KLMNP")
    extra = Protein("NEW1", "M" + "EKLSSLLEELAKKPDSGSEEKKTPE" * 4)
    fasta = tmp_path / "changed.fasta"
    fasta.write_text("".join(f">{p.accession}\n{p.sequence}\n" for p in [proteins[0], longer, extra]))
    table = tmp_path / "variants.tsv"
    table.write_text("accession\tvariant\nNPM1SYN\tp.Glu10Trp\nRND1\tp.Met1Val\nNEW1\tp.Leu4Ala\n")
    for out, extra_args in (("plain", []), ("reused", ["--screen", str(folder)])):
        assert main(["mutate", str(fasta), "--variants", str(table), "-o", str(tmp_path / out), *extra_args]) == 0
    capsys.readouterr()
    plain, reused = (pd.read_csv(tmp_path / out / "variants.csv") for out in ("plain", "reused"))
    pd.testing.assert_frame_equal(plain, reused)
    record = json.loads((tmp_path / "reused" / "mutate.json").read_text())["screen"]
    assert record["proteins_from_screen"] == 1 and record["proteins_scored_whole"] == 2
    assert record["same_fasta"] is False and record["path"] == str(folder.resolve())
    assert json.loads((tmp_path / "plain" / "mutate.json").read_text())["screen"] is None
