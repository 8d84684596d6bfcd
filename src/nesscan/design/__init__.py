"""Mutants of an NES, designed against the model: in-silico alanine and saturation scans of a
range (:mod:`nesscan.design.scan`) and the smallest set of substitutions that takes a called NES
below the call with a matched control that keeps it (:mod:`nesscan.design.dead`), every mutant
rescored as a whole protein (:mod:`nesscan.design.rescore`). ``nesscan mutate --design`` runs them.
"""

from nesscan.design.dead import Design, Mutant, design_dead_mutant, design_frame, mutants_fasta  # noqa: F401
from nesscan.design.scan import alanine_scan, saturation_scan  # noqa: F401

__all__ = ["alanine_scan", "saturation_scan", "design_dead_mutant", "Design", "Mutant", "design_frame",
           "mutants_fasta"]
