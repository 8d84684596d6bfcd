"""``nesscan train``: examples -> homology split -> features -> classifier (default: the window-feature ensemble)."""

from __future__ import annotations

import argparse

from nesscan.cli.common import (Reporter, add_classifier_options, add_embedder_options, add_training_options,
                                check_classifier, classifier_params, embedder_spec, formatter, runtime)

EXAMPLE = """Example:
  nesscan train --data ../shared/data -o models/default --seed 0
  nesscan train --data ../shared/data -o models/physchem --classifier transformer --embedder physchem --seed 0
  nesscan train --data ../shared/data -o src/nesscan/models/compartment --compartment-only
  nesscan train --data ../shared/data -o models/mine --natural-null my_prokaryote.fasta"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model from NESdb and the negative sets",
                       description="Cut 22-residue examples from NESdb and the mitochondrial proteins, split "
                                   "them by MMseqs2 cluster, featurise them and train the classifier (default: the "
                                   "window-feature ensemble; --classifier transformer for the Transformer). With the "
                                   "CRM1 cargo table in the data folder (cargo/), a flat model also gets the "
                                   "protein-level model (cargo probability, protein score) beside it; with the MultiLoc set "
                                   "(localisation/multiloc), the compartment gate that sets aside proteins that "
                                   "cannot be CRM1 cargo (membrane, secretory, mitochondrial).",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("--data", help="data folder with nesdb/ and negatives/ (default: $NESSCAN_DATA)")
    p.add_argument("-o", "--output", required=True, help="model directory to write")
    p.add_argument("--compartment-only", action="store_true",
                   help="fit only the compartment gate from the data folder's MultiLoc set into the output "
                        "directory (compartment.safetensors, compartment.json, compartment_metrics.json)")
    p.add_argument("--natural-null", metavar="FASTA",
                   help="proteins that cannot use an NES, scored as the window call's natural null (default: the "
                        "data folder's proteomes/UP000000625-E.coli.fasta.gz; flat models)")
    add_classifier_options(p, cache=True)
    add_embedder_options(p)
    add_training_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.pipeline import data_dir, train

    check_classifier(args)
    rep = Reporter()
    if args.compartment_only:
        from nesscan.validate.compartment import MULTILOC_DIR, train_and_log

        out = train_and_log(data_dir(args.data, require=(f"{MULTILOC_DIR}/nuclear.fasta",)), args.output,
                            seed=args.seed, log=rep.log)
        rep.log(f"compartment gate written to {out}")
        return 0
    if args.natural_null:
        from nesscan.io.fasta import require_file

        require_file(args.natural_null, "natural-null FASTA")  # one error line before any training
    out = train(data_dir(args.data), args.output, embedder_spec=embedder_spec(args), context=args.context,
                params=classifier_params(args), seed=args.seed, log=rep.log, classifier=args.classifier,
                tracks=args.tracks, runtime=runtime(args), weak_positives=args.weak_positives,
                natural_null=args.natural_null)
    rep.log(f"model written to {out}")
    return 0
