"""Retrain the default model as the README says and compare it with the shipped one.

Runs ``nesscan train --data DATA -o TMP --seed 0`` in a fresh process with this machine's
own kernels and, with ``--other-kernels``, a second time under
:func:`nesscan.reproducibility.other_kernels_env` (a stand-in for another CPU: torch's
scalar kernels, MKL and oneDNN without AVX-512, OpenBLAS's Haswell kernels, numpy without
its AVX-512 loops, one thread). For each retrained model it prints:

* whether ``model.safetensors`` is the shipped file byte for byte;
* the largest difference of each weight array that differs;
* whether the chosen hyper-parameters and the threshold are the shipped ones;
* on a proteome (default: yeast, every window of every protein): the largest difference
  of a window score from the shipped model's, and the windows whose call differs at 0.9
  and at the model threshold (the calls of the shipped model beside them); with a protein
  model, the largest difference of a protein's cargo probability and protein score.

Every model scores the same proteins in one process, so the per-residue tracks are
computed once: the differences are the models', not the tracks'.

Usage::

    python bench/retrain_compare.py [--data ../shared/data] [--fasta FASTA] [--other-kernels]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def retrain(data: Path, out: Path, env: dict[str, str] | None) -> float:
    """``nesscan train`` into ``out`` in a fresh process; returns its wall time (s)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nesscan", "train", "--data", str(data), "-o", str(out), "--seed", "0"],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def weight_differences(a: Path, b: Path) -> dict[str, float]:
    """Largest absolute difference per array of two ``model.safetensors`` (arrays that differ)."""
    from safetensors.numpy import load_file

    x, y = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    out = {}
    for key in sorted(set(x) | set(y)):
        if key not in x or key not in y or x[key].shape != y[key].shape:
            out[key] = float("inf")
            continue
        d = float(np.max(np.abs(x[key].astype(np.float64) - y[key].astype(np.float64)), initial=0.0))
        if d > 0:
            out[key] = d
    return out


def selection(model: Path) -> dict:
    """Chosen hyper-parameters (inner AUCs left out) and threshold of a model directory, and
    its protein model's chosen feature set and hyper-parameters."""
    config = json.loads((model / "config.json").read_text())
    chosen = {c: {k: v for k, v in p.items() if k != "inner_auc"} for c, p in config["classifier"]["chosen"].items()}
    out = {"chosen": chosen, "threshold": config["threshold"]}
    protein = config.get("protein_model")
    if protein:
        out["protein_model"] = {"feature_set": protein["feature_set"],
                                "chosen": {c: {k: v for k, v in p.items() if k != "inner_auc"}
                                           for c, p in protein["chosen"].items()}}
    return out


def main() -> None:
    from nesscan.hashing import sha256_file
    from nesscan.io import read_fasta
    from nesscan.model.store import default_model_dir
    from nesscan.predictor import Predictor
    from nesscan.reproducibility import other_kernels_env

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("--fasta", default=None, help="proteome to score (default: yeast from the data folder)")
    ap.add_argument("--other-kernels", action="store_true", help="also retrain under other floating-point kernels")
    args = ap.parse_args()
    data = Path(args.data)
    fasta = Path(args.fasta) if args.fasta else data / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz"
    shipped = default_model_dir()
    with tempfile.TemporaryDirectory(prefix="nesscan-retrain-") as tmp:
        runs = {"this machine's kernels": (Path(tmp) / "native", None)}
        if args.other_kernels:
            runs["other kernels"] = (Path(tmp) / "other", other_kernels_env())
        for name, (out, env) in runs.items():
            seconds = retrain(data, out, env)
            same = sha256_file(out / "model.safetensors") == sha256_file(shipped / "model.safetensors")
            print(f"{name}: retrained in {seconds:.0f} s; model.safetensors "
                  f"{'is the shipped file byte for byte' if same else 'differs from the shipped file'}")
            for key, d in weight_differences(shipped, out).items():
                print(f"  {key}: largest difference {d:.3g}")
            print(f"  hyper-parameters and threshold as shipped: {selection(out) == selection(shipped)} "
                  f"({selection(out)})")
        proteins = [p for p in read_fasta(fasta) if len(p.sequence) >= 22]
        t0 = time.perf_counter()
        base = Predictor.load(shipped)
        per_protein = base.score_proteins(proteins)
        ref = np.concatenate(per_protein)
        ref_level = base.score_protein_level(proteins, per_protein)
        print(f"{fasta.name}: {len(proteins):,} proteins, {len(ref):,} windows (scored in "
              f"{time.perf_counter() - t0:.0f} s); shipped model: {(ref >= 0.9).sum():,} windows >= 0.9, "
              f"{(ref >= base.threshold).sum():,} >= its threshold {base.threshold:.3f}")
        for name, (out, _) in runs.items():
            model = Predictor.load(out)
            mine = model.score_proteins(proteins)
            got = np.concatenate(mine)
            at9 = int(((got >= 0.9) != (ref >= 0.9)).sum())
            at_t = int(((got >= model.threshold) != (ref >= base.threshold)).sum())
            level = ""
            if base.protein_model is not None and model.protein_model is not None:
                cargo, score = model.score_protein_level(proteins, mine)
                level = (f"; largest cargo-probability difference {np.abs(cargo - ref_level[0]).max():.3g}, "
                         f"protein-score difference {np.abs(score - ref_level[1]).max():.3g}")
            print(f"  {name}: largest window-score difference {np.abs(got - ref).max():.3g}; "
                  f"calls that differ: {at9} at 0.9, {at_t} at the model threshold{level}")


if __name__ == "__main__":
    main()
