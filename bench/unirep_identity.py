"""Does a UniRep summary of the whole protein, with no window in it, tell NES proteins apart?

UniRep (Alley et al. 2019; the optional extra ``nesscan[unirep]``, GPL-3.0) reads a protein
left to right: its state at a residue carries the whole protein read so far. If its
protein-wide mean alone separates NESdb parents from mitochondrial proteins, a window
classifier that adds UniRep window states can gain AUC from the protein's compartment
rather than from the NES: the confound the brief warns of. This script measures that on
the homology folds of ``nesscan run`` (``nesscan.validate.cv.cluster_folds``, k = 5,
seed 0): one mean UniRep vector per protein, PCA to 32 components and a logistic
regression fitted on the training folds' proteins only, the out-of-fold AUC beside the
same model on amino-acid composition and beside length alone; and UniRep's embedding
speed here (residues/s, and what a human screen of 11.4 M residues + 25% decoys would take).

Usage::

    pip install 'nesscan[unirep]'
    python bench/unirep_identity.py [--data ../shared/data] [--width 1900]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def out_of_fold_auc(x: np.ndarray, y: np.ndarray, folds: np.ndarray, pca: int | None) -> float:
    """AUC of PCA (optional) + standardised L2 logistic regression, each fold scored by a fit
    on the other folds."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    scores = np.zeros(len(y))
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        steps = ([PCA(pca, random_state=0)] if pca else []) + [
            StandardScaler(), LogisticRegression(C=0.01, class_weight="balanced", max_iter=3000)]
        scores[te] = make_pipeline(*steps).fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
    return float(roc_auc_score(y, scores))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("--width", default="1900", choices=("1900", "256", "64"), help="UniRep model width")
    args = ap.parse_args()

    from sklearn.metrics import roc_auc_score

    from nesscan.embed import get_embedder
    from nesscan.features.window import codes
    from nesscan.pipeline import prepare
    from nesscan.validate.cv import MITO_SOURCES, cluster_folds

    ex, table = prepare(Path(args.data), seed=0)
    fold_of = dict(zip(table.accession, cluster_folds(table, 5, 0)))
    nes = set(table.accession[table.label == 1])
    mito = set(table.accession[table.source.isin(MITO_SOURCES)]) - nes
    accessions = sorted(nes) + sorted(mito)
    sequences = [ex.proteins[a].sequence for a in accessions]
    y = np.array([a in nes for a in accessions], int)
    folds = np.array([fold_of[a] for a in accessions])

    emb = get_embedder({"name": "unirep", "params": args.width})
    start = time.perf_counter()
    states = emb.embed(sequences)
    seconds = time.perf_counter() - start
    residues = sum(map(len, sequences))
    unirep = np.vstack([s.mean(axis=0) for s in states])
    composition = np.vstack([np.bincount(codes(s), minlength=21)[:20] / len(s) for s in sequences])
    length = np.array([len(s) for s in sequences], float)

    print(f"{y.sum()} NESdb parents against {len(y) - y.sum()} mitochondrial proteins, 5 homology folds "
          "(each fold scored by a fit on the others)")
    print(f"UniRep-{args.width} protein mean, PCA 32 + logistic regression: AUC "
          f"{out_of_fold_auc(unirep, y, folds, 32):.3f}")
    print(f"amino-acid composition, logistic regression:          AUC {out_of_fold_auc(composition, y, folds, None):.3f}")
    print(f"length alone:                                          AUC {roc_auc_score(y, length):.3f}")
    rate = residues / seconds
    print(f"UniRep-{args.width} speed: {residues:,} residues in {seconds:.0f} s = {rate:,.0f} residues/s; "
          f"a human screen (11.4 M residues + 25% decoys) would take {11.4e6 * 1.25 / rate / 60:.0f} min")


if __name__ == "__main__":
    main()
