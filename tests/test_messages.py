"""Options out of range and error messages that say what is really wrong (issue 13)."""

from __future__ import annotations

import gzip

import pytest

from nesscan.cli import main
from nesscan.errors import NesscanError
from nesscan.io import read_fasta

SEQ = "MEELSQALASSFSVSQDLNSTAAPHPRLSQYKSKYSSLEQSERRRR"


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    return err[-1]


# ----------------------------------------------------------------------------- serve options


@pytest.mark.parametrize("argv, message", [
    (["serve", "--port", "99999"], "99999 is not a port number"),
    (["serve", "--port", "-1"], "-1 is not a port number"),
    (["serve", "--port", "http"], "'http' is not a port number"),
    (["serve", "--workers", "0"], "--workers: must be at least 1, not 0"),
    (["serve", "--workers", "-3"], "--workers: must be at least 1, not -3"),
    (["screen", "x.fa", "-o", "out", "--workers", "0"], "--workers: must be at least 1, not 0"),
])
def test_serve_rejects_bad_port_and_workers(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in _error_line(capsys)


def test_bind_and_create_app_check_their_numbers():
    from nesscan.web.app import create_app
    from nesscan.web.server import bind

    with pytest.raises(NesscanError, match="not a port number"):
        bind("127.0.0.1", 99999)  # was OverflowError
    with pytest.raises(NesscanError, match="workers must be at least 1"):
        create_app(workers=0)


# ----------------------------------------------------------------------------- FASTA input


def test_fasta_with_a_byte_order_mark_is_read(tmp_path):
    plain = tmp_path / "bom.fa"
    plain.write_bytes(b"\xef\xbb\xbf>sp|P1|A_HUMAN alpha\n" + SEQ.encode() + b"\n")
    packed = tmp_path / "bom.fa.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, packed):
        (protein,) = read_fasta(path)
        assert (protein.accession, protein.sequence) == ("P1", SEQ)


def test_a_nucleotide_fasta_is_one_error_line_everywhere(tmp_path, capsys):
    from nesscan.web.predict import parse_text

    dna = "ATGGCTAGCAAGGAGGAACTTTTCACTGGAGTTGTCCCAATTCTTGTTGAATTAGATGG"
    path = tmp_path / "gene.fna"
    path.write_text(f">NM_000546.6 TP53 mRNA\n{dna}\n")
    assert main(["screen", str(path), "-o", str(tmp_path / "out")]) == 1
    line = _error_line(capsys)
    assert line == (f"nesscan screen: error: {path}, record NM_000546.6: looks like a nucleotide sequence "
                    "(100% ACGTUN); nesscan reads protein sequences: translate it first")
    assert not (tmp_path / "out").exists()
    with pytest.raises(NesscanError, match="the pasted sequence: looks like a nucleotide sequence"):
        parse_text(dna.lower())
    with pytest.raises(NesscanError, match="record NM_1: looks like a nucleotide"):
        parse_text(f">P1\n{SEQ}\n>NM_1\n{dna}")


def test_a_folder_given_as_fasta_is_called_a_folder(tmp_path, capsys):
    with pytest.raises(NesscanError, match="is a folder, not a FASTA file"):
        read_fasta(tmp_path)
    assert main(["screen", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    assert _error_line(capsys) == f"nesscan screen: error: {tmp_path}: is a folder, not a FASTA file"
    assert not (tmp_path / "out").exists()


def test_output_folder_that_is_a_file(tmp_path, capsys):
    fasta = tmp_path / "p.fa"
    fasta.write_text(f">P1\n{SEQ}\n")
    taken = tmp_path / "results"
    taken.write_text("keep me\n")
    assert main(["screen", str(fasta), "-o", str(taken)]) == 1
    assert _error_line(capsys) == (f"nesscan screen: error: {taken}: names a file, not a folder "
                                   f"(give a folder for the output, or remove the file)")
    assert main(["screen", str(fasta), "-o", str(taken / "sub")]) == 1
    assert "a part of this path is a file, not a folder" in _error_line(capsys)
    assert taken.read_text() == "keep me\n"


# ----------------------------------------------------------------------------- structure models


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"<!DOCTYPE html>\n<html><body>Service unavailable</body></html>\n", "not a PDB file (an HTML page)"),
    (b"HEADER    nothing here\nREMARK   1\nEND\n", "not a PDB file (no ATOM records)"),
    (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "not a structure model (not a text file)"),
])
def test_empty_or_foreign_model_files_are_named_for_what_they_are(tmp_path, content, message):
    from nesscan.structure.residues import CorruptModel, read_atoms

    path = tmp_path / "AF-P12345-F1-model_v4.pdb"
    path.write_bytes(content)
    with pytest.raises(CorruptModel) as err:
        read_atoms(path)
    assert str(err.value) == f"{path}: {message}"
    assert "truncated" not in str(err.value)


def _candidates(tmp_path):
    path = tmp_path / "candidates.csv"
    path.write_text("accession,start,end,sequence,score\nP12345,1,22,MEELSQALASSFSVSQDLNSTA,0.95\n")
    return path


def test_structure_output_in_a_missing_folder_is_made(tmp_path, capsys):
    structures = tmp_path / "models"
    structures.mkdir()
    out = tmp_path / "new" / "deeper" / "structure.csv"
    assert main(["structure", str(_candidates(tmp_path)), "--structures", str(structures), "-o", str(out)]) == 0
    assert out.is_file() and "missing_model" in out.read_text()
    assert not list(out.parent.glob("*.tmp"))


def test_structure_output_that_is_a_folder(tmp_path, capsys):
    structures = tmp_path / "models"
    structures.mkdir()
    assert main(["structure", str(_candidates(tmp_path)), "--structures", str(structures),
                 "-o", str(structures)]) == 1
    assert _error_line(capsys) == f"nesscan structure: error: {structures}: is a folder; -o names the output CSV file"
