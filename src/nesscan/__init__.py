"""nesscan: find nuclear export signals (NES) in proteins and screen proteomes for new ones.

The package is laid out the way the data flows::

    io (FASTA, NESdb, mitochondrial CSV) -> dataset (22-residue examples, homology split)
    -> features (window features from the parent protein; embed: per-residue vectors)
    -> model (window-feature ensemble by default; Transformer as an option)
    -> validate / screen -> pipeline (run)
"""

__version__ = "0.1.0"
