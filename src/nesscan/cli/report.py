"""``nesscan report``: an HTML + Markdown report of a run folder (or of a screen folder), figures included."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, formatter
from nesscan.errors import NesscanError

EXAMPLE = """Example:
  nesscan report runA/       # -> runA/report/report.html (opens offline), report.md, figures
  nesscan report yeast/      # a `nesscan screen` folder -> yeast/report/report.html
  nesscan report runA/ --control UP000000625-E.coli -o runA_report/"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write an HTML/Markdown report with figures of a `nesscan run` or "
                       "`nesscan screen` folder",
                       description="Read a folder written by `nesscan run` and write report.html (one "
                                   "self-contained file, figures embedded), report.md and the figures "
                                   "(fig1_roc, fig2_score_distribution, fig3_boxplot, flowchart; PNG and SVG). "
                                   "On a folder written by `nesscan screen`: a summary of the screen (headline "
                                   "from fdr.json, top candidates, score distribution, proteins by call status, "
                                   "FDR table).",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="output folder of `nesscan run` or of `nesscan screen`")
    p.add_argument("-o", "--output", help="report folder (default: RUN_DIR/report)")
    p.add_argument("--control", metavar="NAME", help="screen (RUN_DIR/screen/NAME, or OUT/NAME of a multi-FASTA "
                   "screen) to use as the negative-control proteome (default: the one named like E.coli)")
    p.add_argument("--structures", metavar="DIR", help="folder of AlphaFold models: first write "
                   "screen/<name>/structure.csv for every screen (`nesscan structure`), then report them")
    p.add_argument("--download", action="store_true", help="with --structures: fetch missing models from "
                   "AlphaFold DB into $NESSCAN_CACHE/alphafold")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nesscan.report import write_report
    from nesscan.report.screen_report import screen_folders, write_screen_report

    folder = Path(args.run_dir)
    is_run = (folder / "model" / "config.json").is_file()
    screens = [] if is_run else screen_folders(folder)
    if folder.is_dir() and not is_run and not screens:
        raise NesscanError(f"{folder}: neither a `nesscan run` folder (no model/config.json) nor a `nesscan screen` "
                           "folder (no candidates.csv and proteins.csv)")
    if args.structures or args.download:
        from nesscan.structure.files import structure_screens

        structure_screens(args.run_dir, args.structures, download=args.download, log=Reporter().log,
                          folders=screens or None)
    output = Path(args.output) if args.output else None
    if screens:  # a `nesscan screen` folder (or a folder of them), not a run
        path = write_screen_report(folder, output, control=args.control)
    else:
        path = write_report(folder, output, control=args.control)
    Reporter().log(f"report -> {path} (and report.md, figures in {path.parent})")
    return 0
