"""nesscan: find nuclear export signals (NES) in proteins and screen proteomes for new ones.

From Python::

    import nesscan
    model = nesscan.load_model()                      # the model shipped with nesscan
    results = nesscan.predict("MTDVETTYADFIASGRTG...", model=model)
    results[0].candidates                             # class, anchors, call, error rate, explanation
    nesscan.screen("proteome.fasta.gz", "out/")       # a whole proteome, as `nesscan screen`
    nesscan.mutate("proteins.fasta", "variants.tsv")  # variant effects, as `nesscan mutate`
    nesscan.alanine_scan(sequence, 38, 47)            # per-residue importance of an NES
    nesscan.design_mutant(sequence, 38, 47)           # NES-dead mutant and control (`mutate --design`)

The names below are loaded on first use (``import nesscan`` stays quick); they live in
:mod:`nesscan.api`. The package is laid out the way the data flows::

    io (FASTA, NESdb, mitochondrial CSV) -> dataset (22-residue examples, homology split)
    -> features (window features from the parent protein; embed: per-residue vectors)
    -> model (window-feature ensemble by default; Transformer as an option)
    -> validate / screen -> pipeline (run) -> api, cli, web, report
"""

import types
from typing import Any

import nesscan.screen as _screen_package
from nesscan.version import __version__

__all__ = ["__version__", "load_model", "predict", "screen", "mutate", "alanine_scan", "design_mutant", "read_fasta",
           "Prediction",
           "candidates_frame", "proteins_frame"]


class _CallableScreenPackage(types.ModuleType):
    """The :mod:`nesscan.screen` subpackage, which shares its name with the API's ``screen``
    function: called, it is :func:`nesscan.api.screen`; imported, it is the package, so
    ``import nesscan.screen.scan`` and ``from nesscan.screen import scan`` work as usual."""

    def __call__(self, fasta: Any, out: Any, **options: Any) -> Any:
        """Screen a proteome FASTA into ``out``, as ``nesscan screen`` does
        (:func:`nesscan.api.screen`: its keyword options and return value)."""
        from nesscan.api import screen as screen_proteome

        return screen_proteome(fasta, out, **options)


_screen_package.__class__ = _CallableScreenPackage  # nesscan.screen(fasta, out, ...) screens


def __getattr__(name: str) -> Any:
    """The API's names (:mod:`nesscan.api`), imported on first use."""
    if name in __all__:
        from nesscan import api

        return getattr(api, name)
    raise AttributeError(f"module 'nesscan' has no attribute {name!r}")
