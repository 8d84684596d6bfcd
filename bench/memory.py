"""Peak memory of ``nesscan screen`` as the proteome grows: 1x, 4x and 16x a base workload.

Each size is a human-shaped workload (``bench/workload.py``) screened with the shipped
default model and default settings (one worker per core, 25% decoys); the peak is the
summed RSS of the whole process tree (workers included), sampled every 0.25 s. Flat
memory means the 16x peak is about the 1x peak: the screen streams chunks, keeps score
histograms instead of scores, and streams its tables (:mod:`nesscan.screen.calibration`).

``--base`` is in human proteomes (11.4 M residues): ``--base 1`` measures 1x/4x/16x of
a human proteome (16x takes hours on 2 cores); ``--base 0.0625`` measures 1/16, 1/4
and one whole human-shaped proteome.

Usage: ``python bench/memory.py [--base 0.0625] [--factors 1 4 16]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workload  # noqa: E402
from rss import run_measured  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=float, default=1.0, help="base workload in human proteomes (default 1)")
    ap.add_argument("--factors", type=float, nargs="+", default=[1, 4, 16])
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    work = Path(a.workdir or tempfile.mkdtemp(prefix="nesscan-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for f in a.factors:
        seqs = workload.proteins(a.base * f)
        fasta = workload.write_fasta(seqs, work / f"workload_{f:g}x.fasta.gz")
        residues = sum(map(len, seqs))
        del seqs
        out = work / f"screen_{f:g}x"
        cmd = [sys.executable, "-m", "nesscan", "screen", str(fasta), "-o", str(out)]
        wall, rss = run_measured(cmd)
        windows = json.loads((out / "fdr.json").read_text())["n_target_windows"]
        rows.append((f, residues, windows, wall, rss))
        print(f"{f:>5g}x  {residues:>13,} residues  {windows:>13,} windows  {wall / 60:6.1f} min  "
              f"{residues / wall:>9,.0f} residues/s  peak RSS {rss / 2**30:.2f} GiB", flush=True)
        (fasta).unlink()
    lo = rows[0]
    for f, residues, _, _, rss in rows[1:]:
        print(f"peak RSS at {f:g}x / at {lo[0]:g}x: {rss / lo[4]:.2f} (input {residues / lo[1]:.1f}x larger)")


if __name__ == "__main__":
    main()
