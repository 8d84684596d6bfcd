"""Reference window scores from an earlier screen (``nesscan mutate --screen DIR``).

A variant run scores every reference protein whole once (:func:`nesscan.variants.rescore.score_references`),
about 50 ms a protein on one core: most of a run over many proteins. A ``nesscan screen`` of the
same proteins by the same model already holds those scores (``DIR/windows.parquet``: accession,
start, end, score, every window at stride 1), so :func:`screen_references` reads them instead,
for the accessions needed only (pyarrow filters).

Checks
------
* The model: ``DIR/screen.json`` must record the loaded model's weights (``config.weights_sha256``)
  and the same precision; otherwise one :class:`~nesscan.errors.NesscanError` line, nothing is
  scored. A screen by an older nesscan, which recorded only the model's folder, is refused too:
  the folder may have been retrained since (measured: a screen of the shipped model's folder made
  before its retraining differs from it by up to 0.2 a window).
* Each protein: its windows in the screen must be ``len(sequence) - window + 1``, starting at 1 one
  residue apart; a protein missing from the screen or of another length is scored whole, as
  without ``--screen``. A protein whose sequence changed but kept its length is not detected unless
  the FASTA differs as a whole: ``mutate.json`` records whether the screened FASTA's SHA-256 is the
  FASTA's.

The screen stores scores as float32, as the model computes them; a reference read from it
gives the same table as one scored here (``tests/test_variants.py``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein


@dataclass
class ScreenReuse:
    """What a variant run took from a screen (recorded in ``mutate.json``)."""

    path: str
    fasta_sha256: str | None
    from_screen: int = 0
    scored_whole: list[str] = field(default_factory=list)

    def record(self, fasta_sha256: str | None = None) -> dict:
        out = {"path": self.path, "proteins_from_screen": self.from_screen,
               "proteins_scored_whole": len(self.scored_whole), "screened_fasta_sha256": self.fasta_sha256}
        if fasta_sha256 is not None:
            out["same_fasta"] = fasta_sha256 == self.fasta_sha256
        return out


def _screen_record(directory: Path) -> dict:
    for name in ("screen.json", "windows.parquet"):
        if not (directory / name).is_file():
            raise NesscanError(f"--screen {directory}: no {name} (not a finished nesscan screen folder)")
    try:
        record = json.loads((directory / "screen.json").read_text())
        return record["config"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NesscanError(f"--screen {directory}: unreadable screen.json ({exc})") from None


def check_screen(directory: str | os.PathLike, model: Predictor) -> dict:
    """The screen's recorded config, when it was made by ``model`` (weights and precision).

    Raises
    ------
    NesscanError
        Not a screen folder, or a screen by another model or precision (one line).
    """
    directory = Path(directory)
    config = _screen_record(directory)
    ours, theirs = model.config.weights_sha256, config.get("weights_sha256")
    if theirs is None:  # the model folder it names may have been retrained since: its weights now prove nothing
        raise NesscanError(f"--screen {directory}: screen.json records no model weights (a screen by an older "
                           f"nesscan), so its scores cannot be checked against this model: screen again, or "
                           f"leave --screen out")
    if theirs != ours:
        raise NesscanError(f"--screen {directory}: screened by another model (weights {theirs[:12]}, model "
                           f"{config.get('model')}; this run's model has weights {str(ours)[:12]}): screen again "
                           f"with this model, or leave --screen out")
    precision = config.get("precision", "float32")
    if precision != model.runtime.precision:
        raise NesscanError(f"--screen {directory}: screened in {precision}, this run is in "
                           f"{model.runtime.precision}: use --precision {precision}, or leave --screen out")
    return config


def read_screen_scores(directory: str | os.PathLike, accessions: set[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{accession: (starts (1-based), scores)}`` of the windows of ``accessions`` in ``DIR/windows.parquet``,
    in start order (int32 and float32, as stored: read once for a whole run)."""
    import pyarrow.parquet as pq

    if not accessions:
        return {}
    table = pq.read_table(Path(directory) / "windows.parquet", columns=["accession", "start", "score"],
                          filters=[("accession", "in", sorted(accessions))])
    acc = table.column("accession").to_numpy(zero_copy_only=False).astype(str)
    starts = table.column("start").to_numpy().astype(np.int32)
    scores = table.column("score").to_numpy().astype(np.float32)  # as stored; float64 per Reference
    order = np.lexsort((starts, acc))
    acc, starts, scores = acc[order], starts[order], scores[order]
    names, first = np.unique(acc, return_index=True)
    bounds = list(first[1:]) + [len(acc)]
    return {str(a): (starts[i:j], scores[i:j]) for a, i, j in zip(names, first, bounds)}


def screen_references(found: dict[str, tuple[np.ndarray, np.ndarray]], model: Predictor, proteins: list[Protein],
                      reuse: ScreenReuse) -> dict:
    """The :class:`~nesscan.variants.rescore.Reference` of each protein: from the screen's windows
    ``found`` (:func:`read_screen_scores`) when they match its length, else scored whole
    (:func:`~nesscan.variants.rescore.score_references`)."""
    from nesscan.variants.rescore import Reference, score_references

    window = model.window
    refs, whole = {}, []
    for p in proteins:
        n = len(p.sequence) - window + 1
        if n < 1:
            refs[p.accession] = Reference(p, np.zeros(0))
            continue
        starts, scores = found.get(p.accession, (None, None))
        if starts is not None and len(starts) == n and starts[0] == 1 and (n == 1 or (np.diff(starts) == 1).all()):
            refs[p.accession] = Reference(p, scores.astype(np.float64))
            reuse.from_screen += 1
        else:
            whole.append(p)
    if whole:
        refs.update(score_references(model, whole))
        reuse.scored_whole.extend(p.accession for p in whole)
    return refs
