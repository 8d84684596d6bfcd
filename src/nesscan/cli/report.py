"""``nesscan report``: an HTML + Markdown report of a run folder, figures included."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, formatter

EXAMPLE = """Example:
  nesscan report runA/       # -> runA/report/report.html (opens offline), report.md, figures
  nesscan report runA/ --control UP000000625-E.coli -o runA_report/"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write an HTML/Markdown report with figures of a `nesscan run` folder",
                       description="Read a folder written by `nesscan run` and write report.html (one "
                                   "self-contained file, figures embedded), report.md and the figures "
                                   "(fig1_roc, fig2_score_distribution, fig3_boxplot, flowchart; PNG and SVG).",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="output folder of `nesscan run`")
    p.add_argument("-o", "--output", help="report folder (default: RUN_DIR/report)")
    p.add_argument("--control", metavar="NAME", help="screen (RUN_DIR/screen/NAME) to use as the negative-control "
                   "proteome (default: the one named like E.coli)")
    p.add_argument("--structures", metavar="DIR", help="folder of AlphaFold models: first write "
                   "screen/<name>/structure.csv for every screen (`nesscan structure`), then report them")
    p.add_argument("--download", action="store_true", help="with --structures: fetch missing models from "
                   "AlphaFold DB into $NESSCAN_CACHE/alphafold")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nesscan.report import write_report

    if args.structures or args.download:
        from nesscan.structure.files import structure_screens

        structure_screens(args.run_dir, args.structures, download=args.download, log=Reporter().log)
    path = write_report(Path(args.run_dir), Path(args.output) if args.output else None, control=args.control)
    Reporter().log(f"report -> {path} (and report.md, figures in {path.parent})")
    return 0
