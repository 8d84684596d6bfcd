"""Frozen records passed between the stages of the pipeline, and nesscan's one rule for coordinates.

Coordinates (the rule for all of nesscan; other modules and the README refer here):

* A name ending in ``_1b`` (``start_1b``, ``end_1b``, ``ranges_1b``, ``range_1b``,
  ``best_start_1b``) is 1-based inclusive, everywhere: ``sequence[start_1b - 1:end_1b]``
  (the UniProt and NESdb convention).
* An unsuffixed ``start``/``end`` in the library (records, arrays, function arguments)
  is 0-based, start inclusive, end exclusive: ``sequence[start:end]`` (Python slicing).
* Every table nesscan writes for people uses residue numbers as UniProt does: 1-based
  inclusive, ``sequence[start - 1:end]``, suffix or not; so do the data frames and dicts
  that become those tables. These are the screen's ``windows.parquet`` (``start``,
  ``end``), ``candidates.csv`` (``start``, ``end``, ``region_start``, ``region_end``,
  ``anchors``) and ``proteins.csv`` (``best_start``); ``structure.csv``; the web
  application's CSV downloads and JSON (``start``, ``end``, ``position``, ``known_nes``,
  ``window_scores[i]`` = residues ``i + 1 .. i + window``); and the report's tables. Each
  says so in its schema (the README's "Outputs" and "JSON API", :mod:`nesscan.screen.scan`).
* Tables written for nesscan itself keep the library rule and say so: the example table
  (``examples.tsv`` of a model directory, and the ``predictions.tsv`` of ``evaluate`` and
  ``cv``, which are its rows with scores) has a 0-based ``start``, the window being
  ``parent.sequence[start:start + window]``, beside the NES's 1-based ``range_1b``.
  ``split.tsv`` holds no coordinates.
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
