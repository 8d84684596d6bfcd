"""Readers for the project's inputs: FASTA proteomes, the NESdb export, mitochondrial CSV,
the CRM1 cargo table (Kirli et al. 2015).

Every reader validates what it reads and raises :class:`~nesscan.errors.InputError`
(one line naming the file and the record) on bad input, and
:class:`~nesscan.errors.NesscanError` when a file is missing.
"""

from nesscan.io.cargo import CargoTable, read_cargo
from nesscan.io.fasta import AMINO_ACIDS, Header, check_sequence, iter_fasta, parse_header, read_fasta
from nesscan.io.mito import read_mito
from nesscan.io.nesdb import (
    iter_csv_rows,
    nes_ranges_by_accession,
    nesdb_proteins,
    parse_ranges,
    read_nesdb,
)

__all__ = [
    "AMINO_ACIDS",
    "CargoTable",
    "Header",
    "check_sequence",
    "iter_csv_rows",
    "iter_fasta",
    "nes_ranges_by_accession",
    "nesdb_proteins",
    "parse_header",
    "parse_ranges",
    "read_cargo",
    "read_fasta",
    "read_mito",
    "read_nesdb",
]
