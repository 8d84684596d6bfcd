"""The folder of a variant run (``nesscan mutate -o OUT``): ``variants.csv`` and ``mutate.json``.

The folder follows a screen's rules (:mod:`nesscan.screen.outputs`): new or empty, or
``overwrite`` to replace an earlier variant run; files are written as ``*.tmp`` and renamed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

from nesscan.predictor import Predictor
from nesscan.variants.mutate import VariantResult, score_variants


def mutate_folder(fasta: str | os.PathLike, variants: str | os.PathLike, out: str | os.PathLike, model: Predictor, *,
                  threshold: float | None = None, rescoring: str = "local", overwrite: bool = False,
                  progress: Callable[[int, int], None] | None = None,
                  screen: str | os.PathLike | None = None) -> VariantResult:
    """Score the variants of a TSV against the proteins of a FASTA into ``out``.

    Writes ``variants.csv`` (one row per variant, :data:`~nesscan.variants.effects.VARIANT_COLUMNS`)
    and ``mutate.json`` (what ran: inputs and their SHA-256, the model, the options, counts,
    seconds, versions; with ``screen``, the screen folder whose window scores stood for the
    reference proteins', how many proteins came from it and how many were scored whole, and
    whether it screened the same FASTA). Returns the result, whose ``errors`` are the lines of
    the variants not scored.

    Raises
    ------
    NesscanError
        An unreadable FASTA or variants table, a folder that is not new or empty (without
        ``overwrite``), a bad option (one line). Bad variants are error rows, not exceptions.
    """
    from nesscan.atomic import write_text
    from nesscan.hashing import sha256_file
    from nesscan.io.fasta import read_fasta, require_file
    from nesscan.runrecord import versions
    from nesscan.screen.outputs import claim_mutate_folder
    from nesscan.variants.table import read_variants

    require_file(fasta)
    require_file(variants, "variants table")
    proteins = read_fasta(fasta)
    table = read_variants(variants)
    claim = claim_mutate_folder(out, overwrite)
    try:
        started = time.perf_counter()
        result = score_variants(proteins, table, model, threshold=threshold, method=rescoring, progress=progress,
                                screen=screen)
        seconds = time.perf_counter() - started
        path = Path(out)
        fasta_sha = sha256_file(fasta)
        write_text(path / "variants.csv", result.table.to_csv(index=False))
        record = {"command": "mutate",
                  "inputs": {"fasta": str(Path(fasta).resolve()), "fasta_sha256": fasta_sha,
                             "variants": str(Path(variants).resolve()), "variants_sha256": sha256_file(variants)},
                  "model": {"name": model.path.name if model.path else None,
                            "weights_sha256": model.config.weights_sha256},
                  "options": {"threshold": model.threshold if threshold is None else float(threshold),
                              "rescoring": rescoring},
                  "screen": result.screen.record(fasta_sha) if result.screen else None,
                  "counts": {"variants": len(table), "scored": result.scored, "errors": len(result.errors)},
                  "errors": result.errors, "seconds": round(seconds, 3), "versions": versions()}
        write_text(path / "mutate.json", json.dumps(record, indent=2) + "\n")
    except BaseException:
        claim.rollback()
        raise
    claim.commit()
    return result
