"""The evidence beyond one test split: cross-validation, site localisation, protein level.

``validate`` writes into a run folder:

``cv/metrics.json``, ``cv/predictions.tsv``
    Homology-clustered k-fold cross-validation (:mod:`nesscan.validate.cv`): per negative set,
    mean and sd of per-fold AUC and pooled out-of-fold AUC with bootstrap CI, for the
    model and the composition, regex-count, hydrophobic-count and length baselines.
``site.json``
    Site localisation (:mod:`nesscan.validate.site`) in the out-of-fold NESdb proteins: top-1
    and top-3 hit rates of the model and of the consensus-regex baseline.
``protein_level.json``
    Protein-level AUC (NESdb parents against mitochondrial proteins of the test split)
    within length quartiles, for the naive best-window score and the length-matched
    calibrated score (:mod:`nesscan.screen.protein_score`), with their Spearman correlation
    with length.
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
    from nesscan.predictor import Predictor


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
             log: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """Cross-validate, localise sites out of fold, and write the results into ``out``.

    Parameters
    ----------
    table
        Example table with ``cluster`` (from :func:`nesscan.pipeline.prepare`).
    proteins
        Accession -> parent protein.
    sites
        Known NES ranges (:func:`nesscan.dataset.examples.nes_sites`).
    folds
        k of the k-fold cross-validation.
    """
    from nesscan.validate.cv import cross_validate, format_cv_table
    from nesscan.validate.site import consensus_scorer, localise

    res = cross_validate(table, proteins, featurizer, context, params, k=folds, seed=seed, n_boot=n_boot,
                         progress=lambda d, n: log(f"cross-validation: fold {d}/{n} done"))
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
    return {"cv": res.metrics, "site": site}


def protein_level(model: Predictor, table: pd.DataFrame, proteins: Mapping[str, Protein], out: Path,
                  nes_accessions: set[str], n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Protein-level AUC by length quartile on the test split (see the module docstring).

    The length-matched null is built from the best windows of the train/validation
    mitochondrial proteins (no NES, the model never scored them as test data).
    ``nes_accessions`` are every protein with an NESdb NES (also those whose ranges are
    all too long to give a positive window): they are never counted as negatives.
    """
    from nesscan.screen.protein_score import auc_by_length_quartile, fit_length_matched

    nesdb = set(nes_accessions)
    per_protein = table.drop_duplicates("accession")[["accession", "split"]]
    per_protein = per_protein[per_protein.accession.map(lambda a: len(proteins[a].sequence) >= model.window)]
    mito = per_protein[~per_protein.accession.isin(nesdb)]
    background = mito[mito.split != "test"].accession.tolist()
    test = per_protein[per_protein.split == "test"].accession.tolist()
    bg_scores = model.score_proteins([proteins[a] for a in background])
    null = fit_length_matched(np.array([s.max() for s in bg_scores]), np.array([len(s) for s in bg_scores]))
    test_scores = model.score_proteins([proteins[a] for a in test])
    frame = pd.DataFrame({"accession": test, "length": [len(proteins[a].sequence) for a in test],
                          "label": [int(a in nesdb) for a in test],
                          "max_score": [float(s.max()) for s in test_scores],
                          "n_windows": [len(s) for s in test_scores]})
    frame["calibrated_score"] = null.calibrated_score(frame.max_score.to_numpy(), frame.n_windows.to_numpy())
    result = auc_by_length_quartile(frame, n_boot=n_boot, seed=seed)
    result["background_proteins"] = len(background)
    _write_json(out / "protein_level.json", result)
    return result
