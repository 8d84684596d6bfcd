"""nesscan: find nuclear export signals (NES) in proteins and screen proteomes for new ones.

From Python::

    import nesscan
    model = nesscan.load_model()                      # the model shipped with nesscan
    results = nesscan.predict("MTDVETTYADFIASGRTG...", model=model)
    results[0].candidates                             # class, anchors, call, error rate, explanation
    nesscan.screen("proteome.fasta.gz", "out/")       # a whole proteome, as `nesscan screen`

The names below are loaded on first use (``import nesscan`` stays quick); they live in
:mod:`nesscan.api`. The package is laid out the way the data flows::

    io (FASTA, NESdb, mitochondrial CSV) -> dataset (22-residue examples, homology split)
    -> features (window features from the parent protein; embed: per-residue vectors)
    -> model (window-feature ensemble by default; Transformer as an option)
    -> validate / screen -> pipeline (run) -> api, cli, web, report
"""

from typing import Any

from nesscan.version import __version__

__all__ = ["__version__", "load_model", "predict", "screen", "read_fasta", "Prediction",
           "candidates_frame", "proteins_frame"]


def __getattr__(name: str) -> Any:
    """The API's names (:mod:`nesscan.api`), imported on first use."""
    if name in __all__:
        from nesscan import api

        return getattr(api, name)
    raise AttributeError(f"module 'nesscan' has no attribute {name!r}")
