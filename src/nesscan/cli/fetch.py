"""``nesscan fetch``: download proteomes, NES annotations, ESM-2 weights and AlphaFold models."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, formatter

EXAMPLE = """Example:
  nesscan fetch proteome UP000005640 -o human.fasta.gz"""

EXAMPLES = {
    "proteome": "nesscan fetch proteome UP000002311 -o yeast.fasta.gz",
    "nes-annotations": "nesscan fetch nes-annotations -o uniprot_nes.tsv",
    "esm2": "nesscan fetch esm2 esm2_t33_650M_UR50D",
    "alphafold": "nesscan fetch alphafold O00311 P55265",
}

SERVERS = """Servers: UniProt REST ($NESSCAN_UNIPROT_URL, default https://rest.uniprot.org), the Hugging Face
hub ($NESSCAN_HF_URL, default https://huggingface.co), AlphaFold DB ($NESSCAN_AFDB_URL, default
https://alphafold.ebi.ac.uk). Caches live under $NESSCAN_CACHE (default ~/.cache/nesscan)."""


def _sub(sub: argparse._SubParsersAction, name: str, help: str, description: str,
         network: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=description, formatter_class=formatter,
                       epilog=f"Example:\n  {EXAMPLES[name]}")
    if not network:
        return p
    p.add_argument("--retries", type=int, default=4, help="retries per request after the first try (default 4)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a server (default 60)")
    return p


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch", help="download proteomes, NES annotations, ESM-2 weights, AlphaFold models",
                       description="Download public data (needs a network). Downloads retry with backoff,\n"
                                   "resume where an interrupted run stopped, are checked (record counts,\n"
                                   "checksums) and appear at their destination only when complete.\n\n"
                                   + SERVERS, epilog=EXAMPLE, formatter_class=formatter)
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)

    q = _sub(what, "proteome", "canonical sequences of a UniProt reference proteome",
             "Download the canonical sequences (one per UniProtKB entry, no isoforms) of a UniProt proteome "
             "as FASTA, page by page; an interrupted fetch continues from its last page when run again.")
    q.add_argument("proteome", help="UniProt proteome id, e.g. UP000005640 (human)")
    q.add_argument("-o", "--output", help="output FASTA, gzip if it ends in .gz (default <PROTEOME>.fasta.gz)")
    q.add_argument("--page-size", type=int, default=500, metavar="N", help="entries per request (default 500, "
                   "UniProt's maximum)")
    q.set_defaults(func=run_proteome)

    q = _sub(what, "nes-annotations", "UniProtKB NES motifs with experimental evidence (TSV)",
             "Download every Swiss-Prot 'Nuclear export signal' motif with experimental evidence "
             "(ECO:0000269) as a table: an alternative positive set (columns in the README).")
    q.add_argument("-o", "--output", default="uniprot_nes.tsv", help="output TSV (default uniprot_nes.tsv)")
    q.add_argument("--page-size", type=int, default=500, metavar="N", help="entries per request (default 500)")
    q.set_defaults(func=run_nes_annotations)

    q = _sub(what, "esm2", "ESM-2 weights into the cache the esm2 embedder reads",
             "Download an ESM-2 checkpoint from the Hugging Face hub into $NESSCAN_CACHE/esm2/<name>, "
             "checking each file's SHA-256 (or git SHA-1).")
    q.add_argument("name", help="esm2_t6_8M_UR50D ... esm2_t36_3B_UR50D, or a hub id such as facebook/esm2_t6_8M_UR50D")
    q.add_argument("--revision", default="main", help="branch, tag or commit (default main)")
    q.add_argument("--force", action="store_true", help="fetch again even if the model is in the cache")
    q.set_defaults(func=run_esm2)

    q = _sub(what, "alphafold", "AlphaFold DB models into the structure cache",
             "Download AlphaFold DB models of UniProt accessions into $NESSCAN_CACHE/alphafold "
             "(models already there are not fetched again). Each download must parse as a complete "
             "structure: a corrupt or truncated model is deleted and reported as an error (exit 1) "
             "after the other accessions are fetched.", network=False)
    q.add_argument("accessions", nargs="+", metavar="ACC", help="UniProt accessions")
    q.set_defaults(func=run_alphafold)


def _check(args: argparse.Namespace) -> None:
    from nesscan.errors import NesscanError

    if args.retries < 0 or args.timeout <= 0:
        raise NesscanError("--retries must be >= 0 and --timeout > 0")


def run_proteome(args: argparse.Namespace) -> int:
    from nesscan.fetch.proteome import fetch_proteome

    _check(args)
    rep = Reporter()
    with rep.progress(f"fetching {args.proteome}") as progress:
        got = fetch_proteome(args.proteome, args.output, page_size=args.page_size, retries=args.retries,
                             timeout=args.timeout, progress=progress)
    rep.log(f"{got.proteins} proteins of {args.proteome} (UniProt release {got.release or 'unknown'}) -> {got.path}")
    return 0


def run_nes_annotations(args: argparse.Namespace) -> int:
    from nesscan.fetch.nes_annotations import fetch_nes_annotations

    _check(args)
    rep = Reporter()
    with rep.progress("fetching NES annotations") as progress:
        got = fetch_nes_annotations(args.output, page_size=args.page_size, retries=args.retries,
                                    timeout=args.timeout, progress=progress)
    rep.log(f"{got.motifs} experimental NES motifs in {got.proteins} proteins (of {got.entries} entries; "
            f"{got.skipped_uncertain} with uncertain ends skipped; UniProt release {got.release or 'unknown'}) "
            f"-> {got.path}")
    return 0


def run_esm2(args: argparse.Namespace) -> int:
    from nesscan.fetch.hub import fetch_esm2

    _check(args)
    rep = Reporter()
    with rep.progress(f"fetching {args.name}") as progress:
        path = fetch_esm2(args.name, revision=args.revision, force=args.force, retries=args.retries,
                          timeout=args.timeout, progress=progress)
    rep.log(f"ESM-2 {args.name} -> {path}")
    return 0


def run_alphafold(args: argparse.Namespace) -> int:
    from nesscan.errors import NesscanError
    from nesscan.fetch.alphafold import fetch_models

    rep = Reporter()
    refused: dict[str, str] = {}
    with rep.progress("fetching AlphaFold models") as progress:
        models = fetch_models(args.accessions, progress=progress, refused=refused.__setitem__)
    missing = [acc for acc, files in models.items() if not files and acc not in refused]
    for acc, files in models.items():
        if files:
            rep.log(f"{acc}: {', '.join(str(f) for f in files)}")
    if refused:
        raise NesscanError(f"corrupt AlphaFold DB model{'s' if len(refused) > 1 else ''} of "
                           f"{', '.join(refused)} refused: " + "; ".join(refused.values()))
    rep.log(f"{len(models) - len(missing)} of {len(models)} accessions have a model"
            + (f"; none in AlphaFold DB for {', '.join(missing)}" if missing else ""))
    return 0
