"""``nesscan evaluate``: held-out metrics beside the trivial baselines."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, add_model_option, add_runtime_options, formatter, runtime
from nesscan.errors import NesscanError

EXAMPLE = """Example:
  nesscan evaluate -o evaluation/ --data ../shared/data     # the shipped model
  nesscan evaluate --model models/default -o models/default/evaluation --data ../shared/data
  nesscan evaluate --model models/physchem -o models/physchem/evaluation"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="test-split ROC/PR and AUC with CI beside trivial baselines",
                       description="Score the held-out test examples of a trained model and compare with the "
                                   "composition, consensus-count, hydrophobic-count and length baselines. A model "
                                   "with a protein level is also scored on the cargo table's held-out proteins "
                                   "(data folder with cargo/), beside composition, composition + length, best "
                                   "window and length.",
                       epilog=EXAMPLE, formatter_class=formatter)
    add_model_option(p, required=False)
    p.add_argument("model_positional", nargs="?", metavar="MODEL",
                   help="deprecated alias of --model (accepted for one more release)")
    p.add_argument("-o", "--output", required=True, help="folder for metrics.json, metrics.txt, roc.png, pr.png "
                   "(and cargo_metrics.json, cargo_predictions.tsv)")
    p.add_argument("--data", help="data folder (needed only for protein-context models, such as the default "
                   "window-feature model; default $NESSCAN_DATA)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the AUC CI (default 1000)")
    add_runtime_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.pipeline import evaluate

    if args.model and args.model_positional and args.model != args.model_positional:
        raise NesscanError(f"two models given: --model {args.model} and {args.model_positional}")
    model = args.model or args.model_positional
    if not model:
        from nesscan.model.store import default_model_dir

        model = default_model_dir()  # as screen and serve: the shipped model
    evaluate(model, args.output, data=args.data, n_boot=args.bootstrap, runtime=runtime(args),
             log=Reporter().log)
    return 0
