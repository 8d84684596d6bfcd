"""Training examples, in the order the data flows: :mod:`~nesscan.dataset.window` (the
22-residue window and the row schema), :mod:`~nesscan.dataset.positives` (NESdb NES
windows), :mod:`~nesscan.dataset.registry` and :mod:`~nesscan.dataset.negatives` (the
negative sets; generators of the hard ones in :mod:`~nesscan.dataset.hard_negatives`),
:mod:`~nesscan.dataset.examples` (the table) and :mod:`~nesscan.dataset.split` (homology
clusters to train/val/test)."""
