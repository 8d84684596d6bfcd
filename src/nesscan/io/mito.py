"""Reader for ``negatives/mitochondrial_proteins.csv`` (a negative control set).

Columns (all required):

===============  ===================================================================
column           becomes
===============  ===================================================================
``protein_id``   ``Protein.accession`` (UniProt accession; must be unique)
``description``  UniProt header without ``>``: entry name, gene, description, organism
``sequence``     ``Protein.sequence``
===============  ===================================================================

Rows are numbered from 1 (the first line after the column names); errors name
the record as ``row N (protein_id)``.
"""

from __future__ import annotations

import os

from nesscan.errors import InputError
from nesscan.io.fasta import check_sequence, parse_header
from nesscan.io.nesdb import iter_csv_rows
from nesscan.records import Protein

REQUIRED_COLUMNS = ("protein_id", "description", "sequence")


def read_mito(path: str | os.PathLike) -> list[Protein]:
    """Read the mitochondrial protein table.

    Parameters
    ----------
    path
        CSV with columns ``protein_id``, ``description``, ``sequence``.

    Returns
    -------
    list of Protein
        In file order. The accession is ``protein_id``; the other identifiers come
        from parsing ``description`` with :func:`nesscan.io.fasta.parse_header`.

    Raises
    ------
    InputError
        Missing column, empty ``protein_id``, duplicate ``protein_id``, empty or
        invalid sequence, or a file with no rows.
    """
    proteins: list[Protein] = []
    seen: set[str] = set()
    for number, row in iter_csv_rows(path, REQUIRED_COLUMNS):
        accession = row["protein_id"]
        record = f"row {number} ({accession or 'no protein_id'})"
        if not accession:
            raise InputError(path, record, "empty protein_id")
        if accession in seen:
            raise InputError(path, record, f"duplicate protein_id {accession!r}")
        seen.add(accession)
        sequence = check_sequence(row["sequence"], path, record)
        header = parse_header(row["description"]) if row["description"] else None
        proteins.append(
            Protein(
                accession=accession,
                sequence=sequence,
                entry_name=header.entry_name if header else "",
                gene=header.gene if header else "",
                description=header.description if header else "",
                organism=header.organism if header else "",
            )
        )
    if not proteins:
        raise InputError(path, None, "no rows")
    return proteins
