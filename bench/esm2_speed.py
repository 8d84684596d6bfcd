"""ESM-2 embedding speed: fraction of the CPU's FP32 peak, and nesscan against the simple baseline.

Random-weight checkpoints of the published architectures are built on the fly (speed
does not depend on the weights' values; no registry ships ESM-2 weights), in the
Hugging Face layout that ``nesscan``'s ``esm2`` embedder loads.

On the CPU (default) it prints, for the 8M architecture (6 layers, 320 wide):

1. residues/s at length 400 for one process with all cores' threads, and for one
   process per core with one thread each (what ``nesscan screen`` does), in float32 and
   bfloat16, with GFLOP/s and the fraction of the FP32 peak (FLOPs from the
   architecture: ``workload.esm2_flops_per_residue``);
2. on a sample of human-shaped proteins: nesscan (each protein embedded once, chunks
   of at most 1,022 residues in token-budget batches sorted by length, one process per
   core) against the simple baseline (every 22-residue window embedded on its own,
   fixed batches of 32 windows in file order, one process), and the ratio.

With ``--gpu`` (``bench/gpu.sh``): the 650M architecture (33 layers, 1280 wide) in
bfloat16 on CUDA over the whole human-shaped workload, in chunks like a screen.

Usage: ``python bench/esm2_speed.py [--arch 8M] [--sample 16]`` or ``--gpu``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import workload  # noqa: E402

ARCHS = {"8M": (6, 320, 20), "35M": (12, 480, 20), "150M": (30, 640, 20), "650M": (33, 1280, 20)}


def checkpoint(arch: str, root: Path) -> Path:
    """A random-weight ESM-2 checkpoint of ``arch`` under ``root`` (built once)."""
    from esm_tiny import make_tiny_esm2

    layers, hidden, heads = ARCHS[arch]
    path = root / f"esm2_{arch}_random"
    if not (path / "config.json").is_file():
        make_tiny_esm2(path, num_layers=layers, hidden=hidden, heads=heads)
    return path


def _embed_job(seqs: list[str], *, embedder) -> int:
    return sum(len(x) for x in embedder.embed(seqs))  # the screen keeps scores, not vectors


def embed_rate(model: Path, seqs: list[str], workers: int, threads: int, dtype: str,
               batch_tokens: int = 8192, compile: bool = False) -> float:
    """Residues/s of ``nesscan``'s esm2 embedder over ``seqs``, split over ``workers``."""
    from nesscan.embed.esm2 import Esm2Embedder
    from nesscan.screen.workers import map_ordered

    emb = Esm2Embedder(str(model), dtype=dtype, batch_tokens=batch_tokens, compile=compile)
    parts = [seqs[i::workers] for i in range(workers)]
    if workers > 1:  # a pool per call: time the second call on a warm pool
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from nesscan.screen.workers import _call, _init

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
                                 initargs=(os.getpid(), threads, {"embedder": emb})) as pool:
            list(pool.map(_call, [_embed_job] * workers, [(p[:3],) for p in parts]))  # load (and compile)
            t = time.perf_counter()
            n = sum(pool.map(_call, [_embed_job] * workers, [(p,) for p in parts]))
            return n / (time.perf_counter() - t)
    list(map_ordered(_embed_job, [(seqs[:3],)], {"embedder": emb}, 1, threads))  # load (and compile)
    t = time.perf_counter()
    n = sum(map_ordered(_embed_job, [(seqs,)], {"embedder": emb}, 1, threads))
    return n / (time.perf_counter() - t)


def baseline_rate(model: Path, seqs: list[str], threads: int, batch: int = 32) -> float:
    """Residues/s of the simple baseline: every window on its own, fixed batches, file order."""
    import torch

    from nesscan.embed.esm2 import Esm2Embedder

    torch.set_num_threads(threads)
    emb = Esm2Embedder(str(model))
    windows = [s[a:a + 22] for s in seqs for a in range(len(s) - 21)]
    emb._load()
    t = time.perf_counter()
    for i in range(0, len(windows), batch):
        emb._forward(windows[i:i + batch])
    return sum(map(len, seqs)) / (time.perf_counter() - t)


def cpu(a: argparse.Namespace, root: Path) -> None:
    from nesscan.screen.workers import cpu_cores

    cores = cpu_cores()
    layers, d, _ = ARCHS[a.arch]
    model = checkpoint(a.arch, root)
    peak = workload.fp32_peak(cores)
    flops = workload.esm2_flops_per_residue(layers, d, 4 * d, 402)
    print(f"ESM-2 {a.arch} architecture (random weights), {cores} cores; FP32 peak: theoretical "
          f"{peak['theoretical'] / 1e9:.0f} GFLOP/s ({peak['mhz']:.0f} MHz x 32 FLOP/cycle x {cores}), best SGEMM "
          f"{peak['sgemm'] / 1e9:.0f} GFLOP/s; {flops / 1e6:.1f} MFLOP per residue at length 400")
    rng = np.random.default_rng(0)
    letters = np.array(list(workload.COMPOSITION))
    p = np.array(list(workload.COMPOSITION.values()))
    seqs = ["".join(rng.choice(letters, 400, p=p / p.sum())) for _ in range(a.n400)]
    for workers, threads, dtype, comp in [(1, cores, "float32", False), (cores, 1, "float32", False),
                                          (cores, 1, "float32", True), (cores, 1, "bfloat16", False)]:
        r = embed_rate(model, seqs, workers, threads, dtype, compile=comp)
        how = f"{dtype}{', torch.compile' if comp else ''}"
        print(f"  length 400, {workers} process(es) x {threads} thread(s), {how:>23}: {r:>7,.0f} residues/s = "
              f"{r * flops / 1e9:5.0f} GFLOP/s = {r * flops / peak['peak']:.0%} of FP32 peak")
    sample = [s for s in workload.proteins(1.0) if len(s) >= 22]
    sample = [sample[i] for i in rng.choice(len(sample), a.sample, replace=False)]
    res = sum(map(len, sample))
    base = baseline_rate(model, sample, cores)
    print(f"human-shaped sample ({a.sample} proteins, {res:,} residues): baseline (every window on its own, "
          f"batches of 32, file order, float32) {base:,.0f} residues/s")
    for dtype, comp in [("float32", False), ("float32", True), ("bfloat16", False)]:
        ours = embed_rate(model, sample, cores, 1, dtype, compile=comp)
        print(f"  nesscan, {cores} x 1 thread, {dtype}{', torch.compile' if comp else ''}: {ours:,.0f} residues/s, "
              f"{ours / base:.1f}x the baseline; a human proteome (11.4 M residues) in {11.4e6 / ours / 60:.0f} min "
              f"(baseline {11.4e6 / base / 3600:.1f} h)")


def gpu(a: argparse.Namespace, root: Path) -> None:
    import torch

    from nesscan.embed.esm2 import Esm2Embedder

    model = checkpoint("650M", root)
    seqs = workload.proteins(1.0)
    total = sum(map(len, seqs))
    print(f"{torch.cuda.get_device_name(0)}; ESM-2 650M architecture (random weights), bfloat16; "
          f"workload {len(seqs):,} proteins, {total:,} residues")
    emb = Esm2Embedder(str(model), device="cuda", dtype="bfloat16", batch_tokens=a.batch_tokens)
    emb.embed(seqs[:8])
    torch.cuda.synchronize()
    t, done, chunk, size = time.perf_counter(), 0, [], 0
    for s in seqs:  # chunks of ~2 M residues, as a screen cuts them
        chunk.append(s)
        size += len(s)
        if size >= 2_000_000:
            done += sum(len(x) for x in emb.embed(chunk))
            chunk, size = [], 0
            print(f"  {done:,} residues, {time.perf_counter() - t:.0f} s", flush=True)
    done += sum(len(x) for x in emb.embed(chunk))
    torch.cuda.synchronize()
    wall = time.perf_counter() - t
    print(f"650M bf16 over the whole workload: {wall:.0f} s = {wall / 60:.2f} min, {done / wall:,.0f} residues/s "
          f"(batch_tokens {a.batch_tokens})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=ARCHS, default="8M")
    ap.add_argument("--n400", type=int, default=48, help="length-400 sequences timed")
    ap.add_argument("--sample", type=int, default=40, help="proteins in the baseline comparison")
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--batch-tokens", type=int, default=65536)
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    root = Path(a.workdir or tempfile.mkdtemp(prefix="nesscan-esm2-"))
    (gpu if a.gpu else cpu)(a, root)


if __name__ == "__main__":
    main()
