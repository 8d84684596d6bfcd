"""Reader for the NESdb export ``NesDB_all_CRM1_with_peptides.csv`` (the positives).

One row is one NES region of a parent protein (Xu et al. 2012, Mol Biol Cell 23:3677,
doi:10.1091/mbc.E12-01-0046). Columns read:

=====================================================  ========  ==============================
column                                                 required  becomes
=====================================================  ========  ==============================
``ID``                                                 yes       ``NesAnnotation.nes_id``
``Fasta Header``                                       yes       accession, entry name, ...
``Sequence``                                           yes       ``Protein.sequence``
``Merged ranges``                                      yes       ``ranges_1b`` (1-based, incl.)
``is_NesDB_doubt``                                     yes       ``doubtful``
``Organism``                                           no        ``Protein.organism``
``Experimental Evidence for CRM1-mediated Export``     no        ``evidence``
=====================================================  ========  ==============================

Rows are numbered from 1 (the first line after the column names); errors name
the record as ``row N (ID)``.
"""

from __future__ import annotations

import ast
import csv
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from nesscan.errors import InputError, NesscanError
from nesscan.io.fasta import check_sequence, parse_header
from nesscan.records import NesAnnotation, Protein

EVIDENCE_COLUMN = "Experimental Evidence for CRM1-mediated Export"
REQUIRED_COLUMNS = ("ID", "Fasta Header", "Sequence", "Merged ranges", "is_NesDB_doubt")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def iter_csv_rows(
    path: str | os.PathLike, required: Iterable[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, row)`` of a CSV file after checking its columns.

    Shared by the CSV readers of :mod:`nesscan.io`. Rows are numbered from 1
    (the first data line); values are stripped strings.

    Raises
    ------
    NesscanError
        If the file does not exist or cannot be read.
    InputError
        If the file is empty, a required column is missing, or the CSV is malformed.
    """
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise NesscanError(f"{path}: no such file") from None
    except OSError as err:
        raise NesscanError(f"{path}: cannot read ({err.strerror or err})") from None
    number = 0
    with handle:
        try:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if not columns:
                raise InputError(path, None, "empty CSV file (no column names)")
            missing = [c for c in required if c not in columns]
            if missing:
                raise InputError(path, None, f"missing column(s): {', '.join(map(repr, missing))}")
            for number, row in enumerate(reader, start=1):
                yield number, {k: (v or "").strip() for k, v in row.items() if k is not None}
        except csv.Error as err:
            raise InputError(path, f"row {number + 1}", f"malformed CSV ({err})") from None
        except UnicodeDecodeError:
            raise InputError(path, f"row {number + 1}", "not a UTF-8 text file") from None


def parse_ranges(text: str, path: str | os.PathLike, record: str) -> tuple[tuple[int, int], ...]:
    """Parse a Python-literal list of ``(start, end)`` pairs, e.g. ``"[(170, 181)]"``.

    Uses :func:`ast.literal_eval` (never ``eval``). Bounds are not checked here.

    Raises
    ------
    InputError
        If the text is not a non-empty list of integer pairs.

    Examples
    --------
    >>> parse_ranges("[(170, 181), (211, 222)]", "nesdb.csv", "row 1")
    ((170, 181), (211, 222))
    """
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = None
    ok = isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(pair, (list, tuple))
        and len(pair) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
        for pair in value
    )
    if not ok:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise InputError(path, record, f"malformed range list {shown!r}")
    return tuple((int(s), int(e)) for s, e in value)


def read_nesdb(path: str | os.PathLike) -> list[NesAnnotation]:
    """Read the NESdb export, one :class:`~nesscan.records.NesAnnotation` per row.

    Parameters
    ----------
    path
        ``NesDB_all_CRM1_with_peptides.csv`` or a CSV with the same columns.

    Returns
    -------
    list of NesAnnotation
        In file order; ``ranges_1b`` are 1-based inclusive ``(start, end)`` pairs,
        each checked to lie within the parent sequence.

    Raises
    ------
    InputError
        Missing column, malformed range list, range outside its sequence, empty
        or invalid sequence, or a doubt flag that is not True/False.
    """
    annotations = []
    for number, row in iter_csv_rows(path, REQUIRED_COLUMNS):
        record = f"row {number} ({' '.join(row['ID'].split()) or 'no ID'})"
        sequence = check_sequence(row["Sequence"], path, record)
        header = parse_header(row["Fasta Header"])
        if not header.accession:
            raise InputError(path, record, "empty 'Fasta Header'")
        ranges = parse_ranges(row["Merged ranges"], path, record)
        for start, end in ranges:
            if start < 1 or end > len(sequence) or start > end:
                raise InputError(
                    path, record,
                    f"range ({start}, {end}) outside its sequence of length {len(sequence)}",
                )
        doubt = _BOOLEANS.get(row["is_NesDB_doubt"].lower())
        if doubt is None:
            raise InputError(path, record, f"is_NesDB_doubt is {row['is_NesDB_doubt']!r}, not True/False")
        protein = Protein(
            accession=header.accession,
            sequence=sequence,
            entry_name=header.entry_name,
            gene=header.gene,
            description=header.description,
            organism=row.get("Organism", "") or header.organism,
        )
        annotations.append(
            NesAnnotation(row["ID"], protein, ranges, doubt, row.get(EVIDENCE_COLUMN, ""))
        )
    if not annotations:
        raise InputError(path, None, "no rows")
    return annotations


def nesdb_proteins(annotations: Iterable[NesAnnotation]) -> list[Protein]:
    """Unique parent proteins by accession, first occurrence kept, in input order."""
    proteins: dict[str, Protein] = {}
    for ann in annotations:
        proteins.setdefault(ann.protein.accession, ann.protein)
    return list(proteins.values())


def nes_ranges_by_accession(annotations: Iterable[NesAnnotation]) -> dict[str, list[tuple[int, int]]]:
    """All NES ranges of each accession (doubtful rows included).

    Returns
    -------
    dict
        accession -> sorted, de-duplicated list of 1-based inclusive ``(start, end)``.

    Examples
    --------
    >>> p = Protein("P1", "M" * 30)
    >>> anns = [NesAnnotation("a", p, ((5, 9),), False), NesAnnotation("b", p, ((1, 3), (5, 9)), True)]
    >>> nes_ranges_by_accession(anns)
    {'P1': [(1, 3), (5, 9)]}
    """
    ranges: dict[str, set[tuple[int, int]]] = {}
    for ann in annotations:
        ranges.setdefault(ann.protein.accession, set()).update(ann.ranges_1b)
    return {acc: sorted(r) for acc, r in ranges.items()}
