"""``nesscan predict``: the NESs of one or a few proteins, on the terminal or as CSV/JSON."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from nesscan.cli.common import add_model_option, add_runtime_options, formatter, runtime
from nesscan.errors import NesscanError

EXAMPLE = """Example:
  nesscan predict MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES
  nesscan predict proteins.fasta --format csv -o candidates.csv
  nesscan predict Q02750 P04637 --proteome human.fasta.gz
  cat proteins.fasta | nesscan predict - --format json"""

#: a UniProt accession (optionally with an isoform suffix) or entry name
_ACCESSION = re.compile(r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-\d+)?$"
                        r"|^[A-Z0-9]{1,10}_[A-Z0-9]{1,5}$")
FORMATS = ("table", "csv", "json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="the NESs of one or a few proteins (sequence, FASTA or accession)",
                       description="Score every window of one or a few proteins and list their candidate NESs: "
                                   "Kosugi class, anchors, the call and its error rate against the model's "
                                   "reference nulls, known NESs (NESdb, matched through homologues) and an "
                                   "explanation. The same numbers as the web page and nesscan.predict().",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="a protein sequence, a FASTA file (plain or gzip), - for FASTA on standard input, or a "
                        "UniProt accession or entry name looked up in --proteome")
    p.add_argument("--proteome", action="append", metavar="FASTA",
                   help="FASTA in which to look up accessions (repeatable; default: the proteomes/ folder of "
                        "$NESSCAN_DATA)")
    p.add_argument("--threshold", type=float, help="candidate threshold, 0-1 (default: the model's)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="table (default on the terminal), csv (one row per candidate) or json (per protein, "
                        "as POST /api/predict); default for -o: from its suffix")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--no-order", action="store_true",
                   help="skip the predicted pLDDT and disorder tracks (faster; explanations say no predicted order)")
    p.add_argument("--no-homologues", action="store_true",
                   help="mark known NESs of the same accession only, not of homologous NESdb proteins")
    add_model_option(p)
    add_runtime_options(p)
    p.set_defaults(func=run)


def read_inputs(inputs: list[str], proteomes: list[str] | None):
    """The proteins named by ``inputs`` (sequences, FASTA files, ``-``, accessions), in order.

    Raises
    ------
    NesscanError
        An input that is none of these, an accession not found, no proteome to look in.
    """
    from nesscan.api import as_proteins
    from nesscan.io.fasta import AMINO_ACIDS, read_fasta
    from nesscan.records import Protein

    found: list[Protein | str] = []
    for i, item in enumerate(inputs, 1):
        if item == "-":
            found.extend(read_fasta(sys.stdin))
        elif Path(item).is_file():
            found.extend(read_fasta(item))
        elif _ACCESSION.match(item):
            found.append(item)
        elif item.startswith(">"):
            found.extend(as_proteins(item))
        elif re.fullmatch(f"[{AMINO_ACIDS}]+\\*?", item.upper()):
            name = "query" if len(inputs) == 1 else f"query_{i}"
            found.append(Protein(name, as_proteins(item)[0].sequence))
        else:
            raise NesscanError(f"{item!r}: not a file, an amino-acid sequence or a UniProt accession")
    wanted = [x for x in found if isinstance(x, str)]
    if wanted:
        looked = _look_up(wanted, proteomes)
        found = [looked[x] if isinstance(x, str) else x for x in found]
    ids = [p.accession for p in found]
    if len(set(ids)) != len(ids):
        raise NesscanError(f"{next(a for a in ids if ids.count(a) > 1)!r} given twice")
    return found


def _look_up(wanted: list[str], proteomes: list[str] | None) -> dict:
    """Accession or entry name -> its protein in the proteome FASTAs."""
    from nesscan.io.fasta import iter_fasta, require_file

    files = [Path(f) for f in proteomes or []]
    if not files:
        data = os.environ.get("NESSCAN_DATA")
        folder = Path(data) / "proteomes" if data else None
        files = sorted(folder.glob("*.fa*")) if folder is not None and folder.is_dir() else []
    if not files:
        raise NesscanError(f"{wanted[0]}: to look up an accession, pass --proteome FASTA (or set NESSCAN_DATA "
                           "to a data folder with proteomes/)")
    out, left = {}, set(wanted)
    for f in files:
        require_file(f)
        for p in iter_fasta(f):
            for key in (p.accession, p.entry_name):
                if key in left:
                    out[key] = p
                    left.discard(key)
            if not left:
                return out
    missing = [w for w in wanted if w in left]
    raise NesscanError(f"{missing[0]}: not found in {', '.join(map(str, files))}"
                       + (f" ({len(missing) - 1} more not found)" if len(missing) > 1 else ""))


def run(args: argparse.Namespace) -> int:
    from nesscan.api import load_model, predict
    from nesscan.cli.predict_output import write_predictions

    fmt = args.format or _format_of(args.output)
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        raise NesscanError(f"threshold must be between 0 and 1, not {args.threshold}")
    proteins = read_inputs(args.inputs, args.proteome)
    rt = runtime(args)
    model = load_model(args.model, device=rt.device, precision=rt.precision, cache_dir=rt.cache_dir,
                       weights=rt.weights)
    results = predict(proteins, model=model, threshold=args.threshold, order=not args.no_order,
                      homologues=not args.no_homologues)
    write_predictions(results, model, fmt, args.output)
    return 0


def _format_of(output: str | None) -> str:
    if output is None:
        return "table"
    suffix = Path(output).suffix.lower()
    return {".csv": "csv", ".json": "json"}.get(suffix, "table")
