"""Reader for the CRM1 cargo table of Kirli et al. 2015 (protein-level export labels).

Kirli K, Karaca S, Dehne HJ, Samwer M, Pan KT, Lenz C, Urlaub H, Görlich D. *A deep
proteomics perspective on CRM1-mediated nuclear export and nucleocytoplasmic
partitioning.* eLife 2015;4:e11466, doi:10.7554/eLife.11466, Supplementary file 2
(``elife-11466-supp2-v4.xlsx``, CC BY 4.0). CRM1 affinity chromatography of *Xenopus*
oocyte extract with and without RanGTP: which proteins CRM1 binds as export cargo.

Sheet ``Main table``; the column names are on the second row (the first is a group
caption). Column names are matched after collapsing runs of whitespace and stripping
(the file's ``"Nuc to Cyt concentration ratio (log10) "`` has a trailing space).

============================================  ========  =====================================
column                                        required  use
============================================  ========  =====================================
``Leading Protein ID``                        yes       the *Xenopus* contig (``contigs``)
``Human UniProt Link``                        yes       human entry name, e.g. ``PHAX_HUMAN``
``Category``                                  yes       the label (:data:`LABELS`)
``Nuc to Cyt concentration ratio (log10)``    no        ``nuc_cyt_log10`` (information only)
``Molar Fraction in Input (×10^6)``           no        ``input_fraction_ppm`` (information)
``Flags``                                     no        ``flags`` (e.g. ``MT``, ``ER``, ``TM;ER``)
============================================  ========  =====================================

Rows become proteins in four steps, each counted in :attr:`CargoTable.counts`:

1. A row whose category is ``Ambiguous`` or transport machinery (:data:`MACHINERY`) is
   set aside (``ambiguous``, ``machinery``); any other category not in :data:`LABELS`
   is an error.
2. A row with no human entry name is set aside (``no_entry_name``); so is one whose
   entry name is in no header of the proteome FASTA (``unmapped``; e.g. entry names
   UniProt renamed after 2015, or TrEMBL ones).
3. Rows that map to the same human accession (orthologue contigs) are merged into one
   protein. When all of them are cargo, or all non-binders, the most confident category
   is kept (Cargo A > Cargo B > Low Abundant Cargo); the merged rows are counted
   (``merged_rows``: rows beyond the first).
4. An accession with both a cargo row and a non-binder row is dropped (``conflicts``:
   accessions; ``conflict_rows``: their rows): the experiment contradicts itself there.

So ``rows = ambiguous + machinery + no_entry_name + unmapped + proteins + merged_rows +
conflict_rows``. Errors name the sheet row as ``row N``, N the spreadsheet's row number
(the first data row is row 3).
"""

from __future__ import annotations

import math
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from nesscan.errors import InputError, NesscanError
from nesscan.io.fasta import iter_fasta, require_file
from nesscan.records import Protein

if TYPE_CHECKING:  # pandas and numpy are imported by the functions that use them: `import nesscan.io` stays light
    import pandas as pd

#: The cargo table and the proteome its human entry names map to, relative to the data folder.
CARGO_FILE = "cargo/elife-11466-supp2-v4.xlsx"
HUMAN_PROTEOME_FILE = "proteomes/human_swissprot_assembled.fasta.gz"
SHEET = "Main table"
#: Category -> label: the authors' cargo classes (most to least confident) are 1, non-binders 0.
LABELS: Mapping[str, int] = {"Cargo A": 1, "Cargo B": 1, "Low Abundant Cargo": 1, "Non-binder": 0}
#: Confidence rank of each labelled category (lower is more confident), used to merge rows.
CONFIDENCE: Mapping[str, int] = {"Cargo A": 0, "Cargo B": 1, "Low Abundant Cargo": 2, "Non-binder": 3}
AMBIGUOUS = "Ambiguous"
#: Transport machinery (nucleoporins, transport receptors, pore proteins, CRM1 cofactors): not cargo.
MACHINERY = ("NUP", "NTR", "NPC", "CRM1 cofactor")
CONTIG, ENTRY, CATEGORY = "Leading Protein ID", "Human UniProt Link", "Category"
NUC_CYT, INPUT_FRACTION = "Nuc to Cyt concentration ratio (log10)", "Molar Fraction in Input (×10^6)"
FLAGS = "Flags"
REQUIRED_COLUMNS = (CONTIG, ENTRY, CATEGORY)
#: Columns of :attr:`CargoTable.table`, in order.
TABLE_COLUMNS = ("accession", "entry_name", "gene", "category", "label", "length", "contigs",
                 "n_rows", "nuc_cyt_log10", "input_fraction_ppm", "flags")
_FIRST_ROW = 3  # spreadsheet row number of the first data row (caption, then column names)


@dataclass(frozen=True)
class CargoTable:
    """The cargo table, one row per human protein.

    ``table`` columns (one row per human accession, in the order of its first sheet row):

    ======================  ==============================================================
    ``accession``           UniProt accession of the human orthologue (from the FASTA)
    ``entry_name``          its UniProt entry name, as in the sheet (e.g. ``PHAX_HUMAN``)
    ``gene``                gene name from the FASTA header (``GN=``), "" if none
    ``category``            ``Cargo A``, ``Cargo B``, ``Low Abundant Cargo`` or ``Non-binder``
    ``label``               1 for the three cargo classes, 0 for ``Non-binder`` (int)
    ``length``              residues of the human sequence (int)
    ``contigs``             ``;``-joined *Xenopus* contigs (``Leading Protein ID``) merged here
    ``n_rows``              number of sheet rows merged into this protein (int)
    ``nuc_cyt_log10``       measured log10 nucleus/cytoplasm concentration ratio in the
                            oocyte, of the first row of the kept category; NaN if not
                            measured or the column is absent. A measurement, never a feature
    ``input_fraction_ppm``  molar fraction in the input extract (×10^6, i.e. ppm), same row;
                            NaN if absent. Abundance: information only, never a feature
    ``flags``               the authors' ``Flags`` of that row: ``MT`` mitochondrial, ``ER``
                            endoplasmic reticulum, ``TM`` transmembrane, ``;``-joined;
                            "" if none or the column is absent (read it as
                            ``table["flags"]``: ``table.flags`` is a pandas attribute)
    ======================  ==============================================================

    Attributes
    ----------
    table
        The protein table above.
    proteins
        Accession -> :class:`~nesscan.records.Protein` (human sequence), in table order.
    counts
        What was kept and set aside, and why: ``rows``, ``entry_names_found`` (distinct
        entry names of any row found in the FASTA), ``ambiguous``, ``machinery``,
        ``no_entry_name``, ``unmapped``, ``merged_rows``, ``conflicts``,
        ``conflict_rows``, ``proteins``, ``cargo``, ``non_binders`` (see the module
        docstring for the identity they satisfy).
    categories
        Sheet rows per category, as read (before any filter).
    """

    table: pd.DataFrame
    proteins: dict[str, Protein]
    counts: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)


def read_cargo(path: str | os.PathLike, proteome: str | os.PathLike | None = None) -> CargoTable:
    """Read the CRM1 cargo table and attach human sequences.

    Parameters
    ----------
    path
        ``elife-11466-supp2-v4.xlsx`` or a workbook with the same ``Main table`` sheet.
    proteome
        FASTA (plain or gzip) with UniProt headers ``>sp|ACC|ENTRY_NAME ...``; by
        default :data:`HUMAN_PROTEOME_FILE` of the data folder that holds ``path``
        (``path``'s grandparent folder).

    Returns
    -------
    CargoTable
        Labelled proteins (cargo 1, non-binder 0), their sequences and the counts of
        every row set aside.

    Raises
    ------
    NesscanError
        If the workbook or the FASTA does not exist or cannot be opened.
    InputError
        Not a readable .xlsx workbook, no ``Main table`` sheet, a missing required
        column, an unknown category, no row mapped to a sequence; or a bad FASTA.
    """
    path = Path(path)
    proteome = Path(proteome) if proteome is not None else path.parent.parent / HUMAN_PROTEOME_FILE
    sheet = read_sheet(path)
    require_file(proteome)
    return _build(sheet, path, proteome)


def read_sheet(path: str | os.PathLike, sheet: str = SHEET) -> pd.DataFrame:
    """The raw rows of the cargo sheet, column names whitespace-normalised.

    Returns
    -------
    pandas.DataFrame
        Every column of the sheet, blank rows dropped; index = spreadsheet row number
        (first data row 3).

    Raises
    ------
    NesscanError
        If the file does not exist or cannot be opened.
    InputError
        Not a readable .xlsx workbook, no such sheet, or a missing required column.
    """
    import numpy as np
    import pandas as pd

    path = Path(path)
    require_file(path, "workbook (.xlsx)")
    try:
        with warnings.catch_warnings():  # openpyxl warns about Excel extensions it skips
            warnings.simplefilter("ignore")
            with pd.ExcelFile(path, engine="openpyxl") as book:
                if sheet not in book.sheet_names:
                    shown = ", ".join(map(repr, book.sheet_names[:6]))
                    raise InputError(path, None, f"no sheet {sheet!r} (sheets: {shown})")
                frame = book.parse(sheet, header=1, dtype=object)
    except NesscanError:
        raise
    except PermissionError as err:
        raise NesscanError(f"{path}: cannot read ({err.strerror or err})") from None
    except zipfile.BadZipFile:
        raise InputError(path, None, "not a readable .xlsx workbook (not a zip archive)") from None
    except Exception as err:  # a damaged zip/XML fails deep inside openpyxl with any type
        raise InputError(path, None, f"not a readable .xlsx workbook ({type(err).__name__})") from None
    frame.columns = [" ".join(str(c).split()) for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"sheet {sheet!r}",
                         f"missing column(s) {', '.join(map(repr, missing))} (column names are read from row 2)")
    frame.index = np.arange(_FIRST_ROW, _FIRST_ROW + len(frame))
    return frame.dropna(how="all")  # blank rows (e.g. formatted but empty ones at the end)


def _text(value: object) -> str:
    """A cell as stripped text ("" for an empty cell)."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric information column (NaN where absent or not a number)."""
    import numpy as np
    import pandas as pd

    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _build(frame: pd.DataFrame, path: Path, proteome: Path) -> CargoTable:
    """Filter, map and merge the sheet rows (steps 1-4 of the module docstring)."""
    import pandas as pd

    rows = pd.DataFrame({
        "contig": frame[CONTIG].map(_text),
        "entry_name": frame[ENTRY].map(_text).str.upper(),
        "category": frame[CATEGORY].map(_text),
        "nuc_cyt_log10": _number(frame, NUC_CYT),
        "input_fraction_ppm": _number(frame, INPUT_FRACTION),
        "flags": frame[FLAGS].map(_text) if FLAGS in frame.columns else "",
    }, index=frame.index)
    known = set(LABELS) | {AMBIGUOUS, *MACHINERY}
    unknown = rows.index[~rows.category.isin(known)]
    if len(unknown):
        bad = rows.category[unknown[0]]
        raise InputError(path, f"row {unknown[0]}",
                         f"unknown category {bad!r} (expected one of {', '.join(map(repr, sorted(known)))})")
    counts = {"rows": len(rows)}
    categories = {str(k): int(v) for k, v in rows.category.value_counts().items()}

    wanted = set(rows.entry_name) - {""}
    by_name: dict[str, Protein] = {}
    for protein in iter_fasta(proteome):
        if protein.entry_name in wanted:
            by_name.setdefault(protein.entry_name, protein)
    counts["entry_names_found"] = len(by_name)
    if not by_name:
        raise InputError(path, None, f"none of its {len(wanted)} human entry names is in {proteome}")

    counts["ambiguous"] = int((rows.category == AMBIGUOUS).sum())
    counts["machinery"] = int(rows.category.isin(MACHINERY).sum())
    rows = rows[rows.category.isin(list(LABELS))]
    counts["no_entry_name"] = int((rows.entry_name == "").sum())
    rows = rows[rows.entry_name != ""]
    mapped = rows.entry_name.isin(list(by_name))
    counts["unmapped"] = int((~mapped).sum())
    rows = rows[mapped].assign(accession=lambda r: r.entry_name.map(lambda n: by_name[n].accession))
    table, conflicts = _merge(rows)
    counts["merged_rows"] = int(len(rows) - len(table) - conflicts["rows"])
    counts["conflicts"], counts["conflict_rows"] = conflicts["accessions"], conflicts["rows"]
    counts["proteins"] = len(table)
    counts["cargo"] = int((table.label == 1).sum())
    counts["non_binders"] = int((table.label == 0).sum())
    if table.empty:
        raise InputError(path, None, f"no cargo or non-binder row maps to a sequence of {proteome}")

    proteins = {acc: by_name[name] for acc, name in zip(table.accession, table.entry_name)}
    table = table.assign(gene=[proteins[a].gene for a in table.accession],
                         length=[len(proteins[a].sequence) for a in table.accession])
    return CargoTable(table[list(TABLE_COLUMNS)].reset_index(drop=True), proteins, counts, categories)


def _merge(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per accession (steps 3-4): most confident category kept, conflicts dropped."""
    import numpy as np

    rows = rows.assign(label=rows.category.map(LABELS).astype(int),
                       rank=rows.category.map(CONFIDENCE).astype(int), order=np.arange(len(rows)))
    per_acc = rows.groupby("accession", sort=False)
    n_labels = per_acc.label.transform("nunique")
    conflict = rows[n_labels > 1]
    rows = rows[n_labels == 1]
    best = rows.sort_values(["rank", "order"]).groupby("accession", sort=False).head(1)
    grouped = rows.groupby("accession", sort=False)
    best = best.set_index("accession").assign(
        contigs=grouped.contig.agg(lambda c: ";".join(x for x in c if x)),
        n_rows=grouped.size(),
        first=grouped.order.min(),
    ).sort_values("first").reset_index()
    best["n_rows"] = best["n_rows"].astype(int)
    return best, {"accessions": int(conflict.accession.nunique()), "rows": len(conflict)}
