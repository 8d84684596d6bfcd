"""Frozen records passed between the stages of the pipeline.

Coordinates: every ``start``/``end`` pair named ``*_1b`` is 1-based and inclusive
(UniProt and NESdb convention); every pair without suffix is 0-based, start inclusive,
end exclusive (Python slicing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Protein:
    """A protein sequence with the identifiers parsed from its header."""

    accession: str  # UniProt accession, or the first id of a non-UniProt header
    sequence: str  # upper-case one-letter amino acids
    entry_name: str = ""  # UniProt entry name, e.g. "XPO1_HUMAN"; "" if unknown
    gene: str = ""  # gene name (GN=), "" if unknown
    description: str = ""  # free text of the header
    organism: str = ""  # OS= or NESdb "Organism"; "" if unknown


@dataclass(frozen=True)
class NesAnnotation:
    """One NESdb row: an NES region of a parent protein."""

    nes_id: str  # NESdb "ID", e.g. "Actin (NES ID: 14)"
    protein: Protein  # full-length parent protein
    ranges_1b: tuple[tuple[int, int], ...]  # merged NES ranges, 1-based inclusive
    doubtful: bool  # NESdb ``is_NesDB_doubt``: weak evidence for export
    evidence: str = ""  # "Experimental Evidence for CRM1-mediated Export"
