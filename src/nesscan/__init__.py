"""nesscan: find nuclear export signals (NES) in proteins and screen proteomes for new ones.

From Python::

    import nesscan
    model = nesscan.load_model()                      # the model shipped with nesscan
    results = nesscan.predict("MTDVETTYADFIASGRTG...", model=model)
    results[0].candidates                             # class, anchors, call, error rate, explanation
    nesscan.screen("proteome.fasta.gz", "out/")       # a whole proteome, as `nesscan screen`
    nesscan.mutate("proteins.fasta", "variants.tsv")  # variant effects, as `nesscan mutate`

The names below are loaded on first use (``import nesscan`` stays quick); they live in
:mod:`nesscan.api`. The package is laid out the way the data flows::

    io (FASTA, NESdb, mitochondrial CSV) -> dataset (22-residue examples, homology split)
    -> features (window features from the parent protein; embed: per-residue vectors)
    -> model (window-feature ensemble by default; Transformer as an option)
    -> validate / screen -> pipeline (run) -> api, cli, web, report
"""

import os
from typing import Any

import nesscan.screen as _screen_package  # noqa: F401  (bound first: the name is the function below)
from nesscan.version import __version__

__all__ = ["__version__", "load_model", "predict", "screen", "mutate", "read_fasta", "Prediction",
           "candidates_frame", "proteins_frame"]


def screen(fasta: str | os.PathLike, out: str | os.PathLike, **options: Any) -> Any:
    """Screen a proteome FASTA into ``out``, as ``nesscan screen`` does: :func:`nesscan.api.screen`
    (its keyword options and return value).

    ``nesscan.screen`` is this function, not the :mod:`nesscan.screen` subpackage of the same name,
    whose modules are imported by their full name (``from nesscan.screen import scan``).
    """
    from nesscan.api import screen as screen_proteome

    return screen_proteome(fasta, out, **options)


def __getattr__(name: str) -> Any:
    """The API's names (:mod:`nesscan.api`), imported on first use."""
    if name in __all__:
        from nesscan import api

        return getattr(api, name)
    raise AttributeError(f"module 'nesscan' has no attribute {name!r}")
