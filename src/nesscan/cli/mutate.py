"""``nesscan mutate``: what protein variants do to NES evidence (``--variants``, one row per
variant) and NES-dead mutant design (``--design``: :mod:`nesscan.cli.mutate_design`)."""

from __future__ import annotations

import argparse
import sys

from nesscan.cli.common import Reporter, add_model_option, add_runtime_options, formatter, runtime
from nesscan.cli.mutate_design import DESIGN_EXAMPLE, add_design_arguments, run_design
from nesscan.errors import NesscanError

EXAMPLE = """Example:
  nesscan mutate human.fasta.gz --variants variants.tsv -o npm1/
  # variants.tsv (tab-separated): accession  variant     new_tail     name
  #                                P06748     p.Trp288fs  CLAVEEVSLRK  NPM1 type A
""" + DESIGN_EXAMPLE


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mutate", help="variant effects on NES windows and calls (HGVS p.), and NES-dead mutant design",
                       description="--variants: apply each variant of a table (MAVE-HGVS protein notation: "
                                   "substitutions, deletions, insertions, delins, duplications, nonsense, frameshifts "
                                   "with their new tail) to its protein, rescore the windows it touches and compare: "
                                   "best window and score before and after, NES calls and candidates gained and lost, "
                                   "cargo probability, protein score and compartment. Writes OUT/variants.csv and "
                                   "OUT/mutate.json. A variant that cannot be applied is one error line (and an error "
                                   "row); the others are scored. Exit status 0 when at least one variant was scored, "
                                   "1 when none was. "
                                   "--design: the fewest substitutions (hydrophobic anchors to alanine by default) "
                                   "that take a called NES below the call without creating a call elsewhere or "
                                   "moving the cargo probability by more than --max-cargo-change, a matched control "
                                   "mutant that keeps the call, and the alanine scan of the NES. Every designed "
                                   "mutant is scored as a whole protein and called as `nesscan predict` would call it.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("fasta", metavar="FASTA", help="protein FASTA, plain or gzip: the reference proteins")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--variants", metavar="TSV",
                      help="tab-separated table with columns accession (or the FASTA id), variant (e.g. p.Leu291Ala) "
                           "and optional name, new_tail (a frameshift's new residues) and mutant_sequence")
    add_design_arguments(p, what)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder (new or empty)")
    p.add_argument("--threshold", type=float, help="--variants: candidate threshold, 0-1 (default: the model's)")
    p.add_argument("--rescoring", choices=("local", "whole"), default="local",
                   help="--variants: local: score again only the windows a variant touches (default; fast); "
                        "whole: every window of each mutant")
    p.add_argument("--screen", metavar="DIR",
                   help="--variants: folder of an earlier `nesscan screen` of these proteins by the same model: "
                        "the reference proteins' window scores are read from DIR/windows.parquet instead of "
                        "scored again (a screen by another model is refused; a protein missing there or of "
                        "another length is scored whole)")
    p.add_argument("--overwrite", action="store_true", help="replace earlier outputs in the output folder")
    add_model_option(p)
    add_runtime_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.design:
        if args.screen:
            raise NesscanError("--screen applies to --variants, not --design")
        return run_design(args)
    from nesscan.api import load_model
    from nesscan.variants.outputs import mutate_folder

    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        raise NesscanError(f"threshold must be between 0 and 1, not {args.threshold}")
    rt = runtime(args)
    model = load_model(args.model, device=rt.device, precision=rt.precision, cache_dir=rt.cache_dir,
                       weights=rt.weights)
    rep = Reporter()
    with rep.progress("scoring variants") as progress:
        result = mutate_folder(args.fasta, args.variants, args.output, model, threshold=args.threshold,
                               rescoring=args.rescoring, overwrite=args.overwrite, progress=progress,
                               screen=args.screen)
    for line in result.errors:
        print(f"nesscan mutate: {line}", file=sys.stderr)
    total = len(result.table)
    rep.log(f"{result.scored} of {total} variants scored, {len(result.errors)} not (lines above) -> "
            f"{args.output.rstrip('/')}/variants.csv")
    if result.scored == 0:
        raise NesscanError("no variant could be scored")
    return 0
