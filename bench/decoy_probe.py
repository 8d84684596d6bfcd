"""How far real proteins' window scores stand above their decoys', for several decoy kinds.

The screen's FDR is target-decoy with whole-protein shuffles (``nesscan.shuffle``). If the
decoys score like real proteins, no threshold reaches a low FDR whatever the decoy; this
script measures the share of windows at or above a score, real against each decoy kind,
on a random sample of proteins, and prints the ratios (real / decoy) in the same run:

* ``shuffle``: a whole-protein shuffle (what ``nesscan screen`` uses);
* ``block22`` / ``block44``: residues shuffled within consecutive 22- / 44-residue blocks
  (keeps regional composition);
* ``+real tracks``: the decoy scored with the *real* protein's per-residue tracks
  (predicted pLDDT), i.e. only the sequence order is taken away.

Usage::

    python bench/decoy_probe.py [--data ../shared/data] [-n 300] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from nesscan.features.flat import (
    context_tracks,
    feature_blocks,
    flat_matrix,
    protein_contexts,
)
from nesscan.io.fasta import read_fasta
from nesscan.predictor import Predictor
from nesscan.shuffle import shuffle_sequence


def block_shuffle(seq: str, rng: np.random.Generator, block: int) -> str:
    """Residues shuffled within consecutive blocks of ``block`` residues."""
    return "".join(shuffle_sequence(seq[i:i + block], rng) for i in range(0, len(seq), block))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("-n", type=int, default=300, help="proteins sampled (default 300)")
    ap.add_argument("--model", default=None, help="model directory (default: the shipped one)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    model = Predictor.load(args.model)
    if not model.flat:
        raise SystemExit("decoy_probe measures flat (window-feature) models only")
    fasta = Path(args.data) / "proteomes" / "human_swissprot_assembled.fasta.gz"
    proteins = [p for p in read_fasta(fasta) if 50 <= len(p.sequence) <= 3000]
    rng = np.random.default_rng(args.seed)
    sample = [proteins[i] for i in rng.choice(len(proteins), min(args.n, len(proteins)), replace=False)]
    gen = np.random.default_rng(args.seed + 1)
    kinds = {
        "real": sample,
        "shuffle": [replace(p, sequence=shuffle_sequence(p.sequence, gen)) for p in sample],
        "block22": [replace(p, sequence=block_shuffle(p.sequence, gen, 22)) for p in sample],
        "block44": [replace(p, sequence=block_shuffle(p.sequence, gen, 44)) for p in sample],
    }
    fz = model.featurizer
    real_tracks, real_share = None, {}
    family = (model.config.classifier or {}).get("family", "flat")
    print(f"{len(sample)} human proteins, {family} model; share of windows >= t")
    print(f"{'decoy':<22} {'>= 0.9':>8} {'>= 0.95':>8} {'real/decoy at 0.9':>18}")
    for name, prots in kinds.items():
        ctx = protein_contexts(prots, fz.window)
        tracks = context_tracks(fz, ctx)
        real_tracks = tracks if name == "real" else real_tracks
        variants = [(name, tracks)] + ([] if name == "real" else [(f"{name} +real tracks", real_tracks)])
        for label, tr in variants:
            s = model.module.predict_proba(flat_matrix(fz, ctx, feature_blocks(fz, ctx, None, tr)))
            share = {t: float((s >= t).mean()) for t in (0.9, 0.95)}
            if name == "real":
                real_share = share
            ratio = real_share[0.9] / share[0.9] if share[0.9] else float("inf")
            print(f"{label:<22} {share[0.9]:>8.4f} {share[0.95]:>8.4f} {ratio:>18.2f}")


if __name__ == "__main__":
    main()
