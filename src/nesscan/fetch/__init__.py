"""Fetch public data for users who are online (``nesscan fetch``).

* :mod:`nesscan.fetch.http`: downloads with retries, resume, checksums, atomic files.
* :mod:`nesscan.fetch.pages`: resumable download of a paginated UniProt search.
* :mod:`nesscan.fetch.proteome`: a reference proteome as gzip FASTA.
* :mod:`nesscan.fetch.nes_annotations`: the UniProtKB "Nuclear export signal" motifs
  with experimental evidence.
* :mod:`nesscan.fetch.hub`: ESM-2 weights from the Hugging Face hub into the
  cache that the ``esm2`` embedder reads.
* AlphaFold DB models: :func:`nesscan.fetch.alphafold.fetch_models`.

Every service's base URL can be overridden (for mirrors and tests) by a
``base_url`` argument or an environment variable, see :func:`service_url`.
"""

from __future__ import annotations

import os

#: service -> (environment variable, default base URL)
SERVICES: dict[str, tuple[str, str]] = {
    "uniprot": ("NESSCAN_UNIPROT_URL", "https://rest.uniprot.org"),
    "hf": ("NESSCAN_HF_URL", "https://huggingface.co"),
    "afdb": ("NESSCAN_AFDB_URL", "https://alphafold.ebi.ac.uk"),
}


def service_url(service: str, base_url: str | None = None) -> str:
    """Base URL of ``service``: ``base_url``, else its environment variable, else the public one.

    Examples
    --------
    >>> service_url("uniprot", "http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    env, default = SERVICES[service]
    return (base_url or os.environ.get(env) or default).rstrip("/")
