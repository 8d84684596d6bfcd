"""Tests of nesscan.io: header parsing, readers on the real data, one-line errors on bad input."""

from __future__ import annotations

import csv
import gzip
import os
import statistics
from pathlib import Path

import pytest

from nesscan.errors import InputError, NesscanError
from nesscan.io import (
    check_sequence,
    iter_fasta,
    nes_ranges_by_accession,
    nesdb_proteins,
    parse_header,
    parse_ranges,
    read_fasta,
    read_mito,
    read_nesdb,
)
from nesscan.records import NesAnnotation, Protein

DATA = Path(os.environ.get("NESSCAN_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
NESDB = DATA / "nesdb" / "NesDB_all_CRM1_with_peptides.csv"
MITO = DATA / "negatives" / "mitochondrial_proteins.csv"
YEAST = DATA / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz"

NESDB_COLUMNS = ["ID", "Organism", "Experimental Evidence for CRM1-mediated Export",
                 "Fasta Header", "Sequence", "is_NesDB_doubt", "Merged ranges"]
SEQ = "MDSEVAALVIDNGSGMCKAGFAGDDAPRAVFPSIVGRPRHQG"  # 42 residues


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"data file absent: {path} (set NESSCAN_DATA)")
    return path


def assert_one_line(err: pytest.ExceptionInfo, path: Path, record: str | None) -> str:
    """The error is an InputError whose text is one line naming the file and the record."""
    assert isinstance(err.value, InputError)
    text = str(err.value)
    assert "\n" not in text and "\r" not in text
    assert str(path) in text
    if record is not None:
        assert record in text
        assert err.value.record is not None and record in err.value.record
    return text


def write_csv(path: Path, columns: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def nesdb_row(nes_id="Actin (NES ID: 14)", header=">sp|P60010|ACT_YEAST Actin OS=Yeast GN=ACT1",
              seq=SEQ, doubt="False", ranges="[(10, 20)]") -> list[str]:
    return [nes_id, "Saccharomyces cerevisiae (Baker's yeast)", "LMB Sensitive", header, seq, doubt, ranges]


# --------------------------------------------------------------------------- headers
def test_header_uniprot_swissprot():
    h = parse_header(">sp|P12345|ENTRY_HUMAN Some protein, mitochondrial OS=Homo sapiens OX=9606 GN=ABC PE=1 SV=2")
    assert (h.accession, h.entry_name, h.gene) == ("P12345", "ENTRY_HUMAN", "ABC")
    assert h.description == "Some protein, mitochondrial"
    assert h.organism == "Homo sapiens"


def test_header_uniprot_trembl_without_gt_and_parenthesised_organism():
    h = parse_header("tr|C7GRB6|C7GRB6_YEAS2 Rna1p OS=Saccharomyces cerevisiae (strain JAY291) OX=574961 GN=RNA1 PE=4 SV=1")
    assert (h.accession, h.entry_name, h.gene, h.description) == ("C7GRB6", "C7GRB6_YEAS2", "RNA1", "Rna1p")
    assert h.organism == "Saccharomyces cerevisiae (strain JAY291)"


def test_header_uniprot_without_keys():
    h = parse_header(">sp|Q9XYZ1|ABC_MOUSE")
    assert (h.accession, h.entry_name, h.gene, h.description, h.organism) == ("Q9XYZ1", "ABC_MOUSE", "", "", "")


def test_header_gi_swissprot_drops_version_and_reads_recname():
    h = parse_header(">gi|97535708|sp|P25054.2|APC_HUMAN RecName: Full=Adenomatous polyposis coli protein; "
                     "Short=Protein APC; AltName: Full=Deleted in polyposis 2.5")
    assert (h.accession, h.entry_name) == ("P25054", "APC_HUMAN")
    assert h.description == "Adenomatous polyposis coli protein"
    assert parse_header(">gi|38372623|sp|P60010.1|ACT_YEAST RecName: Full=Actin").description == "Actin"


def test_header_gi_refseq_and_genbank():
    h = parse_header(">gi|6680732|ref|NP_031515.1| aryl hydrocarbon receptor isoform 1 [Mus musculus]")
    assert (h.accession, h.entry_name) == ("NP_031515.1", "")
    assert (h.description, h.organism) == ("aryl hydrocarbon receptor isoform 1", "Mus musculus")
    h = parse_header(">gi|1945389|gb|AAC51229.1| menin [Homo sapiens]")
    assert (h.accession, h.description, h.organism) == ("AAC51229.1", "menin", "Homo sapiens")


def test_header_gi_chain_prefers_swissprot_id():
    h = parse_header(">gi|2920648|gb|AAC04575.1|sp|Q62985-2|SH2 domain-containing adaptor SH2-B beta [Rattus norvegicus]")
    assert h.accession == "Q62985-2"  # isoform suffix kept, only ".N" versions are dropped
    assert h.description == "SH2 domain-containing adaptor SH2-B beta"
    assert h.organism == "Rattus norvegicus"


def test_header_other_uses_first_token():
    h = parse_header(">ERG8 (NES ID: 281)")
    assert (h.accession, h.description) == ("ERG8", "(NES ID: 281)")
    assert parse_header(">my_protein_1").accession == "my_protein_1"


def test_check_sequence_cleans():
    assert check_sequence(" mkv\tll uo*\n", "f.fa", "x") == "MKVLLUO"


# --------------------------------------------------------------------------- FASTA
def test_fasta_plain_multiline(tmp_path):
    path = tmp_path / "a.fa"
    path.write_text("\n>sp|P1|A_HUMAN Alpha OS=Homo sapiens GN=A\nmkv\nLL*\n\n>other desc\r\nACD EF\r\n")
    proteins = read_fasta(path)
    assert [p.accession for p in proteins] == ["P1", "other"]
    assert proteins[0] == Protein("P1", "MKVLL", "A_HUMAN", "A", "Alpha", "Homo sapiens")
    assert proteins[1].sequence == "ACDEF" and proteins[1].description == "desc"


def test_fasta_gzip_detected_by_magic_not_name(tmp_path):
    gz = tmp_path / "proteins.fasta"  # gzip content, no .gz extension
    gz.write_bytes(gzip.compress(b">P1\nMKV\n>P2\nACD\n"))
    plain = tmp_path / "plain.fa.gz"  # plain content, misleading extension
    plain.write_text(">P1\nMKV\n")
    assert [p.sequence for p in read_fasta(gz)] == ["MKV", "ACD"]
    assert read_fasta(plain)[0].sequence == "MKV"


def test_fasta_streams_records_before_a_later_error(tmp_path):
    path = tmp_path / "a.fa"
    path.write_text(">P1\nMKV\n>P2\nMK1V\n")
    records = iter_fasta(path)
    assert next(records).accession == "P1"
    with pytest.raises(InputError):
        next(records)


def test_fasta_invalid_character(tmp_path):
    path = tmp_path / "bad.fa"
    path.write_text(">P1\nMKV\n>sp|Q2|B_HUMAN B\nMKVL\nLJ\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    text = assert_one_line(err, path, "Q2")
    assert "'J'" in text and "position 6" in text


def test_fasta_inner_stop_is_invalid(tmp_path):
    path = tmp_path / "stop.fa"
    path.write_text(">P1\nMK*V\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "'*' at position 3" in assert_one_line(err, path, "P1")


def test_fasta_empty_record(tmp_path):
    path = tmp_path / "empty_rec.fa"
    path.write_text(">P1\nMKV\n>P2 nothing here\n>P3\nMKV\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "empty" in assert_one_line(err, path, "P2")


def test_fasta_empty_last_record(tmp_path):
    path = tmp_path / "empty_last.fa"
    path.write_text(">P1\nMKV\n>P2\n\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert_one_line(err, path, "P2")


def test_fasta_duplicate_id(tmp_path):
    path = tmp_path / "dup.fa"
    path.write_text(">sp|P1|A_HUMAN x\nMKV\n>P2\nMKV\n>sp|P1|A_HUMAN y\nMKL\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "duplicate" in assert_one_line(err, path, "P1")


def test_fasta_truncated_gzip(tmp_path):
    body = "".join(f">P{i}\n{'MKVLAAGIRS' * 30}\n" for i in range(300)).encode()
    data = gzip.compress(body)
    path = tmp_path / "cut.fa.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as err:
        read_fasta(path)
    text = assert_one_line(err, path, None)
    assert "truncated or corrupt gzip" in text
    assert err.value.record is not None and err.value.record.startswith("P")


def test_fasta_corrupt_gzip_crc(tmp_path):
    data = bytearray(gzip.compress(b">P1\nMKVLL\n"))
    data[-8] ^= 0xFF  # break the CRC32 of the trailer
    path = tmp_path / "crc.fa.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "truncated or corrupt gzip" in assert_one_line(err, path, "P1")


def test_fasta_garbled_gzip_is_one_line_error(tmp_path):
    data = bytearray(gzip.compress(b">P1\nMKVLL\n" * 50))
    data[20:40] = b"\xff" * 20  # deflate may decode garbage before the CRC check
    path = tmp_path / "corrupt.fa.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert_one_line(err, path, None)


@pytest.mark.parametrize("content", ["ID,sequence\nP1,MKV\n", "MKVLL\n>P1\nMKV\n"])
def test_fasta_not_fasta(tmp_path, content):
    path = tmp_path / "table.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "not a FASTA file" in assert_one_line(err, path, None)


def test_fasta_no_records(tmp_path):
    path = tmp_path / "blank.fa"
    path.write_text("\n  \n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "no FASTA records" in assert_one_line(err, path, None)


def test_fasta_missing_file(tmp_path):
    path = tmp_path / "nope.fa"
    with pytest.raises(NesscanError) as err:
        read_fasta(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


# --------------------------------------------------------------------------- NESdb CSV
def test_nesdb_small_file(tmp_path):
    path = write_csv(tmp_path / "n.csv", NESDB_COLUMNS, [
        nesdb_row(ranges="[(10, 20), (30, 42)]"),
        nesdb_row(nes_id="Actin (NES ID: 15)", doubt="True", ranges="[(1, 5)]"),
        nesdb_row(nes_id="X (NES ID: 2)", header=">gi|1|ref|NP_001.1| thing [Homo sapiens]", ranges="[(2, 3)]"),
    ])
    anns = read_nesdb(path)
    assert [a.ranges_1b for a in anns] == [((10, 20), (30, 42)), ((1, 5),), ((2, 3),)]
    assert [a.doubtful for a in anns] == [False, True, False]
    assert anns[0].nes_id == "Actin (NES ID: 14)" and anns[0].evidence == "LMB Sensitive"
    assert anns[0].protein.organism == "Saccharomyces cerevisiae (Baker's yeast)"
    assert anns[2].protein.accession == "NP_001.1"
    assert [p.accession for p in nesdb_proteins(anns)] == ["P60010", "NP_001.1"]
    assert nes_ranges_by_accession(anns) == {"P60010": [(1, 5), (10, 20), (30, 42)], "NP_001.1": [(2, 3)]}


def test_nesdb_missing_column(tmp_path):
    cols = [c for c in NESDB_COLUMNS if c != "Merged ranges"]
    path = write_csv(tmp_path / "n.csv", cols, [nesdb_row()[:-1]])
    with pytest.raises(InputError) as err:
        read_nesdb(path)
    assert "'Merged ranges'" in assert_one_line(err, path, None)


@pytest.mark.parametrize("ranges", ["[(0, 5)]", "[(30, 43)]", "[(20, 10)]", "[(1, 5), (40, 99)]"])
def test_nesdb_range_outside_sequence(tmp_path, ranges):
    path = write_csv(tmp_path / "n.csv", NESDB_COLUMNS, [nesdb_row(), nesdb_row(nes_id="Bad (NES ID: 9)", ranges=ranges)])
    with pytest.raises(InputError) as err:
        read_nesdb(path)
    text = assert_one_line(err, path, "row 2 (Bad (NES ID: 9))")
    assert "length 42" in text and "outside" in text


@pytest.mark.parametrize("ranges", ["[(1, 5)", "[(1, 5, 7)]", "__import__('os').getcwd()", "[]", "[(1.5, 4)]", ""])
def test_nesdb_malformed_range(tmp_path, ranges):
    path = write_csv(tmp_path / "n.csv", NESDB_COLUMNS, [nesdb_row(nes_id="Bad (NES ID: 9)", ranges=ranges)])
    with pytest.raises(InputError) as err:
        read_nesdb(path)
    assert "malformed range" in assert_one_line(err, path, "row 1 (Bad (NES ID: 9))")


@pytest.mark.parametrize("seq,word", [("", "empty"), ("MKV-LL", "'-' at position 4")])
def test_nesdb_bad_sequence(tmp_path, seq, word):
    path = write_csv(tmp_path / "n.csv", NESDB_COLUMNS, [nesdb_row(nes_id="Bad (NES ID: 9)", seq=seq, ranges="[(1, 2)]")])
    with pytest.raises(InputError) as err:
        read_nesdb(path)
    assert word in assert_one_line(err, path, "row 1 (Bad (NES ID: 9))")


def test_nesdb_bad_doubt_flag_and_multiline_id(tmp_path):
    path = write_csv(tmp_path / "n.csv", NESDB_COLUMNS, [nesdb_row(nes_id="Two\nlines (NES ID: 3)", doubt="maybe")])
    with pytest.raises(InputError) as err:
        read_nesdb(path)
    assert "is_NesDB_doubt" in assert_one_line(err, path, "row 1 (Two lines (NES ID: 3))")


def test_parse_ranges_literal_only():
    assert parse_ranges("[(1, 2), (5, 9)]", "f", "r") == ((1, 2), (5, 9))
    with pytest.raises(InputError):
        parse_ranges("[(1, True)]", "f", "r")


# --------------------------------------------------------------------------- mitochondrial CSV
MITO_COLUMNS = ["protein_id", "description", "sequence"]
MITO_HEADER = "sp|P12345|ABC_HUMAN Protein ABC, mitochondrial OS=Homo sapiens OX=9606 GN=ABC PE=1 SV=1"


def test_mito_small_file(tmp_path):
    path = write_csv(tmp_path / "m.csv", MITO_COLUMNS, [["P12345", MITO_HEADER, "mkvll"], ["Q1", "", "ACD"]])
    proteins = read_mito(path)
    assert proteins[0] == Protein("P12345", "MKVLL", "ABC_HUMAN", "ABC", "Protein ABC, mitochondrial", "Homo sapiens")
    assert proteins[1] == Protein("Q1", "ACD")


@pytest.mark.parametrize("column", MITO_COLUMNS)
def test_mito_missing_column(tmp_path, column):
    cols = [c for c in MITO_COLUMNS if c != column]
    path = write_csv(tmp_path / "m.csv", cols, [["x", "y"]])
    with pytest.raises(InputError) as err:
        read_mito(path)
    assert repr(column) in assert_one_line(err, path, None)


@pytest.mark.parametrize("rows,record,word", [
    ([["P1", MITO_HEADER, "MKV"], ["P1", MITO_HEADER, "MKL"]], "row 2 (P1)", "duplicate"),
    ([["P1", MITO_HEADER, "MKV"], ["P2", MITO_HEADER, "MK#"]], "row 2 (P2)", "'#' at position 3"),
    ([["P1", MITO_HEADER, ""]], "row 1 (P1)", "empty sequence"),
])
def test_mito_bad_rows(tmp_path, rows, record, word):
    path = write_csv(tmp_path / "m.csv", MITO_COLUMNS, rows)
    with pytest.raises(InputError) as err:
        read_mito(path)
    assert word in assert_one_line(err, path, record)


def test_csv_missing_file(tmp_path):
    with pytest.raises(NesscanError, match="nope.csv"):
        read_mito(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- real data
def test_real_nesdb():
    anns = read_nesdb(need(NESDB))
    assert len(anns) == 414
    assert all(isinstance(a, NesAnnotation) for a in anns)
    assert sum(a.doubtful for a in anns) == 45
    proteins = nesdb_proteins(anns)
    # The data README says 302 accessions: that is the number of distinct UniProt entry
    # names; 21 further parents carry RefSeq/GenBank/other ids (323 in all).
    assert len(proteins) == 323
    assert len({p.entry_name for p in proteins if p.entry_name}) == 302
    assert len(nes_ranges_by_accession(anns)) == 323
    by_acc = {p.accession: p for p in proteins}
    assert by_acc["P60010"].entry_name == "ACT_YEAST" and by_acc["P60010"].description == "Actin"
    assert "NP_031515.1" in by_acc
    lengths = [e - s + 1 for a in anns for s, e in a.ranges_1b]
    assert (len(lengths), min(lengths), statistics.median(lengths), max(lengths)) == (660, 1, 13, 398)
    assert sum(n > 22 for n in lengths) == 140


def test_real_nesdb_structures_agree():
    anns = {a.protein.accession: a for a in read_nesdb(need(NESDB))}
    assert len(anns["O00311"].protein.sequence) == 574  # CDC7
    assert len(anns["P55265"].protein.sequence) == 1226  # ADAR1


def test_real_mito():
    proteins = read_mito(need(MITO))
    assert len(proteins) == 1571
    assert sum(p.entry_name.split("_")[0] == p.accession for p in proteins) > 0  # TrEMBL-style names
    pink1 = next(p for p in proteins if p.accession == "Q9BXM7")
    assert pink1.gene == "PINK1" and pink1.organism == "Homo sapiens"


def test_real_yeast_proteome():
    n = residues = 0
    for protein in iter_fasta(need(YEAST)):
        n += 1
        residues += len(protein.sequence)
        assert protein.entry_name.endswith("_YEAST") and protein.organism.startswith("Saccharomyces")
    assert n == 6077
    assert residues == 2949369


DNA = "ATGGCTAGCAAGGAGGAACTTTTCACTGGAGTTGTCCCAATTCTTGTTGAATTAGATGGTGATGTT"


@pytest.mark.parametrize("sequence", [DNA, DNA.replace("T", "U").lower(), DNA[:30] + "NNNNNRY" + DNA[30:]])
def test_fasta_nucleotide_sequence_is_refused(tmp_path, sequence):
    path = tmp_path / "gene.fa"
    path.write_text(f">P1\n{SEQ}\n>sp|Q2|B_HUMAN cDNA\n{sequence[:40]}\n{sequence[40:]}\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    text = assert_one_line(err, path, "Q2")
    assert "looks like a nucleotide sequence" in text and "% ACGTUN" in text and "translate it first" in text


def test_protein_rich_in_nucleotide_letters_is_kept():
    assert check_sequence(DNA[:19], "f.fa", "x") == DNA[:19]  # too short to tell
    assert check_sequence("A" * 30 + "GAGGA" * 6, "f.fa", "x")  # poly-A/G: two bases, not DNA
    protein = "GAGCTAGNAGCTAGGTACGAGCTMKLV"  # 23 of 27 (85%) in ACGTUN: below the cut-off
    assert check_sequence(protein, "f.fa", "x") == protein


@pytest.mark.slow
def test_no_real_protein_looks_like_a_nucleotide_sequence():
    """Every record of the three proteomes of the data folder (29,715) passes the check."""
    paths = sorted((DATA / "proteomes").glob("*.fasta.gz"))
    if len(paths) < 3:
        pytest.skip(f"proteomes absent under {DATA} (set NESSCAN_DATA)")
    assert sum(1 for path in paths for _ in iter_fasta(path)) == 29715


def test_fasta_not_utf8(tmp_path):
    path = tmp_path / "latin1.fa"
    path.write_bytes(b">P1\nMK\xe9V\n")
    with pytest.raises(InputError) as err:
        read_fasta(path)
    assert "UTF-8" in assert_one_line(err, path, None)
