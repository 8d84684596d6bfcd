"""Structure-aware candidates: AlphaFold models -> per-residue RSA, pLDDT, secondary
structure -> per-candidate features and a soft structural score.

Laid out as the data flows: :mod:`~nesscan.structure.afdb` (find models in a folder;
downloads: :mod:`nesscan.fetch.alphafold`), :mod:`~nesscan.structure.residues` (per-residue features of one model),
:mod:`~nesscan.structure.locate` (a window in the model(s), flags),
:mod:`~nesscan.structure.score` (score and explanation),
:mod:`~nesscan.structure.table` (the candidate table). Structure never removes a
candidate: it adds columns, and problems become flags.
"""

from __future__ import annotations

from typing import Any

from nesscan.structure.afdb import index_models
from nesscan.structure.table import COLUMNS, annotate_structures

__all__ = ["COLUMNS", "annotate_structures", "fetch_models", "index_models"]


def __getattr__(name: str) -> Any:
    # fetch_models is imported on first use: nesscan.fetch.alphafold imports this package
    # (for nesscan.structure.afdb), so importing it here at once would be circular.
    if name == "fetch_models":
        from nesscan.fetch.alphafold import fetch_models

        return fetch_models
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
