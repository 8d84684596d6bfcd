"""Call rates in protein classes that cannot be CRM1 cargo, beside the screen's totals and the
NESdb parents' rate: the check of the protein level's calls on a whole proteome.

Reads a finished screen (``nesscan screen FASTA -o OUT``) and the FASTA it screened, and
prints :func:`nesscan.validate.protein_classes.class_call_rates`: per class the proteins,
those called (``call_status`` "called": the compartment gate let the protein through and its
batch q-value is at most 0.10), and what would be called without the gate. Screens the human
set first when OUT has no screen (about 4 min on 2 cores).

Usage::

    python bench/protein_classes.py [--data ../shared/data] [-o /tmp/nesscan-human-screen/human]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NESSCAN_DATA", "../shared/data"))
    ap.add_argument("--fasta", help="the screened FASTA (default: the data folder's human set)")
    ap.add_argument("-o", "--output", default="/tmp/nesscan-human-screen/human", help="the screen folder")
    ap.add_argument("--model", help="the model the screen used (default: the shipped one)")
    args = ap.parse_args()
    from nesscan.predictor import Predictor
    from nesscan.validate.protein_classes import screen_class_rates

    fasta = Path(args.fasta or Path(args.data) / "proteomes" / "human_swissprot_assembled.fasta.gz")
    out = Path(args.output)
    if not (out / "proteins.csv").is_file():
        subprocess.run([sys.executable, "-m", "nesscan", "screen", str(fasta), "-o", str(out), "--overwrite"],
                       check=True)
    model = Predictor.load(args.model)
    null = model.protein_model.null if model.protein_model is not None else None
    table = screen_class_rates(out, fasta, set(model.known_nes.accession), null)
    print(f"{fasta.name}: call rates at a batch q-value of 0.10 (model {model.path})")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))


if __name__ == "__main__":
    main()
