"""Variant effects on NES evidence (``nesscan mutate``, :func:`nesscan.api.mutate`).

hgvs (MAVE-HGVS protein variants, parsed and applied) -> table (the variants TSV)
-> rescore (the mutant's windows, only those a variant touches) -> effects (one row per
variant: best window, windows gained and lost, protein level, compartment) -> mutate (the
whole run).
"""
