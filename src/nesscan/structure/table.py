"""Structure columns for a candidate table: find models, read residues, locate, score.

Columns added (``structure.csv``; numbers are empty where the row has no usable model,
except the pLDDT columns when no model exists, see ``plddt_source``):

====================  =================================================================
``structure_status``  ``ok``, or ``;``-joined flags: ``missing_model``, ``corrupt_model``,
                      ``sequence_mismatch``, ``fragment``, ``window_outside_model``
                      (:mod:`nesscan.structure.locate`), and ``predicted_plddt`` where no
                      AlphaFold model exists or every one is corrupt: the pLDDT columns
                      then hold metapredict's sequence-predicted pLDDT (e.g.
                      ``missing_model;predicted_plddt``)
``structure_model``   file name of the model read (``""`` if none)
``structure_note``    details of the flags (fragment read, where the window was found, error)
``rsa_window``        mean RSA of the window's residues
``anchor_source``     which residues ``*_anchors`` averages: ``consensus`` (the Kosugi anchors
                      of the ``anchors`` column), ``hydrophobic`` (no consensus match: the
                      window's L, I, V, F, M) or ``window`` (neither: the whole window)
``rsa_anchors``       mean RSA of those anchor residues
``plddt_window``      mean pLDDT of the window
``plddt_anchors``     mean pLDDT of the anchor residues
``plddt_source``      where the pLDDT columns come from: ``alphafold`` (the model),
                      ``metapredict`` (predicted from sequence, flag ``predicted_plddt``;
                      ``structure_note`` says whether from the full protein sequence of
                      ``--fasta``/``--nesdb`` or, lacking it, the window alone), ``""`` (none)
``helix_fraction``    share of window residues in a P-SEA helix (empty without a model, as RSA)
``strand_fraction``   share of window residues in a P-SEA strand
``structural_score``  soft structural score in [0, 1] (:mod:`nesscan.structure.score`); from a
                      predicted pLDDT: ``c * 0.5 + (1 - c) * 0.75`` (exposure unknown, neutral)
``combined_score``    blend of ``score`` and ``structural_score`` (neutral 0.5 when empty)
``structure_explanation``  a few words, e.g. "exposed helix, anchors' RSA 0.45 (window 0.38), pLDDT 88"
                      (the RSA it quotes is named: ``rsa_anchors``, ``rsa_window`` beside it)
====================  =================================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from nesscan.errors import NesscanError
from nesscan.structure.locate import Located, locate, place_fragments
from nesscan.structure.residues import CorruptModel, ResidueProfile, residue_profile
from nesscan.structure.score import (combined_score, explain, explain_predicted,
                                     predicted_structural_score, structural_score)

COLUMNS = ("structure_status", "structure_model", "structure_note", "anchor_source", "rsa_window",
           "rsa_anchors", "plddt_window", "plddt_anchors", "plddt_source", "helix_fraction",
           "strand_fraction", "structural_score", "combined_score", "structure_explanation")
_NUMBERS = ("rsa_window", "rsa_anchors", "plddt_window", "plddt_anchors", "helix_fraction",
            "strand_fraction", "structural_score")
HYDROPHOBIC = "LIVFM"
"""Residues used as anchors of a window without a consensus match."""


def anchor_residues(anchors, start: int, window_seq: str) -> tuple[list[int], str]:
    """1-based protein residues to average as anchors, and their source (see ``anchor_source``)."""
    if isinstance(anchors, str) and anchors.strip():
        return [int(a) for a in anchors.split(",") if a.strip()], "consensus"
    phi = [start + i for i, aa in enumerate(window_seq) if aa in HYDROPHOBIC]
    if phi:
        return phi, "hydrophobic"
    return list(range(start, start + len(window_seq))), "window"


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def features(loc: Located) -> dict[str, float]:
    """The numeric columns of a located window (:data:`COLUMNS` ``rsa_window`` .. ``structural_score``)."""
    prof = loc.fragment.profile
    w, a = loc.window, loc.anchors
    row = {"rsa_window": _mean(prof.rsa[w]), "plddt_window": _mean(prof.plddt[w]),
           "rsa_anchors": _mean(prof.rsa[a]), "plddt_anchors": _mean(prof.plddt[a]),
           "helix_fraction": float(np.mean(prof.sse[w] == "a")),
           "strand_fraction": float(np.mean(prof.sse[w] == "b"))}
    rsa = row["rsa_anchors"] if np.isfinite(row["rsa_anchors"]) else row["rsa_window"]
    row["plddt_source"] = "alphafold"
    row["structural_score"] = structural_score(rsa, row["plddt_window"], row["helix_fraction"])
    row["structure_explanation"] = explain(row["rsa_anchors"], row["plddt_window"], row["helix_fraction"],
                                           row["strand_fraction"], rsa_window=row["rsa_window"])
    return row


def predicted_plddt(sequence: str) -> np.ndarray:
    """Per-residue pLDDT (0-100) predicted from sequence by metapredict
    (:class:`nesscan.features.metapredict.MetapredictTrack`, which gives pLDDT / 100 rounded
    to 1e-3, i.e. 0.1 pLDDT)."""
    from nesscan.features.metapredict import MetapredictTrack

    return np.asarray(MetapredictTrack(kind="plddt").embed([sequence])[0][:, 0], np.float64) * 100.0


def predicted_features(protein: str | None, start: int, window_seq: str, anchors: list[int],
                       why: str) -> dict:
    """The pLDDT columns, score and explanation of a window without a usable model, from
    metapredict's predicted pLDDT of the full protein (``protein``) or, lacking it (or when
    the window is not at ``start`` in it), of the window alone; ``structure_note`` says which."""
    offset = start - 1
    if protein and protein[offset:offset + len(window_seq)].upper() == window_seq.upper():
        seq, note = protein, "pLDDT predicted by metapredict from the full protein sequence"
    elif protein and window_seq and protein.upper().find(window_seq.upper()) >= 0:
        offset = protein.upper().find(window_seq.upper())
        seq = protein
        note = (f"pLDDT predicted by metapredict from the full protein sequence "
                f"(window found at residues {offset + 1}-{offset + len(window_seq)})")
    else:
        seq, offset = window_seq, 0
        note = ("pLDDT predicted by metapredict from the window sequence alone "
                "(no protein sequence given, or the window is not in it)")
    plddt = predicted_plddt(seq)
    w = np.arange(offset, offset + len(window_seq))
    a = np.array([offset + (r - start) for r in anchors if 0 <= r - start < len(window_seq)], int)
    row = {"plddt_window": _mean(plddt[w]), "plddt_anchors": _mean(plddt[a]) if a.size else float("nan"),
           "plddt_source": "metapredict", "structure_note": note}
    row["structural_score"] = predicted_structural_score(row["plddt_window"])
    row["structure_explanation"] = explain_predicted(row["plddt_window"], why)
    return row


def annotate_structures(
    candidates: pd.DataFrame,
    structures_dir: str | os.PathLike | None = None,
    sequences: Mapping[str, str] | None = None,
    download: bool = False,
    cache: Path | None = None,
    base_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Add the structure columns (module docstring) to a candidate table.

    Parameters
    ----------
    candidates
        Needs ``accession``, ``start``, ``end`` (1-based inclusive window), ``sequence``
        (the window) and ``score``; ``anchors`` (1-based protein residues,
        ``"124,128,131,133"``) is computed with :func:`nesscan.screen.annotate.annotate_candidates`
        when absent.
    structures_dir
        Folder of AlphaFold models (:func:`nesscan.structure.afdb.index_models`).
    sequences
        Accession -> full protein sequence, to check each model against (e.g. the
        screened FASTA); without it only the window is checked.
    download
        Fetch models not in ``structures_dir`` from AlphaFold DB into ``cache``
        (:func:`nesscan.fetch.alphafold.fetch_models`).
    cache, base_url
        Passed to :func:`~nesscan.fetch.alphafold.fetch_models`.
    progress
        ``progress(done, total)`` after each protein.

    Returns
    -------
    pandas.DataFrame
        A copy of ``candidates`` (same rows, same order) with :data:`COLUMNS` added.
        No row is ever removed: problems become flags in ``structure_status``.

    Raises
    ------
    NesscanError
        ``structures_dir`` is not a folder, a required column is missing, or a
        download failed after its retries.
    """
    from nesscan.fetch.alphafold import fetch_models
    from nesscan.structure.afdb import index_models

    missing = {"accession", "start", "end", "sequence", "score"} - set(candidates.columns)
    if missing:
        raise NesscanError(f"candidate table lacks column(s) {', '.join(sorted(missing))}")
    if structures_dir is not None and not Path(structures_dir).is_dir():
        raise NesscanError(f"{structures_dir}: not a directory of structure models")
    table = candidates
    if "anchors" not in table.columns:
        from nesscan.screen.annotate import annotate_candidates

        table = annotate_candidates(table)
    table = table.reset_index(drop=True)
    accessions = list(dict.fromkeys(table["accession"].astype(str)))
    models = index_models(structures_dir) if structures_dir is not None else {}
    refusals: dict[str, str] = {}
    if download:
        wanted = [a for a in accessions if a not in models]
        fetched = fetch_models(wanted, cache, base_url, refused=refusals.__setitem__)
        models.update({a: p for a, p in fetched.items() if p})
    rows: dict[int, dict] = {}
    for done, acc in enumerate(accessions):
        part = table[table["accession"].astype(str) == acc]
        rows.update(_protein_rows(part, models.get(acc, []), (sequences or {}).get(acc), refusals.get(acc)))
        if progress is not None:
            progress(done + 1, len(accessions))
    out = candidates.copy()
    extra = pd.DataFrame([rows[i] for i in range(len(table))], index=candidates.index, columns=list(COLUMNS))
    for col in COLUMNS:
        out[col] = extra[col]
    return out


def _protein_rows(part: pd.DataFrame, paths: list[Path], protein: str | None,
                  refused: str | None = None) -> dict[int, dict]:
    """Structure columns of one protein's candidates, keyed by row position in the table
    (``refused``: why a downloaded model was refused as corrupt)."""
    from nesscan.structure.afdb import parse_model_name

    profiles: dict[int, ResidueProfile] = {}
    errors = []
    for path in paths:
        try:
            profiles[parse_model_name(path.name)[1]] = residue_profile(path)
        except CorruptModel as err:
            errors.append(str(err))
    frags, fragmented, mismatch = place_fragments(profiles, protein)
    out = {}
    for pos, cand in part.iterrows():
        row = {c: float("nan") for c in _NUMBERS}
        row["plddt_source"] = ""
        anchors, row["anchor_source"] = anchor_residues(cand.get("anchors"), int(cand["start"]),
                                                        str(cand["sequence"]))
        why = None
        if not paths and refused:
            row.update(structure_status="corrupt_model", structure_model="", structure_note=refused)
            why = "downloaded model corrupt, refused"
        elif not paths:
            row.update(structure_status="missing_model", structure_model="", structure_note="")
            why = "no AlphaFold model"
        elif not frags:
            row.update(structure_status="corrupt_model", structure_model=paths[0].name,
                       structure_note="; ".join(errors))
            why = "model unreadable"
        else:
            loc = locate(frags, int(cand["start"]), int(cand["end"]), str(cand["sequence"]),
                         anchors, fragmented, mismatch)
            note = "; ".join([loc.note] + errors if errors else [loc.note]).strip("; ")
            flags = loc.status if not errors else f"{loc.status};corrupt_model".removeprefix("ok;")
            row.update(structure_status=flags, structure_note=note,
                       structure_model=loc.fragment.profile.path.name if loc.fragment else "")
            if loc.fragment is not None:
                row.update(features(loc))
            else:
                row["structure_explanation"] = f"{loc.note} (neutral structural prior 0.5)"
        if why is not None:  # no usable AlphaFold model at all: metapredict's pLDDT stands in
            pred = predicted_features(protein, int(cand["start"]), str(cand["sequence"]), anchors, why)
            pred["structure_note"] = "; ".join(n for n in (row["structure_note"], pred["structure_note"]) if n)
            row.update(pred, structure_status=f"{row['structure_status']};predicted_plddt")
        row["combined_score"] = combined_score(float(cand["score"]), row["structural_score"])
        out[pos] = row
    return out
