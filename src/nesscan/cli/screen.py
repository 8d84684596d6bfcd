"""``nesscan screen``: score every 22-residue window of a proteome."""

from __future__ import annotations

import argparse

from nesscan.cli.common import add_compute_options, Reporter, add_workers_option, embedder_options, formatter

EXAMPLE = """Example:
  nesscan screen UP000002311-S.cerevisiae.fasta.gz -o yeast/"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("screen", help="score every window of every protein of a FASTA file",
                       description="Slide a 22-residue window over every protein (stride 1) and score each. "
                                   "Writes windows.parquet, candidates.csv, proteins.csv and fdr.json; "
                                   "a killed screen continues with --resume.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("fasta", help="protein FASTA, plain or gzip")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--model", help="model directory (default: the model shipped with nesscan)")
    p.add_argument("--threshold", type=float, help="candidate threshold (default: the model's calibrated one)")
    p.add_argument("--nesdb", help="NESdb CSV marking known NESs (default: the model's training NESs)")
    p.add_argument("--decoy-fraction", type=float, default=0.25, metavar="F",
                   help="share of proteins also scored as shuffled decoys, for q-values and protein "
                        "p-values (default 0.25; 0 disables)")
    p.add_argument("--seed", type=int, default=0, help="seed of the decoys (default 0)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted screen into the same output directory from the chunks "
                        "it finished (OUT/.partial/); same outputs as an uninterrupted screen")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier screen in the output directory (its tables, screen.json, "
                        "structure.csv); a directory holding other files is still refused")
    p.add_argument("--chunk-floats", type=int, default=16_000_000, metavar="N",
                   help="embed proteins in chunks of about N per-residue floats (residues x embedding "
                        "dimension; at least 2,000 residues): the memory bound, and the unit of --resume "
                        "(default 16,000,000)")
    p.add_argument("--device", help="torch device of the embedder and the classifier, e.g. cuda")
    add_workers_option(p)
    add_compute_options(p)
    p.add_argument("--esm-model", metavar="DIR", help="ESM-2 weights directory, for an esm2 model whose weights "
                   "are not in $NESSCAN_CACHE/esm2/<name>")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.pipeline import screen

    rep = Reporter()
    with rep.progress("screening") as progress:
        summary = screen(args.fasta, args.output, model_dir=args.model, threshold=args.threshold,
                         nesdb=args.nesdb, device=args.device,
                         embedder_options=embedder_options(args), decoy_fraction=args.decoy_fraction,
                         seed=args.seed, progress=progress, resume=args.resume,
                         chunk_floats=args.chunk_floats, workers=args.workers,
                         precision=args.precision, overwrite=args.overwrite)
    calls, warning = _fdr_text(args.output)
    rep.log(f"{summary.proteins} proteins, {summary.windows} windows, {summary.candidates} candidates "
            f"at >= {summary.threshold:.3f} ({summary.known_candidates} known NESdb NESs); {calls}; "
            f"{summary.shorter_than_window} proteins shorter than the window -> {args.output}")
    if warning:
        rep.log(warning)
    return 0


def _fdr_text(output: str) -> tuple[str, str | None]:
    """Calls at the threshold and at FDR 10%, and a warning when the FDR at the threshold is high."""
    import json
    from pathlib import Path

    from nesscan.screen.calibration import calls_summary

    try:
        fdr = json.loads((Path(output) / "fdr.json").read_text())
    except (OSError, ValueError):
        fdr = None
    return calls_summary(fdr)
