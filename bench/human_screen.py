"""Screen the assembled human Swiss-Prot set (and E. coli, the control with no nucleus) as a
user would, and print what the targets ask about: wall time and peak RSS of the whole process
tree (workers included), window-level calls at FDR 10%, protein-level calls at a protein
q-value of 10% per 100 proteins (the batch q-value over the proteins the compartment gate lets
through), the proteins set aside per predicted compartment, the window call's headline (calls at
FDR 10% against each null and both, :mod:`nesscan.screen.calls`), and E. coli's rates beside
human's (per protein at the protein level, per window at the default window call).

Each screen is ``python -m nesscan screen FASTA -o OUT`` with the defaults (the shipped model
with its protein model, 25% decoys, one worker per core), timed in a fresh process.

Usage::

    python bench/human_screen.py [--data ../shared/data] [-o /tmp/human_screen] [--no-ecoli]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rss import run_measured  # noqa: E402

PROTEOMES = {"human": "human_swissprot_assembled.fasta.gz", "E. coli": "UP000000625-E.coli.fasta.gz"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("-o", "--output", default="/tmp/nesscan-human-screen", help="screen folders go here")
    ap.add_argument("--no-ecoli", action="store_true", help="screen the human set only")
    args = ap.parse_args()
    rates, window_rates = {}, {}
    for name, file in PROTEOMES.items():
        if name != "human" and args.no_ecoli:
            continue
        out = Path(args.output) / name.replace(". ", "")
        fasta = Path(args.data) / "proteomes" / file
        wall, rss = run_measured([sys.executable, "-m", "nesscan", "screen", str(fasta), "-o", str(out), "--overwrite"])
        fdr = json.loads((out / "fdr.json").read_text())
        n = fdr["n_proteins"]
        rates[name] = fdr.get("protein_calls_per_100_proteins_at_q_10")
        print(f"{name} ({n:,} proteins): {wall / 60:.1f} min wall, peak RSS {rss / 2**30:.2f} GiB (process tree)")
        print(f"  window level: {fdr['calls_at_fdr_10']} calls at FDR 10% (lowest q {fdr.get('lowest_q_value')}), "
              f"{fdr['calls_per_100_proteins_at_0.9']:.1f} calls per 100 proteins at 0.9")
        if "protein_calls_at_q_10" in fdr:
            print(f"  protein level: {fdr['protein_calls_at_q_10']:,} proteins at q 10% "
                  f"({rates[name]:.2f} per 100 proteins; score >= {fdr['protein_score_threshold_at_q_10']}), "
                  f"{fdr['protein_calls_at_q_5']:,} at q 5%, lowest q {fdr['lowest_cargo_q_value_batch']:.3f}; "
                  f"{fdr['proteins_assessed']:,} assessed, set aside: {fdr['proteins_set_aside_by_compartment']}")
        call = fdr.get("call")
        if call:
            per = {k: v.get("calls", 0) for k, v in call["nulls"].items() if "calls" in v}
            window_rates[name] = call["calls"] / max(fdr["n_target_windows"], 1)
            print(f"  window call: {call['headline']}")
            print(f"    calls by null alone {per}; {call['calls']} calls = {1e4 * window_rates[name]:.3f} per "
                  f"10,000 windows; nulls left out: {call.get('nulls_left_out') or 'none'}")
    if rates.get("human") and rates.get("E. coli") is not None:
        print(f"E. coli / human, protein calls per protein at q 10%: {rates['E. coli'] / rates['human']:.3f}")
    if window_rates.get("human") and "E. coli" in window_rates:
        print(f"E. coli / human, window calls per window at the default call: "
              f"{window_rates['E. coli'] / window_rates['human']:.3f}")


if __name__ == "__main__":
    main()
