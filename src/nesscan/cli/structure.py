"""``nesscan structure``: AlphaFold accessibility, confidence and secondary structure of candidates."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, formatter

EXAMPLE = """Example:
  nesscan structure yeast/candidates.csv --structures alphafold/ --fasta proteome.fasta.gz
  nesscan structure yeast/candidates.csv --download -o yeast/structure.csv"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("structure", help="score candidates by AlphaFold accessibility and confidence",
                       description="For each candidate, read the AlphaFold model of its protein and add "
                                   "relative solvent accessibility, pLDDT, secondary structure, a soft "
                                   "structural score, a combined score and a short explanation. No "
                                   "candidate is removed: a missing, corrupt or mismatched model is a "
                                   "flag in structure_status.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("candidates", help="candidates.csv of a screen")
    p.add_argument("--structures", metavar="DIR", help="folder of AlphaFold models (AF-<ACC>-F<n>[-model_v<v>]"
                   ".pdb/.cif[.gz])")
    p.add_argument("--fasta", help="protein FASTA to check model sequences against (e.g. the screened proteome)")
    p.add_argument("--nesdb", help="NESdb CSV whose parent sequences are also checked against")
    p.add_argument("--download", action="store_true",
                   help="fetch models not in --structures from AlphaFold DB into $NESSCAN_CACHE/alphafold "
                        "(server: $NESSCAN_AFDB_URL or https://alphafold.ebi.ac.uk)")
    p.add_argument("-o", "--output", help="output CSV (default: structure.csv beside the candidates file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from nesscan.structure.files import structure_file

    rep = Reporter()
    with rep.progress("structures") as progress:
        path = structure_file(args.candidates, args.structures, args.output, fasta=args.fasta,
                              nesdb=args.nesdb, download=args.download, progress=progress)
    status = pd.read_csv(path, usecols=["structure_status"], keep_default_na=False)["structure_status"]
    counts = ", ".join(f"{n} {s}" for s, n in status.value_counts().items())
    rep.log(f"{len(status)} candidates ({counts}) -> {path}")
    return 0
