"""A UniProt reference proteome (canonical sequences) as one gzip FASTA file.

Query: ``https://rest.uniprot.org/uniprotkb/search?query=proteome:<UPID>&format=fasta&size=500``,
followed page by page through its ``Link: rel="next"`` cursor (see
:mod:`nesscan.fetch.pages`). A UniProtKB search returns one canonical sequence
per entry (no isoforms), Swiss-Prot and TrEMBL alike.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nesscan.errors import NesscanError
from nesscan.fetch import service_url
from nesscan.fetch.pages import fetch_pages

_PROTEOME_ID = re.compile(r"UP\d{9}")
_HEADER = re.compile(r">(?:sp|tr)\|([A-Z0-9]+(?:-\d+)?)\|\S+")
_SEQUENCE = re.compile(r"[A-Z]+")


@dataclass(frozen=True)
class ProteomeFetch:
    """What :func:`fetch_proteome` wrote."""

    path: Path  # the FASTA file (gzip when its name ends in .gz)
    proteins: int  # sequences written, equal to UniProt's X-Total-Results
    release: str  # UniProt release, e.g. "2024_03" ("" if not sent)


def check_fasta_page(body: bytes, url: str) -> int:
    """Number of UniProt FASTA records in one page; NesscanError if it is not UniProt FASTA."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise NesscanError(f"{url}: the response is not FASTA (binary or non-ASCII data)") from None
    if not text.strip():
        return 0
    if not text.startswith(">"):
        first = text.lstrip()[:40].splitlines()[0] if text.strip() else ""
        raise NesscanError(f"{url}: the response is not FASTA (it starts with {first!r})")
    count, residues = 0, 1
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(">"):
            if not residues:
                raise NesscanError(f"{url}: FASTA record {count} has no sequence (line {number})")
            if not _HEADER.match(line):
                raise NesscanError(f"{url}: line {number} is not a UniProt FASTA header: {line[:60]!r}")
            count, residues = count + 1, 0
        elif _SEQUENCE.fullmatch(line):
            residues += len(line)
        elif line:
            raise NesscanError(f"{url}: line {number} is neither a FASTA header nor sequence: {line[:60]!r}")
    if not residues:
        raise NesscanError(f"{url}: the last FASTA record has no sequence (truncated response)")
    return count


def _assemble(pages: list[Path], dest: Path) -> int:
    """Concatenate the pages into ``dest`` (gzip if ``.gz``, mtime 0) atomically; returns records."""
    seen: set[str] = set()
    tmp = dest.with_name(dest.name + ".tmp")
    with open(tmp, "wb") as raw:
        out = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if dest.name.endswith(".gz") else raw
        for page in pages:
            data = page.read_bytes()
            for acc in re.findall(rb"^>(?:sp|tr)\|([^|]+)\|", data, flags=re.M):
                if acc in seen:
                    tmp.unlink()
                    raise NesscanError(f"{page}: accession {acc.decode()} was sent twice; run again")
                seen.add(acc)
            out.write(data if not data or data.endswith(b"\n") else data + b"\n")
        if out is not raw:
            out.close()
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, dest)
    return len(seen)


def fetch_proteome(
    proteome_id: str,
    dest: str | os.PathLike | None = None,
    *,
    base_url: str | None = None,
    page_size: int = 500,
    retries: int = 4,
    timeout: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> ProteomeFetch:
    """Download the canonical sequences of a UniProt proteome into one FASTA file.

    Parameters
    ----------
    proteome_id
        UniProt proteome id, e.g. ``"UP000005640"`` (human).
    dest
        Output file (default ``<proteome_id>.fasta.gz`` in the current folder);
        gzip when it ends in ``.gz``. Written atomically, once every page is in.
    base_url
        UniProt REST root (default ``$NESSCAN_UNIPROT_URL`` or https://rest.uniprot.org).
    page_size
        Entries per request (UniProt allows at most 500).
    retries, timeout
        Per request, see :func:`nesscan.fetch.http.http_get`.
    progress
        ``progress(proteins_done, total_proteins)`` after each page.

    Returns
    -------
    ProteomeFetch

    Notes
    -----
    Pages are kept in ``.<dest name>.pages/`` beside ``dest`` until the file is
    written, so an interrupted fetch continues where it stopped when run again.
    """
    if not _PROTEOME_ID.fullmatch(proteome_id):
        raise NesscanError(f"{proteome_id!r} is not a UniProt proteome id (UP followed by 9 digits)")
    if not 1 <= page_size <= 500:
        raise NesscanError(f"page size must be 1..500 (got {page_size})")
    dest = Path(dest) if dest is not None else Path(f"{proteome_id}.fasta.gz")
    dest.parent.mkdir(parents=True, exist_ok=True)
    query = urllib.parse.urlencode({"query": f"proteome:{proteome_id}", "format": "fasta", "size": page_size})
    first = f"{service_url('uniprot', base_url)}/uniprotkb/search?{query}"
    workdir = dest.with_name(f".{dest.name}.pages")
    pages = fetch_pages(first, workdir, check_fasta_page, suffix=".fasta", retries=retries,
                        timeout=timeout, progress=progress)
    if pages.total == 0:
        shutil.rmtree(workdir)
        raise NesscanError(f"UniProt has no entries for proteome {proteome_id} ({first})")
    proteins = _assemble(pages.files, dest)
    shutil.rmtree(workdir)
    return ProteomeFetch(dest, proteins, pages.release)
