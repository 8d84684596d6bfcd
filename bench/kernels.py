"""How much the CPU's floating-point kernels move nesscan's numbers, on one machine.

Computes, for a random sample of human proteins, metapredict's predicted pLDDT (as
metapredict returns it, and as nesscan's track rounds it, to 1e-3) and every window's
score with the shipped default and with the former default (the physchem Transformer in
``tests/models/physchem_transformer``), once in this process (this CPU's own kernels) and
once in a fresh process under :func:`nesscan.reproducibility.other_kernels_env` (torch's
scalar kernels, MKL and oneDNN without AVX-512, OpenBLAS's Haswell kernels, numpy without
its AVX-512 loops, one thread): a stand-in for another CPU. Prints how many values differ
and by how much.

Usage::

    python bench/kernels.py [--data ../shared/data] [-n 150] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

TRANSFORMER = Path(__file__).resolve().parents[1] / "tests" / "models" / "physchem_transformer"


def compute(fasta: Path, out: Path) -> None:
    """Raw pLDDT, rounded track, and both models' window scores of ``fasta`` into ``out`` (npz)."""
    import metapredict as meta
    import torch

    from nesscan.features.metapredict import MetapredictTrack
    from nesscan.io import read_fasta
    from nesscan.predictor import Predictor

    proteins = [p for p in read_fasta(fasta) if len(p.sequence) >= 22]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the track computes it
    raw = [np.asarray(meta.predict_pLDDT(p.sequence, device="cpu"), np.float64) / 100 for p in proteins]
    torch.set_num_threads(threads)
    track = MetapredictTrack("plddt").embed([p.sequence for p in proteins])
    default = Predictor.load().score_proteins(proteins)
    transformer = Predictor.load(TRANSFORMER).score_proteins(proteins)
    np.savez(out, raw=np.concatenate(raw), track=np.concatenate([t[:, 0] for t in track]),
             default=np.concatenate(default), transformer=np.concatenate(transformer))


def main() -> None:
    from nesscan.io import read_fasta
    from nesscan.reproducibility import other_kernels_env

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("-n", type=int, default=150, help="proteins sampled (default 150)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--compute", nargs=2, metavar=("FASTA", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compute:
        compute(Path(args.compute[0]), Path(args.compute[1]))
        return
    proteins = [p for p in read_fasta(Path(args.data) / "proteomes" / "human_swissprot_assembled.fasta.gz")
                if 22 <= len(p.sequence) <= 3000]
    rng = np.random.default_rng(args.seed)
    sample = [proteins[i] for i in sorted(rng.choice(len(proteins), args.n, replace=False))]
    with tempfile.TemporaryDirectory(prefix="nesscan-kernels-") as tmp:
        fasta = Path(tmp) / "sample.fasta"
        fasta.write_text("".join(f">{p.accession}\n{p.sequence}\n" for p in sample))
        compute(fasta, Path(tmp) / "native.npz")
        subprocess.run([sys.executable, __file__, "--compute", str(fasta), str(Path(tmp) / "other.npz")],
                       env=other_kernels_env(), check=True)
        a, b = np.load(Path(tmp) / "native.npz"), np.load(Path(tmp) / "other.npz")
        print(f"{args.n} human proteins, {len(a['raw']):,} residues, {len(a['default']):,} windows; "
              "this CPU's kernels against other kernels:")
        for key, what in (("raw", "metapredict pLDDT / 100, as returned"),
                          ("track", "the pLDDT track (rounded to 1e-3)"),
                          ("default", "window scores, shipped default"),
                          ("transformer", "window scores, physchem Transformer")):
            d = np.abs(a[key].astype(np.float64) - b[key].astype(np.float64))
            print(f"  {what}: {(d > 0).sum():,} of {len(d):,} differ, largest difference {d.max():.3g}"
                  + (f"; > 1e-6: {(d > 1e-6).sum():,}" if key in ("default", "transformer") else ""))


if __name__ == "__main__":
    main()
