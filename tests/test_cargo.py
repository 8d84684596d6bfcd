"""Tests of nesscan.io.cargo: the Kirli et al. 2015 CRM1 cargo table (tiny workbooks built
here with openpyxl; one slow test on the real file)."""

from __future__ import annotations

import gzip
import math
import zipfile
from pathlib import Path

import pytest

from nesscan.errors import InputError, NesscanError
from nesscan.io import CargoTable, read_cargo
from nesscan.io.cargo import CARGO_FILE, HUMAN_PROTEOME_FILE, TABLE_COLUMNS

openpyxl = pytest.importorskip("openpyxl")

COLUMNS = ["Leading Protein ID", "Xenopus UniProt Link", "Human UniProt Link",
           "Nuc to Cyt concentration ratio (log10) ", "Molar Fraction in Input (×10^6)", "Category", "Flags"]
SEQS = {  # accession -> (entry name, sequence)
    "P00001": ("AAA_HUMAN", "MKVLAAGIRSLE"),
    "P00002": ("BBB_HUMAN", "MDSEVAALVIDNGSGMCK"),
    "P00003": ("CCC_HUMAN", "MSTNPKPQRKTKRNTNRR"),
    "P00004": ("DDD_HUMAN", "MEEPQSDPSV"),
    "P00005": ("EEE_HUMAN", "MAHHHHHHVGTGSNDDDDK"),
    "P00006": ("FFF_HUMAN", "MQIFVKTLTGKTITLEV"),
    "P00007": ("GGG_HUMAN", "MGSSHHHHHHSSGLVPRGSH"),
}
ROWS = [  # contig, xenopus, human entry name, nuc/cyt, input fraction, category
    ["c1", "X1_XENLA", "AAA_HUMAN", 1.5, 0.02, "Cargo A", "MT"],
    ["c2", "X2_XENLA", "BBB_HUMAN", -0.5, 3.0, "Cargo B"],
    ["c3", "X3_XENLA", "BBB_HUMAN", -0.2, 4.0, "Cargo A"],  # orthologue contig: merged, A kept
    ["c4", "X4_XENLA", "CCC_HUMAN", None, 10.0, "Non-binder"],
    ["c5", "X5_XENLA", "CCC_HUMAN", 0.1, 12.0, "Non-binder"],  # merged, both non-binders
    ["c6", "X6_XENLA", "DDD_HUMAN", 0.3, 1.0, "Low Abundant Cargo"],
    ["c7", "X7_XENLA", "DDD_HUMAN", 0.4, 1.0, "Non-binder"],  # conflict: DDD dropped
    ["c8", "X8_XENLA", "EEE_HUMAN", 0.0, 1.0, "Ambiguous"],
    ["c9", "X9_XENLA", "FFF_HUMAN", 0.0, 1.0, "NUP"],
    ["c10", "X10_XENLA", "GGG_HUMAN", 0.0, 1.0, "CRM1 cofactor"],
    ["c11", "X11_XENLA", None, 0.0, 1.0, "Cargo B"],  # no human orthologue
    ["c12", "X12_XENLA", "ZZZ_HUMAN", 0.0, 1.0, "Non-binder"],  # not in the FASTA
    ["c13", "X13_XENLA", "eee_human ", 2.0, 0.5, "Non-binder"],  # case and spaces tolerated
]


def write_book(path: Path, rows=ROWS, columns=COLUMNS, sheet="Main table", caption=True) -> Path:
    """A workbook like the real one: a caption row, the column names, the rows."""
    book = openpyxl.Workbook()
    book.active.title = "Index"
    ws = book.create_sheet(sheet)
    if caption:
        ws.append(["Protein identifiers", None, None, "Quantification"])
    ws.append(columns)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_fasta(path: Path, seqs=SEQS) -> Path:
    path.write_text("".join(f">sp|{acc}|{name} Protein {acc} OS=Homo sapiens OX=9606 GN=G{acc[-1]} PE=1\n{seq}\n"
                            for acc, (name, seq) in seqs.items()))
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write_book(tmp_path / "cargo.xlsx"), write_fasta(tmp_path / "human.fasta")


def one_line(err: pytest.ExceptionInfo, path: Path) -> str:
    text = str(err.value)
    assert "\n" not in text and str(path) in text
    return text


# --------------------------------------------------------------------------- reading
def test_labels_merge_and_schema(files):
    xlsx, fasta = files
    cargo = read_cargo(xlsx, fasta)
    assert isinstance(cargo, CargoTable)
    t = cargo.table
    assert tuple(t.columns) == TABLE_COLUMNS
    assert t.accession.tolist() == ["P00001", "P00002", "P00003", "P00005"]  # first-row order
    assert t.category.tolist() == ["Cargo A", "Cargo A", "Non-binder", "Non-binder"]
    assert t.label.tolist() == [1, 1, 0, 0]
    assert t.entry_name.tolist() == ["AAA_HUMAN", "BBB_HUMAN", "CCC_HUMAN", "EEE_HUMAN"]
    assert t.gene.tolist() == ["G1", "G2", "G3", "G5"]
    assert t.length.tolist() == [len(SEQS[a][1]) for a in t.accession]
    assert t.contigs.tolist() == ["c1", "c2;c3", "c4;c5", "c13"]
    assert t.n_rows.tolist() == [1, 2, 2, 1]
    # information columns come from the first row of the kept category
    assert t.nuc_cyt_log10.tolist()[:2] == [1.5, -0.2] and math.isnan(t.nuc_cyt_log10[2])
    assert t.input_fraction_ppm.tolist() == [0.02, 4.0, 10.0, 0.5]
    assert t["flags"].tolist() == ["MT", "", "", ""]
    assert list(cargo.proteins) == t.accession.tolist()
    assert cargo.proteins["P00002"].sequence == SEQS["P00002"][1]


def test_counts_add_up(files):
    cargo = read_cargo(*files)
    c = cargo.counts
    assert c == {"rows": 13, "entry_names_found": 7, "ambiguous": 1, "machinery": 2, "no_entry_name": 1,
                 "unmapped": 1, "merged_rows": 2, "conflicts": 1, "conflict_rows": 2, "proteins": 4,
                 "cargo": 2, "non_binders": 2}
    parts = ("ambiguous", "machinery", "no_entry_name", "unmapped", "proteins", "merged_rows", "conflict_rows")
    assert c["rows"] == sum(c[k] for k in parts)
    assert cargo.categories == {"Cargo A": 2, "Cargo B": 2, "Non-binder": 5, "Low Abundant Cargo": 1,
                                "Ambiguous": 1, "NUP": 1, "CRM1 cofactor": 1}


def test_optional_columns_absent(tmp_path):
    columns = ["Leading Protein ID", "Human UniProt Link", "Category"]
    xlsx = write_book(tmp_path / "c.xlsx", [["c1", "AAA_HUMAN", "Cargo B"]], columns)
    t = read_cargo(xlsx, write_fasta(tmp_path / "h.fa")).table
    assert t.category.tolist() == ["Cargo B"]
    assert math.isnan(t.nuc_cyt_log10[0]) and math.isnan(t.input_fraction_ppm[0])
    assert t["flags"].tolist() == [""]


def test_blank_rows_are_skipped_and_rows_keep_their_sheet_number(tmp_path):
    rows = [ROWS[0], [None] * len(COLUMNS), ["c3", "X", "CCC_HUMAN", 0.0, 1.0, "Cargo C"], [None] * len(COLUMNS)]
    path = write_book(tmp_path / "c.xlsx", rows)
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    assert "row 5" in one_line(err, path)
    path = write_book(tmp_path / "ok.xlsx", [ROWS[0], [None] * len(COLUMNS), ROWS[1], [None] * len(COLUMNS)])
    assert read_cargo(path, write_fasta(tmp_path / "h.fa")).counts["rows"] == 2


def test_default_proteome_is_in_the_data_folder(tmp_path):
    xlsx = tmp_path / CARGO_FILE
    xlsx.parent.mkdir(parents=True)
    write_book(xlsx)
    fasta = tmp_path / HUMAN_PROTEOME_FILE
    fasta.parent.mkdir(parents=True)
    fasta.write_bytes(gzip.compress(write_fasta(tmp_path / "h.fa").read_bytes()))
    assert read_cargo(xlsx).counts["proteins"] == 4


# --------------------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    path = tmp_path / "nope.xlsx"
    with pytest.raises(NesscanError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    assert "no such file" in one_line(err, path)


def test_missing_fasta(files, tmp_path):
    path = tmp_path / "none.fasta"
    with pytest.raises(NesscanError) as err:
        read_cargo(files[0], path)
    assert "no such file" in one_line(err, path)


@pytest.mark.parametrize("content", [b"Leading Protein ID,Category\nc1,Cargo A\n", b"", b"PK\x03\x04garbage"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    assert "not a readable .xlsx workbook" in one_line(err, path)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    assert "not a readable .xlsx workbook" in one_line(err, path)


def test_missing_sheet(tmp_path):
    path = write_book(tmp_path / "c.xlsx", sheet="Extended table")
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    text = one_line(err, path)
    assert "no sheet 'Main table'" in text and "'Extended table'" in text


@pytest.mark.parametrize("drop", ["Category", "Human UniProt Link", "Leading Protein ID"])
def test_missing_column(tmp_path, drop):
    k = COLUMNS.index(drop)
    path = write_book(tmp_path / "c.xlsx", [r[:k] + r[k + 1:] for r in ROWS], COLUMNS[:k] + COLUMNS[k + 1:])
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    text = one_line(err, path)
    assert f"missing column(s) {drop!r}" in text and "Main table" in text


def test_header_on_the_first_row_is_a_missing_column(tmp_path):
    path = write_book(tmp_path / "c.xlsx", caption=False)
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    assert "row 2" in one_line(err, path)


def test_unknown_category_names_the_row(tmp_path):
    rows = ROWS[:2] + [["c3", "X", "CCC_HUMAN", 0.0, 1.0, "Cargo C"]]
    path = write_book(tmp_path / "c.xlsx", rows)
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    text = one_line(err, path)
    assert "row 5" in text and "'Cargo C'" in text


def test_no_mapped_sequence(tmp_path):
    path = write_book(tmp_path / "c.xlsx")
    fasta = write_fasta(tmp_path / "h.fa", {"Q1": ("OTHER_HUMAN", "MKV")})
    with pytest.raises(InputError) as err:
        read_cargo(path, fasta)
    assert "none of its" in one_line(err, path) and str(fasta) in str(err.value)


def test_only_ambiguous_rows_mapped(tmp_path):
    path = write_book(tmp_path / "c.xlsx", [ROWS[7], ROWS[11]])
    with pytest.raises(InputError) as err:
        read_cargo(path, write_fasta(tmp_path / "h.fa"))
    assert "no cargo or non-binder row" in one_line(err, path)


# --------------------------------------------------------------------------- real data
@pytest.mark.slow
def test_real_cargo_table(data_dir):
    path = data_dir / CARGO_FILE
    if not path.exists():
        pytest.skip(f"data file absent: {path}")
    cargo = read_cargo(path)
    assert cargo.counts["rows"] == 3347
    assert {k: cargo.categories[k] for k in ("Cargo A", "Cargo B", "Low Abundant Cargo", "Non-binder",
                                             "Ambiguous")} == {
        "Cargo A": 432, "Cargo B": 281, "Low Abundant Cargo": 277, "Non-binder": 722, "Ambiguous": 1607}
    assert sum(cargo.categories[k] for k in ("NUP", "NTR", "NPC", "CRM1 cofactor")) == cargo.counts["machinery"]
    assert cargo.counts["entry_names_found"] == 3167
    c = cargo.counts
    assert c["rows"] == sum(c[k] for k in ("ambiguous", "machinery", "no_entry_name", "unmapped",
                                           "proteins", "merged_rows", "conflict_rows"))
    t = cargo.table
    assert t.accession.is_unique and len(t) == c["proteins"] == c["cargo"] + c["non_binders"]
    # measured on the byte copy: no human entry name repeats in the sheet, so nothing merges
    assert {k: c[k] for k in ("machinery", "no_entry_name", "unmapped", "merged_rows", "conflicts", "proteins",
                              "cargo", "non_binders")} == {
        "machinery": 28, "no_entry_name": 37, "unmapped": 63, "merged_rows": 0, "conflicts": 0, "proteins": 1612,
        "cargo": 933, "non_binders": 679}
    phax = t.set_index("entry_name").loc["PHAX_HUMAN"]
    # Q9H814 (the data README's example names O43924, which is PDE6D_HUMAN in the FASTA)
    assert (phax.accession, phax.category, phax.label) == ("Q9H814", "Cargo A", 1)
    assert all(len(cargo.proteins[a].sequence) == n for a, n in zip(t.accession, t.length))
