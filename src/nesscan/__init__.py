"""nesscan: find nuclear export signals (NES) with protein language models.

The package is laid out the way the data flows::

    io (FASTA, NESdb, mitochondrial CSV) -> examples (22-residue windows)
    -> split (homology clusters) -> embed (per-residue vectors)
    -> model (Transformer classifier) -> evaluate / screen -> pipeline (run)
"""

__version__ = "0.1.0"
