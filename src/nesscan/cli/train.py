"""``nesscan train``: examples -> homology split -> features -> classifier (default: the window-feature ensemble)."""

from __future__ import annotations

import argparse

from nesscan.cli.common import (Reporter, add_classifier_options, add_embedder_options, add_training_options,
                                check_classifier, classifier_params, embedder_spec, formatter, runtime)

EXAMPLE = """Example:
  nesscan train --data ../shared/data -o models/default --seed 0
  nesscan train --data ../shared/data -o models/physchem --classifier transformer --embedder physchem --seed 0"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model from NESdb and the negative sets",
                       description="Cut 22-residue examples from NESdb and the mitochondrial proteins, split "
                                   "them by MMseqs2 cluster, featurise them and train the classifier (default: the "
                                   "window-feature ensemble; --classifier transformer for the Transformer). With the "
                                   "CRM1 cargo table in the data folder (cargo/), a flat model also gets the "
                                   "protein-level model (cargo probability, protein score) beside it.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("--data", help="data folder with nesdb/ and negatives/ (default: $NESSCAN_DATA)")
    p.add_argument("-o", "--output", required=True, help="model directory to write")
    add_classifier_options(p, cache=True)
    add_embedder_options(p)
    add_training_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.pipeline import data_dir, train

    check_classifier(args)
    rep = Reporter()
    out = train(data_dir(args.data), args.output, embedder_spec(args), args.context,
                params=classifier_params(args), seed=args.seed, log=rep.log, classifier=args.classifier,
                tracks=args.tracks, runtime=runtime(args), weak_positives=args.weak_positives)
    rep.log(f"model written to {out}")
    return 0
