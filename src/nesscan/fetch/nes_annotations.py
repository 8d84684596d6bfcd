"""UniProtKB "Nuclear export signal" motifs with experimental evidence: an alternative positive set.

Query (Swiss-Prot; JSON, paginated like :mod:`nesscan.fetch.pages`)::

    query  = ft_motif:"nuclear export signal" AND reviewed:true
    fields = accession,id,gene_names,organism_name,sequence,ft_motif

From each entry, every feature of ``type`` "Motif" whose ``description``
starts with "Nuclear export signal" and that carries at least one evidence
``ECO:0000269`` ("experimental evidence used in manual assertion", Evidence &
Conclusion Ontology, doi:10.1093/nar/gky1036) becomes one row. Motifs with an
uncertain boundary (location modifier other than ``EXACT``) are skipped and
counted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from nesscan.atomic import write_text
from nesscan.errors import NesscanError
from nesscan.fetch import service_url
from nesscan.fetch.pages import fetch_pages

QUERY = 'ft_motif:"nuclear export signal" AND reviewed:true'
FIELDS = "accession,id,gene_names,organism_name,sequence,ft_motif"
EXPERIMENTAL = "ECO:0000269"
#: Columns of the table written by :func:`fetch_nes_annotations`.
COLUMNS = ("accession", "entry_name", "gene", "organism", "start_1b", "end_1b", "nes", "evidence",
           "pubmed", "sequence")


@dataclass(frozen=True)
class NesFetch:
    """What :func:`fetch_nes_annotations` wrote."""

    path: Path  # the TSV table
    entries: int  # UniProtKB entries received (X-Total-Results)
    motifs: int  # rows written: NES motifs with experimental evidence
    proteins: int  # distinct accessions among the rows
    skipped_uncertain: int  # experimental NES motifs skipped for an uncertain boundary
    release: str  # UniProt release ("" if not sent)


def check_json_page(body: bytes, url: str) -> int:
    """Number of entries in one UniProt JSON search page; NesscanError if it is not one."""
    try:
        page = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        start = body[:40].decode("ascii", "replace").splitlines()[0] if body.strip() else ""
        raise NesscanError(f"{url}: the response is not UniProt JSON (it starts with {start!r})") from None
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise NesscanError(f"{url}: the response is JSON but has no 'results' list")
    for entry in page["results"]:
        if not isinstance(entry, dict) or "primaryAccession" not in entry:
            raise NesscanError(f"{url}: a result has no primaryAccession")
    return len(page["results"])


def _rows(entry: dict[str, Any], where: str) -> tuple[list[dict[str, Any]], int]:
    """Table rows of one UniProt JSON entry, and its skipped uncertain motifs."""
    acc = entry["primaryAccession"]
    seq = (entry.get("sequence") or {}).get("value", "")
    md5 = (entry.get("sequence") or {}).get("md5")
    if not seq or (md5 and hashlib.md5(seq.encode()).hexdigest() != md5.lower()):
        raise NesscanError(f"{where}: entry {acc}: missing sequence or sequence md5 mismatch (corrupt response)")
    genes = entry.get("genes") or [{}]
    gene = (genes[0].get("geneName") or {}).get("value", "")
    rows, skipped = [], 0
    for feat in entry.get("features") or []:
        if feat.get("type") != "Motif" or not feat.get("description", "").lower().startswith("nuclear export signal"):
            continue
        evidences = feat.get("evidences") or []
        codes = list(dict.fromkeys(e.get("evidenceCode", "") for e in evidences))
        if EXPERIMENTAL not in codes:
            continue
        start, end = feat["location"]["start"], feat["location"]["end"]
        if start.get("modifier", "EXACT") != "EXACT" or end.get("modifier", "EXACT") != "EXACT":
            skipped += 1
            continue
        s, e = int(start["value"]), int(end["value"])
        if not 1 <= s <= e <= len(seq):
            raise NesscanError(f"{where}: entry {acc}: motif {s}-{e} lies outside its {len(seq)} residues")
        pubmed = [e["id"] for e in evidences
                  if e.get("evidenceCode") == EXPERIMENTAL and e.get("source") == "PubMed" and e.get("id")]
        rows.append({"accession": acc, "entry_name": entry.get("uniProtkbId", ""), "gene": gene,
                     "organism": (entry.get("organism") or {}).get("scientificName", ""),
                     "start_1b": s, "end_1b": e, "nes": seq[s - 1:e], "evidence": ";".join(codes),
                     "pubmed": ";".join(dict.fromkeys(pubmed)), "sequence": seq})
    return rows, skipped


def fetch_nes_annotations(
    dest: str | os.PathLike = "uniprot_nes.tsv",
    *,
    base_url: str | None = None,
    page_size: int = 500,
    retries: int = 4,
    timeout: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> NesFetch:
    """Download UniProtKB NES motifs with experimental evidence into a TSV table.

    Parameters
    ----------
    dest
        Output TSV (columns :data:`COLUMNS`, coordinates 1-based inclusive),
        written atomically; rows sorted by accession and start.
    base_url
        UniProt REST root (default ``$NESSCAN_UNIPROT_URL`` or https://rest.uniprot.org).
    page_size, retries, timeout, progress
        As in :func:`nesscan.fetch.proteome.fetch_proteome` (progress counts entries).

    Returns
    -------
    NesFetch
    """
    if not 1 <= page_size <= 500:
        raise NesscanError(f"page size must be 1..500 (got {page_size})")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    query = urllib.parse.urlencode({"query": QUERY, "format": "json", "fields": FIELDS, "size": page_size})
    first = f"{service_url('uniprot', base_url)}/uniprotkb/search?{query}"
    workdir = dest.with_name(f".{dest.name}.pages")
    pages = fetch_pages(first, workdir, check_json_page, suffix=".json", retries=retries,
                        timeout=timeout, progress=progress)
    rows, skipped = [], 0
    for page in pages.files:
        for entry in json.loads(page.read_bytes())["results"]:
            got, n = _rows(entry, first)
            rows += got
            skipped += n
    rows.sort(key=lambda r: (r["accession"], r["start_1b"], r["end_1b"]))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(dest, buf.getvalue())
    shutil.rmtree(workdir)
    return NesFetch(dest, pages.total, len(rows), len({r["accession"] for r in rows}), skipped, pages.release)
