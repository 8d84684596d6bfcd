"""The evidence beyond one test split: cross-validation, site localisation, protein level.

``validate`` writes into a run folder:

``cv/metrics.json``, ``cv/predictions.tsv``
    Homology-clustered k-fold cross-validation (:mod:`nesscan.validate.cv`): per negative set,
    mean and sd of per-fold AUC and pooled out-of-fold AUC with bootstrap CI, for the
    model (and, for a flat model, its in-fold anchor PSSM score alone) and the
    composition, regex-count, hydrophobic-count and length baselines.
``site.json``
    Site localisation (:mod:`nesscan.validate.site`) in the out-of-fold NESdb proteins: top-1
    and top-3 hit rates of the model and of the consensus-regex baseline.
``protein_level.json``, ``cv/proteins.tsv``
    Protein-level AUC, out of fold (NESdb parents against mitochondrial proteins, each
    scored by its fold's model), within length quartiles, for the scores of
    :data:`PROTEIN_SCORES` (best window, best anchor-matching window, and each made
    length-independent against shuffled decoys: :mod:`nesscan.length_null`), with
    their Spearman correlation with length; the per-protein table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np
import pandas as pd

from nesscan.atomic import write_text
from nesscan.embed.base import Embedder
from nesscan.features import Featurizer
from nesscan.records import Protein

if TYPE_CHECKING:
    from nesscan.validate.cv import CrossValidation


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(data, indent=2, default=float) + "\n")


def site_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The parts of :func:`nesscan.validate.site.localise`'s result that the report shows."""
    return {"top1": result["top1"]["fraction"], "top3": result["topk"]["fraction"], "n": result["n_proteins"],
            "top1_ci": [result["top1"]["ci_lo"], result["top1"]["ci_hi"]],
            "top3_ci": [result["topk"]["ci_lo"], result["topk"]["ci_hi"]],
            "random_top1": result["top1"]["random"], "random_top3": result["topk"]["random"]}


def validate(table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer | Embedder, context: str,
             params: Any, out: Path, sites: pd.DataFrame, folds: int = 5, seed: int = 0, n_boot: int = 1000,
             log: Callable[[str], None] = lambda msg: None,
             nes_accessions: set[str] | None = None, cargo: Any = None,
             weak_positives: bool = False) -> dict[str, Any]:
    """Cross-validate, localise sites and score proteins out of fold, and write the results
    into ``out``; with a cargo table (and a flat featurizer), the protein level on it too
    (:mod:`nesscan.validate.cargo`: ``cv/cargo_metrics.json``, ``cv/cargo_predictions.tsv``).

    Parameters
    ----------
    table
        Example table with ``cluster`` (from :func:`nesscan.pipeline.prepare`).
    proteins
        Accession -> parent protein.
    featurizer, context, params
        As for :func:`nesscan.validate.cv.cross_validate` (``params``: the flat family
        name, or the Transformer's :class:`~nesscan.model.classifier.ClassifierParams`).
    sites
        Known NES ranges (:func:`nesscan.dataset.examples.nes_sites`).
    folds
        k of the k-fold cross-validation.
    nes_accessions
        Every protein with an NESdb NES (the protein level's positives); default the
        accessions of ``sites``.
    cargo
        The cargo table of :func:`nesscan.pipeline.prepare` (``example_set.cargo``), or None.
    weak_positives
        Every fold's flat model also trains on the best window of the cargo proteins of
        the other folds (:func:`nesscan.model.select.fit_window_model`'s ``weak``).
    """
    from nesscan.validate.cv import cross_validate, format_cv_table
    from nesscan.validate.site import consensus_scorer, localise

    weak = _weak_by_fold(cargo, table, folds, seed) if weak_positives else None
    res = cross_validate(table, proteins, featurizer, context, params, k=folds, seed=seed, n_boot=n_boot,
                         progress=lambda d, n: log(f"cross-validation: fold {d}/{n} done"), weak=weak)
    _write_json(out / "cv" / "metrics.json", res.metrics)
    write_text(out / "cv" / "predictions.tsv", res.predictions.to_csv(sep="\t", index=False))
    log(format_cv_table(res.metrics))
    held = sites[sites.accession.isin(res.window_scores)]
    model_site = localise(proteins, held, res.window_scores.__getitem__, seed=seed)
    regex_site = localise(proteins, held, consensus_scorer(proteins, seed=seed), seed=seed)
    site = {"model": site_summary(model_site), "regex": site_summary(regex_site)}
    _write_json(out / "site.json", site)
    log(f"site localisation ({site['model']['n']} proteins): model top-1 {site['model']['top1']:.1%}, "
        f"top-3 {site['model']['top3']:.1%}; regex top-1 {site['regex']['top1']:.1%}, top-3 {site['regex']['top3']:.1%}")
    level = protein_auc_by_length(res, proteins, out,
                                  set(sites.accession) if nes_accessions is None else nes_accessions,
                                  int(table.sequence.str.len().iloc[0]), n_boot=n_boot, seed=seed)
    q = [b["auc"].get("calibrated_score") for b in level["quartiles"]]
    log("protein level (out of fold, AUC per length quartile, length-matched best window): "
        + " / ".join("n/a" if a is None else f"{a['auc']:.3f}" for a in q))
    result = {"cv": res.metrics, "site": site, "protein_level": level}
    if cargo is not None and getattr(featurizer, "flat", False):
        result["cargo"] = _cargo_level(cargo, table, proteins, featurizer, res.metrics, out, folds, seed, n_boot, log)
    return result


def _weak_by_fold(cargo: Any, table: pd.DataFrame, folds: int, seed: int) -> dict[int, list[Protein]]:
    """Outer fold -> the cargo proteins of the other folds (none with an NESdb NES)."""
    from nesscan.model.train import weak_proteins
    from nesscan.validate.cargo import cargo_folds
    from nesscan.validate.cv import cluster_folds

    labelled = set(table.accession[table.label == 1])
    if cargo is None:
        return {0: weak_proteins(cargo, labelled)}  # raises: no cargo table
    window_fold = dict(zip(table.cluster, cluster_folds(table.reset_index(drop=True), folds, seed)))
    fold = cargo_folds(cargo.table, window_fold, folds, seed)
    return {f: weak_proteins(cargo, labelled, keep=fold != f) for f in range(folds)}


def _cargo_level(cargo: Any, table: pd.DataFrame, proteins: Mapping[str, Protein], featurizer: Featurizer,
                 cv: dict[str, Any], out: Path, folds: int, seed: int, n_boot: int,
                 log: Callable[[str], None]) -> dict[str, Any]:
    """The cargo table scored out of fold, on the window cross-validation's folds."""
    from nesscan.validate.cargo import cargo_metrics, cargo_summary, cross_validate_cargo
    from nesscan.validate.cv import cluster_folds

    window_fold = dict(zip(table.cluster, cluster_folds(table.reset_index(drop=True), folds, seed)))
    pred = cross_validate_cargo(cargo, table, proteins, featurizer, window_fold, [r["chosen"] for r in cv["folds"]],
                                seed, log=log)
    write_text(out / "cv" / "cargo_predictions.tsv", pred.to_csv(sep="\t", index=False, float_format="%.6g"))
    metrics = cargo_metrics(pred, n_boot=n_boot, seed=seed)
    _write_json(out / "cv" / "cargo_metrics.json", metrics)
    log(cargo_summary(metrics, "out of fold"))
    return metrics


PROTEIN_SCORES = ("max_score", "calibrated_score", "anchor_score", "calibrated_anchor_score", "regex_score",
                  "calibrated_regex_score")
"""Protein scores compared out of fold (see :func:`protein_table`)."""


def protein_table(window_scores: Mapping[str, np.ndarray], decoy_scores: Mapping[str, np.ndarray],
                  decoy_sequences: Mapping[str, str], proteins: Mapping[str, Protein], nes_accessions: set[str],
                  window: int) -> pd.DataFrame:
    """One row per scored protein: ``accession``, ``label`` (1: an NESdb parent, 0: not),
    ``length``, ``n_windows`` and the scores of :data:`PROTEIN_SCORES`:

    ``max_score``
        The best window (grows with length).
    ``calibrated_score``
        ``-log10 p`` of the best window against the best windows of the decoys (one
        whole-protein shuffle per protein) of nearest length
        (:func:`nesscan.length_null.fit_length_matched`).
    ``anchor_score``
        The best window that holds a whole Kosugi consensus match
        (:func:`nesscan.consensus.window_match_counts`): windows that score by composition alone,
        without anchors at NES spacing, do not count (0 when no window holds a match).
    ``calibrated_anchor_score``
        ``anchor_score`` made length-independent the same way, against the decoys'
        anchor scores: the rule "a protein holding an anchor-matching candidate above one
        holding only composition-driven windows", fixed before it was measured. Measured
        out of fold with the default model it ranks proteins *worse* than
        ``calibrated_score`` (0.729 against 0.752 overall; lower in three length quartiles
        of four): 17% of the centred NESdb NES windows hold no whole strict Kosugi match,
        so the gate drops real NES proteins. ``calibrated_score`` stays the
        screen's protein score; this one is reported beside it. Exposure enters through
        the window score's predicted-pLDDT features (and ``nesscan structure``).
    ``regex_score``, ``calibrated_regex_score``
        The baseline: most whole consensus matches in one window
        (:func:`nesscan.consensus.window_match_counts`), raw and length-matched against
        the decoys the same way (empirical p-value only: the counts are small integers).
    """
    from nesscan.consensus import window_match_counts
    from nesscan.length_null import fit_length_matched

    def best(scores: np.ndarray, seq: str) -> tuple[float, float, float]:
        counts = window_match_counts(seq, window)
        gated = scores[counts > 0]
        return float(scores.max()), (float(gated.max()) if len(gated) else 0.0), float(counts.max())

    raw = ("max_score", "anchor_score", "regex_score")
    rows = [{"accession": a, "label": int(a in nes_accessions), "length": len(proteins[a].sequence),
             "n_windows": len(s), **dict(zip(raw, best(s, proteins[a].sequence)))}
            for a, s in window_scores.items() if len(s)]
    frame = pd.DataFrame(rows, columns=["accession", "label", "length", "n_windows", *raw])
    decoys = [(len(s), *best(s, decoy_sequences[a])) for a, s in decoy_scores.items() if len(s)]
    if frame.empty or not decoys:
        raise ValueError("protein level: no scored proteins or no decoys")
    d_len, *d_best = (np.array(col) for col in zip(*decoys))
    n = frame.n_windows.to_numpy()
    for name, d in zip(raw, d_best):
        calibrated = "calibrated_score" if name == "max_score" else f"calibrated_{name}"
        frame[calibrated] = fit_length_matched(d, d_len, tail=name != "regex_score").calibrated_score(
            frame[name].to_numpy(), n)
    return frame


def protein_auc_by_length(cv: CrossValidation, proteins: Mapping[str, Protein], out: Path, nes_accessions: set[str],
                          window: int, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Out-of-fold protein-level AUC by length quartile, written to ``out/protein_level.json``.

    Every NESdb parent and mitochondrial protein of the example table is scored by the
    cross-validation model of the fold holding its homology cluster (never by a model
    that trained on it or a homologue), and so is one shuffled decoy of each.
    ``nes_accessions`` are every protein with an NESdb NES (also those whose ranges are all
    too long to give a positive window): label 1; the rest are mitochondrial: label 0.
    """
    from nesscan.validate.evaluate import auc_by_length_quartile

    frame = protein_table(cv.window_scores, cv.decoy_scores, cv.decoy_sequences, proteins, set(nes_accessions),
                          window)
    result = auc_by_length_quartile(frame, scores=PROTEIN_SCORES, n_boot=n_boot, seed=seed)
    result["decoy_proteins"] = len(cv.decoy_scores)
    result["scored_out_of_fold"] = True
    _write_json(out / "protein_level.json", result)
    (out / "cv").mkdir(parents=True, exist_ok=True)
    write_text(out / "cv" / "proteins.tsv", frame.to_csv(sep="\t", index=False, float_format="%.6g"))
    return result
