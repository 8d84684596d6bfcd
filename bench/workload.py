"""Human-proteome-shaped workloads, FLOP counts and the CPU's FP32 peak, shared by the benchmarks.

A workload of ``scale`` x 11.4 M residues (the human reference proteome's size) is built
from the proteins of the assembled human Swiss-Prot set in ``../shared/data`` (19,275
proteins, 10.8 M residues): all of them, then seeded residue shuffles of randomly
drawn ones until the size is reached (a smaller scale takes a seeded random subset).
So lengths follow real human proteins and, at 16x, no two sequences are alike.
Without ``../shared`` (the GPU machine) it uses the committed length list
``human_lengths.txt.gz`` with random residues of human composition: speed does not
depend on which residues they are.

Usage: ``python bench/workload.py --scale 1 -o human_1x.fasta.gz``
"""

from __future__ import annotations

import argparse
import gzip
import os
from pathlib import Path

import numpy as np

HUMAN_RESIDUES = 11_400_000
HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("NESSCAN_DATA") or HERE.parent.parent / "shared" / "data")
HUMAN = DATA / "proteomes" / "human_swissprot_assembled.fasta.gz"
# human proteome composition (UniProt statistics, %), for the data-free fallback
COMPOSITION = dict(A=7.0, R=5.6, N=3.6, D=4.7, C=2.3, Q=4.8, E=7.1, G=6.6, H=2.6, I=4.3, L=10.0, K=5.7,
                   M=2.1, F=3.7, P=6.3, S=8.3, T=5.4, W=1.2, Y=2.7, V=6.0)


def _human() -> list[str]:
    if HUMAN.is_file():
        from nesscan.io.fasta import iter_fasta

        return [p.sequence for p in iter_fasta(HUMAN)]
    rng = np.random.default_rng(0)
    with gzip.open(HERE / "human_lengths.txt.gz", "rt") as handle:
        lengths = [int(x) for x in handle if not x.startswith("#")]
    letters = np.array(list(COMPOSITION))
    p = np.array(list(COMPOSITION.values()))
    return ["".join(rng.choice(letters, n, p=p / p.sum())) for n in lengths]


def proteins(scale: float, seed: int = 0) -> list[str]:
    """Sequences of a human-shaped workload of about ``scale * 11.4 M`` residues."""
    base = _human()
    rng = np.random.default_rng(seed)
    target = int(scale * HUMAN_RESIDUES)
    total = sum(map(len, base))
    if target <= total:
        out, n = [], 0
        for i in rng.permutation(len(base)):
            if n >= target:
                break
            out.append(base[i])
            n += len(base[i])
        return out
    out, n = list(base), total
    while n < target:
        seq = base[int(rng.integers(len(base)))]
        out.append(rng.permutation(np.frombuffer(seq.encode(), np.uint8)).tobytes().decode())
        n += len(seq)
    return out


def write_fasta(seqs: list[str], path: Path) -> Path:
    """Write ``seqs`` as a gzip FASTA with UniProt-style headers (level 1: fast)."""
    with gzip.open(path, "wt", compresslevel=1) as handle:
        for i, s in enumerate(seqs):
            handle.write(f">sp|W{i:07d}|W{i:07d}_BENCH synthetic OS=Homo sapiens GN=G{i}\n{s}\n")
    return path


def esm2_flops_per_residue(layers: int, d: int, d_ff: int, attn_len: float) -> float:
    """FLOPs of one token through an ESM-2 encoder (2 per multiply-add): Q, K, V and
    output projections (4 d^2), feed-forward (2 d d_ff), attention scores and mixing
    (2 L d, with L the attended length) per layer; embeddings, norms, softmax ignored."""
    return 2.0 * layers * (4 * d * d + 2 * d * d_ff + 2 * attn_len * d)


def classifier_flops_per_window(model) -> float:
    """FLOPs of one window through the shipped :class:`WindowTransformer` (2 per MAC)."""
    p = model.config.params
    w, d, ff, layers, in_dim = model.window, p.d_model, p.d_ff, p.n_layers, model.config.in_dim
    per_token = in_dim * d + layers * (4 * d * d + 2 * d * ff + 2 * w * d)
    return 2.0 * (w * per_token + w * d)


def fp32_peak(threads: int) -> dict:
    """The CPU's FP32 peak: theoretical (cores x clock x 32 FLOP/cycle: two 256-bit FMA
    pipes, as on AVX2/AVX-512 x86 cores of this class) and the best large SGEMM measured
    now with ``threads`` threads. The larger of the two is the denominator of every
    fraction of peak (the conservative choice)."""
    import time

    import torch

    mhz = 0.0
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("cpu MHz"):
                mhz = max(mhz, float(line.split(":")[1]))
    except OSError:
        pass
    theoretical = threads * mhz * 1e6 * 32
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    best = 0.0
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(3):
        a @ b
        t, n = time.perf_counter(), 0
        while time.perf_counter() - t < 1.0:
            a @ b
            n += 1
        best = max(best, 2 * 2048 ** 3 * n / (time.perf_counter() - t))
    torch.set_num_threads(before)
    return {"theoretical": theoretical, "sgemm": best, "peak": max(theoretical, best), "mhz": mhz}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    seqs = proteins(a.scale, a.seed)
    write_fasta(seqs, Path(a.output))
    print(f"{len(seqs)} proteins, {sum(map(len, seqs)):,} residues -> {a.output}")


if __name__ == "__main__":
    main()
