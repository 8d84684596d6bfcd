"""The Python API (``import nesscan``) and ``nesscan predict``: one path, the same numbers as the web page."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nesscan
from nesscan.cli import main
from nesscan.errors import NesscanError

PKIA = "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES"
#: human MEK1 (Q02750) residues 1-80; its NES (32-44) is in NESdb as the Xenopus orthologue's (Q05116)
MEK1_N = "MPKKKPTPIQLNPAPDGSAVNGTSSAETNLEALQKKLEELELDEQQRKRLEAFLTQKQKVGELKDDDFEKISELGAGNGG"


@pytest.fixture(scope="module")
def model():
    return nesscan.load_model()


def test_import_nesscan_is_light_and_exports_the_api() -> None:
    code = ("import sys, nesscan; print('torch' in sys.modules, 'pandas' in sys.modules); "
            "print(all(getattr(nesscan, n) is not None for n in nesscan.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
    assert {"load_model", "predict", "screen", "read_fasta"} <= set(nesscan.__all__)
    with pytest.raises(AttributeError):
        nesscan.no_such_name  # noqa: B018


def test_pki_alpha_from_a_notebook(model) -> None:
    (r,) = nesscan.predict(PKIA, model=model)
    assert r.protein.accession == "query" and r.status == "ok" and len(r.scores) == len(PKIA) - 22 + 1
    (c,) = r.candidates
    assert (c["start"], c["end"], c["nes_class"], c["anchors"]) == (33, 54, "1a", "38,42,45,47")
    assert c["known_nes"] and c["known_nes_ids"] == "PKIα (NES ID: 5)" and c["known_nes_via"].startswith("P61925 (")
    assert c["explanation"].startswith("class 1a match L38-L42-L45-I47")
    assert c["call"] in ("called", "not called") and 0 < c["call_p_value"] <= 1 and 0 < c["call_q_value"] <= 1
    assert c["call_score"] == pytest.approx(c["score"] * r.cargo_probability)
    assert list(c) == nesscan.api.CANDIDATE_COLUMNS
    assert r.where["compartment"] == "nucleocytoplasmic" and r.where["call_status"] in ("called", "not called")


def test_the_api_the_page_and_the_command_give_the_same_numbers(model, tmp_path: Path, capsys) -> None:
    from nesscan.web import predict as page

    text = f">P61925\n{PKIA}\n>MEK1_N\n{MEK1_N}\n"
    api = nesscan.predict(text, model=model)
    web = page.predict(text, model)
    assert [p.candidates for p in api] == [p.candidates for p in web]
    assert all(np.array_equal(a.scores, b.scores) for a, b in zip(api, web))
    fasta = tmp_path / "two.fasta"
    fasta.write_text(text)
    assert main(["predict", str(fasta), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["proteins"] == json.loads(json.dumps([p.to_json() for p in api]))
    assert main(["predict", str(fasta), "-o", str(tmp_path / "c.csv")]) == 0
    table = pd.read_csv(tmp_path / "c.csv")
    assert list(table.columns) == nesscan.api.CANDIDATE_COLUMNS
    assert table.score.tolist() == pytest.approx([c["score"] for p in api for c in p.candidates], abs=1e-5)


def test_a_known_nes_is_found_through_its_orthologue(model) -> None:
    (r,) = nesscan.predict({"MEK1_N": MEK1_N}, model=model, order=False)
    (c,) = [c for c in r.candidates if c["start"] <= 44 and c["end"] >= 32]
    assert c["known_nes"] and "MEK1" in c["known_nes_ids"] and c["known_nes_via"].startswith("Q05116 (")
    assert r.known and r.known[0]["start"] <= 33 and r.known[0]["end"] >= 43
    (plain,) = nesscan.predict({"MEK1_N": MEK1_N}, model=model, order=False, homologues=False)
    assert not any(c["known_nes"] for c in plain.candidates) and plain.known == []
    assert [c["score"] for c in plain.candidates] == [c["score"] for c in r.candidates]


def test_inputs_the_api_takes(model) -> None:
    forms = [PKIA, [PKIA], {"a": PKIA}, io.StringIO(f">a\n{PKIA}\n"), nesscan.read_fasta(io.StringIO(f">a\n{PKIA}"))]
    scores = [nesscan.predict(f, model=model, order=False)[0].scores for f in forms]
    assert all(np.array_equal(scores[0], s) for s in scores[1:])
    assert [p.accession for p in nesscan.api.as_proteins(["MKV", "LLA"])] == ["query_1", "query_2"]
    for bad, message in [("", "empty input"), ("MKJ", "invalid residue 'J'"), ({"a": "MKV", "b": ""}, "empty"),
                         (">a\nMKV\n>a\nMKV", "duplicate id")]:
        with pytest.raises(NesscanError, match=message):
            nesscan.predict(bad, model=model)
    with pytest.raises(NesscanError, match="outside 0-1"):
        nesscan.predict(PKIA, model=model, threshold=1.5)


def test_a_protein_shorter_than_the_window(model) -> None:
    (r,) = nesscan.predict("MKVLL", model=model)
    assert r.status == "shorter_than_window" and r.candidates == [] and r.where == {}
    assert nesscan.proteins_frame([r]).status.tolist() == ["shorter_than_window"]


def test_predict_looks_up_accessions_in_a_local_proteome(tmp_path: Path, capsys) -> None:
    proteome = tmp_path / "p.fasta"
    proteome.write_text(f">sp|P61925|IPKA_HUMAN PKI OS=Homo sapiens GN=PKIA\n{PKIA}\n"
                        f">sp|Q02750|MP2K1_HUMAN MEK1 GN=MAP2K1\n{MEK1_N}\n")
    assert main(["predict", "IPKA_HUMAN", "Q02750", "--proteome", str(proteome), "--no-order"]) == 0
    out = capsys.readouterr().out
    assert out.index("P61925 IPKA_HUMAN (PKIA)") < out.index("Q02750 MP2K1_HUMAN (MAP2K1)")
    assert "38,42,45,47" in out and "via Q05116" in out
    assert main(["predict", "P12345", "--proteome", str(proteome)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nesscan predict: error: P12345: not found in") and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["hello world!"], "not a file, an amino-acid sequence or a UniProt accession"),
    ([PKIA, "--threshold", "2"], "threshold must be between 0 and 1"),
    (["P61925"], "pass --proteome FASTA"),
])
def test_predict_bad_input_is_one_line(argv, message, capsys, monkeypatch) -> None:
    monkeypatch.delenv("NESSCAN_DATA", raising=False)
    assert main(["predict", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_call_p_value_does_not_depend_on_the_batch(data_dir: Path, model) -> None:
    from nesscan.io import iter_fasta

    wanted = {"P04637", "Q02750", "P61925"}
    proteins = [p for p in iter_fasta(data_dir / "proteomes" / "human_swissprot_assembled.fasta.gz")
                if p.accession in wanted]
    alone = nesscan.predict([p for p in proteins if p.accession == "P04637"], model=model, order=False)[0]
    together = {r.protein.accession: r for r in nesscan.predict(proteins, model=model, order=False)}["P04637"]
    best = max(alone.candidates, key=lambda c: c["call_score"])
    assert best["call_score"] >= 0.3 and best["call_p_value"] < 0.01
    assert [c["call_p_value"] for c in alone.candidates] == [c["call_p_value"] for c in together.candidates]
    assert [c["call_score"] for c in alone.candidates] == [c["call_score"] for c in together.candidates]


def test_nesscan_screen_screens_and_is_still_the_subpackage(tmp_path, monkeypatch):
    """``nesscan.screen`` is the ``nesscan.screen`` subpackage (same name) and, called, the API's
    screen function, whatever was imported first: its modules import by every usual form, a
    prediction (which imports the subpackage) changes nothing, and dotted paths resolve."""
    import nesscan
    import nesscan.screen.chunks as chunks
    from nesscan.screen import scan

    nesscan.predict("MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES", order=False)
    assert nesscan.screen.scan is scan and nesscan.screen.chunks is chunks and callable(nesscan.screen)
    monkeypatch.setattr("nesscan.screen.scan.screen_fasta", scan.screen_fasta)  # a dotted path resolves
    fasta = tmp_path / "two.fasta"
    fasta.write_text(">a\nMTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES\n"
                     ">b\nMEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQAMDDLMLSPDDIEQWFTEDPGPDEAPRMPEAAPPVAPAPAA\n")
    summary = nesscan.screen(fasta, tmp_path / "out", workers=1)
    assert summary.proteins == 2 and (tmp_path / "out" / "candidates.csv").is_file()
    code = "import nesscan.screen.proteomes as p, nesscan; print(callable(nesscan.screen), p.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "nesscan.screen.proteomes"]


def test_alanine_scan_and_design_mutant_from_the_front_door(model) -> None:
    """nesscan.alanine_scan and nesscan.design_mutant are nesscan.design's functions with the
    model optional (the same numbers)."""
    import nesscan
    from nesscan.design.scan import alanine_scan

    pki = "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES"
    front = nesscan.alanine_scan(pki, 38, 47, model=model)
    assert front.equals(alanine_scan(pki, 38, 47, model))
    assert front.position.tolist() == [38, 40, 41, 42, 44, 45, 46, 47]  # A39, A43 skipped
    assert front.loc[front.anchor, "delta"].min() < front.loc[~front.anchor, "delta"].min()
    from nesscan.errors import NesscanError

    with pytest.raises(NesscanError, match="not called by the model"):  # PKI-alpha alone: a candidate, not a call
        nesscan.design_mutant(pki, 33, 54, model=model)
    from test_design import P53

    design = nesscan.design_mutant(P53, 336, 357, model=model)
    assert design.designed is not None and design.designed.mutant.target_call != "called"
    assert design.control is not None and design.control.mutant.target_call == "called"
