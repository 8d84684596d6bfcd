"""Per-stage speed of a screen with the shipped default model, against the simple baseline.

Prints, on a human-proteome-shaped workload (``bench/workload.py``):

* residues/s of each stage (read, embed, window, classify, write) on a random sample
  of the workload's proteins, and the classifier's fraction of the CPU's FP32 peak
  (FLOPs of :class:`~nesscan.model.classifier.WindowTransformer` per window);
* the simple baseline on the same sample: every window embedded on its own, fixed
  batches of 256 windows in file order, one process; and the ratio;
* unless ``--no-screen``: ``nesscan screen`` on the whole workload as a new user runs it
  (default settings), its wall time and the peak RSS of its process tree.

Usage: ``python bench/stages.py [--scale 1] [--sample 300] [--no-screen]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workload  # noqa: E402
from rss import run_measured  # noqa: E402


def _rate(n: float, seconds: float) -> str:
    return f"{n / seconds:>12,.0f}"


def stages(seqs: list[str], threads: int) -> dict[str, float]:
    """Seconds of each in-memory stage over ``seqs`` (one process, ``threads`` threads)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import torch

    from nesscan.predictor import Predictor

    torch.set_num_threads(threads)
    model = Predictor.load()
    emb = model.featurizer.embedder
    w = model.window
    model.score_features(np.zeros((64, w, emb.dim), np.float32))  # warm-up
    out: dict[str, float] = {}
    t = time.perf_counter()
    feats = emb.embed(seqs)
    out["embed"] = time.perf_counter() - t
    t = time.perf_counter()
    stacked = np.concatenate(feats)
    offsets = np.cumsum([0] + [len(f) for f in feats])
    starts = np.concatenate([np.arange(len(f) - w + 1) + o for f, o in zip(feats, offsets)])
    span = np.arange(w)
    batches = [stacked[starts[i:i + 512, None] + span] for i in range(0, len(starts), 512)]
    out["window"] = time.perf_counter() - t
    t = time.perf_counter()
    scores = np.concatenate([model.score_features(b, 512) for b in batches])
    out["classify"] = time.perf_counter() - t
    out["windows"] = len(scores)
    t = time.perf_counter()
    acc = np.repeat(np.arange(len(seqs)), [len(s) - w + 1 for s in seqs]).astype(str)
    table = pa.table({"accession": acc, "start": (starts - np.repeat(offsets[:-1], [len(s) - w + 1 for s in seqs])
                                                  + 1).astype(np.int32),
                      "score": scores.astype(np.float32)})
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(table, Path(tmp) / "w.parquet")
    out["write"] = time.perf_counter() - t
    out["flops_per_window"] = workload.classifier_flops_per_window(model)
    return out


def baseline(seqs: list[str], threads: int, batch: int = 256) -> float:
    """Seconds of the simple baseline: each window embedded on its own, fixed batches of
    ``batch`` windows in file order, one process."""
    import torch

    from nesscan.predictor import Predictor

    torch.set_num_threads(threads)
    model = Predictor.load()
    emb = model.featurizer.embedder
    w = model.window
    windows = [s[a:a + w] for s in seqs for a in range(len(s) - w + 1)]
    t = time.perf_counter()
    for i in range(0, len(windows), batch):
        model.score_features(np.stack(emb.embed(windows[i:i + batch])), batch)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="workload size in human proteomes (11.4 M residues)")
    ap.add_argument("--sample", type=int, default=300, help="proteins in the per-stage sample")
    ap.add_argument("--no-screen", action="store_true", help="skip the end-to-end screen")
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    from nesscan.screen.workers import cpu_cores

    cores = cpu_cores()
    work = Path(a.workdir or tempfile.mkdtemp(prefix="nesscan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    seqs = workload.proteins(a.scale)
    fasta = workload.write_fasta(seqs, work / "workload.fasta.gz")
    residues = sum(map(len, seqs))
    print(f"workload: {len(seqs):,} proteins, {residues:,} residues (human-shaped, scale {a.scale}); "
          f"{cores} cores; embedder physchem (shipped default model)")
    from nesscan.io.fasta import iter_fasta

    t = time.perf_counter()
    n = sum(len(p.sequence) for p in iter_fasta(fasta))
    read_s = time.perf_counter() - t
    rng = np.random.default_rng(0)
    sample = [seqs[i] for i in rng.choice(len(seqs), min(a.sample, len(seqs)), replace=False) if len(seqs[i]) >= 22]
    res = sum(map(len, sample))
    st = stages(sample, cores)
    peak = workload.fp32_peak(cores)
    print(f"FP32 peak, {cores} cores: theoretical {peak['theoretical'] / 1e9:.0f} GFLOP/s "
          f"({peak['mhz']:.0f} MHz x 32 FLOP/cycle), best SGEMM {peak['sgemm'] / 1e9:.0f} GFLOP/s")
    print(f"\nstage        residues/s   (sample: {len(sample)} proteins, {res:,} residues, 1 process x {cores} threads)")
    print(f"read       {_rate(n, read_s)}   (whole workload, gzip FASTA)")
    for name in ("embed", "window", "classify", "write"):
        line = f"{name:<10} {_rate(res, st[name])}"
        if name == "classify":
            gflops = st["windows"] * st["flops_per_window"] / st["classify"]
            line += (f"   {gflops / 1e9:.0f} GFLOP/s = {gflops / peak['peak']:.0%} of FP32 peak "
                     f"({st['flops_per_window'] / 1e6:.2f} MFLOP/window)")
        if name == "embed":
            line += "   (table look-ups: no FLOPs to speak of)"
        print(line)
    ours = st["embed"] + st["window"] + st["classify"]
    base = baseline(sample, cores)
    print(f"\nscoring every window of the sample: nesscan {_rate(res, ours)} residues/s, "
          f"baseline (per-window embedding, batches of 256, file order) {_rate(res, base)} residues/s: "
          f"ratio {base / ours:.1f}x")
    if a.no_screen:
        return
    out = work / "screen"
    cmd = [sys.executable, "-m", "nesscan", "screen", str(fasta), "-o", str(out)]
    wall, rss = run_measured(cmd)
    print(f"\nnesscan screen (defaults: {cores} workers, 25% decoys) on the whole workload: {wall / 60:.1f} min wall, "
          f"{residues / wall:,.0f} residues/s, peak RSS of the process tree {rss / 2**30:.2f} GiB")
    print(f"  command: {' '.join(cmd)}")


if __name__ == "__main__":
    main()
