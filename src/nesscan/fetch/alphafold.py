"""AlphaFold DB models downloaded into a cache (:func:`fetch_models`).

Downloads go through :func:`nesscan.fetch.http.download` (retries with backoff,
atomic files). The server is ``https://alphafold.ebi.ac.uk`` unless ``base_url`` or
the environment variable ``NESSCAN_AFDB_URL`` names another (a mirror, or a local
test server). For each accession :func:`fetch_models` asks the prediction API
(``BASE/api/prediction/ACC``, JSON with a ``pdbUrl``), and when that fails, tries the
file names ``BASE/files/AF-ACC-F1-model_vV.pdb`` for :data:`MODEL_VERSIONS`.

The API gives no checksum of the model files (its ``sequenceChecksum`` is a CRC64 of
the UniProt sequence), so each download is checked by parsing it: a file that
:func:`nesscan.structure.residues.read_atoms` refuses (corrupt, truncated) is deleted
and never enters the cache. Downloads land in ``CACHE/.incoming`` and are moved into
the cache only once they parse. File names: :mod:`nesscan.structure.afdb`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from nesscan.errors import NesscanError
from nesscan.structure.afdb import index_models, parse_model_name

DEFAULT_URL = "https://alphafold.ebi.ac.uk"
MODEL_VERSIONS = (6, 5, 4)
_INCOMING = ".incoming"  # sub-folder of the cache where downloads wait for their check


def _api_urls(base: str, accession: str) -> list[str]:
    """Model URLs of ``accession`` from the prediction API, F1 first; ``[]`` if it has none."""
    from nesscan.fetch.http import http_get

    reply = http_get(f"{base}/api/prediction/{accession}")
    try:
        entries = json.loads(reply.body)
    except ValueError:
        raise NesscanError(f"{base}/api/prediction/{accession}: not JSON") from None
    urls = []
    for entry in entries if isinstance(entries, list) else [entries]:
        url = entry.get("pdbUrl") or entry.get("cifUrl") if isinstance(entry, dict) else None
        if isinstance(url, str) and url and entry.get("uniprotAccession", accession) == accession:
            urls.append(url)
    return urls


def _fetch_one(base: str, accession: str, cache: Path) -> list[Path]:
    """F1 model of ``accession``, downloaded and checked, in ``cache``; ``[]`` if there is none.

    Raises :class:`~nesscan.structure.residues.CorruptModel` when the downloaded file does
    not parse (it is deleted first)."""
    from nesscan.fetch.http import download

    try:
        urls = _api_urls(base, accession)
    except NesscanError:
        urls = []
    for url in urls:
        name = url.rsplit("/", 1)[-1].split("?")[0]
        if parse_model_name(name) is None:
            name = f"AF-{accession}-F1.{'cif' if '.cif' in name else 'pdb'}"
        try:
            staged = download(url, cache / _INCOMING / name)
        except NesscanError:
            continue
        return [_admit(staged, cache, url)]
    for version in MODEL_VERSIONS:
        name = f"AF-{accession}-F1-model_v{version}.pdb"
        url = f"{base}/files/{name}"
        try:
            staged = download(url, cache / _INCOMING / name)
        except NesscanError as err:
            if "not found" not in str(err):
                raise
            continue
        return [_admit(staged, cache, url)]
    return []


def _admit(staged: Path, cache: Path, url: str) -> Path:
    """Move a downloaded model into ``cache`` if it parses; delete it and raise if not."""
    from nesscan.structure.residues import CorruptModel, read_atoms

    try:
        read_atoms(staged)
    except CorruptModel as err:
        staged.unlink(missing_ok=True)
        reason = str(err).removeprefix(f"{staged}: ")
        raise CorruptModel(f"{url}: {reason} (the download was deleted)") from None
    dest = cache / staged.name
    os.replace(staged, dest)
    return dest


def fetch_models(accessions: Iterable[str], cache: Path | None = None, base_url: str | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 refused: Callable[[str, str], None] | None = None) -> dict[str, list[Path]]:
    """AlphaFold DB models of some accessions, downloaded into a cache when not there yet.

    Parameters
    ----------
    accessions
        UniProt accessions.
    cache
        Folder of the models (default ``nesscan.fetch.http.cache_dir("alphafold")``);
        models already in it are not fetched again.
    base_url
        AlphaFold DB server (default ``$NESSCAN_AFDB_URL`` or :data:`DEFAULT_URL`).
    progress
        ``progress(done, total)`` after each accession.
    refused
        ``refused(accession, message)`` for each accession whose downloaded model does
        not parse as a structure (corrupt or truncated; the file is deleted, the
        accession maps to ``[]`` like one without a model, and the other accessions are
        still fetched). ``message`` is one line naming the URL and the problem.

    Returns
    -------
    dict of str to list of pathlib.Path
        Accession -> model files (F1, F2, ...); an accession AlphaFold DB has no model
        for, or whose download was refused, maps to ``[]``.

    Raises
    ------
    NesscanError
        A download that failed after its retries (network down, server errors), one line.
    """
    from nesscan.fetch.http import cache_dir
    from nesscan.structure.residues import CorruptModel

    cache = Path(cache) if cache is not None else cache_dir("alphafold")
    cache.mkdir(parents=True, exist_ok=True)
    base = (base_url or os.environ.get("NESSCAN_AFDB_URL") or DEFAULT_URL).rstrip("/")
    wanted = list(dict.fromkeys(accessions))
    have = index_models(cache)
    out: dict[str, list[Path]] = {}
    for i, acc in enumerate(wanted):
        try:
            out[acc] = have.get(acc) or _fetch_one(base, acc, cache)
        except CorruptModel as err:
            out[acc] = []
            if refused is not None:
                refused(acc, str(err))
        if progress is not None:
            progress(i + 1, len(wanted))
    return out
