"""Cost of a screen's ``importance.csv`` (the alanine scan of its top called windows), timed on
an existing screen folder without screening again.

    python bench/importance_speed.py SCREEN_DIR [--fasta FASTA] [--model DIR]

Reads ``SCREEN_DIR/candidates.csv`` and the FASTA that ``screen.json`` names (or ``--fasta``),
runs :func:`nesscan.design.importance.screen_importance` with the model (the shipped one by
default; give the screen's own), and prints the calls scanned, the wall and CPU seconds, and
seconds a call. One process, one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("screen", type=Path)
    ap.add_argument("--fasta", help="the screened FASTA (default: the one screen.json names)")
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    args = ap.parse_args()
    import pandas as pd
    import torch

    import nesscan
    from nesscan.design.importance import screen_importance, top_called

    torch.set_num_threads(1)
    fasta = args.fasta or json.loads((args.screen / "screen.json").read_text())["config"]["fasta"]
    candidates = pd.read_csv(args.screen / "candidates.csv")
    model = nesscan.load_model(args.model)
    n = len(top_called(candidates))
    wall, cpu = time.perf_counter(), time.process_time()
    table = screen_importance(candidates, fasta, model)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{n} calls scanned ({len(table)} mutant proteins): {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"{wall / max(n, 1):.1f} s a call; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
