"""Screening proteomes (called as a function, ``nesscan.screen(fasta, out, ...)`` is
:func:`nesscan.api.screen`): chunks of proteins -> window scores -> decoys -> calibrated calls.

The modules follow the data: :mod:`~nesscan.screen.proteomes` (several FASTA files, a
local folder or a URI: :mod:`~nesscan.screen.destination`), :mod:`~nesscan.screen.outputs`
(who owns an output folder), :mod:`~nesscan.screen.scan` (the screen itself),
:mod:`~nesscan.screen.chunks` (finished chunks, resumable), :mod:`~nesscan.screen.workers`
(worker processes) or :mod:`~nesscan.screen.ray_engine` (Ray actors),
:mod:`~nesscan.screen.calibration` (q-values and protein p-values over all chunks),
:mod:`~nesscan.screen.fdr_binned` (target-decoy FDR from histograms; the length-matched
protein null is :mod:`nesscan.length_null`, shared with validation) and
:mod:`~nesscan.screen.annotate` (consensus class and anchors of candidates).
"""
