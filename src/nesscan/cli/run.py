"""``nesscan run``: the whole pipeline into one self-describing folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from nesscan.cli.common import (Reporter, add_classifier_options, add_embedder_options, add_runtime_options,
                                add_training_options, add_workers_option, check_classifier, classifier_params,
                                embedder_spec, formatter, runtime)

EXAMPLE = """Example:
  nesscan run --data ../shared/data -o runs/default \\
      --screen ../shared/data/proteomes/UP000002311-S.cerevisiae.fasta.gz"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="examples -> features -> train -> evaluate -> screen -> report, in one folder",
                       description="Run the whole pipeline. The folder gets run.json (config, versions, seed, "
                                   "input checksums, timings), log.txt, split.tsv, model/, evaluation/, cv/, "
                                   "site.json and protein_level.json (unless --folds 0), screen/<proteome>/ "
                                   "and report/.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("--data", help="data folder with nesdb/ and negatives/ (default: $NESSCAN_DATA)")
    p.add_argument("-o", "--output", required=True, help="run folder to write")
    p.add_argument("--screen", action="append", metavar="FASTA",
                   help="proteome to screen (repeatable; default: the data folder's yeast and, as negative "
                        "control, E. coli proteomes)")
    p.add_argument("--no-screen", action="store_true", help="train and evaluate only")
    p.add_argument("--structures", metavar="DIR", help="folder of AlphaFold models: also write "
                   "screen/<proteome>/structure.csv (see `nesscan structure`)")
    p.add_argument("--resume", action="store_true", help="continue the screens of an interrupted run from "
                   "their finished chunks (training is redone: same seed, same model)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in the output folder "
                   "(a folder holding files nesscan did not write is still refused)")
    add_workers_option(p)
    add_classifier_options(p)
    add_embedder_options(p)
    add_runtime_options(p, esm_model=False)
    add_training_options(p)
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for AUC CIs (default 1000)")
    p.add_argument("--folds", type=int, default=5, help="k of the homology-clustered cross-validation "
                   "(default 5; 0 skips cross-validation, site localisation and the protein-level check)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.pipeline import data_dir, run as run_pipeline

    from nesscan.screen.outputs import claim_run_folder

    check_classifier(args)
    data = data_dir(args.data)
    out = Path(args.output)
    claim = claim_run_folder(out, overwrite=args.overwrite, resume=args.resume)
    rep = Reporter(out / "log.txt")
    try:
        run_pipeline(data, out, [] if args.no_screen else args.screen, embedder_spec=embedder_spec(args),
                     context=args.context, params=classifier_params(args), seed=args.seed,
                     n_boot=args.bootstrap, folds=args.folds, runtime=runtime(args), log=rep.log,
                     progress=rep.progress, structures=args.structures, resume=args.resume, workers=args.workers,
                     classifier=args.classifier, tracks=args.tracks, weak_positives=args.weak_positives)
        rep.log(f"run written to {out}")
    except BaseException:
        if not claim.created:
            claim.rollback()  # an --overwrite that failed gives the earlier run back
        raise
    finally:
        rep.close()
    claim.commit()
    return 0
