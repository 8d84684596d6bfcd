"""``nesscan evaluate``: held-out metrics beside the trivial baselines."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, embedder_options, formatter

EXAMPLE = """Example:
  nesscan evaluate models/physchem -o models/physchem/evaluation"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="test-split ROC/PR and AUC with CI beside trivial baselines",
                       description="Score the held-out test examples of a trained model and compare with the "
                                   "composition, consensus-count, hydrophobic-count and length baselines.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("model", help="model directory written by `nesscan train`")
    p.add_argument("-o", "--output", required=True, help="folder for metrics.json, metrics.txt, roc.png, pr.png")
    p.add_argument("--data", help="data folder (needed only for protein-context models; default $NESSCAN_DATA)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the AUC CI (default 1000)")
    p.add_argument("--esm-model", metavar="DIR", help="ESM-2 weights directory (if not in $NESSCAN_CACHE/esm2/<name>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.pipeline import evaluate

    evaluate(args.model, args.output, data=args.data, n_boot=args.bootstrap,
             embedder_options=embedder_options(args), log=Reporter().log)
    return 0
