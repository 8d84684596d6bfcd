"""``nesscan mutate``: mutants of a protein through the model (``--design``: :mod:`nesscan.cli.mutate_design`)."""

from __future__ import annotations

import argparse

from nesscan.cli.common import add_model_option, formatter
from nesscan.cli.mutate_design import DESIGN_EXAMPLE, add_design_arguments, run_design
from nesscan.errors import NesscanError

EXAMPLE = "Example:\n" + DESIGN_EXAMPLE


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mutate", help="design mutants of an NES against the model",
                       description="--design: the fewest substitutions (hydrophobic anchors to alanine by default) "
                                   "that take a called NES below the call without creating a call elsewhere or "
                                   "moving the cargo probability by more than --max-cargo-change, a matched control "
                                   "mutant that keeps the call, and the alanine scan of the NES. Every mutant is "
                                   "scored as a whole protein and called as `nesscan predict` would call it.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("fasta", metavar="FASTA", help="FASTA holding the protein (plain or gzip)")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace earlier outputs in the output folder")
    add_design_arguments(p)
    add_model_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.design:
        return run_design(args)
    raise NesscanError("say what to do: --design ACCESSION:START-END")
