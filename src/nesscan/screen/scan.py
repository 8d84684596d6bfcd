"""Screening a proteome: a window at every position of every protein, one score each.

Outputs, written into one directory (each file first as ``*.tmp``, renamed when the
screen is complete, so an interrupted screen never leaves a half-written file under
a final name; finished chunks wait in ``.partial/`` for ``resume``, :mod:`nesscan.screen.chunks`).
Every coordinate in them is a 1-based inclusive residue number, as in UniProt (the rule
for tables written for people, :mod:`nesscan.records`): a candidate's ``sequence`` is
``protein.sequence[start - 1:end]``.

``windows.parquet``
    One row per window: ``accession`` (str), ``start`` and ``end`` (int32, 1-based
    inclusive residues of the window), ``score`` (float32, NES probability 0-1).
``candidates.csv``
    One row per candidate region: a run of overlapping windows scoring at or above the
    threshold, reported by its best window; the window calls first (lowest error rate
    first), then the other candidates by score. Columns: ``call`` ("called": the call score
    has an estimated FDR of at most 10% against both nulls of :mod:`nesscan.screen.nulls`;
    "not called"; "protein set aside" by the compartment gate), ``call_q_value`` (the
    larger of the two q-values below), ``accession``, ``entry_name``, ``gene``, ``start``,
    ``end`` (1-based inclusive, of the best window), ``sequence`` (the best window),
    ``score`` (its score), ``call_score`` (the score x its protein's cargo probability, 0
    when the gate sets the protein aside), ``cargo_probability`` (its protein's, as in
    ``proteins.csv``), ``q_value_shuffle`` and ``q_value_natural`` (the call score's q-value
    against shuffled decoys, the model's reference shuffles pooled with the screen's own,
    and against the model's natural null; empty for a null not used), ``region_start``,
    ``region_end`` (1-based inclusive span of the run), ``n_windows`` (windows in the
    run), ``known_nes`` (True when the best window overlaps an NESdb NES of the same
    accession), ``known_nes_ids``, ``protein_score`` (its protein's), ``nes_class`` (Kosugi
    class of the best window's best consensus match, or "no consensus"), ``anchors``
    (1-based residues of that match's hydrophobic anchors), ``q_value`` (the window score
    alone against the screen's own decoys: target-decoy estimate of the lowest FDR at
    which this window is called).
``proteins.csv``
    One row per protein: ``accession``, ``entry_name``, ``gene``, ``length``,
    ``n_windows``, ``max_score`` (empty for proteins shorter than the window),
    ``best_start`` (1-based), ``n_candidates``, ``status`` ("ok" or
    "shorter_than_window"); where the protein lives, from its sequence
    (:mod:`nesscan.localisation.model`): ``tm_helices`` (TopPred transmembrane segments
    scoring at least the gate's cut-off), ``signal_peptide`` and ``mito_presequence``
    (probabilities of an N-terminal signal of the secretory pathway and of a mitochondrial
    presequence), ``compartment`` ("membrane", "secretory", "mitochondrial" or
    "nucleocytoplasmic"; empty for a protein shorter than the window); ``cargo_probability``
    (the protein-level model's P(CRM1 cargo) from the whole protein, :mod:`nesscan.model.cargo`;
    empty without a protein model or a window), ``protein_score`` (that probability combined
    with the window evidence: the ranking to sort proteins by), ``protein_pvalue`` (the best
    window against the best windows of the decoy proteins of nearest length: does not grow
    with length), ``calibrated_score`` (``-log10 protein_pvalue``), ``cargo_p_value`` (the
    ``protein_score`` against the fixed null shipped with the model, the training
    non-binders' out-of-fold scores: the same whatever else is screened;
    :func:`nesscan.length_null.cargo_p_values`), ``cargo_q_value_batch``
    (Benjamini-Hochberg over the proteins of this screen that the gate let through) and
    ``call_status`` ("called" at a batch q-value of at most 0.10, "not called", or "not
    assessed: " and the reason, e.g. "not assessed: predicted membrane protein (7 TM
    helices)"). ``cargo_p_value`` and ``cargo_q_value_batch`` are empty for a protein not
    assessed.
``fdr.json``
    Calls at 0.9, at the model threshold and at FDR 5% / 10%, how many are novel, the
    thresholds, calls per 100 proteins; with a protein model, the proteins set aside per
    predicted compartment and the proteins called at a batch q-value of 5% / 10% (see
    :mod:`nesscan.screen.calibration`); ``call``: the window calls against each null and
    both, novel ones, proteins holding them, known NESdb NESs recovered, and the
    ``headline`` sentence (:func:`nesscan.screen.calls.call_summary`).
``importance.csv``
    Written when the caller passes ``importance`` (``nesscan screen`` and the API do): the
    alanine scan of the top called windows (at most 10, ``candidates.csv`` order):
    ``accession``, ``start``, ``end`` of the call, then one row per residue of the window
    (:data:`nesscan.design.scan.COLUMNS`); the header only when nothing is called
    (:mod:`nesscan.design.importance`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from nesscan.screen.assess import CANDIDATE_COLUMNS, assess_proteins, known_mask
from nesscan.screen.calibration import Calibrator
from nesscan.screen.calls import order_candidates
from nesscan.screen.nulls import load_nulls, nulls_sha256, usable_nulls
from nesscan.screen.chunks import ChunkResult, ChunkStore, write_windows
from nesscan.embed.base import Progress
from nesscan.errors import NesscanError
from nesscan.predictor import Predictor
from nesscan.records import Protein
from nesscan.shuffle import shuffle_sequence
from nesscan.screen.workers import map_ordered, plan_workers

PROTEIN_COLUMNS = ["accession", "entry_name", "gene", "length", "n_windows", "max_score",
                   "best_start", "n_candidates", "status", "tm_helices", "signal_peptide", "mito_presequence",
                   "compartment", "cargo_probability", "protein_score", "gate_reason"]


@dataclass(frozen=True)
class ScreenSummary:
    """What a screen did (also written to ``screen.json``)."""

    proteins: int
    residues: int
    windows: int
    shorter_than_window: int
    candidates: int
    known_candidates: int
    threshold: float


def screen_fasta(fasta: str | os.PathLike, out_dir: str | os.PathLike, model: Predictor,
                 threshold: float | None = None,
                 known_nes: pd.DataFrame | None = None, chunk_floats: int = 16_000_000,
                 decoy_fraction: float = 0.25, seed: int = 0,
                 progress: Progress | None = None, resume: bool = False,
                 workers: int | None = 1, engine: Callable[..., Iterator] | None = None,
                 importance: Callable[[pd.DataFrame, str | os.PathLike, Predictor], pd.DataFrame] | None = None
                 ) -> ScreenSummary:
    """Score every window of every protein of a FASTA file.

    Parameters
    ----------
    fasta
        Plain or gzip FASTA.
    out_dir
        Output directory (created); see the module docstring for the files.
    model
        A loaded :class:`~nesscan.predictor.Predictor` (its runtime: device, precision).
    threshold
        Candidate threshold; the model's calibrated threshold when None.
    known_nes
        Known NES ranges (``accession``, ``start_1b``, ``end_1b``, ``nes_ids``);
        the model's training NESs when None.
    decoy_fraction
        Share of proteins (seeded choice) that also get a decoy: a composition-preserving
        shuffle of the whole protein, scored the same way (costs this share of the screen).
        0 disables q-values and the protein p-values.
    seed
        Seed of the decoy choice and shuffles.
    chunk_floats
        Proteins are featurised in chunks of about this many floats (residues x the
        featurizer's ``dim``: the number of window features of a flat model, the
        embedding dimension of a Transformer's), at least 2,000 residues: the memory
        bound of a chunk.
    progress
        ``progress(proteins_done, proteins_total)``.
    resume
        Reuse the finished chunks of an interrupted screen of the same inputs and
        settings in ``out_dir/.partial`` (:mod:`nesscan.screen.chunks`); the outputs are the
        same bytes as those of an uninterrupted screen.
    engine
        What scores the chunks: a callable like :func:`~nesscan.screen.workers.map_ordered`
        (the default: local worker processes), e.g. a
        :class:`~nesscan.screen.ray_engine.RayEngine`. Not part of the work folder's
        manifest: a screen may resume on another engine, with the same outputs.
    importance
        ``importance(candidates, fasta, model)`` -> the table written as ``importance.csv``
        (:func:`nesscan.design.importance.screen_importance`: the alanine scan of the top
        calls; passed in by the callers above this layer, ``nesscan screen`` and the API);
        None: no ``importance.csv``.

    Raises
    ------
    NesscanError
        Bad input, or ``resume`` with a work folder of different inputs or settings.
    """
    from nesscan.io.fasta import count_records, iter_fasta
    from nesscan.hashing import sha256_bytes, sha256_file

    out = Path(out_dir)  # created with its .partial/ by ChunkStore
    threshold = model.threshold if threshold is None else float(threshold)
    known = model.known_nes if known_nes is None else known_nes
    budget = max(chunk_floats // model.featurizer.dim, 2000)
    known_csv = known[["accession", "start_1b", "end_1b", "nes_ids"]].to_csv(index=False).encode()
    known_by_acc = {acc: grp for acc, grp in known.groupby("accession")}
    model.compartment  # noqa: B018  (load the gate here: a bad one is one error before any work)
    reference_nulls = load_nulls(model.path)  # and the reference nulls
    store = ChunkStore(out, {
        "fasta_sha256": sha256_file(fasta), "weights_sha256": sha256_file(model.path / "model.safetensors"),
        "compartment_sha256": model.compartment_sha256(), "reference_null_sha256": nulls_sha256(model.path),
        "chunk_format": 2, "embedder": model.config.embedder, "context": model.context, "window": model.window,
        "threshold": threshold, "known_nes_sha256": sha256_bytes(known_csv),
        "decoy_fraction": decoy_fraction, "seed": seed, "chunk_residues": budget,
        "precision": [model.runtime.precision, getattr(model.featurizer.embedder, "dtype", "float32")]},
        resume=resume)
    total = count_records(fasta)
    done = n_chunks = 0
    sizes: list[int] = []

    def tasks() -> Iterator[tuple | None]:
        first = 0
        for index, chunk in enumerate(_chunks(iter_fasta(fasta), budget)):
            sizes.append(len(chunk))
            yield None if store.has(index) else (chunk, first)
            first += len(chunk)

    n_workers, threads = plan_workers(workers, device=model.device)
    state = dict(model=model, threshold=threshold, known_by_acc=known_by_acc,
                 decoy_fraction=decoy_fraction, seed=seed)
    try:
        for index, result in enumerate((engine or map_ordered)(_screen_chunk, tasks(), state, n_workers, threads)):
            if result is not None:
                store.save(index, result)
            done += sizes[index]
            n_chunks = index + 1
            if progress is not None:
                progress(done, max(total, done))
    except NesscanError:
        store.discard()  # bad input: resuming would meet it again
        raise
    null = model.protein_model.null if model.protein_model is not None else None
    return _finish(store, n_chunks, out, model.window, threshold, decoy_fraction, seed, null,
                   usable_nulls(reference_nulls, store.manifest["fasta_sha256"]), known_by_acc,
                   importance=None if importance is None else lambda candidates: importance(candidates, fasta, model))


def _screen_chunk(chunk: list[Protein], first: int, *, model: Predictor, threshold: float,
                  known_by_acc: dict[str, pd.DataFrame], decoy_fraction: float, seed: int) -> ChunkResult:
    """Scores, decoys, candidates and protein rows of a chunk whose first protein is ``first``."""
    window = model.window
    assessed = assess_proteins(model, chunk, threshold, known_by_acc)
    factor = {a.protein.accession: a.call_factor for a in assessed if a.scores is not None}
    decoys, parents = [], []
    for i, p in enumerate(chunk):  # a generator per protein: the same decoys whatever the chunking
        gen = np.random.default_rng([seed, first + i])
        if len(p.sequence) >= window and gen.random() < decoy_fraction:
            decoys.append(replace(p, sequence=shuffle_sequence(p.sequence, gen)))
            parents.append(p.accession)
    decoy_scores = model.score_proteins(decoys)
    targets, masks, protein_rows, candidate_rows = [], [], [], []
    for a in assessed:
        p, s = a.protein, a.scores
        if s is None:
            protein_rows.append(_protein_row(p, None, 0, "shorter_than_window"))
            continue
        targets.append(s.astype(np.float32))
        masks.append(known_mask(len(s), window, known_by_acc.get(p.accession)))
        candidate_rows.extend(a.candidates)
        protein_rows.append({**_protein_row(p, s, len(a.candidates), "ok", a.cargo_probability, a.protein_score),
                             **a.where, "call_factor": a.call_factor})
    return ChunkResult(
        scores=np.concatenate(targets) if targets else np.zeros(0, np.float32),
        known=np.concatenate(masks) if masks else np.zeros(0, bool),
        decoys=np.concatenate(decoy_scores) if decoy_scores else np.zeros(0),
        decoy_lengths=np.array([len(d) for d in decoy_scores], np.int64),
        decoy_factors=np.array([factor[a] for a in parents], np.float64),
        proteins=protein_rows, candidates=candidate_rows, residues=sum(len(p.sequence) for p in chunk))


def _finish(store: ChunkStore, n_chunks: int, out: Path, window: int, threshold: float,
            decoy_fraction: float, seed: int, protein_null: np.ndarray | None = None,
            reference_nulls: tuple[dict, list[str]] | None = None,
            known_by_acc: dict | None = None,
            importance: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> ScreenSummary:
    """Calibrate over all chunks, write the outputs (each as ``*.tmp``, then renamed) and
    remove the work folder.

    Two passes over the chunk files keep memory independent of the screen's size: the
    first gathers score histograms, decoy maxima and the candidates (as many as calls),
    the second counts calls and streams ``proteins.csv``; ``windows.parquet`` is streamed
    from the chunks too. ``importance`` (the candidates -> :mod:`nesscan.design.importance`'s
    table of the top calls) writes ``importance.csv``; without it the file is not written.
    """
    calibrator, candidate_rows, residues, n_windows = Calibrator(), [], 0, 0
    known_ids: set[str] = set()  # NESdb NESs of the screened proteins (the headline's denominator)
    for chunk in map(store.load, range(n_chunks)):
        calibrator.add(chunk.scores, chunk.decoy_arrays(), len(chunk.proteins),
                       [r.get("protein_score") for r in chunk.proteins], [r.get("compartment") for r in chunk.proteins])
        calibrator.add_calls(chunk.target_call_scores(), chunk.decoy_call_scores())
        for r in chunk.proteins:
            hit = (known_by_acc or {}).get(r["accession"])
            if hit is not None and r["n_windows"] > 0:
                known_ids.update(i for ids in hit.nes_ids.astype(str) for i in ids.split("; ") if i)
        candidate_rows.extend(chunk.candidates)
        residues += chunk.residues
        n_windows += len(chunk.scores)
    names = ("windows.parquet", "candidates.csv", "proteins.csv", "fdr.json") + (("importance.csv",) if importance else ())
    try:
        write_windows(store, n_chunks, out / "windows.parquet.tmp", window)
        nulls, left_out = reference_nulls or ({}, [])
        calibration = calibrator.fit(threshold, protein_null=protein_null, reference_nulls=nulls)
        candidates = calibration.candidates(pd.DataFrame(candidate_rows, columns=CANDIDATE_COLUMNS))
        candidates = order_candidates(candidates)
        calibration.summary["call"] = calibration.call_summary(candidates, len(known_ids), left_out)
        candidates.to_csv(out / "candidates.csv.tmp", index=False, float_format="%.6g")
        if importance is not None:  # the alanine scan of the top calls (seconds: a few proteins rescored)
            importance(candidates).to_csv(out / "importance.csv.tmp", index=False, float_format="%.6g")
        shorter = 0
        with open(out / "proteins.csv.tmp", "w", newline="") as handle:
            for index in range(n_chunks):
                chunk = store.load(index)
                counts = [r["n_windows"] for r in chunk.proteins if r["n_windows"] > 0]
                calibration.count(chunk.scores, np.cumsum([0] + counts), chunk.known, window)
                rows = calibration.proteins(pd.DataFrame(chunk.proteins, columns=PROTEIN_COLUMNS))
                rows.to_csv(handle, index=False, header=index == 0, float_format="%.6g")
                shorter += int((rows.status != "ok").sum())
            if n_chunks == 0:
                calibration.proteins(pd.DataFrame(columns=PROTEIN_COLUMNS)).to_csv(handle, index=False)
        (out / "fdr.json.tmp").write_text(json.dumps({"decoy_fraction": decoy_fraction, "seed": seed,
                                                      **calibration.fdr_summary()}, indent=2) + "\n")
    except BaseException:
        for name in names:  # the chunks stay in .partial: --resume redoes only this step
            (out / (name + ".tmp")).unlink(missing_ok=True)
        raise
    for name in names:
        os.replace(out / (name + ".tmp"), out / name)
    store.discard()
    return ScreenSummary(proteins=calibrator.n_proteins, residues=residues, windows=n_windows,
                         shorter_than_window=shorter, candidates=len(candidates),
                         known_candidates=int(candidates.known_nes.sum()), threshold=threshold)


def _chunks(proteins: Iterator[Protein], budget: int) -> Iterator[list[Protein]]:
    chunk, size = [], 0
    for p in proteins:
        chunk.append(p)
        size += len(p.sequence)
        if size >= budget:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _protein_row(p: Protein, scores: np.ndarray | None, n_candidates: int, status: str,
                 cargo_probability: float | None = None, protein_score: float | None = None) -> dict:
    best = None if scores is None else int(np.argmax(scores))
    return dict(accession=p.accession, entry_name=p.entry_name, gene=p.gene, length=len(p.sequence),
                n_windows=0 if scores is None else len(scores),
                max_score=None if best is None else float(scores[best]),
                best_start=None if best is None else best + 1, n_candidates=n_candidates, status=status,
                cargo_probability=cargo_probability, protein_score=protein_score)
