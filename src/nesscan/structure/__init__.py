"""Structure-aware candidates: AlphaFold models -> per-residue RSA, pLDDT, secondary
structure -> per-candidate features and a soft structural score.

Laid out as the data flows: :mod:`~nesscan.structure.afdb` (find or download models),
:mod:`~nesscan.structure.residues` (per-residue features of one model),
:mod:`~nesscan.structure.locate` (a window in the model(s), flags),
:mod:`~nesscan.structure.score` (score and explanation),
:mod:`~nesscan.structure.table` (the candidate table). Structure never removes a
candidate: it adds columns, and problems become flags.
"""

from __future__ import annotations

from nesscan.fetch.alphafold import fetch_models
from nesscan.structure.afdb import index_models
from nesscan.structure.table import COLUMNS, annotate_structures

__all__ = ["COLUMNS", "annotate_structures", "fetch_models", "index_models"]
