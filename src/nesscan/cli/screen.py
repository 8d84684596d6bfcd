"""``nesscan screen``: score every 22-residue window of a proteome."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, add_model_option, add_runtime_options, add_workers_option, formatter, runtime

EXAMPLE = """Example:
  nesscan screen UP000002311-S.cerevisiae.fasta.gz -o yeast/
  nesscan screen yeast.fasta.gz human.fasta.gz -o screens/ --engine ray   # screens/yeast/, screens/human/"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("screen", help="score every window of every protein of a FASTA file",
                       description="Slide a 22-residue window over every protein (stride 1) and score each. "
                                   "Writes windows.parquet, candidates.csv, proteins.csv and fdr.json; "
                                   "a killed screen continues with --resume.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("fasta", nargs="+", help="protein FASTA, plain or gzip; several write OUT/<name>/ each "
                   "(name: the file name less its .gz and FASTA suffixes)")
    p.add_argument("-o", "--output", required=True, help="output directory, or a URI pyarrow can write to "
                   "(s3://, gs://, file://: written locally, uploaded when finished)")
    add_model_option(p)
    p.add_argument("--threshold", type=float, help="candidate threshold (default: the model's calibrated one)")
    p.add_argument("--nesdb", help="NESdb CSV marking known NESs (default: the model's training NESs)")
    p.add_argument("--decoy-fraction", type=float, default=0.25, metavar="F",
                   help="share of proteins also scored as shuffled decoys, for q-values and protein "
                        "p-values (default 0.25; 0 disables)")
    p.add_argument("--decoy-seed", type=int, default=0, metavar="N",
                   help="seed of the decoy choice and shuffles (default 0)")
    p.add_argument("--seed", type=int, dest="decoy_seed", help=argparse.SUPPRESS)  # deprecated alias
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted screen into the same output directory from the chunks "
                        "it finished (OUT/.partial/); same outputs as an uninterrupted screen")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier screen in the output directory (its tables, screen.json, "
                        "structure.csv); a directory holding other files is still refused")
    p.add_argument("--chunk-floats", type=int, default=16_000_000, metavar="N",
                   help="featurise proteins in chunks of about N floats (residues x the model's input "
                        "dimension: 65 window features for the default model, an embedder's dimension for a "
                        "Transformer; at least 2,000 residues): the memory bound, and the unit of --resume "
                        "(default 16,000,000)")
    add_workers_option(p)
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="what scores the chunks: local worker processes (default) or the actors of a Ray "
                        "cluster (needs nesscan[ray]; same outputs; --workers then counts actors)")
    p.add_argument("--ray-address", metavar="ADDR", help="Ray cluster to use with --engine ray (default: "
                   "$RAY_ADDRESS, a cluster started here by `ray start`, else a new one on this machine)")
    add_runtime_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.io.fasta import proteome_name
    from nesscan.design.importance import screen_importance
    from nesscan.screen.proteomes import screen_proteomes

    rep = Reporter()
    with rep.progress("screening") as progress:
        summaries = screen_proteomes(args.fasta, args.output, engine=args.engine, ray_address=args.ray_address,
                                     model_dir=args.model, threshold=args.threshold, nesdb=args.nesdb,
                                     runtime=runtime(args), decoy_fraction=args.decoy_fraction,
                                     seed=args.decoy_seed, progress=progress, resume=args.resume,
                                     chunk_floats=args.chunk_floats, workers=args.workers,
                                     overwrite=args.overwrite, importance=screen_importance)
    for fasta, summary in zip(args.fasta, summaries):
        dest = args.output if len(args.fasta) == 1 else f"{args.output.rstrip('/')}/{proteome_name(fasta)}"
        calls, warning, headline = _fdr_text(dest)
        if headline:
            rep.log(headline)
        rep.log(f"{summary.proteins} proteins, {summary.windows} windows, {summary.candidates} candidates "
                f"at >= {summary.threshold:.3f} ({summary.known_candidates} known NESdb NESs); {calls}; "
                f"{summary.shorter_than_window} proteins shorter than the window -> {dest}")
        if warning:
            rep.log(warning)
    return 0


def _fdr_text(output: str) -> tuple[str, str | None, str | None]:
    """Calls at the threshold and at FDR 10%, a warning when the FDR at the threshold is high,
    and the headline of the window call (:func:`nesscan.screen.calls.headline`)."""
    import json
    from pathlib import Path

    from nesscan.screen.calibration import calls_summary

    try:
        fdr = json.loads((Path(output) / "fdr.json").read_text())
    except (OSError, ValueError):
        fdr = None
    headline = (fdr or {}).get("call", {}).get("headline")
    return (*calls_summary(fdr), headline)
